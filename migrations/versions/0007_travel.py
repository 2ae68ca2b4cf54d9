"""travel: a district's travel table; the travel source of each route plan

Revision ID: 0007_travel
Revises: 0006_dispatch
Create Date: 2026-11-23 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db


revision: str = '0007_travel'
down_revision: str | None = '0006_dispatch'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('travel_matrix',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('distances', sa.JSON(), nullable=False),
    sa.Column('durations', sa.JSON(), nullable=True),
    sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('uploaded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('district_id')
    )
    op.create_table('travel_matrix_place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matrix_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('depot_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(depot_id IS NULL) <> (community_id IS NULL)', name='travel_matrix_place_one_kind'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['depot_id'], ['depot.id'], ),
    sa.ForeignKeyConstraint(['matrix_id'], ['travel_matrix.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('matrix_id', 'position', name='travel_matrix_place_position_unique')
    )
    with op.batch_alter_table('travel_matrix_place', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_travel_matrix_place_matrix_id'), ['matrix_id'], unique=False)

    # Route plans made before this revision were all routed on the great-circle estimate.
    with op.batch_alter_table('route_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('travel_source', sa.String(length=16), server_default='estimate', nullable=False))
        batch_op.add_column(sa.Column('travel_fallbacks', sa.JSON(), server_default='[]', nullable=False))
        batch_op.create_check_constraint('route_plan_travel_known', "travel_source IN ('matrix', 'osrm', 'estimate')")


def downgrade() -> None:
    with op.batch_alter_table('route_plan', schema=None) as batch_op:
        batch_op.drop_constraint('route_plan_travel_known', type_='check')
        batch_op.drop_column('travel_fallbacks')
        batch_op.drop_column('travel_source')

    with op.batch_alter_table('travel_matrix_place', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_travel_matrix_place_matrix_id'))

    op.drop_table('travel_matrix_place')
    op.drop_table('travel_matrix')

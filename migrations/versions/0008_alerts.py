"""alerts: since when each alert of a district has been open, who acknowledged it

Revision ID: 0008_alerts
Revises: 0007_travel
Create Date: 2026-11-23 13:25:33.427784
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db


revision: str = '0008_alerts'
down_revision: str | None = '0007_travel'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('first_seen_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('acknowledged_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('below_reserve', 'low_days_of_supply', 'lot_expiring', 'document_expiring', 'contract_expiring', 'dispatch_overdue', 'agreement_unchecked')", name='alert_kind_known'),
    sa.CheckConstraint("severity IN ('critical', 'warning', 'info')", name='alert_severity_known'),
    sa.CheckConstraint('last_seen_at >= first_seen_at', name='alert_seen_in_order'),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index('alert_district_seen', ['district_id', 'last_seen_at'], unique=False)
        batch_op.create_index('alert_one_open_per_key', ['district_id', 'key'], unique=True, sqlite_where=sa.text('resolved_at IS NULL'), postgresql_where=sa.text('resolved_at IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('alert_one_open_per_key', sqlite_where=sa.text('resolved_at IS NULL'), postgresql_where=sa.text('resolved_at IS NULL'))
        batch_op.drop_index('alert_district_seen')

    op.drop_table('alert')

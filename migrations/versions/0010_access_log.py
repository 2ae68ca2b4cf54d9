"""access log: who was shown residents' vulnerable-group counts or suppliers' contact persons

Revision ID: 0010_access_log
Revises: 0009_reach
Create Date: 2026-12-10 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db


revision: str = '0010_access_log'
down_revision: str | None = '0009_reach'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('record_ids', sa.Text(), nullable=False),
    sa.Column('route', sa.String(length=300), nullable=False),
    sa.Column('client', sa.String(length=100), nullable=False),
    sa.CheckConstraint("kind IN ('community_groups', 'supplier_contacts')", name='access_log_kind_known'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('access_log_kind_time', ['kind', 'at'], unique=False)
        batch_op.create_index('access_log_user_time', ['username', 'at'], unique=False)


def downgrade() -> None:
    # The log goes with its table: export it first (`relief access-log`) if it must be kept.
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('access_log_user_time')
        batch_op.drop_index('access_log_kind_time')

    op.drop_table('access_log')

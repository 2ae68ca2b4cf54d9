"""ledger: entries, stored Merkle subtrees and the head row

Revision ID: 0002_ledger
Revises: 0001_inventory
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db
from core.clock import utcnow

revision: str = "0002_ledger"
down_revision: str | None = "0001_inventory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_entry",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("sig", sa.String(length=88), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("hash"),
    )
    op.create_index("ix_ledger_entry_kind_seq", "ledger_entry", ["kind", "seq"])
    op.create_index("ix_ledger_entry_actor", "ledger_entry", ["actor"])
    op.create_table(
        "ledger_node",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    head = op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=True),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(
        head, [{"id": 1, "size": 0, "head_hash": "0" * 64, "key": None, "updated_at": utcnow()}]
    )


def downgrade() -> None:
    op.drop_table("ledger_head")
    op.drop_table("ledger_node")
    op.drop_index("ix_ledger_entry_actor", table_name="ledger_entry")
    op.drop_index("ix_ledger_entry_kind_seq", table_name="ledger_entry")
    op.drop_table("ledger_entry")

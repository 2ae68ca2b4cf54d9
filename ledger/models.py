"""Ledger tables: the entries, the Merkle tree's perfect subtrees, and the log's head row.

* ``ledger_entry`` keeps each entry's canonical body byte for byte, so an export is the
  stored bytes, never a re-encoding.
* ``ledger_node`` holds the hash of every perfect subtree (level L, index j covers leaves
  ``[j * 2**L, (j + 1) * 2**L)``); any root or proof is then O(log n) rows.
* ``ledger_head`` is one row (id 1): size, hash of the last entry, and the verifier key in
  force. Appenders lock it (``SELECT ... FOR UPDATE``; SQLite serialises writers anyway),
  which is what makes concurrent appends safe.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary, SmallInteger, String, Text
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.db import UTCDateTime

HEAD_ID = 1


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entry"
    __table_args__ = (Index("ix_ledger_entry_kind_seq", "kind", "seq"),)

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    recorded_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    kind: str = Field(sa_column=Column(String(200), nullable=False))
    actor: str = Field(sa_column=Column(String(200), nullable=False, index=True))
    body: str = Field(sa_column=Column(Text, nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    sig: str = Field(sa_column=Column(String(88), nullable=False))
    key_id: str = Field(sa_column=Column(String(8), nullable=False))


class LedgerNode(SQLModel, table=True):
    __tablename__ = "ledger_node"

    level: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))


class LedgerHead(SQLModel, table=True):
    __tablename__ = "ledger_head"

    id: int = Field(default=HEAD_ID, primary_key=True)
    size: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    head_hash: str = Field(sa_column=Column(String(64), nullable=False))
    key: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

"""Idempotent writes: a retried request with the same `Idempotency-Key` gets the first answer.

The record is written in the same transaction as the write it guards, so either both exist
or neither does. Concurrent requests with the same key are serialised (SQLite: the write
lock; PostgreSQL: a transaction-scoped advisory lock on the key), so the second one waits
and then finds the first one's answer instead of applying the write twice.

Records are kept for a retention period (`Settings.idempotency_retention_days`) and then
pruned (`prune`, run daily by the server and by `relief db prune-keys`): a key reused after
that is a new request. Clients retry within minutes or hours; the period is in days.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, String, Text, UniqueConstraint, delete, select, text
from sqlmodel import Field, Session, SQLModel, col

from core.clock import utcnow
from core.db import UTCDateTime
from core.errors import Conflict, InvalidInput

MAX_KEY_LENGTH = 200


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("scope", "key", name="idempotency_scope_key_unique"),)

    id: int | None = Field(default=None, primary_key=True)
    #: Whose key it is (the caller's username): keys of different callers never meet.
    owner: str = Field(sa_column=Column("scope", String(120), nullable=False))
    key: str = Field(sa_column=Column(String(MAX_KEY_LENGTH), nullable=False))
    fingerprint: str = Field(sa_column=Column(String(64), nullable=False))
    status_code: int
    response: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: Any


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests 'the same request': method, path and body."""
    digest = hashlib.sha256()
    digest.update(method.upper().encode())
    digest.update(b"\0")
    digest.update(path.encode())
    digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
        )
    return key


def begin(
    session: Session, *, owner: str, key: str, request_fingerprint: str
) -> StoredAnswer | None:
    """Claim `key` for this transaction; return the earlier answer if the key was used before.

    A key reused for a different request is refused with 409.
    """
    key = check_key(key)
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 7))"),
            {"k": f"{owner}\n{key}"},
        )
    return _stored(session, owner=owner, key=key, request_fingerprint=request_fingerprint)


def peek(
    session: Session, *, owner: str, key: str, request_fingerprint: str
) -> StoredAnswer | None:
    """The earlier answer for `key`, if there is one, without claiming the key (it only
    reads): a long solve asks this before solving, then claims the key with `begin` in the
    transaction that stores its result. A key reused for a different request is a 409."""
    key = check_key(key)
    return _stored(session, owner=owner, key=key, request_fingerprint=request_fingerprint)


def _stored(
    session: Session, *, owner: str, key: str, request_fingerprint: str
) -> StoredAnswer | None:
    record = session.execute(
        select(IdempotencyRecord).where(
            IdempotencyRecord.owner == owner,  # type: ignore[arg-type]
            IdempotencyRecord.key == key,  # type: ignore[arg-type]
        )
    ).scalar_one_or_none()
    if record is None:
        return None
    if record.fingerprint != request_fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used for a different request.",
            extra={"idempotency_key": key},
        )
    return StoredAnswer(record.status_code, json.loads(record.response))


def finish(
    session: Session,
    *,
    owner: str,
    key: str,
    request_fingerprint: str,
    status_code: int,
    body: Any,
) -> None:
    session.add(
        IdempotencyRecord(
            owner=owner,
            key=check_key(key),
            fingerprint=request_fingerprint,
            status_code=status_code,
            response=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        )
    )
    session.flush()


def prune(session: Session, *, before: datetime) -> int:
    """Delete the records made before `before` (API keys and page forms' keys alike);
    returns how many went."""
    result = session.execute(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

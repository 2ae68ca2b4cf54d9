"""Reading the log of who was shown personal data (`api.security.personal` writes it)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import Session, col

from accounts.models import AccessLog

#: What kind of personal data a read showed.
Kind = Literal["community_groups", "supplier_contacts"]

MAX_PAGE = 500


class AccessLogEntry(BaseModel):
    id: int
    at: datetime
    username: str
    role: str = Field(description="The user's role when they were shown the data.")
    kind: Kind
    record_ids: list[int] = Field(
        description="The communities (community_groups) or suppliers (supplier_contacts) shown."
    )
    route: str = Field(description="The route or page that showed them, e.g. 'GET /communities'.")
    client: str = Field(description="The client's address.")

    @classmethod
    def of(cls, row: AccessLog) -> AccessLogEntry:
        return cls(
            id=row.id or 0,
            at=row.at,
            username=row.username,
            role=row.role,
            kind=row.kind,
            record_ids=json.loads(row.record_ids),
            route=row.route,
            client=row.client,
        )


class AccessLogPage(BaseModel):
    entries: list[AccessLogEntry] = Field(description="Newest first.")
    next_before_id: Annotated[
        int | None,
        Field(description="Pass as `before_id` for the next (older) page; null on the last."),
    ]


def search(
    session: Session,
    *,
    username: str | None = None,
    kind: Kind | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> AccessLogPage:
    """The entries matching the filters, newest first, `limit` at a time."""
    query = select(AccessLog).order_by(col(AccessLog.id).desc()).limit(limit + 1)
    if username is not None:
        query = query.where(col(AccessLog.username) == username)
    if kind is not None:
        query = query.where(col(AccessLog.kind) == kind)
    if since is not None:
        query = query.where(col(AccessLog.at) >= since)
    if before_id is not None:
        query = query.where(col(AccessLog.id) < before_id)
    rows: Sequence[AccessLog] = session.execute(query).scalars().all()
    more = len(rows) > limit
    shown = rows[:limit]
    return AccessLogPage(
        entries=[AccessLogEntry.of(r) for r in shown],
        next_before_id=shown[-1].id if more and shown else None,
    )

"""The log of who was shown personal data, for administrators and auditors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from accounts import access_log
from accounts.access_log import Kind
from api.deps import SessionDep
from api.security.deps import AccessLogReader
from core.inputs import ID_MAX, Moment

router = APIRouter(tags=["access log"])


@router.get("/access-log", response_model=access_log.AccessLogPage)
def read_access_log(
    session: SessionDep,
    who: AccessLogReader,
    user: Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[\w.-]+$")] = None,
    kind: Kind | None = None,
    since: Moment | None = None,
    before_id: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=access_log.MAX_PAGE)] = 100,
) -> access_log.AccessLogPage:
    """Who was shown residents' vulnerable-group counts or suppliers' contacts: newest
    first, filtered by username, kind and time (from `since`); page on with `before_id`."""
    return access_log.search(
        session, username=user, kind=kind, since=since, before_id=before_id, limit=limit
    )

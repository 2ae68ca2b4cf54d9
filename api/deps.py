"""Dependencies shared by the routers: settings, the engine, the request's unit of work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from core.db import READ_ONLY, EngineUnits, UnitsOfWork, reading
from core.settings import Settings


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_app_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


#: Methods that never change data; their unit of work is read-only (`core.db.reading`).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


F = TypeVar("F", bound=Callable[..., Any])
_READS_ONLY = "relief_reads_only"


def reads_only(endpoint: F) -> F:
    """Mark a write route whose request session only reads (who is calling, may they): it
    does its work in units of work of its own (`UnitsDep`), as a long solve does
    (`core.solves`), so the request holds no write lock meanwhile. Put it under the
    `@router.post(...)` line."""
    setattr(endpoint, _READS_ONLY, True)
    return endpoint


def marked_reads_only(request: Request) -> bool:
    """The request's route is marked `reads_only`."""
    return bool(getattr(request.scope.get("endpoint"), _READS_ONLY, False))


def request_reads_only(request: Request) -> bool:
    """A GET (or HEAD, OPTIONS), or a route marked `reads_only`."""
    return request.method in SAFE_METHODS or marked_reads_only(request)


def get_session(
    request: Request, engine: Annotated[Engine, Depends(get_app_engine)]
) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises.

    Used with `scope="function"`, so the commit happens before the answer is sent: a failed
    commit becomes an error answer, never a 201 for a change that was not kept. A GET (or a
    `reads_only` route) reads a snapshot without the write lock and may not write; a
    `reads_only` route may end its transaction early (`end_reads`).
    """
    if marked_reads_only(request):
        with Session(reading(engine), expire_on_commit=False) as session:
            yield session  # nothing to commit: closing ends what it read
        return
    bind = reading(engine) if request.method in SAFE_METHODS else engine
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session


def end_reads(session: Session) -> None:
    """End a `reads_only` request's transaction before long work: its snapshot is let go and
    its connection goes back to the pool; the session begins a new one if used again."""
    if not session.get_bind().get_execution_options().get(READ_ONLY, False):
        raise RuntimeError("end_reads is for the session of a reads_only route")
    session.commit()


def get_units(engine: Annotated[Engine, Depends(get_app_engine)]) -> UnitsOfWork:
    """Units of work a route opens one after another (a long solve: read, solve, store)."""
    return EngineUnits(engine)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
UnitsDep = Annotated[UnitsOfWork, Depends(get_units)]

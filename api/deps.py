"""Dependencies shared by the routers: settings, the engine, the request's unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from core.db import reading
from core.settings import Settings


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_app_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


#: Methods that never change data; their unit of work is read-only (`core.db.reading`).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(
    request: Request, engine: Annotated[Engine, Depends(get_app_engine)]
) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises.

    Used with `scope="function"`, so the commit happens before the answer is sent: a failed
    commit becomes an error answer, never a 201 for a change that was not kept. A GET
    reads a snapshot without the write lock and may not write.
    """
    bind = reading(engine) if request.method in SAFE_METHODS else engine
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

"""The server's background tasks, started and stopped with the application (its lifespan):

- recording the alerts every `alerts_refresh_interval_s` (`api.alerts_schedule`);
- pruning Idempotency-Key and page-form key records older than
  `idempotency_retention_days`, at start and then daily.

At shutdown the solvers' worker processes are ended (`core.pools`). Neither task runs in
the test environment, and each is off at 0. Both are safe when several
server processes run them at once: they only repeat each other's work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import Engine

from api.alerts_schedule import refresh_all, scheduled
from core import idempotency, pools
from core.clock import utcnow
from core.db import session_scope
from core.settings import Settings

log = logging.getLogger(__name__)

#: How often the server prunes old key records.
PRUNE_INTERVAL_S = 24 * 3600.0


def prune_keys(engine: Engine, settings: Settings, *, now: datetime | None = None) -> int:
    """Delete key records older than the retention period; how many went (0 when the
    period is 0: records are kept for ever)."""
    if settings.idempotency_retention_days == 0:
        return 0
    before = (now or utcnow()) - timedelta(days=settings.idempotency_retention_days)
    with session_scope(engine) as session:
        return idempotency.prune(session, before=before)


async def _every(interval_s: float, job: Callable[[], object], what: str) -> None:
    """Run `job` off the event loop now and then every `interval_s` seconds; a failed round
    is logged with its traceback and the next one runs as planned."""
    while True:
        try:
            await asyncio.to_thread(job)
        except Exception:
            log.exception("%s failed", what)
        await asyncio.sleep(interval_s)


def prunes(settings: Settings) -> bool:
    return settings.idempotency_retention_days > 0 and settings.environment != "test"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The application's lifespan: its background tasks run while it serves."""
    settings: Settings = app.state.settings
    engine: Engine = app.state.engine
    tasks = []
    if scheduled(settings):
        tasks.append(
            asyncio.create_task(
                _every(
                    settings.alerts_refresh_interval_s,
                    lambda: refresh_all(engine, settings),
                    "refreshing the alerts",
                ),
                name="alerts-refresh",
            )
        )
    if prunes(settings):
        tasks.append(
            asyncio.create_task(
                _every(PRUNE_INTERVAL_S, lambda: prune_keys(engine, settings), "pruning keys"),
                name="prune-keys",
            )
        )
    try:
        yield
    finally:
        # A solve still running now (past the shutdown grace) is abandoned: its worker
        # processes are ended, and the request's thread gives up at once.
        pools.terminate_all()
        for task in tasks:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

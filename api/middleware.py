"""Bound the requests in flight below the worker-thread count.

Sync routes and their dependencies run one after another on the server's thread pool (40
threads by default). A request holding the database's write lock (SQLite) or a row or
advisory lock (PostgreSQL) may still need a thread for its next step; if every thread were
taken by requests blocked on that same lock, it would never get one. Capping the requests in
flight below the pool size means a free thread always exists: extra requests wait here,
asynchronously, holding no thread and no connection.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

DEFAULT_LIMIT = 32


class InFlightLimit:
    def __init__(self, app: ASGIApp, limit: int = DEFAULT_LIMIT) -> None:
        self.app = app
        self.limit = limit
        self._semaphore: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.limit)
        async with self._semaphore:
            await self.app(scope, receive, send)

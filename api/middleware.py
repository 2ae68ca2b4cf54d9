"""ASGI middleware: the requests in flight bounded, control characters refused.

Bound the requests in flight below the worker-thread count.

Sync routes and their dependencies run one after another on the server's thread pool (40
threads by default). A request holding the database's write lock (SQLite) or a row or
advisory lock (PostgreSQL) may still need a thread for its next step; if every thread were
taken by requests blocked on that same lock, it would never get one. Capping the requests in
flight below the pool size means a free thread always exists: extra requests wait here,
asynchronously, holding no thread and no connection.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote, unquote_plus

from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import problem as problem_response
from core.inputs import first_control

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


class RefuseControlCharacters:
    """Refuse a request whose path or query string holds a control character (NUL, ESC...)
    with a 422 problem, before any route sees it: no parameter of ours may hold one, and
    PostgreSQL cannot even compare text with NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = unquote_plus(scope.get("query_string", b"").decode("utf-8", "replace"))
            problem = first_control(scope.get("path", "")) or first_control(query)
            if problem:
                response = problem_response(
                    422,
                    "Invalid input",
                    f"The address was not accepted: {problem}.",
                    type_slug="invalid-input",
                    instance=quote(scope.get("path", "")),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

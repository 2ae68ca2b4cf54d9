"""Helpers for tests that act while a long solve runs on the served API.

`Held` wraps a real function: each call waits until the test sets `release`, so the test
can record a receipt, change a plan or send a duplicate while the solve is under way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx
from sqlmodel import Session

from accounts import service as users
from tests.waits import WAIT_S


class Held:
    """The real function, each call held until `release` is set; counts its calls.

    Enter it after the thread pool whose requests it holds (`with served(...) as base,
    ThreadPoolExecutor() as pool, held:`): leaving releases it, also when the test fails,
    so the pool and the server never wait for a test that has already stopped.
    """

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.release = threading.Event()
        self.calls = 0
        self._called = threading.Condition()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._called:
            self.calls += 1
            self._called.notify_all()
        assert self.release.wait(WAIT_S), "the test never released the held call"
        return self.real(*args, **kwargs)

    def wait_for_calls(self, n: int) -> None:
        with self._called:
            called = self._called.wait_for(lambda: self.calls >= n, timeout=WAIT_S)
            assert called, f"the held function was called {self.calls} times, not {n}"

    def __enter__(self) -> Held:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release.set()


def bearer(session: Session, username: str, role: str, **scope: Any) -> dict[str, str]:
    """A user of `role` and the Authorization header of a fresh API token of theirs."""
    user = users.create_user(
        session, username=username, password="a long enough pass", role=role, **scope
    )
    _, token = users.create_api_token(session, user, name=username)
    return {"Authorization": f"Bearer {token}"}


def http(base: str, headers: dict[str, str]) -> httpx.Client:
    """A client of the served API whose requests may wait for a held call and then for
    the real one."""
    return httpx.Client(base_url=base, timeout=2 * WAIT_S, headers=headers)


def post(base: str, path: str, headers: dict[str, str], body: Any = None) -> httpx.Response:
    with http(base, headers) as client:
        return client.post(path, json=body)

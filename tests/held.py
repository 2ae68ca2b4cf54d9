"""Helpers for tests that act while a long solve runs on the served API.

`Held` wraps a real function: each call waits until the test sets `release`, so the test
can record a receipt, change a plan or send a duplicate while the solve is under way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlmodel import Session

from api.security import service as users

WAIT_S = 60


class Held:
    """The real function, each call held until `release` is set; counts its calls."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.release = threading.Event()
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
        assert self.release.wait(WAIT_S), "the test never released the solver"
        return self.real(*args, **kwargs)

    def wait_for_calls(self, n: int) -> None:
        deadline = time.monotonic() + WAIT_S
        while self.calls < n:
            assert time.monotonic() < deadline, f"the solver was called {self.calls} times"
            time.sleep(0.02)


def bearer(session: Session, username: str, role: str, **scope: Any) -> dict[str, str]:
    """A user of `role` and the Authorization header of a fresh API token of theirs."""
    user = users.create_user(
        session, username=username, password="a long enough pass", role=role, **scope
    )
    _, token = users.create_api_token(session, user, name=username)
    return {"Authorization": f"Bearer {token}"}


def post(base: str, path: str, headers: dict[str, str], body: Any = None) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=WAIT_S + 30, headers=headers) as http:
        return http.post(path, json=body)

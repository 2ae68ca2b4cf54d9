"""How long a test waits for something that happens in another thread or process.

Each wait ends as soon as what it waits for has happened, so its bound costs a healthy
machine nothing; it is set far beyond what the slowest healthy machine needs (a shared CI
runner at a load of 20 and more), so that it only ever ends a test that would otherwise
hang. A test never sleeps a fixed time and then looks.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: The bound of every such wait, in seconds.
WAIT_S = 300.0

#: How often `wait_until` looks again.
POLL_S = 0.05


def wait_until(condition: Callable[[], bool], what: str, *, within_s: float = WAIT_S) -> None:
    """Return as soon as `condition()` holds; fail, naming `what`, if it still does not
    after `within_s` seconds. For conditions no event announces (a row in the database)."""
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not after {within_s:g} s"
        time.sleep(POLL_S)

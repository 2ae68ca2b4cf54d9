"""Worker processes for the solvers, started so that none outlives its request or the server.

A process forked from the threaded server would inherit its listening socket (the port
stays bound after the server has gone) and the state of every other thread. So the pools
start their workers from a fork server (`forkserver`): a small process started once, with
no socket of the server's, that forks each worker from itself. A pool is bounded (at most
one worker a core), lives as long as one solve, and is ended on the way out, its workers
terminated if they are still running (a fit past its deadline). Every live pool is
registered, so the server's shutdown ends them all (`terminate_all`), and on Linux a worker
also dies with its parent should the server be killed outright.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, TypeVar

from core.errors import DomainError

T = TypeVar("T")
R = TypeVar("R")

#: How often a wait looks whether the server is stopping.
_POLL_S = 0.2
_PR_SET_PDEATHSIG = 1

#: What the fork server imports once, before it forks any worker: the main module (else
#: every worker would run it again) and the modules whose functions run in workers.
_preload: list[str] = ["__main__"]
_live: set[Pool] = set()
_ended: weakref.WeakSet[Pool] = weakref.WeakSet()  # ended by `terminate_all`
_lock = threading.Lock()


class Stopping(DomainError):
    """The server is shutting down: the solve was abandoned and its workers ended."""

    status = 503
    title = "Shutting down"
    type_slug = "shutting-down"


def max_workers() -> int:
    """At most one worker process a core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _die_with_parent() -> None:
    """In a worker: be sent SIGTERM when the parent (the fork server) exits."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the server's to handle


def preload(*modules: str) -> None:
    """Have the fork server import `modules` once, so that workers start with them loaded.
    A solver module calls it when imported; it counts for a fork server not yet started."""
    for module in modules:
        if module not in _preload:
            _preload.append(module)


def _context() -> Any:
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


@contextmanager
def process_pool(workers: int) -> Iterator[Pool]:
    """A pool of at most `workers` (and at most one a core) processes, for one solve. On
    the way out the pool is terminated: no worker survives the block."""
    context = _context()
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(list(_preload))
    pool = context.Pool(min(workers, max_workers()), initializer=_die_with_parent)
    with _lock:
        _live.add(pool)
    try:
        yield pool
    finally:
        with _lock:
            _live.discard(pool)
        pool.terminate()
        pool.join()


def wait(pool: Pool, result: AsyncResult[T], timeout_s: float | None = None) -> bool:
    """Wait for `result` of `pool` up to `timeout_s` (None: as long as it takes); True when
    it is ready. Raises `Stopping` as soon as the server's shutdown has ended the pool."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while not result.ready():
        if pool in _ended:
            raise Stopping("the server is shutting down")
        left = _POLL_S if deadline is None else min(_POLL_S, deadline - time.monotonic())
        if left <= 0:
            return False
        result.wait(left)
    return True


def map_all(pool: Pool, function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`pool.map`, but given up (with `Stopping`) when the server shuts down."""
    result = pool.map_async(function, list(items))
    wait(pool, result)
    return result.get()


def terminate_all() -> None:
    """End every live pool's workers (the server is shutting down): the solves waiting on
    them give up with `Stopping`."""
    with _lock:
        pools = list(_live)
        _ended.update(pools)
    for pool in pools:
        pool.terminate()


def live_pools() -> int:
    with _lock:
        return len(_live)

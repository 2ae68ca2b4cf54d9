"""Long solves outside the write transaction: prepare (read), solve (no session), store (write).

A forecast, an allocation or routes can take tens of seconds. Run inside the request's
writing transaction, that would hold SQLite's single write lock (every depot's receipt
waits) or PostgreSQL's row locks and a connection for the whole solve. Instead:

1. **prepare** reads everything the solve needs into plain data, in a read-only unit of
   work, with a fingerprint of what the result depends on;
2. **solve** is pure and runs with no session and no transaction open;
3. **store** runs in a short writing unit of work: it reads the fingerprint again (locking
   what it depends on) and refuses with `Conflict` if it changed, else stores.

A write that must run once (an API `Idempotency-Key`, a page form's one-time key) gives a
`Once`: its earlier answer is looked for before solving (a replay never solves again), and
the key is claimed and the answer recorded in the store's transaction (a concurrent
duplicate that solved too finds the first answer there and stores nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlmodel import Session

from core.db import UnitsOfWork

P = TypeVar("P")
S = TypeVar("S")
R = TypeVar("R")
R_contra = TypeVar("R_contra", contravariant=True)
A = TypeVar("A")
A_co = TypeVar("A_co", covariant=True)


class Once(Protocol[R_contra, A_co]):
    """How a write runs at most once per key; `A` is its answer, `R` what the store gives."""

    def replay(self, session: Session) -> A_co | None:
        """The earlier answer for this key, or None; only reads."""
        ...

    def run(self, session: Session, store: Callable[[], R_contra]) -> A_co:
        """Claim the key in `session`'s transaction: answer the earlier answer if a
        concurrent duplicate recorded one meanwhile, else call `store` and record its
        answer in the same transaction."""
        ...


def prepare_solve_store(
    units: UnitsOfWork,
    *,
    prepare: Callable[[Session], P],
    solve: Callable[[P], S],
    store: Callable[[Session, P, S], R],
    once: Once[R, A],
) -> A:
    """Run one long solve as three steps, each in its own unit of work (see the module)."""
    with units.reading() as session:
        answer = once.replay(session)
        if answer is not None:
            return answer
        prepared = prepare(session)
    solved = solve(prepared)
    with units.writing() as session:
        return once.run(session, lambda: store(session, prepared, solved))

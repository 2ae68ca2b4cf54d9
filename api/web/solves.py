"""A page form that starts a long solve (`core.solves`): the form's one-time key as `Once`.

The solve runs with no transaction open, so the page cannot run it inside `once.run` like
its other changes. Before solving, the key's earlier answer is looked up (a form sent
twice goes where the first went and solves nothing); the key is claimed and the answer
recorded in the transaction that stores the result, as `once.run` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlmodel import Session

from api.web import once


class _NotYet(Exception):
    """The form's key has no answer yet (raised instead of acting, while only reading)."""


def _not_yet() -> str:
    raise _NotYet


@dataclass(frozen=True)
class PageOnce:
    """Where the page goes next (a location), once per the form's key."""

    actor: str
    path: str
    form: Mapping[str, str]

    def replay(self, session: Session) -> str | None:
        try:
            return once.run(
                session, actor=self.actor, path=self.path, form=self.form, action=_not_yet
            )
        except _NotYet:
            return None

    def run(self, session: Session, store: Callable[[], str]) -> str:
        return once.run(session, actor=self.actor, path=self.path, form=self.form, action=store)

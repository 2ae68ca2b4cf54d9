"""Who is calling. Users, roles and tokens replace the development principal (issue 3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    depot_ids: frozenset[int] | None = None  # None: not limited to some depots

    def depots_allowed(self) -> set[int] | None:
        return None if self.depot_ids is None else set(self.depot_ids)


def current_principal() -> Principal:
    return Principal(username="system", role="admin")


PrincipalDep = Annotated[Principal, Depends(current_principal)]

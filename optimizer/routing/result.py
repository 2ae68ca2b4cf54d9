"""What the routing solver returns: routes per vehicle and trip, and who is left out and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RoutingStatus(StrEnum):
    """`COMPLETE`: every stop fully served. `PARTIAL`: a plan exists but leaves some load out.
    `NO_SOLUTION`: the search found no plan at all within its limits."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    NO_SOLUTION = "no_solution"


class DropReason(StrEnum):
    """Why a stop (or a piece of it) is not in the plan, from the most to the least specific."""

    WINDOW_UNREACHABLE = "window_unreachable"
    """No vehicle can reach the stop inside its time window and get back within its shift."""
    FLEET_CAPACITY = "fleet_capacity"
    """The fleet cannot carry the total load (capacity × trips is smaller than the demand)."""
    FLEET_TIME = "fleet_time"
    """Reachable on its own, but the fleet's shifts were spent on stops with a higher drop cost."""
    SEARCH_LIMIT = "search_limit"
    """No constraint forbids serving it; the search did not place it within its time limit."""


@dataclass(frozen=True)
class Visit:
    """One stop of a route: which stop, what is unloaded there, and when service starts."""

    stop: int
    weight: int
    volume: int
    arrival: int | None
    """Start of service (time units); `None` when the problem has no time dimension."""


@dataclass(frozen=True)
class Route:
    """One trip of one vehicle from its start depot to its end depot."""

    vehicle: int
    trip: int
    visits: tuple[Visit, ...]
    distance: int
    start_time: int | None
    end_time: int | None

    @property
    def weight(self) -> int:
        return sum(v.weight for v in self.visits)

    @property
    def volume(self) -> int:
        return sum(v.volume for v in self.visits)


@dataclass(frozen=True)
class Unserved:
    """Load of a stop the plan does not deliver, with the reason."""

    stop: int
    weight: int
    volume: int
    reason: DropReason
    detail: str


@dataclass(frozen=True)
class RoutingResult:
    """The best plan found: non-empty routes, unserved load, total distance, search figures."""

    status: RoutingStatus
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    distance: int
    objective: int
    runtime_s: float
    workers: int
    best_worker: int | None

    @property
    def is_complete(self) -> bool:
        return self.status is RoutingStatus.COMPLETE

"""The routing problem as plain, validated data.

Everything is an integer in the caller's units: distances (metres for a district, the
benchmark's scaled unit for literature instances), times (seconds from the start of the
planning day), weights and volumes (whatever base unit the items use). Locations are rows
of the distance matrix; depots and stops refer to them by index, so several stops may share
one place. Construction checks the data and raises `InvalidInput` listing every problem,
so the solver itself never meets a malformed problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.errors import FieldProblem, InvalidInput

IntMatrix = npt.NDArray[np.int64]

#: Latest time any route may end when nothing else bounds it (about 31 years in seconds).
HORIZON = 2**30


@dataclass(frozen=True)
class TimeWindow:
    """A stop may be *started* (service begins) no earlier than `start` and no later than `end`."""

    start: int
    end: int


@dataclass(frozen=True)
class Depot:
    """A place vehicles start from or return to."""

    name: str
    location: int


@dataclass(frozen=True)
class Stop:
    """A delivery to one place: how much, how long to unload, when, and how much it matters.

    A stop heavier or bulkier than the largest vehicle is split into pieces that different
    vehicles (or the same vehicle on several trips) deliver; `drop_penalty` applies to each
    piece left out. `None` lets the solver pick the default penalty for the stop's class.
    """

    name: str
    location: int
    weight: int = 0
    volume: int = 0
    service_time: int = 0
    window: TimeWindow | None = None
    priority: bool = False
    drop_penalty: int | None = None


@dataclass(frozen=True)
class Vehicle:
    """A truck: what it carries, where it starts and ends, when, and how fast it drives.

    `speed` is in distance units per time unit and is used only when the problem has no
    duration matrix. `max_trips` > 1 lets the vehicle return to its end depot, reload and go
    out again within the same shift.
    """

    name: str
    start_depot: int
    end_depot: int
    weight_capacity: int
    volume_capacity: int = 0
    shift_start: int = 0
    shift_length: int | None = None
    speed: float = 1.0
    max_trips: int = 1


@dataclass(frozen=True)
class RoutingProblem:
    """Depots, stops, vehicles and the travel matrices between their locations.

    `durations` (time units, travel only) is optional: without it a vehicle needs
    `ceil(distance / speed)` to cross an arc.
    """

    depots: tuple[Depot, ...]
    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    distances: IntMatrix
    durations: IntMatrix | None = None

    def __post_init__(self) -> None:
        problems = _check(self)
        if problems:
            raise InvalidInput("the routing problem is not valid", problems=problems)

    @property
    def num_locations(self) -> int:
        return int(self.distances.shape[0])

    @property
    def has_volume(self) -> bool:
        return any(s.volume for s in self.stops)

    @property
    def needs_time(self) -> bool:
        """True when any time constraint exists; pure CVRP skips the time dimension."""
        return (
            any(s.window is not None or s.service_time for s in self.stops)
            or any(v.shift_length is not None or v.max_trips > 1 for v in self.vehicles)
            or self.durations is not None
        )


def _check(p: RoutingProblem) -> list[FieldProblem]:
    out: list[FieldProblem] = []
    matrix_problem = _check_matrix(p.distances, "distances")
    if matrix_problem:
        return [matrix_problem]
    n = p.num_locations
    if p.durations is not None:
        dur_problem = _check_matrix(p.durations, "durations")
        if dur_problem:
            out.append(dur_problem)
        elif p.durations.shape != p.distances.shape:
            out.append(FieldProblem(("durations",), "must have the shape of distances"))
    if not p.depots:
        out.append(FieldProblem(("depots",), "at least one depot is needed"))
    if not p.vehicles:
        out.append(FieldProblem(("vehicles",), "at least one vehicle is needed"))
    for i, d in enumerate(p.depots):
        if not 0 <= d.location < n:
            out.append(FieldProblem(("depots", i, "location"), f"must be in 0..{n - 1}"))
    for i, s in enumerate(p.stops):
        out.extend(_check_stop(i, s, n))
    for i, v in enumerate(p.vehicles):
        out.extend(_check_vehicle(i, v, len(p.depots), p.has_volume))
    return out


def _check_matrix(m: IntMatrix, name: str) -> FieldProblem | None:
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
        return FieldProblem((name,), "must be a non-empty square matrix")
    if not np.issubdtype(m.dtype, np.integer):
        return FieldProblem((name,), "must hold integers")
    if (m < 0).any():
        return FieldProblem((name,), "must not hold negative values")
    return None


def _check_stop(i: int, s: Stop, n: int) -> list[FieldProblem]:
    out: list[FieldProblem] = []
    loc = ("stops", i)
    if not 0 <= s.location < n:
        out.append(FieldProblem((*loc, "location"), f"must be in 0..{n - 1}"))
    for name in ("weight", "volume", "service_time"):
        if getattr(s, name) < 0:
            out.append(FieldProblem((*loc, name), "must not be negative"))
    if s.window is not None and not 0 <= s.window.start <= s.window.end <= HORIZON:
        out.append(FieldProblem((*loc, "window"), "needs 0 <= start <= end"))
    if s.drop_penalty is not None and s.drop_penalty <= 0:
        out.append(FieldProblem((*loc, "drop_penalty"), "must be positive"))
    return out


def _check_vehicle(i: int, v: Vehicle, num_depots: int, has_volume: bool) -> list[FieldProblem]:
    out: list[FieldProblem] = []
    loc = ("vehicles", i)
    for name in ("start_depot", "end_depot"):
        if not 0 <= getattr(v, name) < num_depots:
            out.append(FieldProblem((*loc, name), f"must be a depot index in 0..{num_depots - 1}"))
    if v.weight_capacity <= 0:
        out.append(FieldProblem((*loc, "weight_capacity"), "must be positive"))
    if v.volume_capacity < 0 or (has_volume and v.volume_capacity == 0):
        out.append(
            FieldProblem((*loc, "volume_capacity"), "must be positive when stops have volume")
        )
    if v.shift_start < 0:
        out.append(FieldProblem((*loc, "shift_start"), "must not be negative"))
    if v.shift_length is not None and v.shift_length <= 0:
        out.append(FieldProblem((*loc, "shift_length"), "must be positive"))
    if not v.speed > 0:
        out.append(FieldProblem((*loc, "speed"), "must be positive"))
    if v.max_trips < 1:
        out.append(FieldProblem((*loc, "max_trips"), "must be at least 1"))
    return out

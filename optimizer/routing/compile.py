"""Turn a `RoutingProblem` into the node, vehicle and matrix arrays the search works on.

Two modelling steps happen here, both invisible to callers:

* a stop heavier or bulkier than the largest vehicle is split into equal pieces, each a node
  of its own at the stop's location, so several vehicles or trips can share it;
* a vehicle allowed several trips becomes one *virtual vehicle* per trip; the solver chains
  them in time (trip k+1 leaves after trip k is back).

The seed permutes the order of the stop nodes. The search breaks ties by node order, so a
different seed gives a different but equally valid trajectory; that is what parallel
workers use to explore differently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optimizer.routing.model import IntMatrix, RoutingProblem, Vehicle

#: Default drop penalty, as a multiple of the longest arc: serving any single stop costs at
#: most two arcs more, so a stop is only left out when constraints leave no other way.
DROP_PENALTY_ARCS = 10
#: A priority stop's default penalty is this many times an ordinary one's.
PRIORITY_FACTOR = 100


@dataclass(frozen=True)
class Piece:
    """A deliverable part of a stop (the whole stop unless it had to be split)."""

    stop: int
    weight: int
    volume: int
    penalty: int


@dataclass(frozen=True)
class Compiled:
    """Arrays indexed by node (depots first, then pieces) and by virtual vehicle."""

    node_location: list[int]
    num_depots: int
    pieces: list[Piece]
    service: list[int]
    vehicle_of: list[int]
    trip_of: list[int]
    costs: IntMatrix
    travel_by_speed: dict[float, IntMatrix]

    @property
    def num_nodes(self) -> int:
        return len(self.node_location)

    def piece_of(self, node: int) -> Piece:
        return self.pieces[node - self.num_depots]


def split_count(weight: int, volume: int, vehicles: tuple[Vehicle, ...]) -> int:
    """How many pieces a load needs so that each fits the largest vehicle."""
    max_w = max(v.weight_capacity for v in vehicles)
    max_v = max(v.volume_capacity for v in vehicles)
    by_weight = math.ceil(weight / max_w) if weight else 1
    by_volume = math.ceil(volume / max_v) if volume and max_v else 1
    return max(1, by_weight, by_volume)


def _share(total: int, parts: int) -> list[int]:
    """`total` split into `parts` integers that differ by at most one."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def default_penalty(distances: IntMatrix) -> int:
    return DROP_PENALTY_ARCS * max(1, int(distances.max()))


def compile_problem(problem: RoutingProblem, *, seed: int) -> Compiled:
    base_penalty = default_penalty(problem.distances)
    pieces: list[Piece] = []
    for index, stop in enumerate(problem.stops):
        penalty = stop.drop_penalty or base_penalty * (PRIORITY_FACTOR if stop.priority else 1)
        parts = split_count(stop.weight, stop.volume, problem.vehicles)
        for w, v in zip(_share(stop.weight, parts), _share(stop.volume, parts), strict=True):
            pieces.append(Piece(index, w, v, penalty))
    order = np.random.default_rng(seed).permutation(len(pieces))
    pieces = [pieces[i] for i in order]

    node_location = [d.location for d in problem.depots]
    node_location += [problem.stops[p.stop].location for p in pieces]
    service = [0] * len(problem.depots) + [problem.stops[p.stop].service_time for p in pieces]
    loc = np.asarray(node_location, dtype=np.int64)
    costs = problem.distances[np.ix_(loc, loc)].astype(np.int64)

    travel_by_speed: dict[float, IntMatrix] = {}
    if problem.needs_time:
        service_col = np.asarray(service, dtype=np.int64)[:, None]
        for speed in {v.speed for v in problem.vehicles}:
            if problem.durations is not None:
                travel = problem.durations[np.ix_(loc, loc)].astype(np.int64)
            else:
                travel = np.ceil(costs / speed).astype(np.int64)
            travel_by_speed[speed] = travel + service_col

    vehicle_of: list[int] = []
    trip_of: list[int] = []
    for index, vehicle in enumerate(problem.vehicles):
        for trip in range(vehicle.max_trips):
            vehicle_of.append(index)
            trip_of.append(trip)
    return Compiled(
        node_location=node_location,
        num_depots=len(problem.depots),
        pieces=pieces,
        service=service,
        vehicle_of=vehicle_of,
        trip_of=trip_of,
        costs=costs,
        travel_by_speed=travel_by_speed,
    )

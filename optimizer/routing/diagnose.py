"""Say why load was left out of a plan, so a coordinator can act on it.

Checks run from the most specific to the least: can any vehicle reach the stop within its
window and shift at all; can the fleet carry the whole demand; otherwise the fleet's time
went to stops that cost more to drop (or, without time limits, the search ran out of time).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from optimizer.routing.compile import Compiled
from optimizer.routing.model import HORIZON, RoutingProblem, Stop, Vehicle
from optimizer.routing.result import DropReason, Unserved


def explain_drops(problem: RoutingProblem, c: Compiled, served: set[int]) -> tuple[Unserved, ...]:
    """One `Unserved` per stop with load left out (its pieces summed)."""
    missing: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for k, piece in enumerate(c.pieces):
        if c.num_depots + k not in served:
            missing[piece.stop][0] += piece.weight
            missing[piece.stop][1] += piece.volume
    if not missing:
        return ()
    short_w = sum(s.weight for s in problem.stops) > sum(
        v.weight_capacity * v.max_trips for v in problem.vehicles
    )
    short_v = problem.has_volume and sum(s.volume for s in problem.stops) > sum(
        v.volume_capacity * v.max_trips for v in problem.vehicles
    )
    out: list[Unserved] = []
    for index in sorted(missing):
        stop = problem.stops[index]
        weight, volume = missing[index]
        if not any(_reachable(problem, stop, v) for v in problem.vehicles):
            reason = DropReason.WINDOW_UNREACHABLE
            detail = "no vehicle can serve it inside its time window and return within its shift"
        elif short_w or short_v:
            reason = DropReason.FLEET_CAPACITY
            what = "weight" if short_w else "volume"
            detail = f"the total {what} demanded exceeds what the fleet carries in its trips"
        elif problem.needs_time:
            reason = DropReason.FLEET_TIME
            detail = "the fleet's shifts are used by stops with a higher drop penalty"
        else:
            reason = DropReason.SEARCH_LIMIT
            detail = "no constraint forbids it; the search found no place for it in its time limit"
        out.append(Unserved(index, weight, volume, reason, detail))
    return tuple(out)


def _travel(problem: RoutingProblem, vehicle: Vehicle, a: int, b: int) -> int:
    if problem.durations is not None:
        return int(problem.durations[a, b])
    return int(np.ceil(int(problem.distances[a, b]) / vehicle.speed))


def _reachable(problem: RoutingProblem, stop: Stop, vehicle: Vehicle) -> bool:
    """Whether `vehicle` alone could drive out, serve `stop` in its window, and get back."""
    if not problem.needs_time:
        return True
    start_loc = problem.depots[vehicle.start_depot].location
    end_loc = problem.depots[vehicle.end_depot].location
    shift_end = (
        vehicle.shift_start + vehicle.shift_length if vehicle.shift_length is not None else HORIZON
    )
    begin = vehicle.shift_start + _travel(problem, vehicle, start_loc, stop.location)
    if stop.window is not None:
        if begin > stop.window.end:
            return False
        begin = max(begin, stop.window.start)
    back = begin + stop.service_time + _travel(problem, vehicle, stop.location, end_loc)
    return back <= shift_end

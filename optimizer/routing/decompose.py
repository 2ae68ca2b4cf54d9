"""Route-based decomposition: improve a plan region by region.

OR-Tools' local search scans its whole neighbourhood after every ruin and recreate, so an
iterated-local-search step costs about the square of the number of stops: some 30 steps a
second at 200 stops. On a region of 60-80 stops the same search runs ten times as many
steps. After a first plan is found on the whole problem, the solver therefore repeats:

1. pick a few routes that lie close together (around a random seed route) until they hold
   about `target` visits;
2. make a sub-problem of just those visits and the vehicles that drive them (plus a spare
   vehicle, so a route may be added);
3. search it, starting from its current routes, for a short while;
4. keep the new routes if they are shorter and serve every visit.

Routes of different regions share no vehicle and no visit, so a shorter region makes a
shorter plan, and regions can be searched in parallel. This is the route-based
decomposition of Santini, Schneider, Vidal and Vigo (2023, "Decomposition strategies for
vehicle routing heuristics", INFORMS J. Computing), with OR-Tools as the sub-solver.

Everything here is plain data: the solver decides when to decompose and runs the searches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from optimizer.routing.model import Depot, RoutingProblem, Stop
from optimizer.routing.result import Route, RoutingResult, RoutingStatus

#: Visits per region: small enough for a fast search, large enough to move routes around.
TARGET_VISITS = 80
#: Below this many stops the whole problem is already a region; no decomposition.
MIN_STOPS = 120


def applies(problem: RoutingProblem) -> bool:
    """Decomposition needs independent routes: no vehicle chains several trips in time."""
    return len(problem.stops) >= MIN_STOPS and all(v.max_trips == 1 for v in problem.vehicles)


@dataclass(frozen=True)
class Region:
    """A sub-problem and how its stops and vehicles map back to the whole problem."""

    problem: RoutingProblem
    routes: tuple[int, ...]
    """Indices (into the plan's route list) of the routes this region replaces."""
    stop_of: tuple[int, ...]
    """Sub-problem stop index → stop of the whole problem."""
    vehicle_of: tuple[int, ...]
    """Sub-problem vehicle index → vehicle of the whole problem."""
    start: tuple[Route, ...]
    """The region's current routes, in the sub-problem's numbering (the search starts here)."""
    distance: int
    """Their total distance: what a new set of routes must beat."""


def regions(
    problem: RoutingProblem,
    routes: Sequence[Route],
    rng: np.random.Generator,
    *,
    count: int,
    target: int = TARGET_VISITS,
) -> list[Region]:
    """Up to `count` disjoint regions of nearby routes, each of about `target` visits.

    Routes are compared by their medoid (the visit closest to the route's other visits),
    so only the distance matrix is needed. Vehicles the plan does not use are shared out
    as spares, one per region at most.
    """
    if not routes:
        return []
    medoids = [_medoid(problem, r) for r in routes]
    free = set(range(len(routes)))
    used = {r.vehicle for r in routes}
    unused = [v for v in range(len(problem.vehicles)) if v not in used]
    out: list[Region] = []
    while free and len(out) < count:
        seed = int(rng.choice(sorted(free)))
        m = medoids[seed]
        order = sorted(
            free,
            key=lambda j: int(problem.distances[m, medoids[j]] + problem.distances[medoids[j], m]),
        )
        chosen: list[int] = []
        visits = 0
        for j in order:
            if visits >= target:
                break
            chosen.append(j)
            visits += len(routes[j].visits)
        free -= set(chosen)
        spare = unused[len(out) : len(out) + 1]
        out.append(_region(problem, routes, chosen, spare))
    return out


def merge(routes: Sequence[Route], improved: Sequence[tuple[Region, RoutingResult]]) -> list[Route]:
    """The plan with each region's routes replaced by its better ones, in the whole
    problem's numbering, sorted by vehicle and trip."""
    replaced: set[int] = set()
    added: list[Route] = []
    for region, result in improved:
        replaced.update(region.routes)
        for r in result.routes:
            visits = tuple(replace(v, stop=region.stop_of[v.stop]) for v in r.visits)
            added.append(replace(r, vehicle=region.vehicle_of[r.vehicle], visits=visits))
    kept = [r for j, r in enumerate(routes) if j not in replaced]
    return sorted(kept + added, key=lambda r: (r.vehicle, r.trip))


def better(region: Region, result: RoutingResult) -> bool:
    """A region's new routes count only if they serve every visit and are shorter."""
    return result.status is RoutingStatus.COMPLETE and result.distance < region.distance


def _medoid(problem: RoutingProblem, route: Route) -> int:
    places = [problem.stops[v.stop].location for v in route.visits]
    d = problem.distances[np.ix_(places, places)]
    return places[int((d.sum(axis=0) + d.sum(axis=1)).argmin())]


def _region(
    problem: RoutingProblem, routes: Sequence[Route], chosen: list[int], spare: list[int]
) -> Region:
    """Each visit becomes a stop of its own (a split stop's pieces keep their loads)."""
    visits = [(j, v) for j in chosen for v in routes[j].visits]
    places = sorted({d.location for d in problem.depots})
    places += sorted({problem.stops[v.stop].location for _, v in visits} - set(places))
    at = {place: i for i, place in enumerate(places)}
    index = np.asarray(places)
    stops: list[Stop] = []
    for _, v in visits:
        whole = problem.stops[v.stop]
        stops.append(replace(whole, location=at[whole.location], weight=v.weight, volume=v.volume))
    vehicles = [routes[j].vehicle for j in chosen] + spare
    sub = RoutingProblem(
        depots=tuple(Depot(d.name, at[d.location]) for d in problem.depots),
        stops=tuple(stops),
        vehicles=tuple(problem.vehicles[v] for v in vehicles),
        distances=problem.distances[np.ix_(index, index)],
        durations=(
            problem.durations[np.ix_(index, index)] if problem.durations is not None else None
        ),
    )
    start: list[Route] = []
    k = 0
    for q, j in enumerate(chosen):
        numbered = []
        for v in routes[j].visits:
            numbered.append(replace(v, stop=k))
            k += 1
        start.append(replace(routes[j], vehicle=q, trip=0, visits=tuple(numbered)))
    return Region(
        problem=sub,
        routes=tuple(chosen),
        stop_of=tuple(v.stop for _, v in visits),
        vehicle_of=tuple(vehicles),
        start=tuple(start),
        distance=sum(routes[j].distance for j in chosen),
    )

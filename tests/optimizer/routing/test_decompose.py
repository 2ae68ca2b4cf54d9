"""Regions of a plan: disjoint, faithful sub-problems that map back to the same plan."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.routing import decompose
from optimizer.routing.model import Depot, RoutingProblem, Stop, TimeWindow, Vehicle
from optimizer.routing.result import Route, RoutingResult, RoutingStatus, Visit


def plane(points: np.ndarray) -> np.ndarray:
    diff = points[:, None, :] - points[None, :, :]
    out: np.ndarray = np.rint(np.hypot(diff[..., 0], diff[..., 1])).astype(np.int64)
    return out


def route_distance(problem: RoutingProblem, vehicle: int, stops: list[int]) -> int:
    v = problem.vehicles[vehicle]
    places = [problem.depots[v.start_depot].location]
    places += [problem.stops[s].location for s in stops]
    places.append(problem.depots[v.end_depot].location)
    return sum(int(problem.distances[a, b]) for a, b in itertools.pairwise(places))


def sweep_plan(problem: RoutingProblem, angles: np.ndarray) -> list[Route]:
    """A valid plan without the solver: stops by angle, cut into routes by capacity."""
    routes: list[Route] = []
    current: list[int] = []
    load = 0
    capacity = problem.vehicles[0].weight_capacity

    def close() -> None:
        vehicle = len(routes)
        visits = tuple(Visit(s, problem.stops[s].weight, 0, None) for s in current)
        distance = route_distance(problem, vehicle, current)
        routes.append(Route(vehicle, 0, visits, distance, None, None))

    for s in map(int, np.argsort(angles)):
        weight = problem.stops[s].weight
        if load + weight > capacity:
            close()
            current, load = [], 0
        current.append(s)
        load += weight
    if current:
        close()
    return routes


def instance(n: int, seed: int, spare: int = 2) -> tuple[RoutingProblem, list[Route]]:
    rng = np.random.default_rng(seed)
    points = rng.integers(0, 1000, size=(n + 1, 2))
    stops = tuple(
        Stop(f"s{i}", i, weight=int(rng.integers(1, 10)), window=TimeWindow(0, 10**6))
        for i in range(1, n + 1)
    )
    need = sum(s.weight for s in stops) // 30 + 2
    problem = RoutingProblem(
        depots=(Depot("d", 0),),
        stops=stops,
        vehicles=tuple(Vehicle(f"v{k}", 0, 0, weight_capacity=30) for k in range(need + spare)),
        distances=plane(points),
    )
    angles = np.arctan2(points[1:, 1] - points[0, 1], points[1:, 0] - points[0, 0])
    return problem, sweep_plan(problem, angles)


def as_result(routes: tuple[Route, ...]) -> RoutingResult:
    return RoutingResult(
        status=RoutingStatus.COMPLETE,
        routes=routes,
        unserved=(),
        distance=sum(r.distance for r in routes),
        objective=sum(r.distance for r in routes),
        runtime_s=0.0,
        workers=1,
        best_worker=0,
    )


@settings(max_examples=25, deadline=None)
@given(n=st.integers(5, 160), seed=st.integers(0, 10**6), count=st.integers(1, 3))
def test_regions_are_disjoint_faithful_and_merge_back_to_the_same_plan(
    n: int, seed: int, count: int
) -> None:
    problem, plan = instance(n, seed)
    found = decompose.regions(problem, plan, np.random.default_rng(seed), count=count, target=40)
    assert 1 <= len(found) <= count
    taken = [j for region in found for j in region.routes]
    assert len(taken) == len(set(taken))
    spares = [v for region in found for v in region.vehicle_of[len(region.routes) :]]
    assert len(spares) == len(set(spares))
    assert not set(spares) & {r.vehicle for r in plan}
    for region in found:
        sub = region.problem
        assert region.distance == sum(plan[j].distance for j in region.routes)
        # The start is the same routes, renumbered: same places, loads and distances.
        assert [r.distance for r in region.start] == [plan[j].distance for j in region.routes]
        for r in region.start:
            stops = [v.stop for v in r.visits]
            assert route_distance(sub, r.vehicle, stops) == r.distance
            for v in r.visits:
                whole = problem.stops[region.stop_of[v.stop]]
                assert (
                    sub.distances[sub.stops[v.stop].location, 0]
                    == problem.distances[whole.location, 0]
                )
                assert (sub.stops[v.stop].weight, sub.stops[v.stop].window) == (
                    v.weight,
                    whole.window,
                )
        # Merging each region's own start changes nothing.
    same = [(region, as_result(region.start)) for region in found]
    merged = decompose.merge(plan, same)
    key = sorted((r.vehicle, tuple(v.stop for v in r.visits), r.distance) for r in plan)
    assert sorted((r.vehicle, tuple(v.stop for v in r.visits), r.distance) for r in merged) == key


def test_a_region_holds_about_the_target_number_of_visits_of_nearby_routes() -> None:
    problem, plan = instance(150, 7)
    (region,) = decompose.regions(problem, plan, np.random.default_rng(1), count=1, target=40)
    visits = sum(len(plan[j].visits) for j in region.routes)
    largest = max(len(r.visits) for r in plan)
    assert 40 <= visits < 40 + largest
    assert len(region.problem.stops) == visits


def test_merge_replaces_a_region_by_its_shorter_routes() -> None:
    problem, plan = instance(60, 3)
    (region,) = decompose.regions(problem, plan, np.random.default_rng(0), count=1, target=20)
    # Reverse every route of the region: same stops and (symmetric) distance, new order.
    flipped = tuple(
        Route(r.vehicle, 0, tuple(reversed(r.visits)), r.distance, None, None) for r in region.start
    )
    merged = decompose.merge(plan, [(region, as_result(flipped))])
    served = sorted(v.stop for r in merged for v in r.visits)
    assert served == list(range(60))
    for j in region.routes:
        original = [v.stop for v in plan[j].visits]
        again = next(r for r in merged if r.vehicle == plan[j].vehicle)
        assert [v.stop for v in again.visits] == original[::-1]


@pytest.mark.parametrize(
    ("status", "distance", "expected"),
    [
        (RoutingStatus.COMPLETE, -1, True),
        (RoutingStatus.COMPLETE, 0, False),
        (RoutingStatus.PARTIAL, -1, False),
    ],
)
def test_only_a_complete_and_shorter_region_counts(
    status: RoutingStatus, distance: int, expected: bool
) -> None:
    problem, plan = instance(30, 5)
    (region,) = decompose.regions(problem, plan, np.random.default_rng(0), count=1)
    result = RoutingResult(status, (), (), region.distance + distance, 0, 0.0, 1, 0)
    assert decompose.better(region, result) is expected


def test_decomposition_applies_to_large_problems_of_single_trips_only() -> None:
    large, _ = instance(decompose.MIN_STOPS, 1)
    small, _ = instance(decompose.MIN_STOPS - 1, 1)
    assert decompose.applies(large)
    assert not decompose.applies(small)
    chained = RoutingProblem(
        depots=large.depots,
        stops=large.stops,
        vehicles=(Vehicle("t", 0, 0, weight_capacity=30, max_trips=2), *large.vehicles),
        distances=large.distances,
    )
    assert not decompose.applies(chained)

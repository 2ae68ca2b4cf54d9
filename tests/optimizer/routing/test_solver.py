"""The solver on small problems whose right answer is known or checkable."""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from optimizer.routing import (
    Depot,
    DropReason,
    Route,
    RoutingProblem,
    RoutingResult,
    RoutingStatus,
    SearchStrategy,
    Stop,
    TimeWindow,
    Vehicle,
    Visit,
    decompose,
    solve,
    solver,
)
from optimizer.routing.solver import _Job, _run
from optimizer.routing.travel import read_matrix_csv
from tests.optimizer.routing.conftest import line_matrix, problem_on_line

FAST = 0.5


def delivered(result: RoutingResult) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for route in result.routes:
        for visit in route.visits:
            out[visit.stop] += visit.weight
    return out


def assert_feasible(problem: RoutingProblem, result: RoutingResult) -> None:
    """Capacities and windows hold, and every unit is either delivered or reported unserved."""
    got = delivered(result)
    for u in result.unserved:
        got[u.stop] += u.weight
    assert dict(got) == {i: s.weight for i, s in enumerate(problem.stops) if s.weight or i in got}
    for route in result.routes:
        vehicle = problem.vehicles[route.vehicle]
        assert route.weight <= vehicle.weight_capacity
        for visit in route.visits:
            window = problem.stops[visit.stop].window
            if window is not None:
                assert visit.arrival is not None
                assert window.start <= visit.arrival <= window.end


def test_one_truck_visits_stops_on_a_line_in_order() -> None:
    xs = [0, 10, 20, 30]
    stops = [Stop(f"s{i}", i, weight=1) for i in (1, 2, 3)]
    p = problem_on_line(xs, stops, [Vehicle("t", 0, 0, weight_capacity=10)])
    result = solve(p, time_limit_s=FAST)
    assert result.status is RoutingStatus.COMPLETE
    assert result.distance == 60
    assert [v.stop for v in result.routes[0].visits] in ([0, 1, 2], [2, 1, 0])


def test_a_load_larger_than_any_truck_is_split_across_trucks() -> None:
    p = problem_on_line(
        [0, 10],
        [Stop("big", 1, weight=25)],
        [Vehicle(f"t{i}", 0, 0, weight_capacity=10) for i in range(3)],
    )
    result = solve(p, time_limit_s=FAST)
    assert result.status is RoutingStatus.COMPLETE
    assert delivered(result) == {0: 25}
    assert len(result.routes) == 3
    assert_feasible(p, result)


def test_one_truck_makes_several_trips_in_sequence() -> None:
    p = problem_on_line(
        [0, 10, 20],
        [Stop("a", 1, weight=10), Stop("b", 2, weight=10)],
        [Vehicle("t", 0, 0, weight_capacity=10, max_trips=2)],
        timed=True,
    )
    result = solve(p, time_limit_s=FAST)
    assert result.status is RoutingStatus.COMPLETE
    first, second = sorted(result.routes, key=lambda r: r.trip)
    assert (first.trip, second.trip) == (0, 1)
    assert first.end_time is not None
    assert second.start_time is not None
    assert first.end_time <= second.start_time


def test_priority_stop_is_served_first_when_the_fleet_is_short() -> None:
    p = problem_on_line(
        [0, 10, 10],
        [Stop("ordinary", 1, weight=10), Stop("clinic", 2, weight=10, priority=True)],
        [Vehicle("t", 0, 0, weight_capacity=10)],
    )
    result = solve(p, time_limit_s=FAST)
    assert result.status is RoutingStatus.PARTIAL
    assert delivered(result) == {1: 10}
    (left,) = result.unserved
    assert (left.stop, left.weight, left.reason) == (0, 10, DropReason.FLEET_CAPACITY)


def test_a_window_no_truck_can_reach_is_reported_as_such() -> None:
    p = problem_on_line(
        [0, 100, 5],
        [Stop("far", 1, weight=1, window=TimeWindow(0, 50)), Stop("near", 2, weight=1)],
        [Vehicle("t", 0, 0, weight_capacity=10, shift_length=1000)],
        timed=True,
    )
    result = solve(p, time_limit_s=FAST)
    assert [(u.stop, u.reason) for u in result.unserved] == [(0, DropReason.WINDOW_UNREACHABLE)]
    assert delivered(result) == {1: 1}


def test_a_short_shift_leaves_out_what_it_cannot_reach() -> None:
    p = problem_on_line(
        [0, 10, 60],
        [Stop("a", 1, weight=1, service_time=5), Stop("b", 2, weight=1)],
        [Vehicle("t", 0, 0, weight_capacity=10, shift_length=100)],
        timed=True,
    )
    result = solve(p, time_limit_s=FAST)
    assert [(u.stop, u.reason) for u in result.unserved] == [(1, DropReason.WINDOW_UNREACHABLE)]


def test_vehicle_speed_turns_distance_into_time() -> None:
    p = problem_on_line(
        [0, 100],
        [Stop("a", 1, weight=1, window=TimeWindow(0, 1000))],
        [Vehicle("t", 0, 0, weight_capacity=10, speed=4.0, shift_start=50)],
        timed=True,
    )
    slow = RoutingProblem(p.depots, p.stops, p.vehicles, p.distances, durations=None)
    result = solve(slow, time_limit_s=FAST)
    assert result.routes[0].visits[0].arrival == 50 + 25


def test_two_workers_return_the_best_of_both() -> None:
    xs = [0, 3, 9, 14, 20, 27, 33]
    stops = [Stop(f"s{i}", i, weight=4) for i in range(1, 7)]
    p = problem_on_line(xs, stops, [Vehicle(f"t{i}", 0, 0, weight_capacity=8) for i in range(4)])
    result = solve(p, time_limit_s=FAST, workers=2)
    assert result.workers == 2
    assert result.best_worker in (0, 1)
    assert_feasible(p, result)


def test_each_truck_serves_the_stops_near_its_own_depot() -> None:
    # Depots at x=0 and x=1000; stops near each; trucks start and end at their own depot.
    xs = [0, 1000, 10, 20, 990, 980]
    p = RoutingProblem(
        depots=(Depot("west", 0), Depot("east", 1)),
        stops=tuple(Stop(f"s{i}", i, weight=1) for i in (2, 3, 4, 5)),
        vehicles=(Vehicle("w", 0, 0, weight_capacity=5), Vehicle("e", 1, 1, weight_capacity=5)),
        distances=line_matrix(xs),
    )
    result = solve(p, time_limit_s=FAST)
    by_vehicle = {r.vehicle: sorted(v.stop for v in r.visits) for r in result.routes}
    assert by_vehicle == {0: [0, 1], 1: [2, 3]}
    assert result.distance == 4 * 20


def test_volume_as_well_as_weight_limits_a_truck() -> None:
    p = problem_on_line(
        [0, 10],
        [Stop("bulky", 1, weight=2, volume=30)],
        [Vehicle(f"t{i}", 0, 0, weight_capacity=100, volume_capacity=10) for i in range(3)],
    )
    result = solve(p, time_limit_s=FAST)
    assert result.status is RoutingStatus.COMPLETE
    assert sorted(r.volume for r in result.routes) == [10, 10, 10]
    assert sum(r.weight for r in result.routes) == 2


def test_a_district_table_drives_the_plan() -> None:
    table = read_matrix_csv(
        "from,to,distance_m,duration_s\n"
        "depot,a,1000,100\na,depot,1000,100\n"
        "depot,b,5000,400\nb,depot,5000,400\n"
        "a,b,4500,380\nb,a,4500,380\n"
    )
    p = RoutingProblem(
        depots=(Depot("depot", 0),),
        stops=(Stop("a", 1, weight=1, window=TimeWindow(0, 150)), Stop("b", 2, weight=1)),
        vehicles=(Vehicle("t", 0, 0, weight_capacity=5, shift_length=3600),),
        distances=table.distances,
        durations=table.durations,
    )
    result = solve(p, time_limit_s=FAST)
    (route,) = result.routes
    assert [(v.stop, v.arrival) for v in route.visits] == [(0, 100), (1, 480)]
    assert route.distance == 1000 + 4500 + 5000


@pytest.mark.parametrize(("limit", "workers"), [(0.0, 1), (-1.0, 1), (1.0, 0)])
def test_bad_limits_are_refused(limit: float, workers: int) -> None:
    p = problem_on_line([0, 1], [Stop("a", 1, weight=1)], [Vehicle("t", 0, 0, 1)])
    with pytest.raises(InvalidInput):
        solve(p, time_limit_s=limit, workers=workers)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    xs=st.lists(st.integers(0, 200), min_size=2, max_size=7),
    weights=st.lists(st.integers(0, 30), min_size=6, max_size=6),
    windows=st.lists(st.one_of(st.none(), st.integers(0, 400)), min_size=6, max_size=6),
    capacity=st.integers(5, 40),
    trucks=st.integers(1, 3),
)
def test_any_plan_respects_capacity_and_windows_and_accounts_for_every_unit(
    xs: list[int], weights: list[int], windows: list[int | None], capacity: int, trucks: int
) -> None:
    def window(opens: int | None) -> TimeWindow | None:
        return None if opens is None else TimeWindow(opens, opens + 60)

    stops = [
        Stop(f"s{i}", i, weight=weights[i - 1], service_time=3, window=window(windows[i - 1]))
        for i in range(1, len(xs))
    ]
    vehicles = [
        Vehicle(f"t{k}", 0, 0, capacity, shift_length=800, max_trips=2) for k in range(trucks)
    ]
    p = problem_on_line(xs, stops, vehicles, timed=True)
    result = solve(p, time_limit_s=0.2)
    assert result.status is not RoutingStatus.NO_SOLUTION
    assert_feasible(p, result)


def _job(p: RoutingProblem, start: tuple[Route, ...], limit: float = FAST) -> _Job:
    return _Job(p, 0, SearchStrategy("PATH_CHEAPEST_ARC", "ILS"), limit, 0, start=start)


def test_a_warm_start_begins_from_the_given_routes() -> None:
    # Two stops at one place, two trucks of capacity 1: either assignment is optimal, so
    # the plan that comes back is the one the search started from.
    p = problem_on_line(
        [0, 10, 10],
        [Stop("a", 1, weight=1), Stop("b", 2, weight=1)],
        [Vehicle(f"t{i}", 0, 0, weight_capacity=1) for i in range(2)],
    )
    for first in (0, 1):
        start = (
            Route(0, 0, (Visit(first, 1, 0, None),), 20, None, None),
            Route(1, 0, (Visit(1 - first, 1, 0, None),), 20, None, None),
        )
        result = _run(_job(p, start))
        assert {r.vehicle: r.visits[0].stop for r in result.routes} == {0: first, 1: 1 - first}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    xs=st.lists(st.integers(0, 200), min_size=3, max_size=7),
    weights=st.lists(st.integers(1, 30), min_size=6, max_size=6),
    capacity=st.integers(8, 40),
    seed=st.integers(0, 100),
)
def test_a_warm_started_search_never_ends_worse_than_its_start(
    xs: list[int], weights: list[int], capacity: int, seed: int
) -> None:
    """Starts from a plan with split stops and second trips; the search keeps or improves it."""
    stops = [Stop(f"s{i}", i, weight=weights[i - 1]) for i in range(1, len(xs))]
    vehicles = [Vehicle(f"t{k}", 0, 0, capacity, max_trips=2) for k in range(3)]
    p = problem_on_line(xs, stops, vehicles)
    first = solve(p, seed=seed, time_limit_s=1.0, portfolio=[SearchStrategy("SAVINGS", "GREEDY")])
    again = _run(_job(p, first.routes, limit=1.0))
    if again.status is RoutingStatus.NO_SOLUTION:
        # On a machine loaded enough, the limit can run out before the warm start's first
        # plan is built; the search says so, and a region search keeps its start then.
        assert again.runtime_s >= 0.5
        return
    assert again.objective <= first.objective
    assert_feasible(p, again)


def _scattered(n: int) -> RoutingProblem:
    rng = np.random.default_rng(n)
    points = rng.integers(0, 1000, size=(n + 1, 2))
    diff = points[:, None, :] - points[None, :, :]
    distances = np.rint(np.hypot(diff[..., 0], diff[..., 1])).astype(np.int64)
    stops = tuple(Stop(f"s{i}", i, weight=int(rng.integers(1, 10))) for i in range(1, n + 1))
    return RoutingProblem(
        depots=(Depot("d", 0),),
        stops=stops,
        vehicles=tuple(Vehicle(f"t{k}", 0, 0, weight_capacity=40) for k in range(n // 6)),
        distances=distances,
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_a_large_problem_is_improved_region_by_region(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(solver, "REGION_S", 0.3)
    searched: list[int] = []
    regions = decompose.regions

    def counted(*args: Any, **kwargs: Any) -> list[decompose.Region]:
        found = regions(*args, **kwargs)
        searched.extend(len(r.problem.stops) for r in found)
        return found

    monkeypatch.setattr(decompose, "regions", counted)
    p = _scattered(decompose.MIN_STOPS + 10)
    result = solve(p, time_limit_s=2.0, workers=workers)
    assert result.status is RoutingStatus.COMPLETE
    assert_feasible(p, result)
    # Several rounds ran; a region holds about the target number of visits, or what the
    # rounds' other regions left.
    assert len(searched) >= 2 * workers
    assert max(searched) >= decompose.TARGET_VISITS
    assert all(size < decompose.TARGET_VISITS + 40 for size in searched)
    # The totals describe the routes returned.
    assert result.objective == result.distance == sum(r.distance for r in result.routes)
    for route in result.routes:
        places = [0, *(p.stops[v.stop].location for v in route.visits), 0]
        assert route.distance == sum(int(p.distances[a, b]) for a, b in itertools.pairwise(places))
    assert len({r.vehicle for r in result.routes}) == len(result.routes)


def test_decomposition_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solver, "REGION_S", 0.3)

    def refuse(*args: Any, **kwargs: Any) -> list[decompose.Region]:
        raise AssertionError("regions searched")

    monkeypatch.setattr(decompose, "regions", refuse)
    p = _scattered(decompose.MIN_STOPS)
    result = solve(p, time_limit_s=2.0, decomposition=False)
    assert result.status is RoutingStatus.COMPLETE
    small = _scattered(decompose.MIN_STOPS - 1)
    assert solve(small, time_limit_s=2.0).status is RoutingStatus.COMPLETE

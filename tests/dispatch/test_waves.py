"""Dispatch in waves, over plain data: a plan's demand by date becomes waves, each wave's
loads go out day by day, what the fleet cannot carry waits for the next day of the same
wave, and what its days cannot carry is left out with a reason to act on."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.planning import (
    DAY_S,
    DispatchProblem,
    FleetVehicle,
    Load,
    Wave,
    route_waves,
)
from dispatch.routes import split, wave_dues
from optimizer.routing.travel import Point
from plans.schemas import PlanPublic

DEPOT = 1
PLACES = {DEPOT: Point(30.50, 114.30)}
COMMUNITIES = {10: Point(30.52, 114.33), 11: Point(30.55, 114.36)}
#: A 1 t truck with a 2 h shift: one or two trips a day.
TRUCK = FleetVehicle(1, "T1", 1000, 10_000, DEPOT, DEPOT, 120, 40.0)
WAVES = (Wave(1, 0, 3 * DAY_S), Wave(2, 3 * DAY_S, 6 * DAY_S))


def load(line: int, community: int, quantity: int, wave: int = 1) -> Load:
    return Load(line, DEPOT, community, 100 + line, 200 + line, quantity, 1000, 600, wave=wave)


def carried(routes_trips: tuple[Any, ...], wave: int | None = None) -> Counter[int]:
    out = Counter[int]()
    for t in routes_trips:
        if wave is None or t.wave == wave:
            for s in t.stops:
                out.update({c.line_id: c.quantity for c in s.cargo})
    return out


def test_each_wave_leaves_in_its_own_days_and_arrives_by_its_due_time() -> None:
    problem = DispatchProblem(
        loads=(load(1, 10, 300, wave=1), load(2, 11, 200, wave=2)),
        vehicles=(TRUCK,),
        depots=PLACES,
        communities=COMMUNITIES,
    )
    routes = route_waves(problem, WAVES, seed=0, time_limit_s=2.0)
    assert routes.left_out == ()
    assert carried(routes.trips, 1) == {1: 300}
    assert carried(routes.trips, 2) == {2: 200}
    for t in routes.trips:
        wave = WAVES[t.wave - 1]
        assert wave.opens_s <= t.start_s
        assert all(s.arrival_s <= wave.due_s for s in t.stops)
    numbers = [t.trip for t in routes.trips if t.vehicle_id == TRUCK.vehicle_id]
    assert sorted(numbers) == list(range(1, len(numbers) + 1))  # numbered across the days


def test_what_one_day_cannot_carry_goes_the_next_day_of_its_wave() -> None:
    # 5 t for a 1 t truck with a 2 h shift: more than one day's trips, less than three days'.
    problem = DispatchProblem(
        loads=(load(1, 10, 5000),),
        vehicles=(TRUCK,),
        depots=PLACES,
        communities=COMMUNITIES,
    )
    routes = route_waves(problem, WAVES[:1], seed=0, time_limit_s=3.0)
    assert routes.left_out == ()
    assert carried(routes.trips) == {1: 5000}
    days = {t.start_s // DAY_S for t in routes.trips}
    assert len(days) >= 2, "the first day alone cannot carry 5 t"
    assert days <= {0, 1, 2}


def test_what_a_waves_days_cannot_carry_is_left_out_with_what_would_help() -> None:
    problem = DispatchProblem(
        loads=(load(1, 10, 30_000),),  # 30 t: far beyond three days of one 1 t truck
        vehicles=(TRUCK,),
        depots=PLACES,
        communities=COMMUNITIES,
    )
    routes = route_waves(problem, WAVES[:1], seed=0, time_limit_s=3.0)
    left = sum(c.quantity for x in routes.left_out for c in x.cargo)
    assert left > 0
    assert carried(routes.trips)[1] + left == 30_000
    assert all(x.reason in {"fleet_capacity", "fleet_time"} for x in routes.left_out)
    assert all("add vehicles" in x.detail and "wave 1" in x.detail for x in routes.left_out)


def _plan(created: datetime, deadline_h: int = 72) -> PlanPublic:
    return PlanPublic(
        id=1,
        district_id=1,
        scenario_id=1,
        forecast_run_id=1,
        status="approved",
        revision=1,
        deadline_h=deadline_h,
        summary={},
        communities=[],
        lines=[],
        fills=[],
        created_by="t",
        created_at=created,
        solved_at=created,
        approved_by="t",
        approved_at=created,
    )


def test_three_weeks_of_demand_become_waves_of_three_days() -> None:
    created = datetime(2026, 7, 1, 8, tzinfo=UTC)
    demand = {(10, 1): {date(2026, 7, 1) + timedelta(days=n): 10.0 for n in range(21)}}
    dues = wave_dues(_plan(created), demand, every_h=72)
    assert dues[0][0] == created + timedelta(hours=72)
    assert [b - a for (a, _), (b, _) in pairwise(dues)] == [timedelta(hours=72)] * (len(dues) - 1)
    assert dues[-1][0] > datetime(2026, 7, 21, tzinfo=UTC)
    shares = [share[(10, 1)] for _, share in dues]
    assert abs(sum(shares) - 1.0) < 1e-9
    # The days that start before the first deadline (4 July 08:00): 1 to 4 July.
    assert shares[0] == 4 / 21


def test_a_plan_whose_demand_ends_by_its_deadline_has_one_wave() -> None:
    created = datetime(2026, 7, 1, 8, tzinfo=UTC)
    demand = {(10, 1): {date(2026, 7, 1): 5.0, date(2026, 7, 2): 5.0}}
    dues = wave_dues(_plan(created), demand, every_h=72)
    assert len(dues) == 1
    assert dues[0][1] == {(10, 1): 1.0}


@settings(max_examples=200, deadline=None)
@given(
    quantity=st.integers(0, 10**9),
    shares=st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=12),
)
def test_split_places_every_unit_and_rounds_the_urgent_waves_up(
    quantity: int, shares: list[float]
) -> None:
    parts = split(quantity, shares)
    assert len(parts) == len(shares)
    assert sum(parts) == quantity
    assert all(p >= 0 for p in parts)
    total = sum(shares)
    if total > 0:
        first = shares[0] / total
        assert parts[0] >= quantity * first - 1e-6 * max(1, quantity)


def test_a_load_of_an_unknown_wave_is_a_bug() -> None:
    problem = DispatchProblem(
        loads=(replace(load(1, 10, 5), wave=9),),
        vehicles=(TRUCK,),
        depots=PLACES,
        communities=COMMUNITIES,
    )
    with pytest.raises(ValueError, match="unknown waves"):
        route_waves(problem, WAVES, time_limit_s=1.0)


def test_a_search_that_finds_no_plan_leaves_every_piece_out_with_its_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dispatch import planning
    from optimizer.routing.result import RoutingResult, RoutingStatus

    def nothing(*args: object, **kwargs: object) -> RoutingResult:
        return RoutingResult(
            status=RoutingStatus.NO_SOLUTION,
            routes=(),
            unserved=(),
            distance=0,
            objective=0,
            runtime_s=0.0,
            workers=1,
            best_worker=None,
        )

    monkeypatch.setattr(planning, "solve", nothing)
    problem = DispatchProblem(
        loads=(load(1, 10, 2500), load(2, 11, 300)),
        vehicles=(TRUCK,),
        depots=PLACES,
        communities=COMMUNITIES,
    )
    routes = planning.route(problem, time_limit_s=1.0)
    assert routes.trips == ()
    left = Counter[int]()
    for x in routes.left_out:
        assert x.reason == "search_limit"
        left.update({c.line_id: c.quantity for c in x.cargo})
    assert left == {1: 2500, 2: 300}

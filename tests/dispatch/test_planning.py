"""The pure dispatch planner: packing loads into whole-unit stops, and who is left out."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.planning import DispatchProblem, FleetVehicle, Load, pack, route
from optimizer.routing.travel import Point

DEPOT, OTHER = 1, 2
PLACES = {DEPOT: Point(30.50, 114.30), OTHER: Point(30.60, 114.40)}
COMMUNITIES = {10: Point(30.52, 114.33), 11: Point(30.55, 114.36)}


def truck(code: str = "T1", kg: int = 1000, start: int = DEPOT) -> FleetVehicle:
    return FleetVehicle(1, code, kg, 10_000, start, start, 480, 40.0)


def load(line: int, community: int, quantity: int, grams: int = 500, source: int = DEPOT) -> Load:
    return Load(line, source, community, 100 + line, 200 + line, quantity, grams, 600)


loads_strategy = st.lists(
    st.builds(
        Load,
        line_id=st.integers(1, 10_000),
        source_depot_id=st.just(DEPOT),
        community_id=st.just(10),
        item_id=st.integers(1, 5),
        lot_id=st.integers(1, 5),
        quantity=st.integers(1, 5_000),
        unit_weight_g=st.integers(0, 30_000),
        unit_volume_cm3=st.integers(0, 50_000),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda x: x.line_id,
)


@settings(max_examples=150, deadline=None)
@given(loads=loads_strategy, max_w=st.integers(1, 200_000), max_v=st.integers(1, 300_000))
def test_packing_keeps_every_unit_and_each_piece_fits(
    loads: list[Load], max_w: int, max_v: int
) -> None:
    pieces, too_large = pack(loads, max_weight_g=max_w, max_volume_cm3=max_v)
    packed: Counter[int] = Counter()
    for piece in pieces:
        assert piece.cargo
        assert 0 <= piece.weight_g <= max_w
        assert 0 <= piece.volume_cm3 <= max_v
        for c in piece.cargo:
            assert c.quantity > 0
            packed[c.line_id] += c.quantity
    by_id = {x.line_id: x for x in loads}
    for x in too_large:
        assert x.unit_weight_g > max_w or x.unit_volume_cm3 > max_v
    expected = {x.line_id: x.quantity for x in loads if x not in too_large}
    assert dict(packed) == expected
    for piece in pieces:  # weights are what the cargo weighs
        assert piece.weight_g == sum(
            c.quantity * by_id[c.line_id].unit_weight_g for c in piece.cargo
        )


def test_a_load_larger_than_the_truck_goes_in_several_trips() -> None:
    problem = DispatchProblem(
        loads=(load(1, 10, 5000), load(2, 11, 100)),  # 2.5 t to one community, 1 t trucks
        vehicles=(truck(),),
        depots=PLACES,
        communities=COMMUNITIES,
    )
    routes = route(problem, seed=0, time_limit_s=1.0)
    assert routes.complete
    assert len(routes.trips) == 3
    carried = Counter[int]()
    for trip in routes.trips:
        assert sum(s.weight_g for s in trip.stops) <= 1_000_000
        for s in trip.stops:
            carried.update({c.line_id: c.quantity for c in s.cargo})
    assert carried == {1: 5000, 2: 100}
    assert routes.distance_m == sum(t.distance_m for t in routes.trips)


def test_left_out_with_reasons() -> None:
    problem = DispatchProblem(
        loads=(
            load(1, 10, 10, source=OTHER),  # nobody starts at that depot
            load(2, 10, 1, grams=2_000_000),  # one unit of 2 t on a 1 t truck
            load(3, 11, 10),
        ),
        vehicles=(truck(),),
        depots=PLACES,
        communities=COMMUNITIES,
    )
    routes = route(problem, seed=0, time_limit_s=0.5)
    reasons = {x.cargo[0].line_id: x.reason for x in routes.left_out}
    assert reasons == {1: "no_vehicle", 2: "unit_too_large"}
    assert [c.line_id for t in routes.trips for s in t.stops for c in s.cargo] == [3]


def test_a_short_shift_serves_priority_first() -> None:
    # one community or the other fits the hour, not both (55 or 34 min alone, 68 together)
    slow = FleetVehicle(1, "SLOW", 1000, 10_000, DEPOT, DEPOT, 60, 30.0)
    problem = DispatchProblem(
        loads=(load(1, 10, 10), load(2, 11, 10)),
        vehicles=(slow,),
        depots=PLACES,
        communities=COMMUNITIES,
        priority_communities=frozenset({11}),
        service_minutes=15,
    )
    routes = route(problem, seed=0, time_limit_s=0.5)
    served = {s.community_id for t in routes.trips for s in t.stops}
    assert served == {11}
    assert [x.community_id for x in routes.left_out] == [10]
    assert routes.left_out[0].reason in {"fleet_time", "window_unreachable"}

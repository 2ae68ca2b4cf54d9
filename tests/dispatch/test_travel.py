"""Choosing the travel data (table > OSRM > estimate), and routing by the plan's deadline.

Pure: plain data in, plain data out, no database and no network.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from dispatch.planning import DispatchProblem, FleetVehicle, Load, route
from dispatch.travel import Location, Place, Travel, TravelTable, choose, estimate
from optimizer.routing.osrm import OsrmTable, OsrmUnusable
from optimizer.routing.travel import Point

DEPOT, NEAR, FAR = Place("depot", 1), Place("community", 10), Place("community", 11)
LOCATIONS = [
    Location(DEPOT, "WH", Point(30.50, 114.30)),
    Location(NEAR, "C10", Point(30.52, 114.33)),
    Location(FAR, "C11", Point(30.55, 114.36)),
]


def table(places: Sequence[Place], timed: bool = True) -> TravelTable:
    n = len(places)
    distances = np.array(
        [[0 if i == j else 1000 * (i + 1) + j for j in range(n)] for i in range(n)]
    )
    durations = distances // 10 if timed else None
    return TravelTable(tuple(places), distances.astype(np.int64), durations)


def osrm_answering(points: Sequence[Point]) -> OsrmTable:
    n = len(points)
    d = np.full((n, n), 777, dtype=np.int64)
    np.fill_diagonal(d, 0)
    return OsrmTable(d, d // 7)


def osrm_failing(reason: str, pairs: Sequence[tuple[int, int]] = ()) -> object:
    def fetch(points: Sequence[Point]) -> OsrmTable:
        raise OsrmUnusable(reason, pairs)

    return fetch


def never(points: Sequence[Point]) -> OsrmTable:
    raise AssertionError("OSRM must not be asked when the table covers every place")


# --- the order of sources ---------------------------------------------------------------


def test_a_table_that_names_every_place_is_used_in_the_problems_order() -> None:
    # the table lists more places than needed, in another order
    extra = Place("depot", 2)
    stored = table([FAR, extra, DEPOT, NEAR])
    got = choose(LOCATIONS, table=stored, osrm=never)
    assert got.source == "matrix"
    assert got.fallbacks == ()
    assert got.places == (DEPOT, NEAR, FAR)
    # rows/columns picked from the table: DEPOT is its row 2, NEAR row 3, FAR row 0
    want = stored.distances[np.ix_([2, 3, 0], [2, 3, 0])]
    assert got.distances.tolist() == want.tolist()
    assert got.durations is not None
    assert got.durations.tolist() == (want // 10).tolist()


def test_a_table_without_durations_leaves_times_to_vehicle_speed() -> None:
    got = choose(LOCATIONS, table=table([DEPOT, NEAR, FAR], timed=False), osrm=None)
    assert got.source == "matrix"
    assert got.durations is None


def test_a_table_that_lacks_a_place_falls_back_to_osrm_and_says_which() -> None:
    got = choose(LOCATIONS, table=table([DEPOT, NEAR]), osrm=osrm_answering)
    assert got.source == "osrm"
    assert [(f.source, f.reason) for f in got.fallbacks] == [
        ("matrix", "the district's travel table does not name C11")
    ]
    assert got.distances[0, 1] == 777
    assert got.durations is not None
    assert got.durations[0, 1] == 111


def test_unroutable_osrm_pairs_fall_back_to_the_estimate_naming_the_places() -> None:
    fetch = osrm_failing("OSRM found no road for 2 pair(s) of places", [(0, 2), (2, 0)])
    got = choose(LOCATIONS, table=table([DEPOT]), osrm=fetch)  # type: ignore[arg-type]
    assert got.source == "estimate"
    assert [f.source for f in got.fallbacks] == ["matrix", "osrm"]
    assert got.fallbacks[1].reason == (
        "OSRM found no road for 2 pair(s) of places: WH -> C11, C11 -> WH"
    )
    assert got.durations is None
    assert got.distances.tolist() == estimate(LOCATIONS)[0].tolist()


def test_an_osrm_error_is_recorded_as_the_reason() -> None:
    fetch = osrm_failing("the OSRM server did not answer in time (ReadTimeout)")
    got = choose(LOCATIONS, table=None, osrm=fetch)  # type: ignore[arg-type]
    assert got.source == "estimate"
    assert [(f.source, f.reason) for f in got.fallbacks] == [
        ("osrm", "the OSRM server did not answer in time (ReadTimeout)")
    ]


def test_without_a_table_or_osrm_the_estimate_is_no_fallback() -> None:
    got = choose(LOCATIONS, table=None, osrm=None)
    assert got.source == "estimate"
    assert got.fallbacks == ()
    assert (got.distances == got.distances.T).all()
    assert got.distances[0, 2] > got.distances[0, 1] > 0


def test_a_long_list_of_missing_places_is_shortened() -> None:
    many = [Location(Place("community", i), f"C{i}", Point(30.5, 114.3)) for i in range(15)]
    got = choose(many, table=table([Place("community", 0)]), osrm=None)
    assert got.fallbacks[0].reason.endswith("C10 and 4 more")


def test_travel_between_unknown_places_is_a_bug_not_a_guess() -> None:
    travel = Travel("estimate", (DEPOT,), np.zeros((1, 1), dtype=np.int64), None)
    with pytest.raises(KeyError):
        travel.between([DEPOT, NEAR])


# --- routing on the chosen travel data, by the deadline -----------------------------------

POINTS = {DEPOT.id: Point(30.50, 114.30)}
COMMUNITIES = {NEAR.id: Point(30.52, 114.33), FAR.id: Point(30.55, 114.36)}


def timed_travel(near_s: int, far_s: int, between_s: int = 3000) -> Travel:
    """Short distances (2-3 km) but the given driving times, both ways."""
    durations = np.array(
        [[0, near_s, far_s], [near_s, 0, between_s], [far_s, between_s, 0]], dtype=np.int64
    )
    distances = np.array([[0, 2000, 3000], [2000, 0, 1500], [3000, 1500, 0]], dtype=np.int64)
    return Travel("matrix", (DEPOT, NEAR, FAR), distances, durations)


def truck(shift_minutes: int = 600) -> FleetVehicle:
    return FleetVehicle(1, "T1", 1000, 10_000, DEPOT.id, DEPOT.id, shift_minutes, 40.0)


def load(line: int, community: int) -> Load:
    return Load(line, DEPOT.id, community, 100 + line, 200 + line, 10, 500, 600)


def problem(travel: Travel | None, deadline_s: int | None, **over: object) -> DispatchProblem:
    fields: dict[str, object] = {
        "loads": (load(1, NEAR.id), load(2, FAR.id)),
        "vehicles": (truck(),),
        "depots": POINTS,
        "communities": COMMUNITIES,
        "travel": travel,
        "deadline_s": deadline_s,
    }
    fields.update(over)
    return DispatchProblem(**fields)  # type: ignore[arg-type]


def test_table_durations_are_the_driving_times_not_vehicle_speed() -> None:
    # 2 km at 40 km/h is 3 minutes; the table says 40 minutes
    routes = route(problem(timed_travel(2400, 2400), None), seed=0, time_limit_s=0.5)
    assert routes.complete
    first = [t.stops[0] for t in routes.trips]
    assert all(s.arrival_s >= 2400 for s in first)
    assert routes.distance_m == sum(t.distance_m for t in routes.trips)
    assert routes.distance_m in (2000 + 1500 + 3000, 2 * 2000 + 2 * 3000)


def test_a_stop_no_vehicle_reaches_by_the_deadline_is_left_out_with_that_reason() -> None:
    # the far community is 2 h away; the deadline is 1 h after departure
    routes = route(problem(timed_travel(1800, 7200), 3600), seed=0, time_limit_s=0.5)
    served = [s for t in routes.trips for s in t.stops]
    assert [s.community_id for s in served] == [NEAR.id]
    assert all(s.arrival_s <= 3600 for s in served)
    (left,) = routes.left_out
    assert (left.community_id, left.reason) == (FAR.id, "window_unreachable")
    assert "1 h 00 min" in left.detail
    assert [c.line_id for c in left.cargo] == [2]


def test_without_a_deadline_the_same_stop_is_served() -> None:
    routes = route(problem(timed_travel(1800, 7200), None), seed=0, time_limit_s=0.5)
    assert routes.complete


def test_by_the_deadline_priority_stops_still_go_first() -> None:
    # either community alone fits the hour (30 min out); both do not (+15 min unloading
    # +50 min between them)
    for priority in (NEAR.id, FAR.id):
        routes = route(
            problem(
                timed_travel(1800, 1800),
                3600,
                priority_communities=frozenset({priority}),
                service_minutes=15,
            ),
            seed=0,
            time_limit_s=0.5,
        )
        served = {s.community_id for t in routes.trips for s in t.stops}
        assert served == {priority}
        (left,) = routes.left_out
        assert left.community_id != priority
        assert left.reason == "fleet_time"  # reachable alone: the fleet's time went to priority

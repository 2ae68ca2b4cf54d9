"""A district's travel table through the API, and routes on the travel data and deadline.

On SQLite and PostgreSQL; OSRM is an `httpx.MockTransport` (or a closed local port).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from accounts.service import Principal
from api.routers.dispatch import get_osrm
from api.security.deps import current_principal
from dispatch.models import RoutePlan, TravelMatrix, TravelMatrixPlace
from inventory import schemas as inventory_schemas
from inventory import service as inventory
from optimizer.routing.osrm import OsrmServer
from tests.dispatch.helpers import approved_plan, vehicle
from tests.inventory.factories import Small, small_district
from tests.plans.helpers import district_with_history

Json = dict[str, Any]

#: Where each place lies along one road, in metres from the warehouse.
ALONG = {"WH": 0, "DA": 200, "DB": 400, "C0": 3000, "C1": 9000}
#: Slow roads: 0.6 s per metre (6 km/h), far from what the trucks' 40 km/h would give.
SECONDS_PER_M = 0.6


def metres(a: str, b: str) -> int:
    return abs(ALONG[a] - ALONG[b])


def seconds(a: str, b: str) -> int:
    return round(metres(a, b) * SECONDS_PER_M)


def table_csv(places: list[str] | None = None, *, timed: bool = True) -> str:
    places = places or list(ALONG)
    head = "from,to,distance_m" + (",duration_s" if timed else "")
    rows = [
        f"{a},{b},{metres(a, b)}" + (f",{seconds(a, b)}" if timed else "")
        for a in places
        for b in places
        if a != b
    ]
    return "\n".join([head, *rows]) + "\n"


def rows_of(text: str) -> set[tuple[str, ...]]:
    return {tuple(r) for r in csv.reader(io.StringIO(text)) if r}


@pytest.fixture
def d(session: Session) -> Small:
    return district_with_history(session)


@pytest.fixture
def act_as(client: TestClient) -> Callable[[Principal], None]:
    app = client.app
    assert isinstance(app, FastAPI)

    def switch(who: Principal) -> None:
        app.dependency_overrides[current_principal] = lambda: who

    return switch


@pytest.fixture
def osrm_with(client: TestClient) -> Callable[[Callable[[httpx.Request], httpx.Response]], None]:
    """Route through an OSRM server answered by `handler` (no network)."""
    app = client.app
    assert isinstance(app, FastAPI)

    def install(handler: Callable[[httpx.Request], httpx.Response]) -> None:
        server = OsrmServer("http://osrm.test", 2.0, transport=httpx.MockTransport(handler))
        app.dependency_overrides[get_osrm] = lambda: server

    return install


def coordinator(district_id: int) -> Principal:
    return Principal(
        user_id=8,
        username=f"coordinator-{district_id}",
        role="coordinator",
        district_id=district_id,
        depot_ids=frozenset(),
    )


def put(client: TestClient, district_id: int, text: str, *, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.put(
        f"/districts/{district_id}/travel-matrix",
        files={"file": ("travel.csv", text.encode(), "text/csv")},
        headers=headers,
    )


def stored(session: Session) -> tuple[int, int, list[Any]]:
    """Tables, place rows, and the stored distance matrices (the database, not the API)."""
    session.expire_all()
    tables = session.execute(select(func.count()).select_from(TravelMatrix)).scalar_one()
    places = session.execute(select(func.count()).select_from(TravelMatrixPlace)).scalar_one()
    matrices = [m.distances for m in session.execute(select(TravelMatrix)).scalars()]
    return int(tables), int(places), matrices


def route_plan_row(session: Session, route_plan_id: int) -> RoutePlan:
    session.expire_all()
    row = session.get(RoutePlan, route_plan_id)
    assert row is not None
    return row


def code_of(session: Session, d: Small) -> Callable[[int], str]:
    communities = {c.id: c.code for c in inventory.list_communities(session, d.district_id)}
    return lambda community_id: communities[community_id]


def trip_path(trip: Json, name: Callable[[int], str]) -> list[str]:
    return ["WH", *(name(s["community_id"]) for s in trip["stops"]), "WH"]


# --- the table ----------------------------------------------------------------------------


def test_a_table_is_stored_read_back_and_used_for_routing(
    client: TestClient, session: Session, d: Small
) -> None:
    answer = put(client, d.district_id, table_csv())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["places"] == ["WH", "DA", "DB", "C0", "C1"]
    assert (body["pairs"], body["has_durations"]) == (20, True)
    tables, places, matrices = stored(session)
    assert (tables, places) == (1, 5)
    assert matrices[0][0][4] == 9000  # WH -> C1, metres

    exported = client.get(f"/districts/{d.district_id}/travel-matrix")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert rows_of(exported.text) == rows_of(table_csv())

    plan = approved_plan(client, d)
    vehicle(client, d)
    routed = client.post(f"/plans/{plan['id']}/routes", json={"seed": 1})
    assert routed.status_code == 201, routed.text
    routes = routed.json()
    assert (routes["travel_source"], routes["travel_fallbacks"]) == ("matrix", [])
    assert route_plan_row(session, routes["id"]).travel_source == "matrix"
    name = code_of(session, d)
    assert routes["trips"]
    for trip in routes["trips"]:
        path = trip_path(trip, name)
        # the trip is as long as the table says, arc by arc
        assert trip["distance_m"] == sum(metres(a, b) for a, b in pairwise(path))
        # and takes at least the table's driving time (40 km/h would be 27 s to C0)
        first = trip["stops"][0]
        driven = datetime.fromisoformat(first["arrival_at"]) - datetime.fromisoformat(
            trip["starts_at"]
        )
        assert driven >= timedelta(seconds=seconds("WH", path[1]))


def test_a_csv_body_replaces_the_table(client: TestClient, session: Session, d: Small) -> None:
    assert put(client, d.district_id, table_csv()).status_code == 200
    smaller = table_csv(["WH", "C0", "C1"], timed=False)
    answer = client.put(
        f"/districts/{d.district_id}/travel-matrix",
        content=smaller.encode(),
        headers={"Content-Type": "text/csv; charset=utf-8"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["places"] == ["WH", "C0", "C1"]
    assert answer.json()["has_durations"] is False
    assert stored(session)[:2] == (1, 3)
    exported = client.get(f"/districts/{d.district_id}/travel-matrix").text
    assert exported.splitlines()[0] == "from,to,distance_m"
    assert rows_of(exported) == rows_of(smaller)


BAD = [
    ("from,to,distance_m\nWH,NOPE,5\nNOPE,WH,5\n", [("NOPE is not a depot or community", 2)]),
    (
        "from,to,distance_m\nWH,C0,abc\nC0,WH,10\n",
        [("not a whole number", 2)],
    ),
    (
        "from,to,distance_m\nWH,C0,10\nC0,WH,10\nWH,WH,7\n",
        [("a place's distance to itself must be 0", 4)],
    ),
    ("from,to,distance_m\nWH,C0,10\n", [("missing C0 -> WH", None)]),
    ("from,to,distance_m\nWH,C0,10\nC0,WH,10\nWH,C0,11\n", [("WH -> C0 appears twice", 4)]),
    ("from,to,distance_m\nWH,C0,-1\nC0,WH,1\n", [("must not be negative", 2)]),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_a_bad_table_is_refused_whole_and_the_stored_one_stays(
    client: TestClient,
    session: Session,
    d: Small,
    text: str,
    expected: list[tuple[str, int | None]],
) -> None:
    assert put(client, d.district_id, table_csv()).status_code == 200
    before = stored(session)
    exported = client.get(f"/districts/{d.district_id}/travel-matrix").text
    answer = put(client, d.district_id, text)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert "nothing was stored" in problem["detail"]
    for msg, line in expected:
        found = [p for p in problem["errors"] if msg in p["msg"]]
        assert found, problem["errors"]
        assert found[0].get("line") == line
    assert stored(session) == before
    assert client.get(f"/districts/{d.district_id}/travel-matrix").text == exported


def test_every_problem_is_listed_at_once(client: TestClient, session: Session, d: Small) -> None:
    other = small_district(session, "X")  # its places are not this district's
    text = (
        "from,to,distance_m,duration_s\n"
        "WH,C0,10,x\n"  # 2: bad duration
        "C0,WH,10,5\n"
        "WH,C0X,10,5\n"  # 4: another district's community
        "C0X,WH,10,5\n"
        "GHOST,WH,1,1\n"  # 6: unknown everywhere
    )
    answer = put(client, d.district_id, text)
    assert answer.status_code == 422
    problems = answer.json()["errors"]
    said = {(p.get("line"), p.get("column"), p["msg"]) for p in problems}
    assert (2, "duration_s", "not a whole number") in said
    assert (4, "to", "C0X is not a depot or community of district D1") in said
    assert (6, "from", "GHOST is not a depot or community of district D1") in said
    assert sum("C0X is not" in p["msg"] for p in problems) == 1  # each code said once
    assert stored(session) == (0, 0, [])
    assert client.get(f"/districts/{d.district_id}/travel-matrix").status_code == 404
    assert other.district_id != d.district_id


@pytest.mark.parametrize(
    ("content", "content_type", "says"),
    [
        (b"\xff\xfe not utf-8", "text/csv", "not UTF-8"),
        (b"a,b\n1,2\n", "text/csv", "columns from, to, distance_m"),
        (b"from,to,distance_m\n", "text/csv", "has no rows"),
        (b'{"from": "WH"}', "application/json", "multipart form field 'file'"),
    ],
)
def test_what_is_not_a_travel_table_is_refused(
    client: TestClient, session: Session, d: Small, content: bytes, content_type: str, says: str
) -> None:
    answer = client.put(
        f"/districts/{d.district_id}/travel-matrix",
        content=content,
        headers={"Content-Type": content_type},
    )
    assert answer.status_code == 422, answer.text
    assert says in answer.json()["detail"]
    assert stored(session) == (0, 0, [])


def test_an_oversized_upload_or_a_form_without_the_file_is_refused(
    client: TestClient, session: Session, d: Small
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    app.state.settings = app.state.settings.model_copy(update={"import_max_bytes": 1024})
    big = table_csv() + "".join(f"# padding {i}\n" for i in range(100))
    assert len(big.encode()) > 1024
    url = f"/districts/{d.district_id}/travel-matrix"
    as_file = put(client, d.district_id, big)
    as_body = client.put(url, content=big.encode(), headers={"Content-Type": "text/csv"})
    for answer in (as_file, as_body):
        assert answer.status_code == 422, answer.text
        assert "larger than the limit of 1024 bytes" in answer.json()["detail"]
    no_file = client.put(url, data={"csv": table_csv()}, files={"other": ("x.txt", b"x")})
    assert no_file.status_code == 422
    assert "file field 'file'" in no_file.json()["detail"]
    assert put(client, d.district_id, table_csv()).status_code == 200  # under the limit
    assert stored(session)[:2] == (1, 5)


def test_a_code_of_both_a_depot_and_a_community_is_written_with_its_kind(
    client: TestClient, session: Session, d: Small
) -> None:
    inventory.create_depot(
        session,
        inventory_schemas.DepotCreate(
            district_id=d.district_id,
            community_id=None,
            code="C0",
            name_zh="C0",
            name_en="C0",
            kind="district_warehouse",
            latitude=30.5,
            longitude=114.3,
            capacity_m3=10,
            capacity_kg=1000,
        ),
    )
    plain = put(client, d.district_id, table_csv(["WH", "C0"]))
    assert plain.status_code == 422
    assert "write depot:C0 or community:C0" in plain.json()["errors"][0]["msg"]
    text = (
        "from,to,distance_m\n"
        "WH,community:C0,3000\ncommunity:C0,WH,3000\n"
        "WH,depot:C0,10\ndepot:C0,WH,10\n"
        "depot:C0,community:C0,2990\ncommunity:C0,depot:C0,2990\n"
    )
    answer = put(client, d.district_id, text)
    assert answer.status_code == 200, answer.text
    assert sorted(answer.json()["places"]) == ["WH", "community:C0", "depot:C0"]
    assert rows_of(client.get(f"/districts/{d.district_id}/travel-matrix").text) == rows_of(text)
    same = put(client, d.district_id, text + "C0,community:C0,0\n")  # two names, one place?
    assert same.status_code == 422


def test_delete_removes_the_table_and_routing_falls_back(
    client: TestClient, session: Session, d: Small
) -> None:
    url = f"/districts/{d.district_id}/travel-matrix"
    assert client.delete(url).status_code == 404
    assert put(client, d.district_id, table_csv()).status_code == 200
    removed = client.delete(url)
    assert removed.status_code == 200, removed.text
    assert removed.json()["places"] == ["WH", "DA", "DB", "C0", "C1"]
    assert stored(session) == (0, 0, [])
    assert client.get(url).status_code == 404
    plan = approved_plan(client, d)
    vehicle(client, d)
    routes = client.post(f"/plans/{plan['id']}/routes", json={}).json()
    assert (routes["travel_source"], routes["travel_fallbacks"]) == ("estimate", [])


def test_an_upload_retried_with_its_key_is_stored_once(
    client: TestClient, session: Session, d: Small
) -> None:
    first = put(client, d.district_id, table_csv(), key="travel-1")
    again = put(client, d.district_id, table_csv(), key="travel-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = put(client, d.district_id, table_csv(["WH", "C0"]), key="travel-1")
    assert other.status_code == 409  # a key reused for another body
    assert stored(session)[:2] == (1, 5)


def test_only_the_districts_coordinator_changes_its_table(
    client: TestClient, session: Session, d: Small, act_as: Callable[[Principal], None]
) -> None:
    other = small_district(session, "X")
    url = f"/districts/{d.district_id}/travel-matrix"
    manager = Principal(
        user_id=7,
        username="manager",
        role="depot_manager",
        district_id=None,
        depot_ids=frozenset({d.warehouse_id}),
    )
    for who in (manager, coordinator(other.district_id)):
        act_as(who)
        assert put(client, d.district_id, table_csv()).status_code == 403
        assert stored(session) == (0, 0, [])
    act_as(coordinator(d.district_id))
    assert put(client, d.district_id, table_csv()).status_code == 200
    before = stored(session)
    for who in (manager, coordinator(other.district_id)):
        act_as(who)
        assert client.delete(url).status_code == 403
        assert put(client, d.district_id, table_csv(["WH", "C0"])).status_code == 403
        assert stored(session) == before
    auditor = Principal(
        user_id=9, username="auditor", role="auditor", district_id=None, depot_ids=frozenset()
    )
    act_as(auditor)
    assert client.get(url).status_code == 200  # anyone may read it
    assert client.delete(url).status_code == 403


# --- routing on the chosen source ---------------------------------------------------------


def test_a_table_that_lacks_a_place_falls_back_and_says_so(
    client: TestClient, session: Session, d: Small
) -> None:
    assert put(client, d.district_id, table_csv(["WH", "C0"])).status_code == 200
    plan = approved_plan(client, d)
    vehicle(client, d)
    routes = client.post(f"/plans/{plan['id']}/routes", json={}).json()
    assert routes["travel_source"] == "estimate"
    assert routes["travel_fallbacks"] == [
        {"source": "matrix", "reason": "the district's travel table does not name C1"}
    ]
    row = route_plan_row(session, routes["id"])
    assert (row.travel_source, row.travel_fallbacks) == ("estimate", routes["travel_fallbacks"])


def osrm_table(request: httpx.Request, null_to: int | None = None) -> httpx.Response:
    """A Table answer: 1000 m and 100 s per pair (none into place `null_to`)."""
    coordinates = re.search(r"/driving/(.+)$", request.url.path)
    assert coordinates is not None
    n = len(coordinates.group(1).split(";"))

    def cell(i: int, j: int, value: int) -> int | None:
        if i == j:
            return 0
        return None if j == null_to else value

    return httpx.Response(
        200,
        content=json.dumps(
            {
                "code": "Ok",
                "distances": [[cell(i, j, 1000) for j in range(n)] for i in range(n)],
                "durations": [[cell(i, j, 100) for j in range(n)] for i in range(n)],
            }
        ).encode(),
    )


def test_osrm_is_asked_when_the_district_has_no_table(
    client: TestClient,
    session: Session,
    d: Small,
    osrm_with: Callable[[Callable[[httpx.Request], httpx.Response]], None],
) -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return osrm_table(request)

    osrm_with(handler)
    plan = approved_plan(client, d)
    vehicle(client, d)
    routes = client.post(f"/plans/{plan['id']}/routes", json={}).json()
    assert len(asked) == 1
    assert (routes["travel_source"], routes["travel_fallbacks"]) == ("osrm", [])
    assert route_plan_row(session, routes["id"]).travel_source == "osrm"
    for trip in routes["trips"]:  # every arc between distinct places is 1000 m
        path = trip_path(trip, code_of(session, d))
        assert trip["distance_m"] == 1000 * sum(a != b for a, b in pairwise(path))


def test_a_covering_table_wins_over_osrm(
    client: TestClient,
    d: Small,
    osrm_with: Callable[[Callable[[httpx.Request], httpx.Response]], None],
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("OSRM must not be asked")

    osrm_with(handler)
    assert put(client, d.district_id, table_csv()).status_code == 200
    plan = approved_plan(client, d)
    vehicle(client, d)
    assert client.post(f"/plans/{plan['id']}/routes", json={}).json()["travel_source"] == "matrix"


def test_unroutable_osrm_pairs_fall_back_to_the_estimate_with_the_reason(
    client: TestClient,
    session: Session,
    d: Small,
    osrm_with: Callable[[Callable[[httpx.Request], httpx.Response]], None],
) -> None:
    osrm_with(lambda request: osrm_table(request, null_to=0))  # nothing reaches the warehouse
    plan = approved_plan(client, d)
    vehicle(client, d)
    routes = client.post(f"/plans/{plan['id']}/routes", json={}).json()
    assert routes["travel_source"] == "estimate"
    (fallback,) = routes["travel_fallbacks"]
    assert fallback["source"] == "osrm"
    assert fallback["reason"].startswith("OSRM found no road for 2 pair(s) of places: ")
    assert "C0 -> WH" in fallback["reason"]
    assert "C1 -> WH" in fallback["reason"]
    assert route_plan_row(session, routes["id"]).travel_fallbacks == [fallback]


def test_an_unreachable_osrm_server_from_settings_falls_back(
    client: TestClient, session: Session, d: Small
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    settings = app.state.settings
    # port 9 (discard) on the loopback is closed: the connection is refused at once
    app.state.settings = settings.model_copy(
        update={"osrm_url": "http://127.0.0.1:9", "osrm_timeout_s": 2.0}
    )
    plan = approved_plan(client, d)
    vehicle(client, d)
    routes = client.post(f"/plans/{plan['id']}/routes", json={}).json()
    assert routes["travel_source"] == "estimate"
    (fallback,) = routes["travel_fallbacks"]
    assert fallback["source"] == "osrm"
    assert "could not be reached" in fallback["reason"]


# --- the deadline -------------------------------------------------------------------------


def test_stops_not_reachable_by_the_deadline_are_left_out(
    client: TestClient, session: Session, d: Small
) -> None:
    assert put(client, d.district_id, table_csv()).status_code == 200
    plan = approved_plan(client, d)
    vehicle(client, d)
    to_c1 = [x["id"] for x in plan["lines"] if x["depot_id"] == d.warehouse_id]
    name = code_of(session, d)
    c1 = [x for x in plan["lines"] if x["id"] in to_c1 and name(x["community_id"]) == "C1"]
    assert c1, "the plan sends something from the warehouse to C1"
    # leave one hour before the deadline: C0 is 30 min away, C1 90 min
    deadline = datetime.fromisoformat(plan["created_at"]) + timedelta(hours=plan["deadline_h"])
    departs = deadline - timedelta(hours=1)
    answer = client.post(
        f"/plans/{plan['id']}/routes", json={"departs_at": departs.isoformat(), "seed": 2}
    )
    assert answer.status_code == 201, answer.text
    routes = answer.json()
    assert routes["travel_source"] == "matrix"
    first_wave = [t for t in routes["trips"] if t["wave"] == 1]  # the one due at the deadline
    served = {name(s["community_id"]) for t in first_wave for s in t["stops"]}
    assert served == {"C0"}
    for trip in first_wave:
        for s in trip["stops"]:
            assert datetime.fromisoformat(s["arrival_at"]) <= deadline
    late = [x for x in routes["left_out"] if x["reason"] == "window_unreachable"]
    assert {name(x["community_id"]) for x in late} == {"C1"}
    assert "1 h 00 min" in late[0]["detail"]
    left_lines = {c["line_id"] for x in late for c in x["lines"]}
    assert left_lines == {x["id"] for x in c1}
    assert routes["summary"]["complete"] is False
    row = route_plan_row(session, routes["id"])
    assert {x["reason"] for x in row.left_out} >= {"window_unreachable"}


def test_a_departure_at_or_after_the_deadline_is_refused(
    client: TestClient, session: Session, d: Small
) -> None:
    plan = approved_plan(client, d)
    vehicle(client, d)
    deadline = datetime.fromisoformat(plan["created_at"]) + timedelta(hours=plan["deadline_h"])
    count = session.execute(select(func.count()).select_from(RoutePlan)).scalar_one()
    for departs in (deadline, deadline + timedelta(minutes=1)):
        refused = client.post(
            f"/plans/{plan['id']}/routes", json={"departs_at": departs.isoformat()}
        )
        assert refused.status_code == 409, refused.text
        assert "deadline" in refused.json()["detail"]
        assert refused.json()["deadline_at"] == deadline.isoformat()
    naive = client.post(f"/plans/{plan['id']}/routes", json={"departs_at": "2030-01-01T08:00:00"})
    assert naive.status_code == 422
    assert session.execute(select(func.count()).select_from(RoutePlan)).scalar_one() == count
    ids = session.execute(select(col(RoutePlan.id))).scalars().all()
    assert len(ids) == count

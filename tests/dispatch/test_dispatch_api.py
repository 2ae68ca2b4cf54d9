"""Routing, dispatch and receipt through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from accounts.service import Principal
from api.security.deps import current_principal
from core.clock import utcnow
from core.settings import Settings
from inventory import service as inventory
from inventory.models import Movement
from ledger import keys
from ledger import service as ledger
from ledger.verify import verify_export_bytes
from plans.models import AllocationLine
from tests.dispatch.helpers import approved_plan, counts, vehicle
from tests.inventory.factories import Small
from tests.plans.helpers import district_with_history

Json = dict[str, Any]


@pytest.fixture
def d(session: Session) -> Small:
    return district_with_history(session)


@pytest.fixture
def act_as(client: TestClient) -> Callable[[Principal], None]:
    """Switch the caller of the next requests."""
    app = client.app
    assert isinstance(app, FastAPI)

    def switch(who: Principal) -> None:
        app.dependency_overrides[current_principal] = lambda: who

    return switch


def manager_of(depot_id: int) -> Principal:
    return Principal(
        user_id=7,
        username=f"manager-{depot_id}",
        role="depot_manager",
        district_id=None,
        depot_ids=frozenset({depot_id}),
    )


def routed(client: TestClient, d: Small) -> tuple[Json, Json]:
    """An approved plan and its routes: two 2 t trucks at the warehouse, one at depot A."""
    plan = approved_plan(client, d)
    vehicle(client, d, "WH-1", weight_capacity_kg=2000)
    vehicle(client, d, "WH-2", weight_capacity_kg=2000)
    vehicle(client, d, "DA-1", weight_capacity_kg=2000, start_depot_id=d.depot_a_id)
    answer = client.post(f"/plans/{plan['id']}/routes", json={"seed": 1})
    assert answer.status_code == 201, answer.text
    return plan, answer.json()


def balance(session: Session, depot_id: int, item_id: int) -> int:
    rows = inventory.list_balances(session, depot_ids=[depot_id], item_id=item_id)
    return sum(b.quantity for b in rows)


def receive_all(client: TestClient, manifest: Json, **outcome: Any) -> list[Any]:
    """Confirm each destination's lines of a manifest as received in full."""
    answers = []
    for depot_id in sorted({x["destination_depot_id"] for x in manifest["lines"]}):
        lines = [
            {"line_id": x["id"], "outcome": "received"}
            for x in manifest["lines"]
            if x["destination_depot_id"] == depot_id
        ]
        body = {"depot_id": depot_id, "lines": lines, **outcome}
        answers.append(client.post(f"/manifests/{manifest['id']}/receipts", json=body))
    return answers


def test_routes_cover_every_line_that_must_travel(client: TestClient, d: Small) -> None:
    plan, routes = routed(client, d)
    assert routes["status"] == "draft"
    assert routes["summary"]["complete"] is True
    # depot B's own stock for its community stays where it is, said so
    assert {x["reason"] for x in routes["left_out"]} == {"at_destination"}
    travelling = [x for x in plan["lines"] if x["depot_id"] in (d.warehouse_id, d.depot_a_id)]
    carried: dict[int, int] = {}
    for trip in routes["trips"]:
        weight = 0
        for stop in trip["stops"]:
            assert trip["starts_at"] <= stop["arrival_at"] <= trip["ends_at"]
            weight += stop["weight_g"]
            for c in stop["lines"]:
                carried[c["line_id"]] = carried.get(c["line_id"], 0) + c["quantity"]
        assert weight <= 2000 * 1000  # every trip within its truck's 2 t
    assert carried == {x["id"]: x["quantity"] for x in travelling}
    assert len(routes["trips"]) >= 3  # 3 t from the warehouse needs two trucks or trips


def test_approve_dispatch_receive_round_trip(
    client: TestClient, session: Session, settings: Settings, d: Small
) -> None:
    plan, routes = routed(client, d)
    before = counts(session)
    wh_water = balance(session, d.warehouse_id, d.water_id)
    answer = client.post(f"/routes/{routes['id']}/approve")
    assert answer.status_code == 200, answer.text
    manifests = answer.json()
    first_wave = [t for t in routes["trips"] if t["wave"] == 1]
    assert len(manifests) == len(first_wave)  # later waves go when the coordinator sends them
    assert {m["trip_id"] for m in manifests} == {t["id"] for t in first_wave}
    after = counts(session)
    lines = sum(len(m["lines"]) for m in manifests)
    assert after["Manifest"] == len(manifests)
    assert after["LedgerEntry"] == before["LedgerEntry"] + len(manifests)
    assert after["Movement"] == before["Movement"] + 2 * lines  # out of source, into transit
    sent = {
        m["id"]: sum(x["quantity"] for x in m["lines"] if x["item_id"] == d.water_id)
        for m in manifests
    }
    from_wh = sum(sent[m["id"]] for m in manifests if m["source_depot_id"] == d.warehouse_id)
    assert balance(session, d.warehouse_id, d.water_id) == wh_water - from_wh
    transit = manifests[0]["transit_depot_id"]
    assert balance(session, transit, d.water_id) == sum(sent.values())
    kinds = session.execute(
        select(col(Movement.kind)).where(
            col(Movement.action_id) == manifests[0]["dispatch_action_id"]
        )
    ).scalars()
    assert set(kinds) == {"dispatch"}

    for m in manifests:  # the ledger carries each manifest's hash, recomputable from its rows
        document = client.get(f"/manifests/{m['id']}/document").json()
        assert document["sha256"] == m["sha256"]
    sent_entries = [
        ledger.get_entry(session, seq) for seq in range(before["LedgerEntry"], after["LedgerEntry"])
    ]
    assert sorted(e.payload["sha256"] for e in sent_entries) == sorted(
        m["sha256"] for m in manifests
    )
    assert {e.kind for e in sent_entries} == {"dispatch.sent"}

    a_water = balance(session, d.depot_a_id, d.water_id)
    for m in manifests:
        for got in receive_all(client, m):
            assert got.status_code == 200, got.text
    to_a = sum(
        x["quantity"]
        for m in manifests
        for x in m["lines"]
        if x["destination_depot_id"] == d.depot_a_id and x["item_id"] == d.water_id
    )
    assert balance(session, d.depot_a_id, d.water_id) == a_water + to_a
    assert balance(session, transit, d.water_id) == 0
    statuses = {client.get(f"/manifests/{m['id']}").json()["status"] for m in manifests}
    assert statuses == {"received"}
    destinations = sum(len({x["destination_depot_id"] for x in m["lines"]}) for m in manifests)
    final = counts(session)
    assert final["LedgerEntry"] == after["LedgerEntry"] + destinations
    assert inventory.journal_discrepancies(session) == []
    far = (utcnow() + timedelta(days=3)).isoformat()
    alerts = client.get(f"/districts/{d.district_id}/dispatch-alerts", params={"at": far})
    assert alerts.json() == []

    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    export = b"".join(ledger.export(session, signer, settings.ledger_origin))
    report = verify_export_bytes(export, signer.verifier_key)
    assert report.ok, report.reason
    assert plan["status"] == "approved"


def test_short_and_damaged_lines_are_written_off_with_their_reason(
    client: TestClient, session: Session, d: Small
) -> None:
    _, routes = routed(client, d)
    manifests = client.post(f"/routes/{routes['id']}/approve").json()
    m = next(m for m in manifests if len(m["lines"]) >= 2)
    depot_id = m["lines"][0]["destination_depot_id"]
    mine = [x for x in m["lines"] if x["destination_depot_id"] == depot_id]
    assert len(mine) >= 2  # a tent line and a water line to each community
    short, damaged, *rest = mine
    body = {
        "depot_id": depot_id,
        "lines": [
            {"line_id": short["id"], "outcome": "short", "quantity": short["quantity"] - 3},
            {"line_id": damaged["id"], "outcome": "damaged", "quantity": 0, "note": "soaked"},
            *({"line_id": x["id"], "outcome": "received"} for x in rest),
        ],
    }
    before = balance(session, depot_id, short["item_id"])
    answer = client.post(f"/manifests/{m['id']}/receipts", json=body)
    assert answer.status_code == 200, answer.text
    got = {x["id"]: x for x in answer.json()["lines"]}
    assert got[short["id"]]["received_quantity"] == short["quantity"] - 3
    assert got[damaged["id"]]["outcome"] == "damaged"
    offs = (
        session.execute(
            select(Movement).where(
                col(Movement.kind) == "write_off", col(Movement.depot_id) == m["transit_depot_id"]
            )
        )
        .scalars()
        .all()
    )
    assert sorted((-x.quantity, x.lot_id) for x in offs) == sorted(
        [(3, short["lot_id"]), (damaged["quantity"], damaged["lot_id"])]
    )
    reasons = sorted(x.reason or "" for x in offs)
    assert reasons[0].startswith("damaged")
    assert reasons[0].endswith("soaked")
    assert reasons[1].startswith("short")
    gained = sum(
        got[x["id"]]["received_quantity"] for x in mine if x["item_id"] == short["item_id"]
    )
    assert balance(session, depot_id, short["item_id"]) == before + gained
    for item_id in {x["item_id"] for x in mine}:
        lots = {x["lot_id"] for x in mine if x["item_id"] == item_id}
        left = [
            b
            for b in inventory.list_balances(session, depot_ids=[m["transit_depot_id"]])
            if b.lot_id in lots
        ]
        others = sum(
            x["quantity"]
            for mm in manifests
            for x in mm["lines"]
            if x["lot_id"] in lots and x["id"] not in {y["id"] for y in mine}
        )
        assert sum(b.quantity for b in left) == others  # nothing of this depot stays on the road


def test_receiving_twice_or_out_of_scope_is_refused_and_changes_nothing(
    client: TestClient, session: Session, d: Small, act_as: Callable[[Principal], None]
) -> None:
    _, routes = routed(client, d)
    manifests = client.post(f"/routes/{routes['id']}/approve").json()
    m = next(
        m for m in manifests if any(x["destination_depot_id"] == d.depot_b_id for x in m["lines"])
    )
    lines = [
        {"line_id": x["id"], "outcome": "received"}
        for x in m["lines"]
        if x["destination_depot_id"] == d.depot_b_id
    ]
    body = {"depot_id": d.depot_b_id, "lines": lines}
    before = counts(session)
    act_as(manager_of(d.depot_a_id))
    refused = client.post(f"/manifests/{m['id']}/receipts", json=body)
    assert refused.status_code == 403, refused.text
    assert counts(session) == before
    act_as(manager_of(d.depot_b_id))
    incomplete = client.post(f"/manifests/{m['id']}/receipts", json={**body, "lines": lines[:-1]})
    assert incomplete.status_code == 422, incomplete.text
    assert counts(session) == before
    first = client.post(f"/manifests/{m['id']}/receipts", json=body)
    assert first.status_code == 200, first.text
    done = counts(session)
    again = client.post(f"/manifests/{m['id']}/receipts", json=body)
    assert again.status_code == 409, again.text
    assert counts(session) == done


def test_approval_refused_whole_when_stock_is_gone_or_the_plan_changed(
    client: TestClient, session: Session, d: Small
) -> None:
    plan, routes = routed(client, d)
    wh_water = balance(session, d.warehouse_id, d.water_id)
    taken = client.post(
        "/movements/issues",
        json={"depot_id": d.warehouse_id, "item_id": d.water_id, "quantity": wh_water - 10},
    )
    assert taken.status_code == 201, taken.text
    before = counts(session)
    short = client.post(f"/routes/{routes['id']}/approve")
    assert short.status_code == 409, short.text
    assert short.json()["type"].endswith("insufficient-stock")
    assert counts(session) == before

    line = session.get(AllocationLine, plan["lines"][0]["id"])
    assert line is not None
    line.quantity += 1  # the plan is not what was routed any more
    session.flush()
    changed = client.post(f"/routes/{routes['id']}/approve")
    assert changed.status_code == 409, changed.text
    assert "changed" in changed.json()["detail"]
    assert counts(session) == before


def test_overdue_manifests_are_listed_until_received(client: TestClient, d: Small) -> None:
    _, routes = routed(client, d)
    manifests = client.post(f"/routes/{routes['id']}/approve").json()
    url = f"/districts/{d.district_id}/dispatch-alerts"
    assert client.get(url).json() == []  # not due yet
    later = (utcnow() + timedelta(days=1)).isoformat()
    alerts = client.get(url, params={"at": later, "grace_minutes": 30}).json()
    assert sorted(a["manifest_id"] for a in alerts) == sorted(m["id"] for m in manifests)
    assert all(a["overdue_minutes"] > 20 * 60 for a in alerts)
    for got in receive_all(client, manifests[0]):
        assert got.status_code == 200
    left = client.get(url, params={"at": later}).json()
    assert manifests[0]["id"] not in {a["manifest_id"] for a in left}
    assert len(left) == len(manifests) - 1


def test_route_sheet_and_map(client: TestClient, d: Small) -> None:
    _, routes = routed(client, d)
    trip = routes["trips"][0]
    zh = client.get(f"/trips/{trip['id']}/sheet.html", params={"tz": "Asia/Shanghai"})
    assert zh.status_code == 200
    assert "配送路线单" in zh.text
    assert "Asia/Shanghai" in zh.text
    en = client.get(f"/trips/{trip['id']}/sheet.html", params={"lang": "en"})
    assert "Route sheet" in en.text
    assert en.text.count('<section class="stop">') == len(trip["stops"])
    bad = client.get(f"/trips/{trip['id']}/sheet.html", params={"tz": "Mars/Olympus"})
    assert bad.status_code == 422
    svg = client.get(f"/trips/{trip['id']}/map.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.count("<circle") == len(trip["stops"])


def test_vehicles_and_routing_refusals(client: TestClient, session: Session, d: Small) -> None:
    made = vehicle(client, d)
    assert made["end_depot_id"] == d.warehouse_id
    duplicate = client.post(
        f"/districts/{d.district_id}/vehicles",
        json={k: made[k] for k in ("code", "name", "weight_capacity_kg", "volume_capacity_l")}
        | {"start_depot_id": d.warehouse_id},
    )
    assert duplicate.status_code == 409
    zero = client.post(
        f"/districts/{d.district_id}/vehicles",
        json={
            "code": "Z",
            "name": "z",
            "weight_capacity_kg": 0,
            "volume_capacity_l": 1,
            "start_depot_id": d.warehouse_id,
        },
    )
    assert zero.status_code == 422
    listed = client.get(f"/districts/{d.district_id}/vehicles").json()
    assert [v["code"] for v in listed] == ["TRUCK-1"]
    off = client.patch(f"/vehicles/{made['id']}", json={"active": False})
    assert off.json()["active"] is False

    from tests.plans.helpers import declare

    assert declare(client, d.district_id).status_code == 201
    client.post(f"/districts/{d.district_id}/forecasts", json={"horizon": 14})
    draft = client.post(f"/districts/{d.district_id}/plans", json={"deadline_h": 48}).json()
    not_approved = client.post(f"/plans/{draft['id']}/routes", json={})
    assert not_approved.status_code == 409
    client.post(f"/plans/{draft['id']}/approve")
    no_fleet = client.post(f"/plans/{draft['id']}/routes", json={})
    assert no_fleet.status_code == 409
    assert "vehicle" in no_fleet.json()["detail"]

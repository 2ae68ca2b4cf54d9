"""An approved plan reaches every community through the API: distribution points where
there is no depot, delivery orders to agreement suppliers confirmed once at their
destination and feeding the supplier's grade, later waves dispatched on their day, and a
balance that accounts for every allocated unit."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from core.clock import utcnow
from dispatch.models import Manifest
from inventory import schemas as stock
from inventory import service as inventory
from ledger import service as ledger
from ledger.models import LedgerEntry
from tests.dispatch.helpers import vehicle
from tests.inventory.factories import Small
from tests.plans.helpers import declare, district_with_history
from tests.suppliers.helpers import contract_body, qualified_supplier

Json = dict[str, Any]


@pytest.fixture
def d(session: Session) -> Small:
    return district_with_history(session)


def _third_community(session: Session, d: Small) -> int:
    """A community with no depot of its own, in the flood."""
    made = inventory.create_community(
        session,
        stock.CommunityCreate(
            district_id=d.district_id,
            code="C9",
            name_zh="南湾村",
            name_en="Nanwan",
            population=3000,
            elderly_65_plus=600,
            latitude=30.56,
            longitude=114.35,
        ),
    )
    return made.id or 0


def _plan(client: TestClient, d: Small, **scenario: Any) -> Json:
    assert declare(client, d.district_id, **scenario).status_code == 201
    made = client.post(f"/districts/{d.district_id}/forecasts", json={"horizon": 14})
    assert made.status_code == 201, made.text
    made = client.post(f"/districts/{d.district_id}/plans", json={"deadline_h": 48})
    assert made.status_code == 201, made.text
    body: Json = made.json()
    return body


def _with_agreement(client: TestClient, d: Small) -> int:
    supplier = qualified_supplier(client)
    body = contract_body(supplier, d.district_id, d.water_id, reserved_quantity=100_000)
    made = client.post("/agreements", json=body)
    assert made.status_code == 201, made.text
    return supplier


def _entries(session: Session, kind: str) -> list[Json]:
    size = ledger.tree_size(session)
    return [e.payload for s in range(size) if (e := ledger.get_entry(session, s)).kind == kind]


def test_approving_a_plan_issues_signed_delivery_orders_and_makes_points(
    client: TestClient, session: Session, d: Small
) -> None:
    _with_agreement(client, d)
    plan = _plan(client, d)
    from_agreements = [x for x in plan["lines"] if x["agreement_id"] is not None]
    assert from_agreements, "the agreement reserve should be a source"
    approved = client.post(f"/plans/{plan['id']}/approve")
    assert approved.status_code == 200, approved.text
    orders = client.get(f"/plans/{plan['id']}/delivery-orders").json()
    assert sorted(o["plan_line_id"] for o in orders) == sorted(x["id"] for x in from_agreements)
    signed = _entries(session, "delivery.ordered")
    assert sorted(e["order"] for e in signed) == sorted(o["id"] for o in orders)
    assert {e["sha256"] for e in signed} == {o["sha256"] for o in orders}
    receiving = {
        x["id"]: x for x in client.get(f"/districts/{d.district_id}/receiving-depots").json()
    }
    for o in orders:
        depot = receiving[o["destination_depot_id"]]
        assert depot["community_id"] == o["community_id"]
        assert o["status"] == "issued"
    again = client.post(f"/plans/{plan['id']}/approve")
    assert again.status_code == 409
    assert len(client.get(f"/plans/{plan['id']}/delivery-orders").json()) == len(orders)


def test_a_community_without_a_depot_gets_a_point_and_its_units_are_routed(
    client: TestClient, session: Session, d: Small
) -> None:
    nanwan = _third_community(session, d)
    plan = _plan(client, d)
    assert any(x["community_id"] == nanwan for x in plan["lines"])
    assert client.post(f"/plans/{plan['id']}/approve").status_code == 200
    points = [
        x
        for x in client.get(f"/districts/{d.district_id}/receiving-depots").json()
        if x["community_id"] == nanwan
    ]
    assert [p["kind"] for p in points] == ["distribution_point"]
    vehicle(client, d)
    routes = client.post(f"/plans/{plan['id']}/routes", json={"seed": 1})
    assert routes.status_code == 201, routes.text
    body = routes.json()
    assert not [x for x in body["left_out"] if x["reason"] == "no_depot"]
    stops = [s for t in body["trips"] for s in t["stops"] if s["community_id"] == nanwan]
    assert stops
    assert {s["depot_id"] for s in stops} == {points[0]["id"]}


def test_a_delivery_is_confirmed_once_at_its_destination_and_grades_the_supplier(
    client: TestClient, session: Session, d: Small
) -> None:
    supplier = _with_agreement(client, d)
    plan = _plan(client, d)
    assert client.post(f"/plans/{plan['id']}/approve").status_code == 200
    order = client.get(f"/plans/{plan['id']}/delivery-orders").json()[0]
    depot = order["destination_depot_id"]
    other = d.depot_b_id if depot != d.depot_b_id else d.depot_a_id
    held = sum(b.quantity for b in inventory.list_balances(session, depot_ids=[depot]))
    body = {
        "depot_id": depot,
        "accepted_quantity": order["quantity"] - 5,
        "rejected_quantity": 5,
        "lot_number": "AG-W-1",
        "expiry_date": utcnow().date().replace(year=utcnow().year + 1).isoformat(),
        "note": "5 cartons crushed",
    }
    url = f"/delivery-orders/{order['id']}/confirm"
    refused = [
        client.post(url, json={**body, "depot_id": other}),  # another depot
        client.post(url, json={**body, "accepted_quantity": order["quantity"]}),  # over
        client.post(url, json={**body, "accepted_quantity": -1}),
        client.post(url, json={**body, "lot_number": None}),  # accepted without a lot
        client.post(url, json={**body, "delivered_at": "2020-01-01T00:00:00Z"}),  # before
        client.post("/delivery-orders/999999/confirm", json=body),
    ]
    assert [r.status_code for r in refused] == [409, 422, 422, 422, 422, 404]
    before = session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
    confirmed = client.post(url, json=body, headers={"Idempotency-Key": "deliv-1"})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "delivered"
    replay = client.post(url, json=body, headers={"Idempotency-Key": "deliv-1"})
    assert replay.headers.get("Idempotent-Replayed") == "true"
    twice = client.post(url, json=body)
    assert twice.status_code == 409
    after = sum(b.quantity for b in inventory.list_balances(session, depot_ids=[depot]))
    assert after - held == order["quantity"] - 5
    assert session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one() == before + 1
    [received] = _entries(session, "delivery.received")
    assert (received["accepted"], received["rejected"], received["short"]) == (
        order["quantity"] - 5,
        5,
        0,
    )
    grades = client.get(f"/suppliers/{supplier}/grades").json()
    water = next(g for g in grades if g["category"] == "water")
    assert water["inputs"]["deliveries"] == 1
    assert water["inputs"]["rejected_units"] == 5
    assert water["grade"] is not None


def test_a_delivery_that_never_came_counts_against_the_supplier(
    client: TestClient, session: Session, d: Small
) -> None:
    supplier = _with_agreement(client, d)
    plan = _plan(client, d)
    assert client.post(f"/plans/{plan['id']}/approve").status_code == 200
    order = client.get(f"/plans/{plan['id']}/delivery-orders").json()[0]
    answer = client.post(
        f"/delivery-orders/{order['id']}/confirm",
        json={
            "depot_id": order["destination_depot_id"],
            "accepted_quantity": 0,
            "note": "no truck",
        },
    )
    assert answer.status_code == 200, answer.text
    water = next(
        g for g in client.get(f"/suppliers/{supplier}/grades").json() if g["category"] == "water"
    )
    assert water["inputs"]["on_time"] == 0  # not in full, so not on time in full


def test_later_waves_are_dispatched_on_their_day_and_the_balance_adds_up(
    client: TestClient, session: Session, d: Small
) -> None:
    _with_agreement(client, d)
    plan = _plan(client, d)
    assert client.post(f"/plans/{plan['id']}/approve").status_code == 200
    vehicle(client, d)
    before = client.get(f"/plans/{plan['id']}/balance").json()
    assert before["adds_up"]
    assert not before["routed"]
    assert before["total"]["pending"] > 0
    routes = client.post(f"/plans/{plan['id']}/routes", json={"seed": 1, "wave_every_h": 48})
    assert routes.status_code == 201, routes.text
    route_plan = routes.json()
    waves = sorted({t["wave"] for t in route_plan["trips"]})
    assert len(waves) > 1, "two weeks of demand in 48 h waves"
    assert client.post(f"/routes/{route_plan['id']}/approve").status_code == 200
    sent = session.execute(select(func.count()).select_from(Manifest)).scalar_one()
    first = [t for t in route_plan["trips"] if t["wave"] == waves[0]]
    assert sent == len(first)
    balance = client.get(f"/plans/{plan['id']}/balance").json()
    t = balance["total"]
    assert balance["adds_up"]
    assert t["allocated"] == (
        t["dispatched"]
        + t["scheduled"]
        + t["by_supplier"]
        + t["at_destination"]
        + sum(t["left_out"].values())
        + t["pending"]
    )
    assert t["scheduled"] > 0
    assert t["by_supplier"] > 0
    assert t["pending"] == 0
    for row in balance["rows"]:
        assert (
            row["allocated"]
            == row["dispatched"]
            + row["scheduled"]
            + row["by_supplier"]
            + row["at_destination"]
            + sum(row["left_out"].values())
            + row["pending"]
        )
    url = f"/routes/{route_plan['id']}/waves"
    assert client.post(f"{url}/{waves[-1]}/dispatch").status_code == 409  # wave 2 first
    assert client.post(f"{url}/99/dispatch").status_code == 404
    assert client.post(f"{url}/{waves[0]}/dispatch").status_code == 409  # went on approval
    second = client.post(f"{url}/{waves[1]}/dispatch")
    assert second.status_code == 200, second.text
    assert len(second.json()) == len([x for x in route_plan["trips"] if x["wave"] == waves[1]])
    after = client.get(f"/plans/{plan['id']}/balance").json()["total"]
    assert after["dispatched"] > t["dispatched"]
    assert after["scheduled"] < t["scheduled"]
    assert after["allocated"] == t["allocated"]

"""Alerts through the API on SQLite and PostgreSQL: reading computes them live and records
nothing; a refresh records since when; an alert that goes away is resolved, not deleted;
acknowledging; who may read and act; the reserve and dispatch alerts of a real plan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from accounts.service import Principal
from alerts import service
from api.security.deps import current_principal
from core.clock import utcnow
from core.settings import Settings
from inventory import schemas
from inventory import service as inventory
from tests.alerts.helpers import (
    Troubled,
    count_rows,
    expected_keys,
    stored,
    troubled_district,
)
from tests.dispatch.helpers import approved_plan, vehicle
from tests.inventory.factories import small_district
from tests.plans.helpers import district_with_history

Json = dict[str, Any]


@pytest.fixture
def t(session: Session, settings: Settings) -> Troubled:
    return troubled_district(session, settings.data_dir / "documents")


@pytest.fixture
def act_as(client: TestClient) -> Callable[[Principal], None]:
    app = client.app
    assert isinstance(app, FastAPI)

    def switch(who: Principal) -> None:
        app.dependency_overrides[current_principal] = lambda: who

    return switch


def person(role: str, *, district_id: int | None = None, depots: tuple[int, ...] = ()) -> Principal:
    return Principal(
        user_id=9,
        username=f"{role}-9",
        role=role,
        district_id=district_id,
        depot_ids=frozenset(depots),
    )


def alerts_of(client: TestClient, district_id: int) -> list[Json]:
    answer = client.get(f"/districts/{district_id}/alerts")
    assert answer.status_code == 200, answer.text
    body: list[Json] = answer.json()
    return body


def test_reading_computes_the_alerts_now_and_records_nothing(
    client: TestClient, session: Session, t: Troubled
) -> None:
    found = alerts_of(client, t.d.district_id)
    assert {a["key"] for a in found} == expected_keys(t, session)
    by_kind = {a["kind"]: a for a in found}
    assert by_kind["low_days_of_supply"]["severity"] == "critical"
    assert by_kind["low_days_of_supply"]["action"] == "Transfer 11 from WH to DA."
    assert by_kind["agreement_unchecked"]["severity"] == "critical"
    assert by_kind["lot_expiring"]["severity"] == "warning"
    assert by_kind["document_expiring"]["severity"] == "info"
    assert [a["severity"] for a in found] == sorted(
        (a["severity"] for a in found), key=["critical", "warning", "info"].index
    )
    for a in found:  # not recorded by a refresh yet
        assert (a["id"], a["first_seen_at"], a["acknowledged_by"]) == (None, None, None)
        assert a["link"].startswith("/web/")
    assert count_rows(session) == 0


def test_refresh_records_since_when_and_running_it_again_changes_only_last_seen(
    client: TestClient, session: Session, settings: Settings, t: Troubled
) -> None:
    answer = client.post(f"/districts/{t.d.district_id}/alerts/refresh")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["opened"], body["still_open"], body["resolved"]) == (5, 0, 0)
    rows = stored(session, t.d.district_id)
    assert {r.key for r in rows} == expected_keys(t, session)
    assert all(r.resolved_at is None and r.first_seen_at == r.last_seen_at for r in rows)
    first_seen = {r.key: r.first_seen_at for r in rows}

    later = utcnow() + timedelta(minutes=5)
    again = service.refresh(session, t.d.district_id, now=later, cfg=service.config(settings))
    assert (again.opened, again.still_open, again.resolved) == (0, 5, 0)
    rows = stored(session, t.d.district_id)
    assert len(rows) == 5
    assert {r.key: r.first_seen_at for r in rows} == first_seen
    assert {r.last_seen_at for r in rows} == {later}

    found = alerts_of(client, t.d.district_id)
    assert {a["id"] for a in found} == {r.id for r in rows}
    assert {a["key"]: a["first_seen_at"] is not None for a in found} == dict.fromkeys(
        first_seen, True
    )


def test_an_alert_that_goes_away_is_resolved_not_deleted_and_a_return_is_a_new_row(
    client: TestClient, session: Session, t: Troubled
) -> None:
    district = t.d.district_id
    assert client.post(f"/districts/{district}/alerts/refresh").status_code == 200
    low = next(a for a in alerts_of(client, district) if a["kind"] == "low_days_of_supply")
    # Do what the alert says: its link carries the transfer.
    suggested = {k: v[0] for k, v in parse_qs(urlsplit(low["link"]).query).items()}
    source = int(urlsplit(low["link"]).path.split("/")[3])
    moved = client.post(
        "/movements/transfers",
        json={
            "from_depot_id": source,
            "to_depot_id": int(suggested["to_depot_id"]),
            "item_id": int(suggested["item_id"]),
            "quantity": int(suggested["quantity"]),
        },
    )
    assert moved.status_code == 201, moved.text
    assert all(a["kind"] != "low_days_of_supply" for a in alerts_of(client, district))

    done = client.post(f"/districts/{district}/alerts/refresh").json()
    assert (done["opened"], done["resolved"]) == (0, 1)
    closed = [r for r in stored(session, district) if r.resolved_at is not None]
    assert [r.key for r in closed] == [low["key"]]
    history = client.get(f"/districts/{district}/alerts/history").json()
    assert len(history) == 5
    assert {h["key"]: h["resolved_at"] is not None for h in history}[low["key"]] is True

    inventory.issue(
        session,
        schemas.IssueCreate(depot_id=t.d.depot_a_id, item_id=t.d.water_id, quantity=15),
        actor="test",
    )
    back = client.post(f"/districts/{district}/alerts/refresh").json()
    assert back["opened"] == 1
    rows = [r for r in stored(session, district) if r.key == low["key"]]
    assert len(rows) == 2
    assert rows[0].resolved_at is not None
    assert rows[1].resolved_at is None
    assert rows[1].first_seen_at > rows[0].first_seen_at


def test_a_depot_under_its_reorder_level_is_below_its_reserve_without_a_scenario(
    client: TestClient, t: Troubled
) -> None:
    answer = client.put(
        f"/depots/{t.d.depot_b_id}/reorder-levels",
        json=[{"item_id": t.d.water_id, "reorder_level": 40, "safety_floor": 10}],
    )
    assert answer.status_code == 200, answer.text
    alert = {a["key"]: a for a in alerts_of(client, t.d.district_id)}[
        f"below_reserve:depot={t.d.depot_b_id}:item={t.d.water_id}"
    ]
    assert alert["severity"] == "critical"
    assert (
        alert["message"]
        == "WATER at DB: 0 usable on hand, below its reorder level of 40 (short 40)."
    )
    assert alert["action"] == "Transfer 40 from WH to DB."


def test_acknowledging_an_open_alert_once(
    client: TestClient, session: Session, settings: Settings, t: Troubled
) -> None:
    refreshed = client.post(f"/districts/{t.d.district_id}/alerts/refresh").json()
    alert = next(a for a in refreshed["alerts"] if a["kind"] == "document_expiring")
    answer = client.post(f"/alerts/{alert['id']}/acknowledge", headers={"Idempotency-Key": "a1"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["acknowledged_by"] == "test-admin"
    replay = client.post(f"/alerts/{alert['id']}/acknowledge", headers={"Idempotency-Key": "a1"})
    assert replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    twice = client.post(f"/alerts/{alert['id']}/acknowledge")
    assert twice.status_code == 409
    assert "already acknowledged by test-admin" in twice.json()["detail"]
    assert client.post("/alerts/999999/acknowledge").status_code == 404
    shown = {a["key"]: a for a in alerts_of(client, t.d.district_id)}[alert["key"]]
    assert shown["acknowledged_by"] == "test-admin"

    # The document's alert gets worse (info -> warning as its end nears): it asks again.
    cfg = service.config(settings)
    service.refresh(session, t.d.district_id, now=utcnow() + timedelta(days=4), cfg=cfg)
    row = next(r for r in stored(session, t.d.district_id) if r.key == alert["key"])
    assert row.severity == "warning"
    assert (row.acknowledged_by, row.acknowledged_at) == (None, None)

    # A resolved alert cannot be acknowledged.
    for r in stored(session, t.d.district_id):
        r.resolved_at = utcnow() + timedelta(days=5)
    session.flush()
    gone = client.post(f"/alerts/{alert['id']}/acknowledge")
    assert gone.status_code == 409
    assert "resolved" in gone.json()["detail"]


def test_who_may_read_refresh_and_acknowledge(
    client: TestClient,
    session: Session,
    t: Troubled,
    act_as: Callable[[Principal], None],
) -> None:
    district = t.d.district_id
    other = small_district(session, "-other")
    url = f"/districts/{district}/alerts"
    refreshed = client.post(f"{url}/refresh").json()
    alert_id = refreshed["alerts"][0]["id"]
    readers = [
        person("coordinator", district_id=district),
        person("depot_manager", depots=(t.d.depot_b_id,)),
        person("auditor"),
        person("procurement"),
    ]
    for who in readers:
        act_as(who)
        assert client.get(url).status_code == 200, who.role
        assert client.get(f"{url}/history").status_code == 200, who.role
    outsiders = [
        person("coordinator", district_id=other.district_id),
        person("depot_manager", depots=(other.depot_a_id,)),
    ]
    for who in outsiders:
        act_as(who)
        assert client.get(url).status_code == 403, who.role
    for who in [*outsiders, person("depot_manager", depots=(t.d.depot_a_id,)), person("auditor")]:
        act_as(who)
        assert client.post(f"/alerts/{alert_id}/acknowledge").status_code == 403, who.role
        assert client.post(f"{url}/refresh").status_code == 403, who.role
    act_as(person("coordinator", district_id=district))
    assert client.post(f"/alerts/{alert_id}/acknowledge").status_code == 200
    assert client.get("/districts/999999/alerts").status_code == 404
    assert client.post("/districts/999999/alerts/refresh").status_code == 404
    assert client.get(f"{url}/history", params={"limit": 0}).status_code == 422


@pytest.mark.slow
def test_reserve_and_dispatch_alerts_of_a_real_plan(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """The flood's reserve levels raise an alert exactly where stock is short of them; an
    approved route's manifests are overdue after their time until they are received."""
    d = district_with_history(session)
    plan = approved_plan(client, d)
    levels = client.get(f"/forecasts/{plan['forecast_run_id']}/reserve-levels").json()
    short = {
        f"below_reserve:depot={r['depot_id']}:item={r['item_id']}"
        for r in levels
        if r["depot_id"] is not None and r["on_hand"] < r["reserve"]
    }
    assert short, "the test flood should leave some depot short"
    keys = {a["key"] for a in alerts_of(client, d.district_id)}
    assert {k for k in keys if k.startswith("below_reserve:")} == short

    vehicle(client, d, "WH-1", weight_capacity_kg=2000)
    vehicle(client, d, "WH-2", weight_capacity_kg=2000)
    routes = client.post(f"/plans/{plan['id']}/routes", json={"seed": 1})
    assert routes.status_code == 201, routes.text
    manifests = client.post(f"/routes/{routes.json()['id']}/approve").json()
    assert manifests

    cfg = service.config(settings)
    later = utcnow() + timedelta(days=3)
    opened = service.refresh(session, d.district_id, now=later, cfg=cfg)
    overdue = {c.alert.key for c in opened.alerts if c.alert.kind == "dispatch_overdue"}
    assert overdue == {f"dispatch_overdue:manifest={m['id']}" for m in manifests}
    assert all(
        c.alert.severity == "critical" for c in opened.alerts if c.alert.kind == "dispatch_overdue"
    )
    for m in manifests:
        for depot_id in sorted({x["destination_depot_id"] for x in m["lines"]}):
            lines = [
                {"line_id": x["id"], "outcome": "received"}
                for x in m["lines"]
                if x["destination_depot_id"] == depot_id
            ]
            got = client.post(
                f"/manifests/{m['id']}/receipts", json={"depot_id": depot_id, "lines": lines}
            )
            assert got.status_code == 200, got.text
    after = service.refresh(session, d.district_id, now=later + timedelta(minutes=1), cfg=cfg)
    assert not [c for c in after.alerts if c.alert.kind == "dispatch_overdue"]
    resolved = {r.key for r in stored(session, d.district_id) if r.resolved_at is not None}
    assert overdue <= resolved


def test_the_older_alert_endpoints_still_answer(client: TestClient, t: Troubled) -> None:
    dispatch = client.get(f"/districts/{t.d.district_id}/dispatch-alerts")
    assert dispatch.status_code == 200
    assert dispatch.json() == []
    supplier = client.get("/suppliers/alerts")
    assert supplier.status_code == 200
    assert [x["document_id"] for x in supplier.json()["documents_expiring"]] == [t.document_id]

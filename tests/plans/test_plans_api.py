"""The plan service through the API, on SQLite and PostgreSQL: scenario → forecast → plan."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlmodel import Session

from accounts import service as users
from core.clock import utcnow
from inventory import schemas as stock
from inventory import service as inventory
from tests.api.test_auth import PASSWORD, token_for
from tests.inventory.factories import Small
from tests.plans.helpers import declare, district_with_history, scenario, snapshot
from tests.suppliers.helpers import contract_body, qualified_supplier


@pytest.fixture
def d(session: Session) -> Small:
    return district_with_history(session)


def forecast(client: TestClient, district_id: int, horizon: int = 14) -> dict[str, Any]:
    answer = client.post(f"/districts/{district_id}/forecasts", json={"horizon": horizon})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def plan(client: TestClient, district_id: int) -> dict[str, Any]:
    answer = client.post(f"/districts/{district_id}/plans", json={"deadline_h": 48})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def planned(client: TestClient, d: Small) -> dict[str, Any]:
    assert declare(client, d.district_id).status_code == 201
    forecast(client, d.district_id)
    return plan(client, d.district_id)


def test_scenario_forecast_plan_round_trip(client: TestClient, session: Session, d: Small) -> None:
    declared = declare(client, d.district_id)
    assert declared.status_code == 201, declared.text
    assert declared.json()["status"] == "active"
    run = forecast(client, d.district_id)
    assert run["horizon_days"] == 14
    assert {c["model"] for c in run["choices"]}  # one model account per history series
    assert len(run["choices"]) == 2

    rows = client.get(f"/forecasts/{run['id']}/rows").json()
    water = [r for r in rows if r["item_id"] == d.water_id and r["community_id"]]
    assert len(water) == 2 * 14
    for r in rows:
        assert r["lo_95"] <= r["lo_80"] <= r["yhat"] <= r["hi_80"] <= r["hi_95"]
    first = d.community_ids[0]
    # baseline from the first community's history (about 23 a day) plus the scenario's water
    # for 1,000 affected people weighed up for the elderly, on each of the first 10 days
    day0 = next(r for r in water if r["community_id"] == first)
    assert 15 < day0["yhat"] < 35
    assert 500 < day0["scenario_demand"] < 600
    assert water[-1]["scenario_demand"] == 0  # the scenario lasts 10 of the 14 days
    tents = [r for r in rows if r["item_id"] == d.tent_id and r["scenario_demand"] > 0]
    assert len(tents) == 2  # a one-off need, on the first day, per community

    levels = client.get(f"/forecasts/{run['id']}/reserve-levels?service_level=0.9").json()
    by_depot = {(r["depot_id"], r["item_code"]): r for r in levels}
    at_a = by_depot[(d.depot_a_id, "WATER")]
    assert at_a["on_hand"] == 1500 - sum(20 + b % 7 for b in range(1, 29))
    assert at_a["reserve"] > 5000
    assert at_a["gap"] == at_a["reserve"] - at_a["on_hand"]

    png = client.get(
        f"/forecasts/{run['id']}/fan-chart.png",
        params={"item_id": d.water_id, "community_id": first},
    )
    assert png.status_code == 200
    assert png.content.startswith(b"\x89PNG")
    svg = client.get(
        f"/forecasts/{run['id']}/fan-chart.svg",
        params={"item_id": d.water_id, "community_id": first},
    )
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content

    body = plan(client, d.district_id)
    assert body["status"] == "draft"
    assert body["forecast_run_id"] == run["id"]
    _check_plan_is_feasible(body, d)
    assert body["summary"]["demanded"] > body["summary"]["delivered"] > 0  # not enough water
    assert {c["community"] for c in body["communities"]} == {"C0", "C1"}
    texts = " ".join(r["text"] for c in body["communities"] for r in c["reasons"])
    assert "limited by total stock of WATER" in texts
    assert "floor" in texts

    approved = client.post(f"/plans/{body['id']}/approve")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    before = snapshot(session)
    again = client.post(f"/plans/{body['id']}/approve")
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    line = body["lines"][0]["id"]
    assert client.patch(f"/plans/{body['id']}/lines/{line}", json={}).status_code == 409
    assert client.post(f"/plans/{body['id']}/solve").status_code == 409
    assert snapshot(session) == before


def _check_plan_is_feasible(body: dict[str, Any], d: Small) -> None:
    """No lot sends more than it holds, the warehouse keeps its floor, no demand is exceeded."""
    sent: dict[int | None, int] = defaultdict(int)
    for line in body["lines"]:
        sent[line["depot_id"]] += line["quantity"] if line["item_id"] == d.water_id else 0
    assert sent[d.warehouse_id] <= 6000 - 1000
    delivered: dict[tuple[int, int], int] = defaultdict(int)
    for line in body["lines"]:
        delivered[(line["community_id"], line["item_id"])] += line["quantity"]
    demanded: dict[tuple[int, int], int] = defaultdict(int)
    for fill in body["fills"]:
        demanded[(fill["community_id"], fill["item_id"])] += fill["demanded"]
        assert 0 <= fill["delivered"] <= fill["demanded"]
    for key, quantity in delivered.items():
        assert quantity <= demanded[key]
    assert sum(f["delivered"] for f in body["fills"]) == sum(delivered.values())


def test_locked_lines_are_kept_when_the_draft_is_solved_again(
    client: TestClient, session: Session, d: Small
) -> None:
    body = planned(client, d)
    line = max(body["lines"], key=lambda x: x["quantity"])
    new_quantity = line["quantity"] // 2
    changed = client.patch(
        f"/plans/{body['id']}/lines/{line['id']}", json={"quantity": new_quantity}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["summary"]["stale"] is True
    assert client.post(f"/plans/{body['id']}/approve").status_code == 409  # re-solve first

    solved = client.post(f"/plans/{body['id']}/solve")
    assert solved.status_code == 200, solved.text
    after = solved.json()
    assert after["revision"] == 2
    assert after["summary"]["stale"] is False
    kept = next(x for x in after["lines"] if x["id"] == line["id"])
    assert kept["quantity"] == new_quantity
    assert kept["locked"] is True
    assert sum(x["locked"] for x in after["lines"]) == 1
    assert after["summary"]["locked"] == new_quantity
    _check_plan_is_feasible(after, d)
    assert sum(f["locked"] for f in after["fills"]) == new_quantity
    texts = [r["code"] for c in after["communities"] for r in c["reasons"]]
    assert "locked" in texts
    assert client.post(f"/plans/{body['id']}/approve").status_code == 200


def test_a_lock_that_does_not_fit_is_refused_and_changes_nothing(
    client: TestClient, session: Session, d: Small
) -> None:
    body = planned(client, d)
    line = body["lines"][0]
    before = snapshot(session)
    answer = client.patch(f"/plans/{body['id']}/lines/{line['id']}", json={"quantity": 1_000_000})
    assert answer.status_code == 422
    assert answer.json()["errors"]
    assert snapshot(session) == before
    missing = client.patch(f"/plans/{body['id']}/lines/999999", json={"locked": True})
    assert missing.status_code == 404
    assert snapshot(session) == before


BAD_FILES = [
    pytest.param("s.yaml", b"id: x\nkind: flood\n", ("name",), id="missing-fields"),
    pytest.param(
        "s.json",
        b'{"id": "x", "kind": "volcano", "name": "V", "affected_share": 0.2,'
        b' "duration_days": 3, "needs": [{"item_code": "WATER", "per_person_daily": 1}]}',
        ("kind",),
        id="unknown-kind",
    ),
    pytest.param("s.yaml", b"id: [unclosed\n", ("file",), id="not-yaml"),
    pytest.param("s.yaml", b"#" * 300_000, ("file",), id="too-large"),
    pytest.param("s.json", b"{not json", ("file",), id="not-json"),
    pytest.param("s.yaml", b"- a list\n- not a mapping\n", (), id="not-a-mapping"),
    pytest.param(
        "s.yaml",
        b"id: x\nkind: flood\nname: X\naffected_share: 0.2\nduration_days: 3\n"
        b"needs:\n  - item_code: CAVIAR\n    per_person_daily: 1\n",
        ("needs", 0, "item_code"),
        id="item-not-in-catalogue",
    ),
    pytest.param(
        "s.json",
        b'{"id": "x", "kind": "flood", "name": "X", "affected_share": 0.2, "duration_days": 3,'
        b' "start": "soon", "needs": [{"item_code": "WATER", "per_person_daily": 1}]}',
        ("start",),
        id="bad-start",
    ),
    pytest.param(
        "s.yaml",
        b"id: x\nkind: flood\nname: X\naffected_share: 0.2\nduration_days: 3\n"
        b"communities: [NOWHERE]\nneeds:\n  - item_code: WATER\n    per_person_daily: 1\n",
        ("communities", 0),
        id="community-not-in-district",
    ),
]


@pytest.mark.parametrize(("name", "content", "loc"), BAD_FILES)
def test_a_bad_scenario_file_is_refused_naming_what_is_wrong(
    client: TestClient, session: Session, d: Small, name: str, content: bytes, loc: tuple[Any]
) -> None:
    before = snapshot(session)
    answer = client.post(
        f"/districts/{d.district_id}/scenarios/upload", files={"file": (name, content)}
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert list(loc) in [e["loc"] for e in answer.json()["errors"]], answer.json()
    assert snapshot(session) == before


def test_a_good_file_declares_and_library_scenarios_need_their_catalogue_items(
    client: TestClient, session: Session, d: Small
) -> None:
    assert len(client.get("/scenario-library").json()) == 6
    refused = client.post(f"/districts/{d.district_id}/scenarios", json={"library": "flood"})
    assert refused.status_code == 422
    assert "not in the catalogue" in refused.text
    unknown = client.post(f"/districts/{d.district_id}/scenarios", json={"library": "volcano"})
    assert unknown.status_code == 422
    assert "earthquake" in unknown.text
    text = yaml.safe_dump(scenario(start="2030-01-05")).encode()
    answer = client.post(
        f"/districts/{d.district_id}/scenarios/upload", files={"file": ("f.yaml", text)}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["start"] == "2030-01-05"
    assert answer.json()["origin"] == "file:f.yaml"


def test_one_active_scenario_per_district(client: TestClient, session: Session, d: Small) -> None:
    first = declare(client, d.district_id).json()
    before = snapshot(session)
    assert declare(client, d.district_id).status_code == 409
    assert snapshot(session) == before
    closed = client.post(f"/scenarios/{first['id']}/close")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert client.post(f"/scenarios/{first['id']}/close").status_code == 409
    assert declare(client, d.district_id).status_code == 201
    listed = client.get(f"/districts/{d.district_id}/scenarios", params={"status": "active"})
    assert len(listed.json()) == 1


def test_planning_needs_a_scenario_and_a_forecast(
    client: TestClient, session: Session, d: Small
) -> None:
    before = snapshot(session)
    assert client.post(f"/districts/{d.district_id}/forecasts", json={}).status_code == 409
    assert client.post(f"/districts/{d.district_id}/plans", json={}).status_code == 409
    assert snapshot(session) == before
    declare(client, d.district_id)
    assert client.post(f"/districts/{d.district_id}/plans", json={}).status_code == 409


def test_coordinators_plan_only_for_their_district(
    client: TestClient, anonymous_client: TestClient, session: Session, d: Small
) -> None:
    other = district_with_history(session, suffix="X")
    users.create_user(
        session, username="coord", password=PASSWORD, role="coordinator", district_id=d.district_id
    )
    users.create_user(session, username="reader", password=PASSWORD, role="auditor")
    theirs = planned(client, other)
    coordinator = token_for(anonymous_client, "coord")
    before = snapshot(session)
    refused = [
        anonymous_client.post(
            f"/districts/{other.district_id}/scenarios",
            json={"definition": scenario()},
            headers=coordinator,
        ),
        anonymous_client.post(
            f"/districts/{other.district_id}/forecasts", json={}, headers=coordinator
        ),
        anonymous_client.post(
            f"/districts/{other.district_id}/plans", json={}, headers=coordinator
        ),
        anonymous_client.post(f"/plans/{theirs['id']}/solve", headers=coordinator),
        anonymous_client.post(f"/plans/{theirs['id']}/approve", headers=coordinator),
        anonymous_client.patch(
            f"/plans/{theirs['id']}/lines/{theirs['lines'][0]['id']}",
            json={"quantity": 1},
            headers=coordinator,
        ),
        anonymous_client.post(f"/scenarios/{theirs['scenario_id']}/close", headers=coordinator),
        anonymous_client.post(
            f"/districts/{d.district_id}/plans",
            json={},
            headers=token_for(anonymous_client, "reader"),
        ),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert snapshot(session) == before
    # reading is open to every role; their own district works
    assert anonymous_client.get(f"/plans/{theirs['id']}", headers=coordinator).status_code == 200
    own = anonymous_client.post(
        f"/districts/{d.district_id}/scenarios",
        json={"definition": scenario()},
        headers=coordinator,
    )
    assert own.status_code == 201
    assert own.json()["declared_by"] == "coord"


def test_agreement_reserves_are_sources_and_expiring_lots_are_not(
    client: TestClient, session: Session, d: Small
) -> None:
    supplier = qualified_supplier(client)
    body = contract_body(supplier, d.district_id, d.water_id, reserved_quantity=3000)
    contract = client.post("/agreements", json={**body, "activation_lead_time_h": 24})
    assert contract.status_code == 201, contract.text
    late = contract_body(supplier, d.district_id, d.tent_id, number="AG-2")
    assert (
        client.post("/agreements", json={**late, "activation_lead_time_h": 96}).status_code == 201
    )
    inventory.receive(
        session,
        stock.ReceiptCreate(
            depot_id=d.depot_b_id,
            item_id=d.water_id,
            lot_number="W-SOON",
            expiry_date=utcnow().date(),
            quantity=5000,
        ),
        actor="test",
    )
    body = planned(client, d)
    from_contract = [x for x in body["lines"] if x["agreement_id"] == contract.json()["id"]]
    assert from_contract, body["lines"]
    assert all(x["depot_id"] is None and x["lot_id"] is None for x in from_contract)
    assert sum(x["quantity"] for x in from_contract) <= 3000 + 2000 * 1  # one surge day by 48 h
    soon = {x["lot_id"] for x in body["lines"]} & {
        b.lot_id for b in inventory.list_balances(session) if b.lot_number == "W-SOON"
    }
    assert not soon  # expires before the 48 h deadline
    texts = " ".join(r["text"] for c in body["communities"] for r in c["reasons"])
    assert "lead time 96 h > deadline 48 h" in texts


def test_scenarios_of_an_unknown_district_are_a_404(client: TestClient) -> None:
    assert client.get("/districts/424242/scenarios").status_code == 404

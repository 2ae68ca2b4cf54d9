"""Receipts, issues, transfers, write-offs and reversals through the API, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from inventory import service
from tests.inventory.factories import Small, small_district


@pytest.fixture
def d(session: Session) -> Small:
    return small_district(session)


def stock(session: Session, depot_id: int, item_id: int) -> dict[str, int]:
    return {
        b.lot_number: b.quantity
        for b in service.list_balances(session, depot_ids=[depot_id], item_id=item_id)
    }


def journal_size(session: Session) -> int:
    return len(service.list_movements(session, limit=100_000))


def receive(
    client: TestClient,
    d: Small,
    qty: int = 100,
    lot: str = "W-1",
    expiry: str = "2027-06-30",
    **extra: Any,
) -> Any:
    body = {
        "depot_id": d.depot_a_id,
        "item_id": d.water_id,
        "lot_number": lot,
        "expiry_date": expiry,
        "quantity": qty,
    }
    body.update(extra)
    return client.post("/movements/receipts", json=body)


def test_receipt_creates_the_lot_and_the_balance(
    client: TestClient, session: Session, d: Small
) -> None:
    answer = receive(client, d, 120, reason="donation", reference="GRN-001")
    assert answer.status_code == 201, answer.text
    [line] = answer.json()["movements"]
    assert line["kind"] == "receipt"
    assert line["quantity"] == 120
    assert line["actor"] == "test-admin"
    assert line["occurred_at"].endswith(("Z", "+00:00"))
    assert stock(session, d.depot_a_id, d.water_id) == {"W-1": 120}


def test_issue_takes_first_expired_first(client: TestClient, session: Session, d: Small) -> None:
    receive(client, d, 50, lot="LATE", expiry="2028-01-01")
    receive(client, d, 30, lot="SOON", expiry="2027-01-01")
    answer = client.post(
        "/movements/issues", json={"depot_id": d.depot_a_id, "item_id": d.water_id, "quantity": 40}
    )
    assert answer.status_code == 201, answer.text
    assert [(m["quantity"]) for m in answer.json()["movements"]] == [-30, -10]
    assert stock(session, d.depot_a_id, d.water_id) == {"LATE": 40}


def test_issue_beyond_the_balance_is_refused_and_changes_nothing(
    client: TestClient, session: Session, d: Small
) -> None:
    receive(client, d, 10)
    before = journal_size(session)
    answer = client.post(
        "/movements/issues", json={"depot_id": d.depot_a_id, "item_id": d.water_id, "quantity": 11}
    )
    assert answer.status_code == 409
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert problem["title"] == "Insufficient stock"
    assert problem["available"] == 10
    assert problem["requested"] == 11
    assert stock(session, d.depot_a_id, d.water_id) == {"W-1": 10}
    assert journal_size(session) == before


def test_transfer_moves_stock_between_depots_in_one_action(
    client: TestClient, session: Session, d: Small
) -> None:
    receive(client, d, 100)
    answer = client.post(
        "/movements/transfers",
        json={
            "from_depot_id": d.depot_a_id,
            "to_depot_id": d.depot_b_id,
            "item_id": d.water_id,
            "quantity": 35,
        },
    )
    assert answer.status_code == 201, answer.text
    lines = answer.json()["movements"]
    assert {m["kind"] for m in lines} == {"transfer_out", "transfer_in"}
    assert len({m["action_id"] for m in lines}) == 1
    assert stock(session, d.depot_a_id, d.water_id) == {"W-1": 65}
    assert stock(session, d.depot_b_id, d.water_id) == {"W-1": 35}


def test_transfer_larger_than_stock_moves_nothing(
    client: TestClient, session: Session, d: Small
) -> None:
    receive(client, d, 10)
    answer = client.post(
        "/movements/transfers",
        json={
            "from_depot_id": d.depot_a_id,
            "to_depot_id": d.depot_b_id,
            "item_id": d.water_id,
            "quantity": 11,
        },
    )
    assert answer.status_code == 409
    assert stock(session, d.depot_b_id, d.water_id) == {}
    assert stock(session, d.depot_a_id, d.water_id) == {"W-1": 10}


def test_write_off_records_the_reason(client: TestClient, session: Session, d: Small) -> None:
    receive(client, d, 10)
    answer = client.post(
        "/movements/write-offs",
        json={
            "depot_id": d.depot_a_id,
            "item_id": d.water_id,
            "lot_number": "W-1",
            "quantity": 4,
            "write_off_reason": "damaged",
            "reason": "crushed pallet",
        },
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["movements"][0]["reason"] == "damaged: crushed pallet"
    assert stock(session, d.depot_a_id, d.water_id) == {"W-1": 6}


def test_reversal_undoes_a_transfer_on_both_sides_once(
    client: TestClient, session: Session, d: Small
) -> None:
    receive(client, d, 100)
    moved = client.post(
        "/movements/transfers",
        json={
            "from_depot_id": d.depot_a_id,
            "to_depot_id": d.depot_b_id,
            "item_id": d.water_id,
            "quantity": 35,
        },
    ).json()
    out_id = next(m["id"] for m in moved["movements"] if m["kind"] == "transfer_out")
    undone = client.post(f"/movements/{out_id}/reversal", json={"reason": "wrong depot"})
    assert undone.status_code == 201, undone.text
    assert len(undone.json()["movements"]) == 2
    assert stock(session, d.depot_a_id, d.water_id) == {"W-1": 100}
    assert stock(session, d.depot_b_id, d.water_id) == {}
    again = client.post(f"/movements/{out_id}/reversal", json={"reason": "twice"})
    assert again.status_code == 409
    assert "already been reversed" in again.json()["detail"]


def test_reversing_a_receipt_already_issued_is_refused(
    client: TestClient, session: Session, d: Small
) -> None:
    receipt = receive(client, d, 10).json()["movements"][0]
    client.post(
        "/movements/issues", json={"depot_id": d.depot_a_id, "item_id": d.water_id, "quantity": 8}
    )
    answer = client.post(f"/movements/{receipt['id']}/reversal", json={"reason": "typo"})
    assert answer.status_code == 409
    assert stock(session, d.depot_a_id, d.water_id) == {"W-1": 2}


def test_a_lot_number_keeps_its_expiry(client: TestClient, d: Small) -> None:
    receive(client, d, 10, lot="X", expiry="2027-01-01")
    answer = receive(client, d, 10, lot="X", expiry="2027-02-01")
    assert answer.status_code == 409
    assert "recorded with expiry 2027-01-01" in answer.json()["detail"]


BAD_RECEIPTS = [
    pytest.param({"depot_id": 999_999}, 404, "Depot 999999", id="unknown-depot"),
    pytest.param({"item_id": 999_999}, 404, "Item 999999", id="unknown-item"),
    pytest.param({"quantity": -5}, 422, "quantity", id="negative"),
    pytest.param({"quantity": 0}, 422, "quantity", id="zero"),
    pytest.param({"quantity": 2.5}, 422, "quantity", id="fractional"),
    pytest.param({"quantity": 10**15}, 422, "quantity", id="absurdly-large"),
    pytest.param({"quantity": "12"}, 422, "quantity", id="string-quantity"),
    pytest.param({"quantity": None}, 422, "quantity", id="null-quantity"),
    pytest.param({"depot_id": "A"}, 422, "depot_id", id="wrong-type-depot"),
    pytest.param({"expiry_date": "31/12/2027"}, 422, "expiry_date", id="bad-date"),
    pytest.param({"expiry_date": None}, 422, "expiry_date", id="perishable-without-expiry"),
    pytest.param({"lot_number": ""}, 422, "lot_number", id="empty-lot"),
    pytest.param({"reserve_type": "private"}, 422, "reserve_type", id="unknown-reserve-type"),
    pytest.param({"surprise": 1}, 422, "surprise", id="unknown-field"),
    pytest.param({"occurred_at": "2020-01-01T00:00:00"}, 422, "timezone", id="naive-time"),
    pytest.param({"occurred_at": "2999-01-01T00:00:00Z"}, 422, "future", id="future-time"),
    pytest.param({"occurred_at": 0}, 422, "not a number", id="unix-time"),
    pytest.param({"occurred_at": "0"}, 422, "not a number", id="unix-time-text"),
    pytest.param(
        {"occurred_at": "0001-01-01T00:30:00+01:00"}, 422, "between", id="before-year-one-in-utc"
    ),
    pytest.param({"occurred_at": "9999-12-31T23:30:00-01:00"}, 422, "between", id="year-10000"),
]


@pytest.mark.parametrize(("change", "status", "mentions"), BAD_RECEIPTS)
def test_bad_receipts_are_refused_and_change_nothing(
    client: TestClient,
    session: Session,
    d: Small,
    change: dict[str, Any],
    status: int,
    mentions: str,
) -> None:
    body: dict[str, Any] = {
        "depot_id": d.depot_a_id,
        "item_id": d.water_id,
        "lot_number": "W-9",
        "expiry_date": "2027-06-30",
        "quantity": 10,
    }
    body.update(change)
    before = journal_size(session)
    answer = client.post("/movements/receipts", json=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert {"type", "title", "status", "detail"} <= problem.keys()
    assert mentions in answer.text
    assert journal_size(session) == before
    assert stock(session, d.depot_a_id, d.water_id) == {}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{not json", id="malformed-json"),
        pytest.param(b"", id="empty-body"),
        pytest.param(b"[]", id="array"),
    ],
)
def test_malformed_bodies_get_problem_json(client: TestClient, d: Small, body: bytes) -> None:
    answer = client.post(
        "/movements/receipts", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["title"] == "Invalid input"


def test_transfer_to_the_same_depot_is_refused(client: TestClient, d: Small) -> None:
    answer = client.post(
        "/movements/transfers",
        json={
            "from_depot_id": d.depot_a_id,
            "to_depot_id": d.depot_a_id,
            "item_id": d.water_id,
            "quantity": 1,
        },
    )
    assert answer.status_code == 422
    assert "two different depots" in answer.text


# --- idempotency ----------------------------------------------------------------------------


def test_a_retried_write_returns_the_first_answer_and_applies_once(
    client: TestClient, session: Session, d: Small
) -> None:
    headers = {"Idempotency-Key": "grn-2026-0001"}
    body = {"depot_id": d.depot_a_id, "item_id": d.tent_id, "lot_number": "T-1", "quantity": 5}
    first = client.post("/movements/receipts", json=body, headers=headers)
    second = client.post("/movements/receipts", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert stock(session, d.depot_a_id, d.tent_id) == {"T-1": 5}


def test_a_key_reused_for_another_request_is_refused(
    client: TestClient, session: Session, d: Small
) -> None:
    headers = {"Idempotency-Key": "k-1"}
    body = {"depot_id": d.depot_a_id, "item_id": d.tent_id, "lot_number": "T-1", "quantity": 5}
    client.post("/movements/receipts", json=body, headers=headers)
    answer = client.post("/movements/receipts", json={**body, "quantity": 6}, headers=headers)
    assert answer.status_code == 409
    assert "different request" in answer.json()["detail"]
    assert stock(session, d.depot_a_id, d.tent_id) == {"T-1": 5}


def test_a_refused_write_does_not_burn_its_key(
    client: TestClient, session: Session, d: Small
) -> None:
    headers = {"Idempotency-Key": "k-2"}
    body = {"depot_id": d.depot_a_id, "item_id": d.tent_id, "quantity": 5}
    assert client.post("/movements/issues", json=body, headers=headers).status_code == 409
    client.post("/movements/receipts", json={**body, "lot_number": "T-1"})
    assert client.post("/movements/issues", json=body, headers=headers).status_code == 201
    assert stock(session, d.depot_a_id, d.tent_id) == {}  # issued to zero


def test_journal_rebuilds_the_balances_exactly(
    client: TestClient, session: Session, d: Small
) -> None:
    receive(client, d, 100)
    client.post(
        "/movements/issues", json={"depot_id": d.depot_a_id, "item_id": d.water_id, "quantity": 30}
    )
    client.post(
        "/movements/transfers",
        json={
            "from_depot_id": d.depot_a_id,
            "to_depot_id": d.depot_b_id,
            "item_id": d.water_id,
            "quantity": 20,
        },
    )
    assert service.journal_discrepancies(session) == []


def test_shipment_lines_are_not_reversed_here(
    client: TestClient, session: Session, d: Small
) -> None:
    from inventory import transit

    lot_id = receive(client, d, 100).json()["movements"][0]["lot_id"]
    in_transit = transit.transit_depot(session, d.district_id)
    action = transit.send(
        session,
        [transit.TransitMove(d.depot_a_id, d.water_id, lot_id, 30)],
        transit_depot_id=in_transit.id or 0,
        actor="test",
        reference="manifest 1",
    )
    for line in service.list_movements(session, action_id=action):
        answer = client.post(f"/movements/{line.id}/reversal", json={"reason": "oops"})
        assert answer.status_code == 409, answer.text
        assert "shipment" in answer.json()["detail"]
    assert stock(session, d.depot_a_id, d.water_id) == {"W-1": 70}

"""Physical counts: start, enter, see the variance, post the adjustments."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from inventory import service
from tests.inventory.factories import Small, small_district


@pytest.fixture
def d(session: Session, client: TestClient) -> Small:
    made = small_district(session)
    for lot, qty, expiry in (("W-1", 100, "2027-01-01"), ("W-2", 40, "2027-06-01")):
        client.post(
            "/movements/receipts",
            json={
                "depot_id": made.depot_a_id,
                "item_id": made.water_id,
                "lot_number": lot,
                "expiry_date": expiry,
                "quantity": qty,
            },
        ).raise_for_status()
    return made


def test_count_shows_variance_and_posting_adjusts_the_books(
    client: TestClient, session: Session, d: Small
) -> None:
    started = client.post("/counts", json={"depot_id": d.depot_a_id, "note": "monthly"})
    assert started.status_code == 201, started.text
    count = started.json()
    assert {(ln["lot_number"], ln["expected"], ln["counted"]) for ln in count["lines"]} == {
        ("W-1", 100, None),
        ("W-2", 40, None),
    }
    entered = client.put(
        f"/counts/{count['id']}/lines",
        json={
            "lines": [
                {"item_id": d.water_id, "lot_number": "W-1", "counted": 97},
                {
                    "item_id": d.water_id,
                    "lot_number": "W-3",
                    "counted": 12,
                    "expiry_date": "2027-09-01",
                },
            ]
        },
    )
    assert entered.status_code == 200, entered.text
    variance = {ln["lot_number"]: ln["variance"] for ln in entered.json()["lines"]}
    assert variance == {"W-1": -3, "W-2": None, "W-3": 12}

    posted = client.post(f"/counts/{count['id']}/post")
    assert posted.status_code == 200, posted.text
    assert posted.json()["status"] == "posted"
    balances = {
        b.lot_number: b.quantity for b in service.list_balances(session, depot_ids=[d.depot_a_id])
    }
    assert balances == {"W-1": 97, "W-2": 40, "W-3": 12}  # W-2 was not counted: left alone
    adjustments = service.list_movements(session, depot_id=d.depot_a_id)
    assert sorted(m.quantity for m in adjustments if m.kind == "count_adjustment") == [-3, 12]
    assert client.post(f"/counts/{count['id']}/post").status_code == 409


def _balances(session: Session, d: Small) -> dict[str, int]:
    return {
        b.lot_number: b.quantity for b in service.list_balances(session, depot_ids=[d.depot_a_id])
    }


def test_an_issue_after_a_lot_was_counted_is_kept_when_the_count_is_posted(
    client: TestClient, session: Session, d: Small
) -> None:
    """90 on the shelf when counted, 5 issued since: 85 are there, not 90."""
    book = _balances(session, d)["W-1"]
    count = client.post("/counts", json={"depot_id": d.depot_a_id}).json()
    client.put(
        f"/counts/{count['id']}/lines",
        json={"lines": [{"item_id": d.water_id, "lot_number": "W-1", "counted": 90}]},
    ).raise_for_status()
    client.post(
        "/movements/issues",
        json={"depot_id": d.depot_a_id, "item_id": d.water_id, "lot_number": "W-1", "quantity": 5},
    ).raise_for_status()
    shown = client.get(f"/counts/{count['id']}").json()["lines"]
    assert [(x["expected"], x["counted"], x["variance"]) for x in shown if x["counted"]] == [
        (book, 90, 90 - book)
    ]
    client.post(f"/counts/{count['id']}/post").raise_for_status()
    assert _balances(session, d)["W-1"] == 85


def test_counting_a_lot_again_takes_the_books_afresh(
    client: TestClient, session: Session, d: Small
) -> None:
    count = client.post("/counts", json={"depot_id": d.depot_a_id}).json()
    lines = f"/counts/{count['id']}/lines"
    client.put(
        lines, json={"lines": [{"item_id": d.water_id, "lot_number": "W-1", "counted": 90}]}
    ).raise_for_status()
    client.post(
        "/movements/issues",
        json={"depot_id": d.depot_a_id, "item_id": d.water_id, "lot_number": "W-1", "quantity": 5},
    ).raise_for_status()
    client.put(
        lines, json={"lines": [{"item_id": d.water_id, "lot_number": "W-1", "counted": 84}]}
    ).raise_for_status()
    client.post(f"/counts/{count['id']}/post").raise_for_status()
    assert _balances(session, d)["W-1"] == 84


def test_a_count_whose_lot_has_since_gone_below_its_variance_is_refused(
    client: TestClient, session: Session, d: Small
) -> None:
    """Counted 10 short, then the rest issued: applying the variance would go below zero."""
    book = _balances(session, d)["W-1"]
    count = client.post("/counts", json={"depot_id": d.depot_a_id}).json()
    client.put(
        f"/counts/{count['id']}/lines",
        json={"lines": [{"item_id": d.water_id, "lot_number": "W-1", "counted": book - 10}]},
    ).raise_for_status()
    client.post(
        "/movements/issues",
        json={
            "depot_id": d.depot_a_id,
            "item_id": d.water_id,
            "lot_number": "W-1",
            "quantity": book - 5,
        },
    ).raise_for_status()
    refused = client.post(f"/counts/{count['id']}/post")
    assert refused.status_code == 409, refused.text
    assert _balances(session, d)["W-1"] == 5
    assert client.get(f"/counts/{count['id']}").json()["status"] == "open"


def test_one_open_count_per_depot(client: TestClient, d: Small) -> None:
    assert client.post("/counts", json={"depot_id": d.depot_a_id}).status_code == 201
    again = client.post("/counts", json={"depot_id": d.depot_a_id})
    assert again.status_code == 409
    assert "already has an open count" in again.json()["detail"]


@pytest.mark.parametrize(
    ("line", "status"),
    [
        pytest.param({"lot_number": "W-1", "counted": -1}, 422, id="negative"),
        pytest.param({"lot_number": "W-1", "counted": 1.5}, 422, id="fractional"),
        pytest.param(
            {"lot_number": "NEW", "counted": 3}, 422, id="new-perishable-lot-without-expiry"
        ),
        pytest.param(
            {"item_id": 424242, "lot_number": "W-1", "counted": 3}, 404, id="unknown-item"
        ),
    ],
)
def test_bad_count_lines_are_refused(
    client: TestClient, d: Small, line: dict[str, object], status: int
) -> None:
    count = client.post("/counts", json={"depot_id": d.depot_a_id}).json()
    answer = client.put(
        f"/counts/{count['id']}/lines", json={"lines": [{"item_id": d.water_id, **line}]}
    )
    assert answer.status_code == status, answer.text
    assert all(ln["counted"] is None for ln in client.get(f"/counts/{count['id']}").json()["lines"])


def test_a_cancelled_count_cannot_be_posted(client: TestClient, d: Small) -> None:
    count = client.post("/counts", json={"depot_id": d.depot_a_id}).json()
    assert client.post(f"/counts/{count['id']}/cancel").json()["status"] == "cancelled"
    assert client.post(f"/counts/{count['id']}/post").status_code == 409
    assert client.get("/counts/999999").status_code == 404

"""Losses on the ledger and expired lots at the door: a write-off and a posted count are
signed entries of the same transaction; a lot past its expiry is not received."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from core.clock import utcnow
from inventory import schemas, service
from inventory.models import Lot, Movement
from ledger import service as ledger
from ledger.models import LedgerEntry
from tests.inventory.factories import Small, small_district


@pytest.fixture
def d(session: Session) -> Small:
    return small_district(session)


def _entries(session: Session, kind: str) -> list[dict[str, Any]]:
    size = ledger.tree_size(session)
    found = [ledger.get_entry(session, seq) for seq in range(size)]
    return [e.payload for e in found if e.kind == kind]


def _count(session: Session, model: type) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_write_off_is_signed_on_the_ledger_with_its_reason(
    client: TestClient, session: Session, d: Small
) -> None:
    client.post(
        "/movements/receipts",
        json={"depot_id": d.depot_a_id, "item_id": d.tent_id, "lot_number": "T-9", "quantity": 20},
    )
    answer = client.post(
        "/movements/write-offs",
        json={
            "depot_id": d.depot_a_id,
            "item_id": d.tent_id,
            "lot_number": "T-9",
            "quantity": 3,
            "write_off_reason": "damaged",
            "reason": "soaked",
        },
    )
    assert answer.status_code == 201, answer.text
    [entry] = _entries(session, "stock.written_off")
    assert entry["action"] == answer.json()["action_id"]
    assert entry["lines"] == [["DA", "TENT", "T-9", 3, "damaged: soaked"]]
    assert entry["quantity"] == 3


def test_a_refused_write_off_writes_no_entry(
    client: TestClient, session: Session, d: Small
) -> None:
    before = _count(session, LedgerEntry)
    answer = client.post(
        "/movements/write-offs",
        json={
            "depot_id": d.depot_a_id,
            "item_id": d.tent_id,
            "lot_number": "NOPE",
            "quantity": 3,
            "write_off_reason": "lost",
        },
    )
    assert answer.status_code == 422
    assert _count(session, LedgerEntry) == before


def test_a_posted_count_signs_each_counted_line_and_its_variance(
    client: TestClient, session: Session, d: Small
) -> None:
    for lot, q in (("T-1", 10), ("T-2", 5)):
        client.post(
            "/movements/receipts",
            json={"depot_id": d.depot_a_id, "item_id": d.tent_id, "lot_number": lot, "quantity": q},
        )
    count = client.post("/counts", json={"depot_id": d.depot_a_id}).json()
    lines = [{"item_id": d.tent_id, "lot_number": "T-1", "counted": 8}]
    entered = client.put(f"/counts/{count['id']}/lines", json={"lines": lines})
    assert entered.status_code == 200, entered.text
    posted = client.post(f"/counts/{count['id']}/post")
    assert posted.status_code == 200, posted.text
    [entry] = _entries(session, "stock.count_posted")
    assert entry["count"] == count["id"]
    assert entry["depot"] == "DA"
    assert entry["lines"] == [["TENT", "T-1", 10, 8, -2]]
    assert entry["uncounted"] == 1
    assert entry["variance"] == -2
    adjustments = session.execute(
        select(Movement).where(Movement.kind == "count_adjustment")  # type: ignore[arg-type]
    ).scalars()
    assert {m.action_id for m in adjustments} == {entry["action"]}


def test_an_imported_count_and_imported_write_offs_are_signed_too(
    client: TestClient, session: Session, d: Small
) -> None:
    client.post(
        "/movements/receipts",
        json={"depot_id": d.depot_b_id, "item_id": d.tent_id, "lot_number": "T-3", "quantity": 9},
    )
    sheet = b"kind,depot,item,lot,quantity,reason\nwrite_off,DB,TENT,T-3,2,rats\n"
    made = client.post("/imports/movements", files={"file": ("w.csv", sheet, "text/csv")})
    assert made.status_code == 201, made.text
    [written] = _entries(session, "stock.written_off")
    assert written["lines"] == [["DB", "TENT", "T-3", 2, "rats"]]
    assert written["source"] == "w.csv"
    counted = b"depot,item,lot,counted\nDB,TENT,T-3,6\n"
    made = client.post("/imports/counts", files={"file": ("c.csv", counted, "text/csv")})
    assert made.status_code == 201, made.text
    [entry] = _entries(session, "stock.count_posted")
    assert entry["lines"] == [["TENT", "T-3", 7, 6, -1]]


def test_a_lot_past_its_expiry_is_not_received(
    client: TestClient, session: Session, d: Small
) -> None:
    yesterday = (utcnow() - timedelta(days=1)).date()
    lots, movements = _count(session, Lot), _count(session, Movement)
    answer = client.post(
        "/movements/receipts",
        json={
            "depot_id": d.depot_a_id,
            "item_id": d.water_id,
            "lot_number": "W-OLD",
            "expiry_date": yesterday.isoformat(),
            "quantity": 50,
        },
    )
    assert answer.status_code == 422
    assert "past its expiry" in answer.json()["detail"]
    assert (_count(session, Lot), _count(session, Movement)) == (lots, movements)


def test_a_lot_received_before_it_expired_may_be_recorded_late(
    client: TestClient, session: Session, d: Small
) -> None:
    expired = (utcnow() - timedelta(days=2)).date()
    answer = client.post(
        "/movements/receipts",
        json={
            "depot_id": d.depot_a_id,
            "item_id": d.water_id,
            "lot_number": "W-LATE",
            "expiry_date": expired.isoformat(),
            "quantity": 5,
            "occurred_at": (utcnow() - timedelta(days=5)).isoformat(),
        },
    )
    assert answer.status_code == 201, answer.text


def test_a_known_lot_that_has_expired_is_not_received_again(
    client: TestClient, session: Session, d: Small
) -> None:
    expired = (utcnow() - timedelta(days=2)).date()
    service.receive(
        session,
        schemas.ReceiptCreate(
            depot_id=d.depot_a_id,
            item_id=d.water_id,
            lot_number="W-2",
            expiry_date=expired,
            quantity=5,
            occurred_at=utcnow() - timedelta(days=5),
        ),
        actor="seed",
    )
    answer = client.post(
        "/movements/receipts",
        json={"depot_id": d.depot_b_id, "item_id": d.water_id, "lot_number": "W-2", "quantity": 1},
    )
    assert answer.status_code == 422


def test_an_import_lists_its_expired_receipt_rows(
    client: TestClient, session: Session, d: Small
) -> None:
    expired = (utcnow() - timedelta(days=3)).date().isoformat()
    good = (utcnow() + timedelta(days=300)).date().isoformat()
    sheet = (
        "kind,depot,item,lot,expiry,quantity\n"
        f"receipt,DA,WATER,W-A,{good},5\n"
        f"receipt,DA,WATER,W-B,{expired},5\n"
    ).encode()
    movements = _count(session, Movement)
    answer = client.post("/imports/movements", files={"file": ("r.csv", sheet, "text/csv")})
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(3, "expiry")]
    assert _count(session, Movement) == movements

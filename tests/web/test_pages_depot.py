"""Depot manager pages: stock by lot, receipts, issues and transfers through forms."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from inventory import service as inventory
from tests.inventory.factories import Small
from tests.web.conftest import post, sign_in


def test_a_receipt_through_the_form_shows_in_the_stock(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    sign_in(web, "depot_manager")
    page = f"/web/depot/{d.depot_a_id}/move"
    answer = post(
        web,
        f"/web/depot/{d.depot_a_id}/move/receipt",
        {"item_id": d.water_id, "quantity": "40", "lot_number": "W-1", "expiry_date": "2030-01-01"},
        page,
    )
    assert answer.status_code == 303, answer.text
    stock = web.get(f"/web/depot?depot_id={d.depot_a_id}")
    assert stock.status_code == 200
    assert "W-1" in stock.text
    assert [b.quantity for b in inventory.list_balances(session, depot_ids=[d.depot_a_id])] == [40]

"""District views: stock by community, days of supply, expiring lots, below reorder level."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.inventory.factories import Small, small_district


@pytest.fixture
def d(session: Session, client: TestClient) -> Small:
    made = small_district(session)
    soon = (date.today() + timedelta(days=10)).isoformat()
    later = (date.today() + timedelta(days=300)).isoformat()
    for depot, lot, expiry, qty in (
        (made.depot_a_id, "W-SOON", soon, 60),
        (made.depot_a_id, "W-LATE", later, 90),
        (made.warehouse_id, "W-WH", later, 1000),
    ):
        client.post(
            "/movements/receipts",
            json={
                "depot_id": depot,
                "item_id": made.water_id,
                "lot_number": lot,
                "expiry_date": expiry,
                "quantity": qty,
            },
        ).raise_for_status()
    ten_days_ago = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    client.post(
        "/movements/issues",
        json={
            "depot_id": made.depot_a_id,
            "item_id": made.water_id,
            "quantity": 30,
            "occurred_at": ten_days_ago,
        },
    ).raise_for_status()
    return made


def test_stock_by_community(client: TestClient, d: Small) -> None:
    rows = client.get(f"/districts/{d.district_id}/stock-by-community").json()
    by = {(r["community_code"], r["item_code"]): r["quantity"] for r in rows}
    assert by == {("C0", "WATER"): 120, (None, "WATER"): 1000}


def test_days_of_supply_at_the_recent_rate(client: TestClient, d: Small) -> None:
    rows = client.get(
        f"/districts/{d.district_id}/days-of-supply", params={"window_days": 30}
    ).json()
    depot_a = next(r for r in rows if r["depot_id"] == d.depot_a_id)
    assert depot_a["on_hand"] == 120
    assert depot_a["consumed_in_window"] == 30
    assert depot_a["days_of_supply"] == 120.0  # 1 unit a day over 30 days
    warehouse = next(r for r in rows if r["depot_id"] == d.warehouse_id)
    assert warehouse["days_of_supply"] is None  # nothing used: no rate


def test_expiring_lots(client: TestClient, d: Small) -> None:
    rows = client.get(
        f"/districts/{d.district_id}/expiring-lots", params={"within_days": 30}
    ).json()
    assert [(r["lot_number"], r["quantity"]) for r in rows] == [("W-SOON", 30)]
    assert 9 <= rows[0]["days_left"] <= 10


def test_below_reorder_level(client: TestClient, d: Small) -> None:
    set_levels = client.put(
        f"/depots/{d.depot_a_id}/reorder-levels",
        json=[
            {"item_id": d.water_id, "reorder_level": 200, "safety_floor": 50},
            {"item_id": d.tent_id, "reorder_level": 5},
        ],
    )
    assert set_levels.status_code == 200, set_levels.text
    rows = client.get(f"/districts/{d.district_id}/below-reorder").json()
    assert {(r["item_code"], r["on_hand"], r["shortfall"]) for r in rows} == {
        ("WATER", 120, 80),
        ("TENT", 0, 5),
    }


def test_views_of_an_unknown_district_are_404(client: TestClient, d: Small) -> None:
    for view in ("stock-by-community", "days-of-supply", "expiring-lots", "below-reorder"):
        assert client.get(f"/districts/424242/{view}").status_code == 404


def test_safety_floor_above_reorder_level_is_refused(client: TestClient, d: Small) -> None:
    answer = client.put(
        f"/depots/{d.depot_a_id}/reorder-levels",
        json=[{"item_id": d.water_id, "reorder_level": 10, "safety_floor": 50}],
    )
    assert answer.status_code == 422

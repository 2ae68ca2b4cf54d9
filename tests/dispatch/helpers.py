"""An approved plan in a small district, a fleet at its warehouse, and table counts."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel, col

from dispatch.models import Manifest, ManifestLine, RoutePlan, RouteTrip, Vehicle
from inventory.models import Movement, StockBalance
from ledger.models import LedgerEntry
from tests.inventory.factories import Small
from tests.plans.helpers import declare


def approved_plan(client: TestClient, d: Small) -> dict[str, Any]:
    """Declare the test flood, forecast, allocate and approve; return the plan."""
    assert declare(client, d.district_id).status_code == 201
    answer = client.post(f"/districts/{d.district_id}/forecasts", json={"horizon": 14})
    assert answer.status_code == 201, answer.text
    answer = client.post(f"/districts/{d.district_id}/plans", json={"deadline_h": 48})
    assert answer.status_code == 201, answer.text
    plan_id = answer.json()["id"]
    answer = client.post(f"/plans/{plan_id}/approve")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def vehicle(client: TestClient, d: Small, code: str = "TRUCK-1", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "name": "Dongfeng 5 t",
        "weight_capacity_kg": 5000,
        "volume_capacity_l": 20_000,
        "start_depot_id": d.warehouse_id,
        "shift_minutes": 600,
        "speed_kmh": 40,
    }
    body.update(over)
    answer = client.post(f"/districts/{d.district_id}/vehicles", json=body)
    assert answer.status_code == 201, answer.text
    out: dict[str, Any] = answer.json()
    return out


COUNTED: list[type[SQLModel]] = [
    Movement,
    LedgerEntry,
    Manifest,
    ManifestLine,
    RoutePlan,
    RouteTrip,
    Vehicle,
]


def counts(session: Session) -> dict[str, Any]:
    """Row counts of the journal, the ledger and the dispatch tables, and every balance."""
    session.expire_all()
    out: dict[str, Any] = {
        m.__name__: int(session.execute(select(func.count()).select_from(m)).scalar_one())
        for m in COUNTED
    }
    balances = session.execute(select(StockBalance)).scalars().all()
    out["balances"] = sorted((b.depot_id, b.lot_id, b.quantity) for b in balances)
    statuses = session.execute(select(col(RoutePlan.id), col(RoutePlan.status))).all()
    out["route_plans"] = sorted((i, s) for i, s in statuses)
    return out

"""A small district with a month of issue history, and a scenario for it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from core.clock import utcnow
from inventory import schemas, service
from plans.models import (
    AllocationFill,
    AllocationLine,
    AllocationPlanRow,
    DeclaredScenario,
    ForecastRow,
    ForecastRun,
)
from tests.inventory.factories import Small, small_district

HISTORY_DAYS = 28


def scenario(**over: Any) -> dict[str, Any]:
    """A flood over both communities: water daily, a tent once, elderly weighed up."""
    body: dict[str, Any] = {
        "id": "test-flood",
        "kind": "flood",
        "name": "Test flood",
        "affected_share": 0.2,
        "duration_days": 10,
        "needs": [
            {"item_code": "WATER", "per_person_daily": 0.5, "source": "test"},
            {"item_code": "TENT", "per_person_once": 0.05, "source": "test"},
        ],
        "vulnerable_weights": {"elderly": 1.5},
    }
    body.update(over)
    return body


def district_with_history(session: Session, suffix: str = "") -> Small:
    """Stock in the warehouse and both community depots, and daily water issues for four
    weeks (more in the first community) ending yesterday."""
    d = small_district(session, suffix)
    expiry = (utcnow() + timedelta(days=300)).date()
    for depot_id, item_id, lot, quantity in (
        (d.warehouse_id, d.water_id, "W-WH", 6000),
        (d.depot_a_id, d.water_id, "W-A", 1500),
        (d.depot_b_id, d.water_id, "W-B", 800),
        (d.warehouse_id, d.tent_id, "T-WH", 40),
    ):
        service.receive(
            session,
            schemas.ReceiptCreate(
                depot_id=depot_id,
                item_id=item_id,
                lot_number=lot + suffix,
                expiry_date=expiry if item_id == d.water_id else None,
                quantity=quantity,
                occurred_at=utcnow() - timedelta(days=HISTORY_DAYS + 1),
            ),
            actor="test",
        )
    service.set_reorder_levels(
        session,
        d.warehouse_id,
        [schemas.ReorderLevelSet(item_id=d.water_id, reorder_level=2000, safety_floor=1000)],
    )
    midnight = datetime.combine(utcnow().date(), time(12), tzinfo=utcnow().tzinfo)
    for back in range(1, HISTORY_DAYS + 1):
        for depot_id, quantity in ((d.depot_a_id, 20 + back % 7), (d.depot_b_id, 10 + back % 3)):
            service.issue(
                session,
                schemas.IssueCreate(
                    depot_id=depot_id,
                    item_id=d.water_id,
                    quantity=quantity,
                    occurred_at=midnight - timedelta(days=back),
                ),
                actor="test",
            )
    return d


PLAN_TABLES: list[type[SQLModel]] = [
    DeclaredScenario,
    ForecastRun,
    ForecastRow,
    AllocationPlanRow,
    AllocationLine,
    AllocationFill,
]


def snapshot(session: Session) -> dict[str, Any]:
    """Row counts of every planning table, and each plan's status, revision and lines."""
    out: dict[str, Any] = {
        m.__name__: int(session.execute(select(func.count()).select_from(m)).scalar_one())
        for m in PLAN_TABLES
    }
    session.expire_all()
    plans = session.execute(select(AllocationPlanRow)).scalars().all()
    out["plans"] = sorted((p.id, p.status, p.revision, str(p.summary)) for p in plans)
    lines = session.execute(select(AllocationLine)).scalars().all()
    out["lines"] = sorted((x.id, x.quantity, x.locked) for x in lines)
    return out


def declare(client: TestClient, district_id: int, **over: Any) -> Any:
    return client.post(f"/districts/{district_id}/scenarios", json={"definition": scenario(**over)})

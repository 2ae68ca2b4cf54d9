"""Two coordinators approving routes of the same plan at once: the stock leaves once."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlmodel import col

from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError
from dispatch import service
from dispatch.models import Manifest
from dispatch.schemas import RoutesCreate, VehicleCreate
from inventory import service as inventory
from inventory.models import Movement
from ledger import keys
from plans import service as plans
from plans.schemas import PlanCreate
from tests.plans.helpers import district_with_history, scenario


def test_concurrent_approvals_dispatch_once(fresh_engine: Engine, tmp_path: Path) -> None:
    signer = keys.load_or_create(tmp_path / "ledger.key", "test.example/log")
    now = utcnow()
    with session_scope(fresh_engine) as session:
        d = district_with_history(session)
        plans.declare_scenario(
            session,
            d.district_id,
            scenario(),
            origin="test",
            start=None,
            actor="t",
            today=now.date(),
        )
        plans.run_forecast(session, d.district_id, actor="t", today=now.date(), horizon=14)
        plan = plans.create_plan(
            session, d.district_id, PlanCreate(deadline_h=48), actor="t", now=now, time_limit_s=10
        )
        plans.approve(session, plan.id or 0, actor="t", now=now)
        service.create_vehicle(
            session,
            d.district_id,
            VehicleCreate(
                code="T1",
                name="truck",
                weight_capacity_kg=5000,
                volume_capacity_l=20_000,
                start_depot_id=d.warehouse_id,
            ),
        )
        drafts = [
            service.create_routes(
                session, plan.id or 0, RoutesCreate(), actor="t", now=now, time_limit_s=0.5
            ).id
            or 0
            for _ in range(2)
        ]
        stock_before = sum(
            b.quantity for b in inventory.list_balances(session, depot_ids=[d.warehouse_id])
        )
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def approve(route_plan_id: int) -> None:
        barrier.wait()
        try:
            with session_scope(fresh_engine) as session:
                service.approve_routes(session, route_plan_id, signer, actor="c", now=utcnow())
            outcomes.append("dispatched")
        except DomainError as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=approve, args=(drafts[n % 2],)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["Conflict"] * 3 + ["dispatched"]
    with session_scope(fresh_engine) as session:
        manifests = session.execute(select(Manifest)).scalars().all()
        assert len({m.route_plan_id for m in manifests}) == 1
        sent = -session.execute(
            select(func.coalesce(func.sum(col(Movement.quantity)), 0)).where(
                col(Movement.kind) == "dispatch", col(Movement.depot_id) == d.warehouse_id
            )
        ).scalar_one()
        stock_after = sum(
            b.quantity for b in inventory.list_balances(session, depot_ids=[d.warehouse_id])
        )
        assert stock_before - stock_after == sent > 0
        assert inventory.journal_discrepancies(session) == []

"""Data for the plan, dispatch, receipt and supplier pages, built through the services the
pages call: a plan for the test flood, routes for it, its dispatch; a supplier with an
agreement reserve. Solver time limits are kept small."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from core.clock import utcnow
from core.settings import Settings
from dispatch import schemas as dispatch_schemas
from dispatch import service as dispatch
from dispatch.models import Manifest, ManifestLine, RoutePlan, RouteTrip
from inventory import service as inventory
from inventory.models import Movement, StockBalance
from ledger import keys
from ledger.models import LedgerEntry
from plans import schemas as plan_schemas
from plans import service as plans
from suppliers import schemas as supplier_schemas
from suppliers import service as suppliers
from tests.inventory.factories import Small
from tests.plans.helpers import scenario
from tests.suppliers.helpers import contract_body, supplier_body

ROUTING_S = 1.0
ALLOCATION_S = 10.0


def fast_settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url="sqlite://",
        token_secret=SecretStr("test-secret-" + "x" * 40),
        routing_time_limit_s=ROUTING_S,
        allocation_time_limit_s=ALLOCATION_S,
    )


def draft_plan(session: Session, d: Small) -> int:
    """Declare the test flood, forecast two weeks, allocate: a draft plan."""
    today = utcnow().date()
    plans.declare_scenario(
        session,
        d.district_id,
        scenario(),
        origin="definition",
        start=None,
        actor="seed",
        today=today,
    )
    plans.run_forecast(session, d.district_id, actor="seed", today=today, horizon=14)
    plan = plans.create_plan(
        session,
        d.district_id,
        plan_schemas.PlanCreate(deadline_h=48),
        actor="seed",
        now=utcnow(),
        time_limit_s=ALLOCATION_S,
    )
    return plan.id or 0


def fleet(session: Session, d: Small) -> None:
    """Two 2 t trucks at the warehouse and one at depot A."""
    for code, start in (("WH-1", d.warehouse_id), ("WH-2", d.warehouse_id), ("DA-1", d.depot_a_id)):
        dispatch.create_vehicle(
            session,
            d.district_id,
            dispatch_schemas.VehicleCreate(
                code=code,
                name="Dongfeng 2 t",
                weight_capacity_kg=2000,
                volume_capacity_l=20_000,
                start_depot_id=start,
                shift_minutes=600,
            ),
        )


def approved_plan(session: Session, d: Small) -> int:
    plan_id = draft_plan(session, d)
    plans.approve(session, plan_id, actor="seed", now=utcnow())
    fleet(session, d)
    return plan_id


def routed(session: Session, d: Small) -> tuple[int, int]:
    """An approved plan and a draft of its routes: (plan id, route plan id)."""
    plan_id = approved_plan(session, d)
    routes = dispatch.create_routes(
        session,
        plan_id,
        dispatch_schemas.RoutesCreate(seed=1),
        actor="seed",
        now=utcnow(),
        time_limit_s=ROUTING_S,
    )
    return plan_id, routes.id or 0


def dispatched(session: Session, d: Small, settings: Settings) -> list[Manifest]:
    """The routes approved: one manifest per trip, its stock in transit."""
    _, route_plan_id = routed(session, d)
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    dispatch.approve_routes(session, route_plan_id, signer, actor="seed", now=utcnow())
    return list(dispatch.list_manifests(session, route_plan_id))


def lines_to(session: Session, manifest: Manifest, depot_id: int) -> list[ManifestLine]:
    public = dispatch.manifest_public(session, manifest)
    ids = [x.id for x in public.lines if x.destination_depot_id == depot_id]
    return [session.get_one(ManifestLine, i) for i in ids]


def supplier_with_reserve(session: Session, d: Small) -> tuple[int, int]:
    """A registered supplier with a current agreement reserve of water: (supplier, contract)."""
    supplier = suppliers.create_supplier(
        session, supplier_schemas.SupplierCreate(**supplier_body())
    )
    contract = suppliers.create_contract(
        session,
        supplier_schemas.ContractCreate(
            **contract_body(supplier.id or 0, d.district_id, d.water_id)
        ),
        actor="seed",
    )
    return supplier.id or 0, contract.id or 0


COUNTED: Sequence[type[SQLModel]] = (
    Movement,
    LedgerEntry,
    Manifest,
    ManifestLine,
    RoutePlan,
    RouteTrip,
)


def snapshot(session: Session) -> dict[str, Any]:
    """Row counts of the journal, the ledger and the dispatch tables; every balance; every
    manifest line's confirmation; every route plan's status."""
    session.expire_all()
    out: dict[str, Any] = {
        m.__name__: int(session.execute(select(func.count()).select_from(m)).scalar_one())
        for m in COUNTED
    }
    balances = session.execute(select(StockBalance)).scalars().all()
    out["balances"] = sorted((b.depot_id, b.lot_id, b.quantity) for b in balances)
    lines = session.execute(select(ManifestLine)).scalars().all()
    out["lines"] = sorted((x.id or 0, x.outcome or "", x.received_quantity or 0) for x in lines)
    plans_ = session.execute(select(RoutePlan)).scalars().all()
    out["route_plans"] = sorted((r.id or 0, r.status) for r in plans_)
    return out


def balance(session: Session, depot_id: int, item_id: int | None = None) -> int:
    rows = inventory.list_balances(session, depot_ids=[depot_id], item_id=item_id)
    return sum(b.quantity for b in rows)


def qualified_reserve(
    session: Session, d: Small, settings: Settings, supplier_id: int | None = None
) -> int:
    """A supplier (`supplier_id`, else a new one with an agreement reserve of water for the
    district) qualified on its business licence: the allocation draws on its reserve."""
    if supplier_id is None:
        supplier_id, _ = supplier_with_reserve(session, d)
    today = utcnow().date()
    suppliers.upload(
        session,
        supplier_id,
        supplier_schemas.DocumentMeta(
            kind="business_licence",
            issuer="Wuhan Administration for Market Regulation",
            number=f"BL-{supplier_id}",
            valid_from=today.replace(year=today.year - 1),
            valid_until=today.replace(year=today.year + 1),
        ),
        content=b"%PDF licence",
        filename="licence.pdf",
        store=settings.data_dir / "documents",
        actor="seed",
    )
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    for to in ("under_review", "qualified"):
        suppliers.decide(
            session,
            signer,
            supplier_id,
            supplier_schemas.DecisionCreate(to_status=to, reason="documents checked"),
            actor="seed",
        )
    return supplier_id

"""A small district with something wrong of most kinds, built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session, col

from alerts.models import AlertRecord
from core.clock import utcnow
from inventory import schemas
from inventory import service as inventory
from suppliers import schemas as supplier_schemas
from suppliers import service as suppliers
from tests.inventory.factories import Small, small_district
from tests.suppliers.helpers import VALID_USCC


@dataclass(frozen=True)
class Troubled:
    d: Small
    supplier_id: int
    document_id: int
    contract_id: int
    water_lot_a: str


def troubled_district(session: Session, store: Path, suffix: str = "") -> Troubled:
    """Depot A: 10 water left of a lot expiring in 5 days, at 3 a day (3 days of supply);
    the warehouse holds 1,000 water to spare. A supplier's business licence ends in 10
    days; its agreement (20 days left, checked every 30 days) was never spot-checked."""
    d = small_district(session, suffix)
    now = utcnow()
    today = now.date()
    lot_a = f"W-A{suffix}"
    for depot_id, lot_number, expiry, quantity in (
        (d.depot_a_id, lot_a, today + timedelta(days=5), 100),
        (d.warehouse_id, f"W-WH{suffix}", today + timedelta(days=300), 1000),
    ):
        inventory.receive(
            session,
            schemas.ReceiptCreate(
                depot_id=depot_id,
                item_id=d.water_id,
                lot_number=lot_number,
                expiry_date=expiry,
                quantity=quantity,
                occurred_at=now - timedelta(days=20),
            ),
            actor="test",
        )
    inventory.issue(
        session,
        schemas.IssueCreate(
            depot_id=d.depot_a_id,
            item_id=d.water_id,
            quantity=90,
            occurred_at=now - timedelta(days=5),
        ),
        actor="test",
    )
    supplier = suppliers.create_supplier(
        session,
        supplier_schemas.SupplierCreate(
            legal_name=f"Hexi Water Co{suffix}",
            registration_number=VALID_USCC[0] if not suffix else f"X{suffix}",
            registration_scheme="uscc" if not suffix else "test",
            latitude=30.6,
            longitude=114.3,
        ),
    )
    supplier_id = supplier.id or 0
    document = suppliers.upload(
        session,
        supplier_id,
        supplier_schemas.DocumentMeta(
            kind="business_licence",
            issuer="Wuhan AMR",
            number=f"BL-{supplier_id}",
            valid_from=today - timedelta(days=355),
            valid_until=today + timedelta(days=10),
        ),
        content=b"%PDF licence",
        filename="licence.pdf",
        store=store,
        actor="test",
    )
    contract = suppliers.create_contract(
        session,
        supplier_schemas.ContractCreate(
            number=f"AG-1{suffix}",
            supplier_id=supplier_id,
            district_id=d.district_id,
            item_id=d.water_id,
            reserved_quantity=5000,
            surge_per_day=1000,
            activation_lead_time_h=12,
            unit_price_minor=250,
            valid_from=today - timedelta(days=100),
            valid_until=today + timedelta(days=20),
            spot_check_every_days=30,
        ),
        actor="test",
    )
    return Troubled(d, supplier_id, document.id or 0, contract.id or 0, lot_a)


def expected_keys(t: Troubled, session: Session) -> set[str]:
    lot_id = next(
        b.lot_id
        for b in inventory.list_balances(session, depot_ids=[t.d.depot_a_id])
        if b.lot_number == t.water_lot_a
    )
    return {
        f"lot_expiring:depot={t.d.depot_a_id}:lot={lot_id}",
        f"low_days_of_supply:depot={t.d.depot_a_id}:item={t.d.water_id}",
        f"document_expiring:document={t.document_id}",
        f"contract_expiring:contract={t.contract_id}",
        f"agreement_unchecked:contract={t.contract_id}",
    }


def stored(session: Session, district_id: int) -> list[AlertRecord]:
    session.expire_all()
    return list(
        session.execute(
            select(AlertRecord)
            .where(col(AlertRecord.district_id) == district_id)
            .order_by(col(AlertRecord.id))
        ).scalars()
    )


def count_rows(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AlertRecord)).scalar_one())

"""The supplier registry: register a supplier, set what it offers, read it back."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.errors import Conflict, FieldProblem, NotFound
from inventory import service as inventory
from suppliers import schemas, uscc
from suppliers.errors import InvalidRegistration
from suppliers.models import Supplier, SupplierItem


def get_supplier(session: Session, supplier_id: int, *, lock: bool = False) -> Supplier:
    """The supplier, or NotFound; `lock` takes its row for the rest of the transaction."""
    query = select(Supplier).where(col(Supplier.id) == supplier_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found: Supplier | None = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Supplier {supplier_id} does not exist.", extra={"id": supplier_id})
    return found


def check_registration(scheme: str, number: str) -> str:
    """The number as stored; a unified social credit code must pass its check character."""
    if scheme != "uscc":
        return number
    code = uscc.normalise(number)
    problem = uscc.problem(code)
    if problem is not None:
        raise InvalidRegistration(
            f"{number!r} is not a valid unified social credit code: {problem}.",
            problems=[FieldProblem(("body", "registration_number"), problem)],
        )
    return code


def create_supplier(session: Session, data: schemas.SupplierCreate) -> Supplier:
    number = check_registration(data.registration_scheme, data.registration_number)
    supplier = Supplier(**data.model_dump(exclude={"registration_number"}))
    supplier.registration_number = number
    try:
        with session.begin_nested():
            session.add(supplier)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"A supplier with {data.registration_scheme} number {number} is already registered."
        ) from exc
    return supplier


def list_suppliers(session: Session, status: str | None = None) -> Sequence[Supplier]:
    query = select(Supplier).order_by(col(Supplier.id))
    if status is not None:
        query = query.where(col(Supplier.status) == status)
    return session.execute(query).scalars().all()


def offers(session: Session, supplier_id: int) -> Sequence[SupplierItem]:
    return (
        session.execute(
            select(SupplierItem)
            .where(col(SupplierItem.supplier_id) == supplier_id)
            .order_by(col(SupplierItem.item_id))
        )
        .scalars()
        .all()
    )


def set_offers(
    session: Session, supplier_id: int, data: Sequence[schemas.OfferSet]
) -> Sequence[SupplierItem]:
    """Replace what the supplier offers with `data` (one line per item)."""
    get_supplier(session, supplier_id, lock=True)
    seen: set[int] = set()
    for offer in data:
        inventory.get_item(session, offer.item_id)
        if offer.item_id in seen:
            raise Conflict(f"Item {offer.item_id} is listed twice.")
        seen.add(offer.item_id)
    current = {o.item_id: o for o in offers(session, supplier_id)}
    for item_id, row in current.items():
        if item_id not in seen:
            session.delete(row)
    for offer in data:
        row = current.get(offer.item_id) or SupplierItem(
            supplier_id=supplier_id,
            item_id=offer.item_id,
            daily_capacity=0,
            lead_time_h=0,
            unit_price_minor=0,
        )
        row.daily_capacity = offer.daily_capacity
        row.lead_time_h = offer.lead_time_h
        row.unit_price_minor = offer.unit_price_minor
        session.add(row)
    session.flush()
    return offers(session, supplier_id)


def item_categories(session: Session, item_ids: set[int]) -> dict[int, str]:
    """Each item's catalogue category, through the inventory's service."""
    return {i: inventory.get_item(session, i).category for i in sorted(item_ids)}

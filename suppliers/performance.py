"""Deliveries and the grades computed from them, per item category."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from core.errors import InvalidInput
from inventory import service as inventory
from suppliers import grading, rules, schemas
from suppliers.documents import held
from suppliers.models import Delivery, Supplier, SupplierDocument, SupplierItem
from suppliers.registry import get_supplier, item_categories


def record_delivery(
    session: Session, supplier_id: int, data: schemas.DeliveryCreate, *, actor: str
) -> Delivery:
    get_supplier(session, supplier_id)
    inventory.get_item(session, data.item_id)
    for name in ("promised_at", "delivered_at"):
        if getattr(data, name).tzinfo is None:
            raise InvalidInput(f"{name} must carry a timezone (e.g. 2026-03-01T08:00:00Z).")
    if data.rejected_quantity > data.quantity:
        raise InvalidInput("More units were rejected than delivered.")
    delivery = Delivery(supplier_id=supplier_id, recorded_by=actor, **data.model_dump())
    session.add(delivery)
    session.flush()
    return delivery


def record_order_delivery(
    session: Session,
    supplier_id: int,
    *,
    item_id: int,
    ordered: int,
    arrived: int,
    rejected: int,
    unit_price_minor: int,
    promised_at: datetime,
    delivered_at: datetime,
    actor: str,
) -> Delivery:
    """The delivery record of a confirmed delivery order: what was ordered, what arrived
    (`arrived` units, `rejected` of them refused on quality), when against when promised."""
    if not 0 <= rejected <= arrived <= ordered:
        raise InvalidInput("A delivery order's outcome must satisfy rejected ≤ arrived ≤ ordered.")
    delivery = Delivery(
        supplier_id=supplier_id,
        item_id=item_id,
        quantity=arrived,
        rejected_quantity=rejected,
        ordered_quantity=ordered,
        unit_price_minor=unit_price_minor,
        promised_at=promised_at,
        delivered_at=delivered_at,
        recorded_by=actor,
    )
    session.add(delivery)
    session.flush()
    return delivery


def _mean_prices(rows: Sequence[Delivery]) -> dict[tuple[int, int], float]:
    """(supplier, item) → quantity-weighted mean delivered unit price."""
    units: dict[tuple[int, int], int] = defaultdict(int)
    paid: dict[tuple[int, int], int] = defaultdict(int)
    for d in rows:
        units[(d.supplier_id, d.item_id)] += d.quantity
        paid[(d.supplier_id, d.item_id)] += d.quantity * d.unit_price_minor
    return {k: paid[k] / units[k] for k in units if units[k]}


def all_grades(session: Session, day: date) -> dict[tuple[int, str], schemas.GradePublic]:
    """(supplier, category) → grade, for every category a supplier delivered or offers.

    Prices and capacities are compared across suppliers, so all are graded together.
    """
    deliveries = session.execute(select(Delivery)).scalars().all()
    offers = session.execute(select(SupplierItem)).scalars().all()
    producers = dict(session.execute(select(col(Supplier.id), col(Supplier.is_producer))).all())
    documents: dict[int, list[SupplierDocument]] = defaultdict(list)
    for doc in session.execute(select(SupplierDocument)).scalars():
        documents[doc.supplier_id].append(doc)
    category = item_categories(
        session, {d.item_id for d in deliveries} | {o.item_id for o in offers}
    )
    by_item: dict[int, list[float]] = defaultdict(list)
    for (_, item_id), mean in _mean_prices(deliveries).items():
        by_item[item_id].append(mean)
    medians = {item_id: statistics.median(v) for item_id, v in by_item.items()}
    capacity: dict[tuple[int, str], int] = defaultdict(int)
    for o in offers:
        capacity[(o.supplier_id, category[o.item_id])] += o.daily_capacity
    largest: dict[str, int] = defaultdict(int)
    for (_, cat), v in capacity.items():
        largest[cat] = max(largest[cat], v)
    rows: dict[tuple[int, str], list[Delivery]] = defaultdict(list)
    for d in deliveries:
        rows[(d.supplier_id, category[d.item_id])].append(d)
    keys = set(rows) | set(capacity)
    return {
        key: _grade(
            key[1],
            rows.get(key, []),
            medians,
            capacity=capacity.get(key, 0),
            largest=largest[key[1]],
            is_producer=producers[key[0]],
            documents=held(documents[key[0]]),
            day=day,
        )
        for key in sorted(keys)
    }


def _grade(
    cat: str,
    rows: Sequence[Delivery],
    medians: dict[int, float],
    *,
    capacity: int,
    largest: int,
    is_producer: bool,
    documents: list[rules.HeldDocument],
    day: date,
) -> schemas.GradePublic:
    paid = sum(d.quantity * d.unit_price_minor for d in rows)
    at_median = sum(d.quantity * medians[d.item_id] for d in rows if d.item_id in medians)
    needs = rules.required(is_producer=is_producer, categories={cat})
    inputs = grading.ScoreInputs(
        deliveries=len(rows),
        on_time=sum(1 for d in rows if _on_time_in_full(d)),
        delivered_units=sum(d.quantity for d in rows),
        rejected_units=sum(d.rejected_quantity for d in rows),
        price_index=round(paid / at_median, 4) if at_median else None,
        daily_capacity=capacity,
        largest_daily_capacity=largest,
        document_completeness=round(rules.completeness(needs, documents, day), 4),
    )
    result = grading.grade(inputs)
    return schemas.GradePublic(
        category=cat,
        grade=result.grade,
        score=result.score,
        reason=result.reason,
        inputs=dict(vars(inputs)),
        parts=result.parts,
        points=result.points,
        weights=dict(grading.WEIGHTS),
    )


def _on_time_in_full(d: Delivery) -> bool:
    """Arrived by the promised time and, for a delivery order, all that was ordered."""
    in_full = d.ordered_quantity is None or d.quantity >= d.ordered_quantity
    return in_full and d.delivered_at <= d.promised_at


def grades(session: Session, supplier_id: int, day: date) -> list[schemas.GradePublic]:
    """The supplier's grade in each category, with the score's inputs beside it."""
    get_supplier(session, supplier_id)
    return [g for (s, _), g in all_grades(session, day).items() if s == supplier_id]

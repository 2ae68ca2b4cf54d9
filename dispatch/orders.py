"""Delivery orders (调用通知): an approved plan's agreement lines, called on from suppliers.

Approving a plan issues one order per agreement line: what, how much, to which receiving
depot (a distribution point is made for a community that has none), due by the agreement's
activation lead time, plus the days of surge production for what exceeds the reserve held
ready. Each order is a canonical document whose SHA-256 a signed `delivery.ordered` entry
carries. The receiving depot confirms it once (`delivery.received`): what it accepted goes
into its stock as a receipt, what it rejected on quality and what never came are recorded,
and the confirmation becomes the supplier's delivery record its grade is computed from.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from core.errors import Conflict, InvalidInput, NotFound
from dispatch.documents import stamp
from dispatch.models import DeliveryOrder
from dispatch.schemas import DeliveryConfirm, DeliveryOrderPublic
from inventory import schemas as inventory_schemas
from inventory import service as inventory
from ledger import service as ledger
from ledger.canonical import canonical_json
from ledger.keys import LogSigner
from ledger.service import EntryRequest
from plans.models import AllocationLine
from suppliers import service as suppliers

ORDERED = "delivery.ordered"
RECEIVED = "delivery.received"


def due_at(
    now: datetime, quantity: int, *, reserved: int, surge_per_day: int, lead_h: int
) -> datetime:
    """When the supplier must deliver: the lead time for the reserve it holds ready, plus a
    day per `surge_per_day` units produced beyond it."""
    beyond = max(0, quantity - reserved)
    days = math.ceil(beyond / surge_per_day) if beyond and surge_per_day > 0 else 0
    return now + timedelta(hours=lead_h, days=days)


def document(
    order: DeliveryOrder, *, supplier: str, agreement: str, item: str, depot: str
) -> dict[str, Any]:
    return {
        "order": order.id,
        "plan": order.plan_id,
        "plan_line": order.plan_line_id,
        "supplier": supplier,
        "agreement": agreement,
        "item": item,
        "quantity": order.quantity,
        "unit_price_minor": order.unit_price_minor,
        "destination_depot": depot,
        "due_at": stamp(order.due_at),
        "issued_at": stamp(order.issued_at),
        "issued_by": order.issued_by,
    }


def issue_orders(
    session: Session,
    plan_id: int,
    district_id: int,
    signer: LogSigner,
    *,
    actor: str,
    now: datetime,
) -> list[DeliveryOrder]:
    """Issue an order for each of the plan's agreement lines (in the caller's transaction)."""
    lines = list(
        session.execute(
            select(AllocationLine)
            .where(
                col(AllocationLine.plan_id) == plan_id,
                col(AllocationLine.agreement_id).is_not(None),
            )
            .order_by(col(AllocationLine.id))
        ).scalars()
    )
    if not lines:
        return []
    receiving = inventory.receiving_depots(
        session, district_id, {x.community_id for x in lines}, create=True
    )
    orders: list[DeliveryOrder] = []
    entries: list[EntryRequest] = []
    for line in lines:
        contract = suppliers.get_contract(session, line.agreement_id or 0)
        supplier = suppliers.get_supplier(session, contract.supplier_id)
        item = inventory.get_item(session, line.item_id)
        depot = inventory.get_depot(session, receiving[line.community_id])
        order = DeliveryOrder(
            plan_id=plan_id,
            plan_line_id=line.id or 0,
            district_id=district_id,
            agreement_id=contract.id or 0,
            supplier_id=supplier.id or 0,
            community_id=line.community_id,
            destination_depot_id=depot.id or 0,
            item_id=line.item_id,
            quantity=line.quantity,
            unit_price_minor=contract.unit_price_minor,
            due_at=due_at(
                now,
                line.quantity,
                reserved=contract.reserved_quantity,
                surge_per_day=contract.surge_per_day,
                lead_h=contract.activation_lead_time_h,
            ),
            issued_by=actor,
            issued_at=now,
        )
        session.add(order)
        session.flush()
        doc = document(
            order,
            supplier=supplier.legal_name,
            agreement=contract.number,
            item=item.code,
            depot=depot.code,
        )
        order.sha256 = hashlib.sha256(canonical_json(doc)).hexdigest()
        orders.append(order)
        entries.append(
            EntryRequest(
                ORDERED,
                actor,
                {
                    "order": order.id,
                    "sha256": order.sha256,
                    "plan": plan_id,
                    "supplier": supplier.id,
                    "agreement": contract.number,
                    "item": item.code,
                    "quantity": order.quantity,
                    "destination_depot": depot.code,
                    "due_at": stamp(order.due_at),
                },
            )
        )
    ledger.append_many(session, signer, entries)
    session.flush()
    return orders


def get_order(session: Session, order_id: int, *, for_update: bool = False) -> DeliveryOrder:
    query = select(DeliveryOrder).where(col(DeliveryOrder.id) == order_id)
    query = query.with_for_update() if for_update else query
    found: DeliveryOrder | None = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Delivery order {order_id} does not exist.", extra={"id": order_id})
    return found


def list_orders(
    session: Session,
    *,
    plan_id: int | None = None,
    district_id: int | None = None,
    depot_ids: Sequence[int] | None = None,
    status: str | None = None,
) -> list[DeliveryOrder]:
    query = select(DeliveryOrder)
    if plan_id is not None:
        query = query.where(col(DeliveryOrder.plan_id) == plan_id)
    if district_id is not None:
        query = query.where(col(DeliveryOrder.district_id) == district_id)
    if depot_ids is not None:
        query = query.where(col(DeliveryOrder.destination_depot_id).in_(depot_ids))
    if status is not None:
        query = query.where(col(DeliveryOrder.status) == status)
    return list(session.execute(query.order_by(col(DeliveryOrder.id))).scalars())


def confirm_order(
    session: Session,
    order_id: int,
    data: DeliveryConfirm,
    signer: LogSigner,
    *,
    actor: str,
    now: datetime,
) -> DeliveryOrder:
    """Confirm once what arrived against the order at its receiving depot; a second
    confirmation, or one from another depot, is refused and changes nothing."""
    order = get_order(session, order_id, for_update=True)
    if data.depot_id != order.destination_depot_id:
        depot = inventory.get_depot(session, order.destination_depot_id)
        raise Conflict(
            f"Delivery order {order_id} is for depot {depot.code}; confirm it there.",
            extra={"destination_depot_id": order.destination_depot_id},
        )
    if order.status != "issued":
        raise Conflict(f"Delivery order {order_id} was already confirmed.")
    arrived = data.accepted_quantity + data.rejected_quantity
    if arrived > order.quantity:
        raise InvalidInput(
            f"Delivery order {order_id} asks for {order.quantity}; {arrived} cannot be "
            "accepted and rejected against it (record the surplus as a receipt of its own)."
        )
    delivered_at = data.delivered_at or now
    if delivered_at > now:
        raise InvalidInput("delivered_at cannot be in the future.")
    if delivered_at < order.issued_at:
        raise InvalidInput("delivered_at cannot be before the order was issued.")
    action = ""
    if data.accepted_quantity:
        receipt = inventory.receive(
            session,
            inventory_schemas.ReceiptCreate(
                depot_id=order.destination_depot_id,
                item_id=order.item_id,
                lot_number=data.lot_number or "",
                expiry_date=data.expiry_date,
                reserve_type="agreement",
                quantity=data.accepted_quantity,
                reference=f"delivery order {order_id}",
                reason=data.note,
                occurred_at=delivered_at,
            ),
            actor=actor,
        )
        action = receipt.action_id
        order.lot_id = receipt.movements[0].lot_id
    delivery = suppliers.record_order_delivery(
        session,
        order.supplier_id,
        item_id=order.item_id,
        ordered=order.quantity,
        arrived=arrived,
        rejected=data.rejected_quantity,
        unit_price_minor=order.unit_price_minor,
        promised_at=order.due_at,
        delivered_at=delivered_at,
        actor=actor,
    )
    order.status = "delivered"
    order.accepted_quantity = data.accepted_quantity
    order.rejected_quantity = data.rejected_quantity
    order.delivery_id = delivery.id
    order.note = data.note
    order.delivered_at = delivered_at
    order.confirmed_by = actor
    order.confirmed_at = now
    session.flush()
    ledger.append(
        session,
        signer,
        kind=RECEIVED,
        actor=actor,
        payload={
            "order": order.id,
            "sha256": order.sha256,
            "supplier": order.supplier_id,
            "ordered": order.quantity,
            "accepted": data.accepted_quantity,
            "rejected": data.rejected_quantity,
            "short": order.quantity - arrived,
            "on_time": delivered_at <= order.due_at,
            "delivered_at": stamp(delivered_at),
            "action": action,
        },
    )
    return order


def order_public(order: DeliveryOrder) -> DeliveryOrderPublic:
    return DeliveryOrderPublic.model_validate(order)

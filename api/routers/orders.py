"""Delivery orders (调用通知): agreement reserves called on by an approved plan."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from accounts import areas
from api.deps import SessionDep
from api.routers.ledger import LedgerSignerDep
from api.security.deps import Reader, StockWriter
from api.writes import KeyDep, payload_of
from core.clock import utcnow
from core.inputs import Id
from dispatch import schemas, service
from plans import service as plans

router = APIRouter(tags=["delivery orders"])


@router.get("/plans/{plan_id}/delivery-orders", response_model=list[schemas.DeliveryOrderPublic])
def plan_orders(plan_id: Id, session: SessionDep, who: Reader) -> list[schemas.DeliveryOrderPublic]:
    """The orders an approved plan issued to its agreement suppliers."""
    plans.get_plan(session, plan_id)
    return [service.order_public(o) for o in service.list_orders(session, plan_id=plan_id)]


@router.get("/delivery-orders", response_model=list[schemas.DeliveryOrderPublic])
def list_orders(
    session: SessionDep,
    who: Reader,
    depot_id: Id | None = None,
    district_id: Id | None = None,
    status: Literal["issued", "delivered"] | None = None,
) -> list[schemas.DeliveryOrderPublic]:
    """Orders by receiving depot or district (a community worker sees their own depots')."""
    if depot_id is not None:
        areas.check_depot_read(session, who, depot_id)
    depots = [depot_id] if depot_id is not None else None
    if who.role == "community_worker" and depots is None:
        depots = sorted(who.depot_ids)
    found = service.list_orders(session, district_id=district_id, depot_ids=depots, status=status)
    return [service.order_public(o) for o in found]


@router.get("/delivery-orders/{order_id}", response_model=schemas.DeliveryOrderPublic)
def get_order(order_id: Id, session: SessionDep, who: Reader) -> schemas.DeliveryOrderPublic:
    order = service.get_order(session, order_id)
    areas.check_depot_read(session, who, order.destination_depot_id)
    return service.order_public(order)


@router.post("/delivery-orders/{order_id}/confirm", response_model=schemas.DeliveryOrderPublic)
def confirm_order(
    order_id: Id,
    data: schemas.DeliveryConfirm,
    session: SessionDep,
    signer: LedgerSignerDep,
    who: StockWriter,
    key: KeyDep,
) -> JSONResponse:
    """The receiving depot confirms once what the supplier delivered: accepted into stock,
    rejected on quality, and (the rest) not delivered; it feeds the supplier's grade."""
    areas.check_depot(session, who, data.depot_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        status_code=200,
        action=lambda: service.order_public(
            service.confirm_order(session, order_id, data, signer, actor=who.username, now=utcnow())
        ),
    )

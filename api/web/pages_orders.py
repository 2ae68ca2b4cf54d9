"""Receiving depot pages: supplier deliveries (delivery orders, 调用通知) to confirm.

A delivery order comes from an approved plan's agreement line. The depot it is bound for
(a community depot or distribution point) confirms once what arrived: the units accepted
into stock (with their lot), the units refused on quality, and a note; the rest counts as
not delivered. Confirming is the API's service call (`dispatch.service.
confirm_order`), all or nothing, and feeds the supplier's grade.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from accounts import areas
from accounts.service import Principal
from api.deps import SessionDep
from api.routers.ledger import LedgerSignerDep
from api.web import auth, once
from api.web.forms import FormFields, Outcome, attempt, parse
from api.web.pages_depot import items_by_id
from api.web.render import render
from core.clock import utcnow
from core.inputs import Id
from dispatch import schemas
from dispatch import service as dispatch
from dispatch.models import DeliveryOrder
from inventory import service as inventory
from ledger.keys import LogSigner
from suppliers import service as suppliers

router = APIRouter(prefix="/deliveries")

INTS = frozenset({"accepted_quantity", "rejected_quantity", "depot_id"})
LOT_NEEDED = "Give the lot number of what was accepted."


def open_orders(session: Session, who: Principal) -> list[dict[str, Any]]:
    """Delivery orders still to confirm at my depots, earliest due first."""
    allowed = areas.allowed_depots(session, who)
    depots = None if allowed is None else sorted(allowed)
    found = dispatch.list_orders(session, depot_ids=depots, status="issued")
    return [_row(session, o) for o in sorted(found, key=lambda o: (o.due_at, o.id or 0))]


def _row(session: Session, order: DeliveryOrder) -> dict[str, Any]:
    return {
        "order": order,
        "item": items_by_id(session)[order.item_id],
        "depot": inventory.get_depot(session, order.destination_depot_id),
        "supplier": suppliers.get_supplier(session, order.supplier_id),
        "late": order.due_at < utcnow(),
    }


@router.get("", response_class=HTMLResponse)
def deliveries_page(
    request: Request, session: SessionDep, who: auth.StockPage, done: Id | None = None
) -> Response:
    return render(
        request,
        "deliveries.html",
        {"orders": open_orders(session, who), "done": done},
        who=who,
    )


def _order_in_scope(session: Session, who: Principal, order_id: int) -> DeliveryOrder:
    order = dispatch.get_order(session, order_id)
    areas.check_depot(session, who, order.destination_depot_id)
    return order


def _form(
    request: Request,
    session: Session,
    who: Principal,
    order: DeliveryOrder,
    outcome: Outcome[Any] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    outcome = outcome or Outcome()
    context = {
        **_row(session, order),
        "errors": outcome.errors,
        "message": outcome.message,
        "values": values or {"accepted_quantity": str(order.quantity)},
        "once_field": once.FIELD,
        "once_key": once.new_key(),
    }
    return render(request, "delivery.html", context, who=who, status_code=outcome.status)


@router.get("/{order_id}", response_class=HTMLResponse)
def delivery_form(
    request: Request, session: SessionDep, who: auth.StockPage, order_id: Id
) -> Response:
    return _form(request, session, who, _order_in_scope(session, who, order_id))


@router.post("/{order_id}", response_class=HTMLResponse)
def confirm_delivery(
    request: Request,
    session: SessionDep,
    who: auth.StockPage,
    _csrf: auth.Csrf,
    form: FormFields,
    order_id: Id,
    signer: LedgerSignerDep,
) -> Response:
    """Confirm what the supplier delivered, once; a refusal is shown and changes nothing."""
    order = _order_in_scope(session, who, order_id)
    fields = {**form, "depot_id": str(order.destination_depot_id)}
    outcome: Outcome[Any] = parse(schemas.DeliveryConfirm, fields, ints=INTS)
    if "form" in outcome.errors:  # accepted units without their lot
        outcome.errors = {"lot_number": LOT_NEEDED, **outcome.errors}
        del outcome.errors["form"]
    data = outcome.result
    if data is not None:
        outcome = attempt(
            session,
            lambda: once.run(
                session,
                actor=who.username,
                path=request.url.path,
                form=form,
                action=lambda: _confirm(session, order_id, data, signer, who.username),
            ),
        )
    if not outcome.ok or outcome.result is None:
        return _form(request, session, who, order, outcome, form)
    return RedirectResponse(outcome.result, status_code=303)


def _confirm(
    session: Session, order_id: int, data: schemas.DeliveryConfirm, signer: LogSigner, actor: str
) -> str:
    dispatch.confirm_order(session, order_id, data, signer, actor=actor, now=utcnow())
    return f"/web/deliveries?done={order_id}"

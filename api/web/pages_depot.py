"""Depot pages: my depots' stock by item and lot, receipts, issues, transfers, and at a
community's receiving depot the distributions to residents (发放登记).

Depot managers see and change only their own depots, community workers their community's
depot and distribution points, coordinators those of their district (the same scopes as
the API, `accounts.areas`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlmodel import Session

from accounts import areas
from accounts.service import Principal
from api.deps import SessionDep
from api.security import personal
from api.web import auth, once
from api.web.forms import FormFields, Outcome, attempt, parse
from api.web.render import render
from core.clock import utcnow
from core.errors import NotPermitted
from core.inputs import Id
from inventory import schemas
from inventory import service as inventory
from inventory.models import RECEIVING_KINDS, Depot, Item
from inventory.rules import MAX_QUANTITY

router = APIRouter(prefix="/depot")

EXPIRY_WARNING = timedelta(days=30)
INTS = frozenset(
    {"depot_id", "from_depot_id", "to_depot_id", "item_id", "quantity", "households", "persons"}
)
KINDS: dict[str, tuple[type[BaseModel], str]] = {
    "receipt": (schemas.ReceiptCreate, "depot_id"),
    "issue": (schemas.IssueCreate, "depot_id"),
    "transfer": (schemas.TransferCreate, "from_depot_id"),
    "distribution": (schemas.DistributionCreate, "depot_id"),
}
#: Whom a distribution served, as the form offers it.
GROUPS = ("general", "elderly", "children_under_5", "disabled", "chronically_ill")


def my_depots(session: Session, who: Principal) -> list[Depot]:
    """The depots the user may change, in code order."""
    allowed = areas.allowed_depots(session, who)
    depots = inventory.list_depots(session, who.district_id if who.role == "coordinator" else None)
    return sorted((d for d in depots if allowed is None or d.id in allowed), key=lambda d: d.code)


def chosen_depot(session: Session, who: Principal, depot_id: int | None) -> Depot | None:
    depots = my_depots(session, who)
    if depot_id is None:
        return depots[0] if depots else None
    areas.check_depot(session, who, depot_id)
    return inventory.get_depot(session, depot_id)


def items_by_id(session: Session) -> dict[int, Item]:
    return {i.id: i for i in inventory.list_items(session) if i.id is not None}


def stock_rows(session: Session, depot_id: int) -> list[dict[str, Any]]:
    """The depot's lots, by item then expiry, with whether each expires within 30 days."""
    today = utcnow().date()
    items = items_by_id(session)
    rows: list[dict[str, Any]] = []
    for b in inventory.list_balances(session, depot_ids=[depot_id]):
        item = items[b.item_id]
        days_left = (b.expiry_date - today).days if b.expiry_date else None
        rows.append(
            {
                "balance": b,
                "item": item,
                "days_left": days_left,
                "expired": days_left is not None and days_left < 0,
                "soon": days_left is not None and 0 <= days_left <= EXPIRY_WARNING.days,
            }
        )
    rows.sort(key=lambda r: (r["item"].code, r["balance"].expiry_date or today.max))
    return rows


@router.get("", response_class=HTMLResponse)
def stock_page(
    request: Request,
    session: SessionDep,
    who: auth.StockPage,
    log: personal.ServedLogDep,
    depot_id: Id | None = None,
    done: str | None = None,
) -> Response:
    depot = chosen_depot(session, who, depot_id)
    community = None
    if depot is not None and depot.community_id is not None:
        found = [inventory.get_community(session, depot.community_id)]
        community = personal.communities_public(session, who, found, log)[0]
    return render(
        request,
        "depot_stock.html",
        {
            "depots": my_depots(session, who),
            "depot": depot,
            "community": community,
            "rows": stock_rows(session, depot.id or 0) if depot else [],
            "done": f"Saved: {done}" if done in (*KINDS, "count", "import") else None,
        },
        who=who,
    )


def _movement_page(
    request: Request,
    session: Session,
    who: Principal,
    depot: Depot,
    *,
    kind: str = "receipt",
    outcome: Outcome[Any] | None = None,
    values: dict[str, Any] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    outcome = outcome or Outcome()
    district_depots = [d for d in inventory.list_depots(session, depot.district_id) if d.id]
    return render(
        request,
        "depot_move.html",
        {
            "depot": depot,
            "kind": kind,
            "receiving": depot.kind in RECEIVING_KINDS,
            "groups": GROUPS,
            "recent": inventory.list_distributions(session, depot_ids=[depot.id or 0], limit=10)
            if kind == "distribution"
            else [],
            "items": sorted(items_by_id(session).values(), key=lambda i: i.code),
            "item_of": items_by_id(session),
            "destinations": [d for d in district_depots if d.id != depot.id],
            "errors": outcome.errors,
            "message": outcome.message,
            "values": values or {},
            "done": done,
            "once_field": once.FIELD,
            "once_key": once.new_key(),
        },
        who=who,
        status_code=outcome.status,
    )


@router.get("/{depot_id}/move", response_class=HTMLResponse)
def movement_form(
    request: Request,
    session: SessionDep,
    who: auth.StockPage,
    depot_id: Id,
    kind: str = "receipt",
    item_id: Id | None = None,
    to_depot_id: Id | None = None,
    quantity: Annotated[int | None, Query(ge=1, le=MAX_QUANTITY)] = None,
    lot_number: str | None = None,
) -> Response:
    """The form, filled in from the query where a link (an alert's) suggests the values."""
    depot = chosen_depot(session, who, depot_id)
    assert depot is not None
    suggested = {"item_id": item_id, "to_depot_id": to_depot_id, "quantity": quantity}
    values: dict[str, Any] = {k: v for k, v in suggested.items() if v is not None}
    if lot_number:
        values["lot_number"] = lot_number[:64]
    return _movement_page(
        request, session, who, depot, kind=kind if kind in KINDS else "receipt", values=values
    )


@router.post("/{depot_id}/move/{kind}", response_class=HTMLResponse)
def record_movement(
    request: Request,
    session: SessionDep,
    who: auth.StockPage,
    _csrf: auth.Csrf,
    form: FormFields,
    depot_id: Id,
    kind: str,
) -> Response:
    """Record a receipt, issue or transfer out of this depot, once per form shown; on a
    problem show the form again."""
    depot = chosen_depot(session, who, depot_id)
    if depot is None or kind not in KINDS:
        raise NotPermitted("Unknown kind of movement.")
    model, depot_field = KINDS[kind]
    parsed = parse(model, {**form, depot_field: str(depot_id)}, ints=INTS)
    outcome: Outcome[Any] = parsed
    if parsed.result is not None:
        data = parsed.result
        if isinstance(data, schemas.TransferCreate):
            outcome = _in_scope_transfer(session, data)
        if outcome.ok:

            def change() -> str:
                _apply(session, data, actor=who.username)
                return f"/web/depot?depot_id={depot_id}&done={kind}"

            outcome = attempt(
                session,
                lambda: once.run(
                    session, actor=who.username, path=request.url.path, form=form, action=change
                ),
            )
    if not outcome.ok or outcome.result is None:
        return _movement_page(request, session, who, depot, kind=kind, outcome=outcome, values=form)
    return RedirectResponse(outcome.result, status_code=303)


def _in_scope_transfer(session: Session, data: schemas.TransferCreate) -> Outcome[Any]:
    """Transfers go to another depot of the same district (the service checks it too)."""
    if data.to_depot_id == data.from_depot_id:
        return Outcome(errors={"to_depot_id": "Choose another depot."}, status=422)
    return Outcome()


def _apply(
    session: Session, data: BaseModel, *, actor: str
) -> schemas.ActionResult | schemas.DistributionPublic:
    if isinstance(data, schemas.ReceiptCreate):
        return inventory.receive(session, data, actor=actor)
    if isinstance(data, schemas.IssueCreate):
        return inventory.issue(session, data, actor=actor)
    if isinstance(data, schemas.DistributionCreate):
        return inventory.record_distribution(session, data, actor=actor)
    assert isinstance(data, schemas.TransferCreate)
    return inventory.transfer(session, data, actor=actor)

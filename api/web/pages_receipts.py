"""Depot manager pages: the dispatches coming to my depots, and confirming one line by line
(received in full, short, or damaged, with the quantity that arrived usable and a reason).

A depot manager sees and confirms only their own depots' lines; a coordinator those of
their district (`accounts.areas`, as the API). Confirming is the API's service call
(`dispatch.service.receive`): the usable stock moves from transit into the
depot, the rest is written off with its reason, and a signed entry is appended, all or
nothing. A receipt that does not add up, or one already made, is refused with the reason
next to its line and changes nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from accounts import areas
from accounts.service import Principal
from api.deps import SessionDep, SettingsDep
from api.web import auth, once
from api.web.forms import FormFields, Outcome, attempt
from api.web.pages_depot import items_by_id, my_depots
from api.web.render import render
from core.clock import utcnow
from core.errors import NotFound
from core.inputs import Id
from dispatch import schemas
from dispatch import service as dispatch
from inventory import service as inventory
from ledger import keys

router = APIRouter(prefix="/receipts")

OUTCOMES = ("received", "short", "damaged")
MAX_NOTE = 500
RECENT = 10


@router.get("", response_class=HTMLResponse)
def incoming_page(
    request: Request, session: SessionDep, who: auth.StockPage, done: Id | None = None
) -> Response:
    """What is on its way to my depots, oldest expected first; and what arrived lately."""
    allowed = areas.allowed_depots(session, who)
    depots = {d.id or 0: d for d in my_depots(session, who)}
    now = utcnow()
    waiting = _rows(session, allowed, depots, awaiting=True)
    for row in waiting:
        row["late"] = row["manifest"].expected_at < now
    context = {
        "waiting": waiting,
        "received": _rows(session, allowed, depots, awaiting=False)[:RECENT],
        "has_depots": bool(depots),
        "done": done,
    }
    return render(request, "receipts.html", context, who=who)


def _rows(
    session: Session, allowed: set[int] | None, depots: dict[int, Any], *, awaiting: bool
) -> list[dict[str, Any]]:
    """One row per manifest × destination depot of mine, with its lines' state there."""
    rows = []
    for m in dispatch.manifests_for_depots(session, allowed, awaiting=awaiting):
        public = dispatch.manifest_public(session, m)
        by_depot: dict[int, list[schemas.ManifestLinePublic]] = {}
        for x in public.lines:
            if allowed is None or x.destination_depot_id in allowed:
                by_depot.setdefault(x.destination_depot_id, []).append(x)
        for depot_id, lines in sorted(by_depot.items()):
            open_lines = [x for x in lines if x.outcome is None]
            if awaiting != bool(open_lines):
                continue
            rows.append(
                {
                    "manifest": public,
                    "depot": depots.get(depot_id) or inventory.get_depot(session, depot_id),
                    "source": inventory.get_depot(session, public.source_depot_id),
                    "vehicle": dispatch.get_vehicle(session, public.vehicle_id).code,
                    "lines": len(lines),
                    "quantity": sum(x.quantity for x in lines),
                    "short": sum(1 for x in lines if x.outcome in ("short", "damaged")),
                    "received_at": max(
                        (x.received_at for x in lines if x.received_at), default=None
                    ),
                }
            )
    return rows


def _lines_here(
    session: Session, who: Principal, manifest_id: int, depot_id: int
) -> tuple[schemas.ManifestPublic, list[schemas.ManifestLinePublic]]:
    """The manifest and its lines for `depot_id`, which must be in the caller's scope."""
    areas.check_depot(session, who, depot_id)
    manifest = dispatch.manifest_public(session, dispatch.get_manifest(session, manifest_id))
    lines = [x for x in manifest.lines if x.destination_depot_id == depot_id]
    if not lines:
        raise NotFound(f"Manifest {manifest_id} carries nothing for this depot.")
    return manifest, lines


def _form_page(
    request: Request,
    session: Session,
    who: Principal,
    manifest_id: int,
    depot_id: int,
    outcome: Outcome[Any] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    outcome = outcome or Outcome()
    manifest, lines = _lines_here(session, who, manifest_id, depot_id)
    items = items_by_id(session)
    lots = inventory.lot_numbers(session, [x.lot_id for x in lines])
    context = {
        "manifest": manifest,
        "depot": inventory.get_depot(session, depot_id),
        "source": inventory.get_depot(session, manifest.source_depot_id),
        "vehicle": dispatch.get_vehicle(session, manifest.vehicle_id).code,
        "lines": [
            {"line": x, "item": items.get(x.item_id), "lot": lots.get(x.lot_id, "")} for x in lines
        ],
        "confirmed": all(x.outcome is not None for x in lines),
        "outcomes": OUTCOMES,
        "errors": outcome.errors,
        "message": outcome.message,
        "values": values or {},
        "once_field": once.FIELD,
        "once_key": once.new_key(),
    }
    return render(request, "receipt.html", context, who=who, status_code=outcome.status)


@router.get("/{manifest_id}/{depot_id}", response_class=HTMLResponse)
def receipt_form(
    request: Request, session: SessionDep, who: auth.StockPage, manifest_id: Id, depot_id: Id
) -> Response:
    return _form_page(request, session, who, manifest_id, depot_id)


@router.post("/{manifest_id}/{depot_id}", response_class=HTMLResponse)
def confirm_receipt(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: auth.StockPage,
    _csrf: auth.Csrf,
    form: FormFields,
    manifest_id: Id,
    depot_id: Id,
) -> Response:
    """Confirm every line of the manifest bound for this depot, or none of them."""
    _, lines = _lines_here(session, who, manifest_id, depot_id)
    outcome: Outcome[Any] = read_receipt(form, depot_id, lines)
    data = outcome.result
    if data is not None:
        signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)

        def change() -> str:
            dispatch.receive(session, manifest_id, data, signer, actor=who.username, now=utcnow())
            return f"/web/receipts?done={manifest_id}"

        outcome = attempt(
            session,
            lambda: once.run(
                session, actor=who.username, path=request.url.path, form=form, action=change
            ),
        )
        outcome.errors = _line_errors(outcome, lines)
    if not outcome.ok or outcome.result is None:
        return _form_page(request, session, who, manifest_id, depot_id, outcome, form)
    return RedirectResponse(outcome.result, status_code=303)


def read_receipt(
    form: dict[str, str], depot_id: int, lines: list[schemas.ManifestLinePublic]
) -> Outcome[schemas.ManifestReceiptCreate]:
    """The form's fields per line (`outcome-<id>`, `quantity-<id>`, `note-<id>`) as the
    service's receipt; a missing choice, a quantity that is not a whole number, or a short
    or damaged line without its usable quantity or a reason is named next to its line."""
    errors: dict[str, str] = {}
    given: list[schemas.ReceiptLine] = []
    for x in lines:
        choice = form.get(f"outcome-{x.id}", "").strip()
        text = form.get(f"quantity-{x.id}", "").strip()
        note = form.get(f"note-{x.id}", "").strip()
        quantity: int | None = None
        if choice not in OUTCOMES:
            errors[f"outcome-{x.id}"] = "Choose received, short or damaged."
            continue
        if text:
            if not text.isdigit():
                errors[f"quantity-{x.id}"] = "Enter a whole number, 0 or more."
                continue
            quantity = int(text)
        if choice != "received":
            if quantity is None:
                errors[f"quantity-{x.id}"] = "Enter the quantity that arrived usable."
            if not note:
                errors[f"note-{x.id}"] = "Say what happened."
        if len(note) > MAX_NOTE:
            errors[f"note-{x.id}"] = "Keep the reason to 500 characters or fewer."
        if any(k.endswith(f"-{x.id}") for k in errors):
            continue
        try:
            given.append(
                schemas.ReceiptLine(
                    line_id=x.id, outcome=choice, quantity=quantity, note=note or None
                )
            )
        except ValidationError as exc:
            errors[f"quantity-{x.id}"] = str(exc.errors()[0]["msg"])
    if errors:
        return Outcome(
            errors=errors, message="Some lines need a correction; see below.", status=422
        )
    return Outcome(result=schemas.ManifestReceiptCreate(depot_id=depot_id, lines=given))


def _line_errors(outcome: Outcome[Any], lines: list[schemas.ManifestLinePublic]) -> dict[str, str]:
    """The service's problems (`lines.<index>.<field>`) placed next to the lines they name."""
    errors = {k: v for k, v in outcome.errors.items() if k not in ("lines", "line_id", "quantity")}
    for problem in outcome.problems:
        loc = problem.get("loc", [])
        if len(loc) >= 3 and loc[0] == "lines" and isinstance(loc[1], int) and loc[1] < len(lines):
            field = "quantity" if loc[2] == "quantity" else "outcome"
            errors[f"{field}-{lines[loc[1]].id}"] = str(problem.get("msg", ""))
    return errors

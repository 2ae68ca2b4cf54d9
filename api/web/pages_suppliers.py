"""Procurement pages: the supplier registry with qualification state and document expiry,
one supplier's documents, decisions and agreement reserves with their spot checks, and
recording a decision or a spot check (each signed into the ledger by its service, run once
per form shown)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.security import personal
from api.web import auth, once
from api.web.forms import FormFields, Outcome, attempt, parse
from api.web.render import render
from core.clock import utcnow
from core.errors import NotFound
from core.inputs import Id
from inventory import service as inventory
from ledger import keys
from suppliers import schemas
from suppliers import service as suppliers

router = APIRouter(prefix="/suppliers")

DONE = {
    "decision": "The decision is recorded and signed.",
    "spot-check": "The spot check is recorded and signed.",
}


@router.get("", response_class=HTMLResponse)
def registry(request: Request, session: SessionDep, who: auth.SuppliersPage) -> Response:
    today = utcnow().date()
    rows = []
    for s in suppliers.list_suppliers(session):
        documents = suppliers.list_documents(session, s.id or 0)
        rows.append(
            {
                "supplier": suppliers.supplier_public(session, s, today),
                "next_expiry": min((d.valid_until for d in documents), default=None),
            }
        )
    return render(request, "suppliers.html", {"rows": rows, "today": today}, who=who)


def _detail(
    request: Request,
    session: SessionDep,
    who: Any,
    log: personal.ServedLog,
    supplier_id: int,
    outcome: Outcome[Any] | None = None,
    values: dict[str, str] | None = None,
    form_of: str = "decision",
) -> HTMLResponse:
    today = utcnow().date()
    outcome = outcome or Outcome()
    supplier = suppliers.get_supplier(session, supplier_id)
    items = {i.id: i for i in inventory.list_items(session)}
    overdue = {
        x.contract_id: x
        for x in suppliers.alerts(session, today=today).spot_checks_overdue
        if x.supplier_id == supplier_id
    }
    contracts = [
        {
            "contract": c,
            "item": items.get(c.item_id),
            "checks": list(suppliers.list_spot_checks(session, c.id or 0)),
            "overdue": overdue.get(c.id or 0),
            "current": c.valid_from <= today <= c.valid_until,
        }
        for c in suppliers.list_contracts(session, supplier_id=supplier_id)
    ]
    return render(
        request,
        "supplier.html",
        {
            "s": personal.suppliers_public(
                session, who, [suppliers.supplier_public(session, supplier, today)], log
            )[0],
            "documents": suppliers.list_documents(session, supplier_id),
            "decisions": [
                suppliers.decision_public(x) for x in suppliers.decisions(session, supplier_id)
            ],
            "contracts": contracts,
            "statuses": ["under_review", "qualified", "suspended", "rejected", "revoked"],
            "errors": outcome.errors,
            "message": outcome.message,
            "values": values or {},
            "form_of": form_of,
            "once_field": once.FIELD,
            "once_key": once.new_key(),
            "done": DONE.get(request.query_params.get("done") or ""),
        },
        who=who,
        status_code=outcome.status,
    )


@router.get("/{supplier_id}", response_class=HTMLResponse)
def supplier_page(
    request: Request,
    session: SessionDep,
    who: auth.SuppliersPage,
    log: personal.ServedLogDep,
    supplier_id: Id,
) -> Response:
    return _detail(request, session, who, log, supplier_id)


@router.post("/{supplier_id}/decisions", response_class=HTMLResponse)
def decide(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: auth.SuppliersPage,
    _csrf: auth.Csrf,
    form: FormFields,
    log: personal.ServedLogDep,
    supplier_id: Id,
) -> Response:
    """Record a qualification decision (signed on the ledger); refusals change nothing."""
    suppliers.get_supplier(session, supplier_id)
    parsed = parse(schemas.DecisionCreate, form, ints=frozenset())
    outcome: Outcome[Any] = parsed
    data = parsed.result
    if data is not None:
        signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)

        def change() -> str:
            suppliers.decide(session, signer, supplier_id, data, actor=who.username)
            return f"/web/suppliers/{supplier_id}?done=decision#decisions"

        outcome = attempt(
            session,
            lambda: once.run(
                session, actor=who.username, path=request.url.path, form=form, action=change
            ),
        )
    if not outcome.ok or outcome.result is None:
        return _detail(request, session, who, log, supplier_id, outcome, form)
    return RedirectResponse(outcome.result, status_code=303)


@router.post("/{supplier_id}/agreements/{contract_id}/spot-checks", response_class=HTMLResponse)
def spot_check(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: auth.SuppliersPage,
    _csrf: auth.Csrf,
    form: FormFields,
    log: personal.ServedLogDep,
    supplier_id: Id,
    contract_id: Id,
) -> Response:
    """Record what a spot check found of an agreement reserve (signed on the ledger)."""
    contract = suppliers.get_contract(session, contract_id)
    if contract.supplier_id != supplier_id:
        raise NotFound(f"Supplier {supplier_id} has no agreement {contract_id}.")
    parsed = parse(schemas.SpotCheckCreate, form, ints=frozenset({"found"}))
    outcome: Outcome[Any] = parsed
    data = parsed.result
    if data is not None:
        signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)

        def change() -> str:
            suppliers.record_spot_check(session, signer, contract_id, data, actor=who.username)
            return f"/web/suppliers/{supplier_id}?done=spot-check#contract-{contract_id}"

        outcome = attempt(
            session,
            lambda: once.run(
                session, actor=who.username, path=request.url.path, form=form, action=change
            ),
        )
    if not outcome.ok or outcome.result is None:
        return _detail(
            request,
            session,
            who,
            log,
            supplier_id,
            outcome,
            form,
            form_of=f"contract-{contract_id}",
        )
    return RedirectResponse(outcome.result, status_code=303)

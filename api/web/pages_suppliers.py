"""Procurement pages: the supplier registry with qualification state and document expiry,
one supplier's documents, decisions and agreement reserves, and recording a decision."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.web import auth
from api.web.forms import Outcome, attempt, parse
from api.web.render import render
from core.clock import utcnow
from ledger import keys
from suppliers import schemas
from suppliers import service as suppliers

router = APIRouter(prefix="/suppliers")


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
    supplier_id: int,
    outcome: Outcome[Any] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    today = utcnow().date()
    outcome = outcome or Outcome()
    supplier = suppliers.get_supplier(session, supplier_id)
    return render(
        request,
        "supplier.html",
        {
            "s": suppliers.supplier_public(session, supplier, today),
            "documents": suppliers.list_documents(session, supplier_id),
            "decisions": [
                suppliers.decision_public(x) for x in suppliers.decisions(session, supplier_id)
            ],
            "contracts": suppliers.list_contracts(session, supplier_id=supplier_id),
            "statuses": ["under_review", "qualified", "suspended", "rejected", "revoked"],
            "errors": outcome.errors,
            "message": outcome.message,
            "values": values or {},
        },
        who=who,
        status_code=outcome.status,
    )


@router.get("/{supplier_id}", response_class=HTMLResponse)
def supplier_page(
    request: Request, session: SessionDep, who: auth.SuppliersPage, supplier_id: int
) -> Response:
    return _detail(request, session, who, supplier_id)


@router.post("/{supplier_id}/decisions", response_class=HTMLResponse)
async def decide(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: auth.SuppliersPage,
    _csrf: auth.Csrf,
    supplier_id: int,
) -> Response:
    """Record a qualification decision (signed on the ledger); refusals change nothing."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    parsed = parse(schemas.DecisionCreate, form, ints=frozenset())
    outcome: Outcome[Any] = parsed
    data = parsed.result
    if data is not None:
        signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
        outcome = attempt(
            session,
            lambda: suppliers.decide(session, signer, supplier_id, data, actor=who.username),
        )
    if not outcome.ok:
        return _detail(request, session, who, supplier_id, outcome, form)
    return RedirectResponse(f"/web/suppliers/{supplier_id}#decisions", status_code=303)

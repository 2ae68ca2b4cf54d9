"""The qualification workflow: decisions, each a signed ledger entry in the same transaction.

A decision is checked (the transition is allowed, the relied-on documents belong to the
supplier, a qualification has every required document valid today) before anything is
written, so a refused decision leaves neither a row nor a ledger entry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from core.clock import utcnow
from core.errors import NotFound
from ledger import service as ledger
from ledger.entries import format_time
from ledger.keys import LogSigner
from suppliers import rules, schemas
from suppliers.documents import held, list_documents
from suppliers.errors import DocumentsMissing, WrongState
from suppliers.models import (
    AgreementContract,
    QualificationDecision,
    Supplier,
    SupplierDocument,
    SupplierItem,
)
from suppliers.registry import get_supplier, item_categories

ENTRY_KIND = "supplier.qualification"
SWEEP_ACTOR = "system:expiry-sweep"


@dataclass(frozen=True)
class Standing:
    """How a supplier stands on one day: overall and per category supplied."""

    status: str
    recorded_status: str
    categories: dict[str, str]
    missing: list[str]


def categories_of(session: Session, supplier_id: int) -> set[str]:
    """The categories of the items the supplier offers or holds in reserve."""
    offered = session.execute(
        select(col(SupplierItem.item_id)).where(col(SupplierItem.supplier_id) == supplier_id)
    ).scalars()
    reserved = session.execute(
        select(col(AgreementContract.item_id)).where(
            col(AgreementContract.supplier_id) == supplier_id
        )
    ).scalars()
    return set(item_categories(session, {*offered, *reserved}).values())


def status_at(session: Session, supplier_id: int, moment: datetime) -> str:
    """The recorded status at `moment`: the last decision made by then ('applied' before)."""
    last = session.execute(
        select(col(QualificationDecision.to_status))
        .where(
            col(QualificationDecision.supplier_id) == supplier_id,
            col(QualificationDecision.decided_at) <= moment,
        )
        .order_by(
            col(QualificationDecision.decided_at).desc(), col(QualificationDecision.id).desc()
        )
        .limit(1)
    ).scalar_one_or_none()
    return last or "applied"


def standing(
    session: Session,
    supplier: Supplier,
    day: date,
    *,
    recorded: str | None = None,
    documents: Sequence[SupplierDocument] | None = None,
    categories: set[str] | None = None,
) -> Standing:
    """The status shown on `day`, computed from the recorded status and the documents."""
    supplier_id = supplier.id or 0
    recorded = supplier.status if recorded is None else recorded
    docs = held(list_documents(session, supplier_id) if documents is None else documents)
    cats = categories_of(session, supplier_id) if categories is None else categories
    shown = rules.effective_status(
        recorded, is_producer=supplier.is_producer, categories=cats, documents=docs, day=day
    )
    per_category = {
        c: rules.effective_status(
            recorded, is_producer=supplier.is_producer, categories={c}, documents=docs, day=day
        )
        for c in sorted(cats)
    }
    needs = rules.required(is_producer=supplier.is_producer, categories=cats)
    missing = [r.name for r in rules.unmet(needs, docs, day)]
    return Standing(shown, recorded, per_category, missing)


def qualified_for(session: Session, supplier: Supplier, category: str, moment: datetime) -> bool:
    """Qualified at `moment` and holding, that day, every document the category needs."""
    recorded = status_at(session, supplier.id or 0, moment)
    found = standing(session, supplier, moment.date(), recorded=recorded, categories={category})
    return found.categories.get(category) == "qualified"


def _relied_on(
    session: Session, supplier_id: int, ids: list[int] | None, day: date
) -> list[SupplierDocument]:
    documents = list_documents(session, supplier_id)
    if ids is None:
        return [d for d in documents if d.valid_from <= day <= d.valid_until]
    by_id = {d.id: d for d in documents}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise NotFound(f"Supplier {supplier_id} has no document(s) {unknown}.")
    return [by_id[i] for i in dict.fromkeys(ids)]


def _document_facts(d: SupplierDocument) -> dict[str, Any]:
    """What the ledger keeps of a document: its hash and description, never the file."""
    return {
        "sha256": d.sha256,
        "kind": d.kind,
        "issuer": d.issuer,
        "number": d.number,
        "valid_from": d.valid_from.isoformat(),
        "valid_until": d.valid_until.isoformat(),
    }


def _record(
    session: Session,
    signer: LogSigner,
    supplier: Supplier,
    *,
    to_status: str,
    reason: str,
    actor: str,
    relied: Sequence[SupplierDocument],
    moment: datetime,
) -> QualificationDecision:
    from_status = supplier.status
    entry = ledger.append(
        session,
        signer,
        kind=ENTRY_KIND,
        actor=actor,
        payload={
            "supplier_id": supplier.id,
            "supplier": supplier.legal_name,
            "registration": f"{supplier.registration_scheme}:{supplier.registration_number}",
            "from": from_status,
            "to": to_status,
            "reason": reason,
            "decided_by": actor,
            "decided_at": format_time(moment),
            "documents": [_document_facts(d) for d in relied],
        },
    )
    decision = QualificationDecision(
        supplier_id=supplier.id or 0,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        decided_by=actor,
        decided_at=moment,
        document_hashes=json.dumps([d.sha256 for d in relied]),
        ledger_seq=entry.seq,
    )
    supplier.status = to_status
    supplier.status_changed_at = moment
    session.add_all([decision, supplier])
    session.flush()
    return decision


def decide(
    session: Session,
    signer: LogSigner,
    supplier_id: int,
    data: schemas.DecisionCreate,
    *,
    actor: str,
) -> QualificationDecision:
    """Move the supplier to `data.to_status`, refusing transitions the workflow forbids."""
    supplier = get_supplier(session, supplier_id, lock=True)
    if not rules.can_move(supplier.status, data.to_status):
        allowed = sorted(rules.TRANSITIONS.get(supplier.status, frozenset()))
        raise WrongState(
            f"Supplier {supplier.legal_name} is {supplier.status}; it cannot become "
            f"{data.to_status} (allowed: {', '.join(allowed) or 'none'}).",
            extra={"current_status": supplier.status, "allowed": allowed},
        )
    moment = utcnow()
    relied = _relied_on(session, supplier_id, data.document_ids, moment.date())
    if data.to_status == "qualified":
        needs = rules.required(
            is_producer=supplier.is_producer, categories=categories_of(session, supplier_id)
        )
        missing = rules.unmet(needs, held(relied), moment.date())
        if missing:
            raise DocumentsMissing(
                f"Supplier {supplier.legal_name} cannot be qualified without a valid "
                + "; ".join(r.name for r in missing)
                + ".",
                extra={"missing": [r.name for r in missing]},
            )
    return _record(
        session,
        signer,
        supplier,
        to_status=data.to_status,
        reason=data.reason,
        actor=actor,
        relied=relied,
        moment=moment,
    )


def sweep(
    session: Session, signer: LogSigner, *, actor: str = SWEEP_ACTOR
) -> list[QualificationDecision]:
    """Record 'expired' for every qualified supplier whose required document lapsed."""
    moment = utcnow()
    out = []
    qualified = session.execute(
        select(col(Supplier.id)).where(col(Supplier.status) == "qualified")
    ).scalars()
    for supplier_id in list(qualified):
        supplier = get_supplier(session, supplier_id, lock=True)
        if supplier.status != "qualified":
            continue
        documents = list_documents(session, supplier_id)
        found = standing(session, supplier, moment.date(), documents=documents)
        if found.status != "expired":
            continue
        lapsed_kinds = {
            kind
            for r in rules.required(
                is_producer=supplier.is_producer, categories=categories_of(session, supplier_id)
            )
            for kind in r.any_of
        }
        relied = [d for d in documents if d.kind in lapsed_kinds and d.valid_until < moment.date()]
        reason = "required document(s) no longer valid: " + "; ".join(found.missing)
        out.append(
            _record(
                session,
                signer,
                supplier,
                to_status="expired",
                reason=reason,
                actor=actor,
                relied=relied,
                moment=moment,
            )
        )
    return out


def decisions(session: Session, supplier_id: int) -> Sequence[QualificationDecision]:
    get_supplier(session, supplier_id)
    return (
        session.execute(
            select(QualificationDecision)
            .where(col(QualificationDecision.supplier_id) == supplier_id)
            .order_by(col(QualificationDecision.id))
        )
        .scalars()
        .all()
    )


def decision_public(d: QualificationDecision) -> schemas.DecisionPublic:
    return schemas.DecisionPublic(
        id=d.id or 0,
        supplier_id=d.supplier_id,
        from_status=d.from_status,
        to_status=d.to_status,
        reason=d.reason,
        decided_by=d.decided_by,
        decided_at=d.decided_at,
        document_hashes=json.loads(d.document_hashes),
        ledger_seq=d.ledger_seq,
    )

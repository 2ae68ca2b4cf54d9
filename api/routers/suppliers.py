"""Supplier routes: registry, documents, qualification, grades, agreement reserves, search.

Thin: parse, call one service function, answer with a public schema. Writes accept an
Idempotency-Key; qualification decisions and spot checks are signed into the ledger by the
service, in the request's transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api.deps import SessionDep, SettingsDep
from api.routers.ledger import LedgerSignerDep
from api.security import personal
from api.security.deps import Reader, SupplierWriter
from api.writes import KeyDep, payload_of, read_upload
from core.clock import utcnow
from core.errors import FieldProblem, InvalidInput
from core.inputs import Id, Moment
from suppliers import schemas, service
from suppliers.models import AgreementContract, SpotCheck, Supplier, SupplierDocument

router = APIRouter(tags=["suppliers"])


def load_supplier(supplier_id: Id, session: SessionDep) -> Supplier:
    return service.get_supplier(session, supplier_id)


def load_contract(contract_id: Id, session: SessionDep) -> AgreementContract:
    return service.get_contract(session, contract_id)


SupplierDep = Annotated[Supplier, Depends(load_supplier)]
ContractDep = Annotated[AgreementContract, Depends(load_contract)]


# --- registry -----------------------------------------------------------------------------


@router.post("/suppliers", response_model=schemas.SupplierPublic, status_code=201)
def create_supplier(
    data: schemas.SupplierCreate,
    session: SessionDep,
    who: SupplierWriter,
    key: KeyDep,
    log: personal.ServedLogDep,
) -> JSONResponse:
    def create() -> schemas.SupplierPublic:
        made = service.supplier_public(
            session, service.create_supplier(session, data), utcnow().date()
        )
        return personal.suppliers_public(session, who, [made], log)[0]

    return key.run(session, who.username, payload=payload_of(data), action=create)


@router.get("/suppliers", response_model=list[schemas.SupplierPublic])
def list_suppliers(
    session: SessionDep,
    who: Reader,
    log: personal.ServedLogDep,
    status: schemas.Status | None = None,
) -> list[schemas.SupplierPublic]:
    """The suppliers; each one's contact person only for those whose work needs it."""
    today = utcnow().date()
    found = [service.supplier_public(session, s, today) for s in service.list_suppliers(session)]
    return personal.suppliers_public(
        session, who, [s for s in found if status is None or s.status == status], log
    )


@router.get("/suppliers/search", response_model=list[schemas.SearchHit])
def search(
    session: SessionDep,
    who: Reader,
    item_id: Id,
    quantity: Annotated[int, Query(gt=0, le=10**12)],
    community_id: Id,
    within_h: Annotated[float, Query(gt=0, le=24 * 365)],
) -> list[schemas.SearchHit]:
    """Qualified suppliers that can deliver `quantity` of the item to the community within
    `within_h` hours, ranked, each with the reason for its rank."""
    return service.search(
        session,
        item_id=item_id,
        quantity=quantity,
        community_id=community_id,
        within_h=within_h,
        now=utcnow(),
    )


@router.get("/suppliers/alerts", response_model=schemas.Alerts)
def alerts(
    session: SessionDep,
    who: Reader,
    within_days: Annotated[int, Query(ge=0, le=366)] = 30,
) -> schemas.Alerts:
    """Documents and agreements expiring soon; reserves whose spot check is overdue."""
    return service.alerts(session, today=utcnow().date(), within_days=within_days)


@router.post("/suppliers/sweep", response_model=schemas.SweepResult)
def sweep(
    session: SessionDep,
    signer: LedgerSignerDep,
    who: SupplierWriter,
    key: KeyDep,
) -> JSONResponse:
    """Record 'expired' for every qualified supplier whose required document lapsed."""

    def run() -> schemas.SweepResult:
        done = service.sweep(session, signer, actor=who.username)
        return schemas.SweepResult(expired=[service.decision_public(d) for d in done])

    return key.run(session, who.username, payload=b"", action=run, status_code=200)


@router.get("/suppliers/{supplier_id}", response_model=schemas.SupplierPublic)
def get_supplier(
    who: Reader, supplier: SupplierDep, session: SessionDep, log: personal.ServedLogDep
) -> schemas.SupplierPublic:
    found = service.supplier_public(session, supplier, utcnow().date())
    return personal.suppliers_public(session, who, [found], log)[0]


@router.put("/suppliers/{supplier_id}/offers", response_model=list[schemas.OfferPublic])
def set_offers(
    supplier_id: Id,
    data: list[schemas.OfferSet],
    session: SessionDep,
    who: SupplierWriter,
    key: KeyDep,
) -> JSONResponse:
    """Replace what the supplier offers: per item, daily capacity, lead time and price."""
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: [
            schemas.OfferPublic.model_validate(row)
            for row in service.set_offers(session, supplier_id, data)
        ],
        status_code=200,
    )


# --- documents and decisions --------------------------------------------------------------


@router.post(
    "/suppliers/{supplier_id}/documents", response_model=schemas.DocumentPublic, status_code=201
)
async def upload_document(
    supplier_id: Id,
    session: SessionDep,
    settings: SettingsDep,
    who: SupplierWriter,
    key: KeyDep,
    file: Annotated[UploadFile, File(description="The document (PDF, image, ...)")],
    kind: Annotated[schemas.DocumentKind, Form()],
    issuer: Annotated[str, Form(min_length=1, max_length=200)],
    number: Annotated[str, Form(min_length=1, max_length=100)],
    valid_from: Annotated[date, Form()],
    valid_until: Annotated[date, Form()],
) -> JSONResponse:
    """Store the file under its SHA-256 and record what it is; the answer carries the hash."""
    from starlette.concurrency import run_in_threadpool

    content = await read_upload(file, settings.import_max_bytes)
    try:
        meta = schemas.DocumentMeta(
            kind=kind, issuer=issuer, number=number, valid_from=valid_from, valid_until=valid_until
        )
    except ValidationError as exc:
        problems = [FieldProblem(("body", *e["loc"]), e["msg"]) for e in exc.errors()]
        raise InvalidInput("The document's description is not valid.", problems=problems) from exc
    fingerprint = payload_of(meta) + hashlib.sha256(content).hexdigest().encode()

    def work() -> JSONResponse:
        return key.run(
            session,
            who.username,
            payload=fingerprint,
            action=lambda: schemas.DocumentPublic.model_validate(
                service.upload(
                    session,
                    supplier_id,
                    meta,
                    content=content,
                    filename=file.filename or "document",
                    store=settings.data_dir / "documents",
                    actor=who.username,
                )
            ),
        )

    result: JSONResponse = await run_in_threadpool(work)
    return result


@router.get("/suppliers/{supplier_id}/documents", response_model=list[schemas.DocumentPublic])
def list_documents(
    who: Reader, supplier: SupplierDep, session: SessionDep
) -> Sequence[SupplierDocument]:
    return service.list_documents(session, supplier.id or 0)


@router.post(
    "/suppliers/{supplier_id}/decisions", response_model=schemas.DecisionPublic, status_code=201
)
def decide(
    supplier_id: Id,
    data: schemas.DecisionCreate,
    session: SessionDep,
    signer: LedgerSignerDep,
    who: SupplierWriter,
    key: KeyDep,
) -> JSONResponse:
    """A qualification decision, signed into the ledger with the documents it relied on."""
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: service.decision_public(
            service.decide(session, signer, supplier_id, data, actor=who.username)
        ),
    )


@router.get("/suppliers/{supplier_id}/decisions", response_model=list[schemas.DecisionPublic])
def list_decisions(
    who: Reader, supplier: SupplierDep, session: SessionDep
) -> list[schemas.DecisionPublic]:
    return [service.decision_public(d) for d in service.decisions(session, supplier.id or 0)]


# --- deliveries and grades ----------------------------------------------------------------


@router.post(
    "/suppliers/{supplier_id}/deliveries", response_model=schemas.DeliveryPublic, status_code=201
)
def record_delivery(
    supplier_id: Id,
    data: schemas.DeliveryCreate,
    session: SessionDep,
    who: SupplierWriter,
    key: KeyDep,
) -> JSONResponse:
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: schemas.DeliveryPublic.model_validate(
            service.record_delivery(session, supplier_id, data, actor=who.username)
        ),
    )


@router.get("/suppliers/{supplier_id}/grades", response_model=list[schemas.GradePublic])
def grades(who: Reader, supplier: SupplierDep, session: SessionDep) -> list[schemas.GradePublic]:
    """Grades A / B / C per category, each with the inputs and points of its score."""
    return service.grades(session, supplier.id or 0, utcnow().date())


# --- agreement reserves -------------------------------------------------------------------


@router.post("/agreements", response_model=schemas.ContractPublic, status_code=201)
def create_contract(
    data: schemas.ContractCreate,
    session: SessionDep,
    who: SupplierWriter,
    key: KeyDep,
) -> JSONResponse:
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: schemas.ContractPublic.model_validate(
            service.create_contract(session, data, actor=who.username)
        ),
    )


@router.get("/agreements", response_model=list[schemas.ContractPublic])
def list_contracts(
    session: SessionDep,
    who: Reader,
    district_id: Id | None = None,
    supplier_id: Id | None = None,
) -> Sequence[AgreementContract]:
    return service.list_contracts(session, district_id=district_id, supplier_id=supplier_id)


@router.get("/agreements/sources", response_model=list[schemas.AgreementSourcePublic])
def agreement_sources(
    session: SessionDep, who: Reader, district_id: Id, as_of: Moment | None = None
) -> list[schemas.AgreementSource]:
    """The agreements the optimiser may draw on at `as_of` (default: now)."""
    return service.agreement_sources(session, district_id=district_id, as_of=as_of or utcnow())


@router.post(
    "/agreements/{contract_id}/spot-checks",
    response_model=schemas.SpotCheckPublic,
    status_code=201,
)
def record_spot_check(
    contract_id: Id,
    data: schemas.SpotCheckCreate,
    session: SessionDep,
    signer: LedgerSignerDep,
    who: SupplierWriter,
    key: KeyDep,
) -> JSONResponse:
    """Was the reserve really there? Recorded, and signed into the ledger."""
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: schemas.SpotCheckPublic.model_validate(
            service.record_spot_check(session, signer, contract_id, data, actor=who.username)
        ),
    )


@router.get("/agreements/{contract_id}/spot-checks", response_model=list[schemas.SpotCheckPublic])
def list_spot_checks(
    who: Reader, contract: ContractDep, session: SessionDep
) -> Sequence[SpotCheck]:
    return service.list_spot_checks(session, contract.id or 0)

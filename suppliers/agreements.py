"""Agreement reserves (协议储备): contracts, their spot checks, alerts, and the optimiser's view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.clock import as_utc, utcnow
from core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from inventory import service as inventory
from ledger import service as ledger
from ledger.entries import format_time
from ledger.keys import LogSigner
from suppliers import schemas
from suppliers.errors import OverlappingContract
from suppliers.models import AgreementContract, SpotCheck, Supplier, SupplierDocument
from suppliers.qualification import qualified_for
from suppliers.registry import get_supplier, item_categories

ENTRY_KIND = "reserve.spot_check"


def get_contract(session: Session, contract_id: int) -> AgreementContract:
    found = session.get(AgreementContract, contract_id)
    if found is None:
        raise NotFound(f"Agreement {contract_id} does not exist.", extra={"id": contract_id})
    return found


def create_contract(
    session: Session, data: schemas.ContractCreate, *, actor: str
) -> AgreementContract:
    """A new agreement; refused if it overlaps another of the same supplier and item."""
    if data.valid_until < data.valid_from:
        raise InvalidInput(
            f"The agreement ends ({data.valid_until}) before it starts ({data.valid_from}).",
            problems=[FieldProblem(("body", "valid_until"), "ends before valid_from")],
        )
    inventory.get_district(session, data.district_id)
    inventory.get_item(session, data.item_id)
    # The supplier's row lock serialises agreements of one supplier, so two overlapping
    # ones cannot both pass the check below (PostgreSQL; SQLite serialises writers anyway).
    get_supplier(session, data.supplier_id, lock=True)
    clash = (
        session.execute(
            select(AgreementContract).where(
                col(AgreementContract.supplier_id) == data.supplier_id,
                col(AgreementContract.item_id) == data.item_id,
                col(AgreementContract.valid_from) <= data.valid_until,
                col(AgreementContract.valid_until) >= data.valid_from,
            )
        )
        .scalars()
        .first()
    )
    if clash is not None:
        raise OverlappingContract(
            f"Agreement {clash.number} already covers this supplier and item from "
            f"{clash.valid_from} to {clash.valid_until}.",
            extra={"overlaps": clash.id},
        )
    contract = AgreementContract(created_by=actor, **data.model_dump())
    try:
        with session.begin_nested():
            session.add(contract)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"Agreement number {data.number} is already used.") from exc
    return contract


def list_contracts(
    session: Session, *, district_id: int | None = None, supplier_id: int | None = None
) -> Sequence[AgreementContract]:
    query = select(AgreementContract).order_by(col(AgreementContract.id))
    if district_id is not None:
        query = query.where(col(AgreementContract.district_id) == district_id)
    if supplier_id is not None:
        query = query.where(col(AgreementContract.supplier_id) == supplier_id)
    return session.execute(query).scalars().all()


def record_spot_check(
    session: Session,
    signer: LogSigner,
    contract_id: int,
    data: schemas.SpotCheckCreate,
    *,
    actor: str,
) -> SpotCheck:
    """Record what was found against what the contract holds, with its ledger entry."""
    contract = get_contract(session, contract_id)
    now = utcnow()
    checked_at = data.checked_at or now
    if checked_at.tzinfo is None:
        raise InvalidInput("checked_at must carry a timezone (e.g. 2026-03-01T08:00:00Z).")
    if checked_at > now:
        raise InvalidInput("checked_at cannot be in the future.")
    entry = ledger.append(
        session,
        signer,
        kind=ENTRY_KIND,
        actor=actor,
        payload={
            "contract_id": contract.id,
            "contract": contract.number,
            "supplier_id": contract.supplier_id,
            "item_id": contract.item_id,
            "expected": contract.reserved_quantity,
            "found": data.found,
            "checked_by": actor,
            "checked_at": format_time(checked_at),
        },
    )
    check = SpotCheck(
        contract_id=contract_id,
        expected=contract.reserved_quantity,
        found=data.found,
        checked_by=actor,
        checked_at=checked_at,
        note=data.note,
        ledger_seq=entry.seq,
    )
    session.add(check)
    session.flush()
    return check


def list_spot_checks(session: Session, contract_id: int) -> Sequence[SpotCheck]:
    get_contract(session, contract_id)
    return (
        session.execute(
            select(SpotCheck)
            .where(col(SpotCheck.contract_id) == contract_id)
            .order_by(col(SpotCheck.checked_at))
        )
        .scalars()
        .all()
    )


def last_spot_checks(session: Session, contract_ids: Sequence[int]) -> dict[int, datetime]:
    """When each of the agreements was last spot-checked (agreements never checked are absent)."""
    if not contract_ids:
        return {}
    rows = session.execute(
        select(col(SpotCheck.contract_id), func.max(col(SpotCheck.checked_at)))
        .where(col(SpotCheck.contract_id).in_(list(contract_ids)))
        .group_by(col(SpotCheck.contract_id))
    ).all()
    return {contract_id: as_utc(checked) for contract_id, checked in rows}


def agreement_sources(
    session: Session, *, district_id: int, as_of: datetime
) -> list[schemas.AgreementSource]:
    """The district's agreements valid at `as_of` whose supplier is qualified then for the
    item's category (not expired, suspended or revoked; required documents valid)."""
    if as_of.tzinfo is None:
        raise InvalidInput("as_of must be timezone-aware")
    day = as_of.date()
    contracts = (
        session.execute(
            select(AgreementContract)
            .where(
                col(AgreementContract.district_id) == district_id,
                col(AgreementContract.valid_from) <= day,
                col(AgreementContract.valid_until) >= day,
            )
            .order_by(col(AgreementContract.id))
        )
        .scalars()
        .all()
    )
    categories = item_categories(session, {c.item_id for c in contracts})
    verdicts: dict[tuple[int, str], bool] = {}
    out = []
    for c in contracts:
        supplier = get_supplier(session, c.supplier_id)
        key = (c.supplier_id, categories[c.item_id])
        if key not in verdicts:
            verdicts[key] = qualified_for(session, supplier, key[1], as_of)
        if not verdicts[key]:
            continue
        out.append(
            schemas.AgreementSource(
                contract_id=c.id or 0,
                supplier_id=c.supplier_id,
                supplier_name=supplier.legal_name,
                item_id=c.item_id,
                reserved_quantity=c.reserved_quantity,
                surge_per_day=c.surge_per_day,
                activation_lead_time_h=c.activation_lead_time_h,
                unit_price_minor=c.unit_price_minor,
                latitude=supplier.latitude,
                longitude=supplier.longitude,
                valid_until=c.valid_until,
            )
        )
    return out


def alerts(session: Session, *, today: date, within_days: int = 30) -> schemas.Alerts:
    """Documents and agreements ending within `within_days`; spot checks overdue."""
    horizon = today + timedelta(days=within_days)
    docs = session.execute(
        select(SupplierDocument, col(Supplier.legal_name))
        .join(Supplier, col(Supplier.id) == col(SupplierDocument.supplier_id))
        .where(
            col(SupplierDocument.valid_until) >= today,
            col(SupplierDocument.valid_until) <= horizon,
        )
        .order_by(col(SupplierDocument.valid_until), col(SupplierDocument.id))
    ).all()
    contracts = list_contracts(session)
    last = dict(
        session.execute(
            select(col(SpotCheck.contract_id), func.max(col(SpotCheck.checked_at))).group_by(
                col(SpotCheck.contract_id)
            )
        ).all()
    )
    overdue = []
    for c in contracts:
        if not c.valid_from <= today <= c.valid_until:
            continue
        checked = last.get(c.id)
        since = checked.date() if checked is not None else c.valid_from
        due = since + timedelta(days=c.spot_check_every_days)
        if due < today:
            overdue.append(
                schemas.SpotCheckDue(
                    contract_id=c.id or 0,
                    number=c.number,
                    supplier_id=c.supplier_id,
                    last_checked_at=checked,
                    due_on=due,
                    days_overdue=(today - due).days,
                )
            )
    return schemas.Alerts(
        documents_expiring=[
            schemas.ExpiringDocument(
                supplier_id=d.supplier_id,
                supplier_name=name,
                document_id=d.id or 0,
                kind=d.kind,
                number=d.number,
                valid_until=d.valid_until,
                days_left=(d.valid_until - today).days,
            )
            for d, name in docs
        ],
        contracts_expiring=[
            schemas.ExpiringContract(
                contract_id=c.id or 0,
                number=c.number,
                supplier_id=c.supplier_id,
                item_id=c.item_id,
                valid_until=c.valid_until,
                days_left=(c.valid_until - today).days,
            )
            for c in contracts
            if today <= c.valid_until <= horizon
        ],
        spot_checks_overdue=overdue,
    )

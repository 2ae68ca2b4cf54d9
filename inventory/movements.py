"""The use cases of a depot manager's day: receive, issue, transfer, write off, reverse."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from sqlalchemy import func, select
from sqlmodel import Session, col

from core.clock import utcnow
from core.errors import Conflict, FieldProblem, InvalidInput
from inventory import losses, registry, schemas
from inventory.models import Depot, Item, Lot, Movement, StockBalance
from inventory.planner import Op
from inventory.stock import LotKey, OpMeta, apply, expired_receipts, resolve_lots, reverse
from ledger.keys import LogSigner


def meta_of(data: schemas.MovementBase, reason: str | None = None) -> OpMeta:
    if data.occurred_at is not None:
        if data.occurred_at.tzinfo is None:
            raise InvalidInput("occurred_at must carry a timezone (e.g. 2026-03-01T08:00:00Z).")
        if data.occurred_at > utcnow():
            raise InvalidInput("occurred_at cannot be in the future.")
    return OpMeta(
        reason=reason or data.reason, reference=data.reference, occurred_at=data.occurred_at
    )


def _result(movements: Sequence[Movement]) -> schemas.ActionResult:
    return schemas.ActionResult(
        action_id=movements[0].action_id,
        movements=[schemas.MovementPublic.model_validate(m) for m in movements],
    )


def lot_id_of(session: Session, item: Item, lot_number: str) -> int:
    ids, problems = resolve_lots(session, [LotKey(item.id or 0, lot_number)], create=False)
    if problems:
        raise InvalidInput(f"Lot {lot_number} of item {item.code} is not known.")
    return ids[(item.id or 0, lot_number)]


def _usable_depot(session: Session, depot_id: int) -> Depot:
    depot = registry.get_depot(session, depot_id)
    if depot.kind == "in_transit":
        raise Conflict("Stock in transit moves only through dispatch and receipt.")
    return depot


def receive(session: Session, data: schemas.ReceiptCreate, *, actor: str) -> schemas.ActionResult:
    meta = meta_of(data)
    _usable_depot(session, data.depot_id)
    item = registry.get_item(session, data.item_id)
    if data.expiry_date is None and item.shelf_life_days is not None:
        raise InvalidInput(
            f"Item {item.code} has a shelf life: give the lot's expiry_date.",
        )
    key = LotKey(item.id or 0, data.lot_number, data.expiry_date, data.reserve_type)
    day = (data.occurred_at or utcnow()).astimezone(UTC).date()
    if expired_receipts(session, [key], [day]):
        raise InvalidInput(
            f"Lot {data.lot_number} of {item.code} is past its expiry date; an expired lot is "
            "not received into stock (return it to the sender, or dispose of it).",
            problems=[FieldProblem(("expiry_date",), f"is before the day of receipt ({day})")],
        )
    ids, problems = resolve_lots(session, [key], create=True)
    if problems:
        raise Conflict(problems[0][1])
    op = Op(
        "receipt",
        data.depot_id,
        data.item_id,
        data.quantity,
        lot_id=ids[(key.item_id, key.lot_number)],
    )
    return _result(apply(session, [op], actor=actor, meta=[meta]))


def issue(session: Session, data: schemas.IssueCreate, *, actor: str) -> schemas.ActionResult:
    _usable_depot(session, data.depot_id)
    item = registry.get_item(session, data.item_id)
    lot_id = lot_id_of(session, item, data.lot_number) if data.lot_number else None
    op = Op("issue", data.depot_id, data.item_id, data.quantity, lot_id=lot_id, item_code=item.code)
    return _result(apply(session, [op], actor=actor, meta=[meta_of(data)]))


def transfer(session: Session, data: schemas.TransferCreate, *, actor: str) -> schemas.ActionResult:
    source = _usable_depot(session, data.from_depot_id)
    destination = _usable_depot(session, data.to_depot_id)
    if source.district_id != destination.district_id:
        raise InvalidInput("Transfers stay within one district.")
    item = registry.get_item(session, data.item_id)
    lot_id = lot_id_of(session, item, data.lot_number) if data.lot_number else None
    op = Op(
        "transfer",
        data.from_depot_id,
        data.item_id,
        data.quantity,
        lot_id=lot_id,
        to_depot_id=data.to_depot_id,
        item_code=item.code,
    )
    return _result(apply(session, [op], actor=actor, meta=[meta_of(data)]))


def write_off(
    session: Session, data: schemas.WriteOffCreate, *, actor: str, signer: LogSigner
) -> schemas.ActionResult:
    """Take a lost, damaged or expired lot off the books and sign it on the ledger."""
    depot = _usable_depot(session, data.depot_id)
    item = registry.get_item(session, data.item_id)
    lot_id = lot_id_of(session, item, data.lot_number)
    reason = data.write_off_reason + (f": {data.reason}" if data.reason else "")
    op = Op(
        "write_off", data.depot_id, data.item_id, data.quantity, lot_id=lot_id, item_code=item.code
    )
    result = _result(apply(session, [op], actor=actor, meta=[meta_of(data, reason)]))
    losses.written_off(
        session,
        signer,
        action_id=result.action_id,
        lines=[(depot.code, item.code, data.lot_number, data.quantity, reason)],
        actor=actor,
        source="write-off",
    )
    return result


def reverse_movement(
    session: Session,
    movement_id: int,
    data: schemas.ReversalCreate,
    *,
    actor: str,
    allowed_depots: set[int] | None = None,
) -> schemas.ActionResult:
    return _result(
        reverse(
            session, movement_id, actor=actor, reason=data.reason, allowed_depots=allowed_depots
        )
    )


def list_movements(
    session: Session,
    *,
    depot_id: int | None = None,
    item_id: int | None = None,
    action_id: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> Sequence[Movement]:
    query = (
        select(Movement).where(col(Movement.id) > after_id).order_by(col(Movement.id)).limit(limit)
    )
    if depot_id is not None:
        query = query.where(col(Movement.depot_id) == depot_id)
    if item_id is not None:
        query = query.where(col(Movement.item_id) == item_id)
    if action_id is not None:
        query = query.where(col(Movement.action_id) == action_id)
    return session.execute(query).scalars().all()


def count_action(session: Session, action_id: str) -> int:
    """How many journal lines one action wrote."""
    return int(
        session.execute(
            select(func.count()).where(col(Movement.action_id) == action_id)
        ).scalar_one()
    )


def list_balances(
    session: Session,
    *,
    depot_ids: Sequence[int] | None = None,
    item_id: int | None = None,
    district_id: int | None = None,
    include_empty: bool = False,
) -> list[schemas.BalancePublic]:
    query = (
        select(StockBalance, col(Depot.code), col(Item.code), Lot)
        .join(Depot, col(Depot.id) == col(StockBalance.depot_id))
        .join(Item, col(Item.id) == col(StockBalance.item_id))
        .join(Lot, col(Lot.id) == col(StockBalance.lot_id))
        .order_by(col(Depot.code), col(Item.code), col(Lot.expiry_date), col(Lot.lot_number))
    )
    if depot_ids is not None:
        query = query.where(col(StockBalance.depot_id).in_(depot_ids))
    if item_id is not None:
        query = query.where(col(StockBalance.item_id) == item_id)
    if district_id is not None:
        query = query.where(col(Depot.district_id) == district_id)
    if not include_empty:
        query = query.where(col(StockBalance.quantity) > 0)
    return [
        schemas.BalancePublic(
            depot_id=balance.depot_id,
            depot_code=depot_code,
            item_id=balance.item_id,
            item_code=item_code,
            lot_id=balance.lot_id,
            lot_number=lot.lot_number,
            expiry_date=lot.expiry_date,
            reserve_type=lot.reserve_type,
            quantity=balance.quantity,
        )
        for balance, depot_code, item_code, lot in session.execute(query).all()
    ]


def journal_discrepancies(session: Session) -> list[tuple[int, int, int, int]]:
    """(depot_id, lot_id, balance, journal sum) wherever the two disagree; empty when sound."""
    from sqlalchemy import func

    sums = {
        (row.depot_id, row.lot_id): int(row.total)
        for row in session.execute(
            select(
                col(Movement.depot_id),
                col(Movement.lot_id),
                func.sum(col(Movement.quantity)).label("total"),
            ).group_by(col(Movement.depot_id), col(Movement.lot_id))
        ).all()
    }
    balances = {
        (row.depot_id, row.lot_id): int(row.quantity)
        for row in session.execute(
            select(col(StockBalance.depot_id), col(StockBalance.lot_id), col(StockBalance.quantity))
        ).all()
    }
    out = []
    for key in sorted(set(sums) | set(balances)):
        if sums.get(key, 0) != balances.get(key, 0):
            out.append((key[0], key[1], balances.get(key, 0), sums.get(key, 0)))
    return out


def rebuild_balances(session: Session) -> int:
    """Recompute every balance from the journal; returns how many rows were corrected."""
    from sqlalchemy import update

    fixed = 0
    for depot_id, lot_id, _balance, total in journal_discrepancies(session):
        updated = session.execute(
            update(StockBalance)
            .where(col(StockBalance.depot_id) == depot_id, col(StockBalance.lot_id) == lot_id)
            .values(quantity=total, updated_at=utcnow())
        )
        # Session.execute is typed as returning Result; for an UPDATE it is a CursorResult.
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            lot = session.get(Lot, lot_id)
            assert lot is not None
            session.add(
                StockBalance(depot_id=depot_id, item_id=lot.item_id, lot_id=lot_id, quantity=total)
            )
        fixed += 1
    session.flush()
    return fixed

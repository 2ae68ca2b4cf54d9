"""Stock changes: every change is journal lines plus balances, in the caller's transaction.

Writers of one depot × item are serialised before anything is read: SQLite by the write lock
every transaction takes at BEGIN IMMEDIATE, PostgreSQL by a transaction-scoped advisory lock
per depot × item taken in a fixed order (so two transfers in opposite directions cannot
deadlock). Under that lock the balances are read, the operations are planned in memory by
`inventory.planner.plan`, and the lines and new balances are written. The database's
`quantity >= 0` check is the last line of defence, never the first.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col

from core.clock import as_utc, utcnow
from core.errors import Conflict, FieldProblem, InvalidInput, NotFound, NotPermitted
from inventory.models import Depot, Lot, Movement, StockBalance
from inventory.planner import LotInfo, Op, plan

T = TypeVar("T")

_MOVEMENTS = SQLModel.metadata.tables[str(Movement.__tablename__)]

# Advisory-lock namespace for depot × item locks (the first int of the two-int form).
_LOCK_SPACE = 0x52520001 - 2**31


@dataclass(frozen=True)
class OpMeta:
    """What the journal records about one operation besides the quantities."""

    reason: str | None = None
    reference: str | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class LotKey:
    item_id: int
    lot_number: str
    expiry_date: date | None = None
    reserve_type: str = "government"


def lock_depot_items(session: Session, pairs: Iterable[tuple[int, int]]) -> None:
    """Serialise writers of these depot × item pairs until the transaction ends."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already holds the database's write lock.
    for depot_id, item_id in sorted(set(pairs)):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": _LOCK_SPACE, "key": (depot_id * 1_000_003 + item_id) % 2**31},
        )


def resolve_lots(
    session: Session, keys: Sequence[LotKey], *, create: bool, unknown_ok: bool = False
) -> tuple[dict[tuple[int, str], int], list[tuple[int, str]]]:
    """Map (item_id, lot_number) → lot id, creating missing lots when `create`.

    Returns the map and the problems found, by index into `keys`: a lot number already
    known with another expiry date, or (when not creating, unless `unknown_ok`) a lot that
    is not known.
    Nothing is created when any key has a problem.
    """
    wanted = {(k.item_id, k.lot_number) for k in keys}
    found = _load_lots(session, wanted)
    problems: list[tuple[int, str]] = []
    missing: dict[tuple[int, str], LotKey] = {}
    for index, key in enumerate(keys):
        lot = found.get((key.item_id, key.lot_number))
        if lot is None:
            if create:
                missing.setdefault((key.item_id, key.lot_number), key)
            elif not unknown_ok:
                problems.append((index, f"lot {key.lot_number} is not known for this item"))
        elif key.expiry_date is not None and lot.expiry_date != key.expiry_date:
            problems.append(
                (
                    index,
                    f"lot {key.lot_number} is recorded with expiry {lot.expiry_date}, "
                    f"not {key.expiry_date}",
                )
            )
    if missing and not problems:
        rows = [
            {
                "item_id": k.item_id,
                "lot_number": k.lot_number,
                "expiry_date": k.expiry_date,
                "reserve_type": k.reserve_type,
                "created_at": utcnow(),
            }
            for k in missing.values()
        ]
        dialect = session.get_bind().dialect.name
        module = postgresql if dialect == "postgresql" else sqlite
        for chunk in _chunks(rows, _MAX_BOUND_VALUES // 5):
            session.execute(
                module.insert(Lot)
                .values(list(chunk))
                .on_conflict_do_nothing(index_elements=["item_id", "lot_number"])
            )
        created = _load_lots(session, set(missing))
        # Another writer may have created one of these lots a moment ago with its own expiry.
        for index, key in enumerate(keys):
            lot = created.get((key.item_id, key.lot_number))
            if (
                lot is not None
                and key.expiry_date is not None
                and lot.expiry_date != key.expiry_date
            ):
                problems.append(
                    (
                        index,
                        f"lot {key.lot_number} is recorded with expiry {lot.expiry_date}, "
                        f"not {key.expiry_date}",
                    )
                )
        found.update(created)
    return {key: lot.id for key, lot in found.items() if lot.id is not None}, problems


def expired_receipts(session: Session, keys: Sequence[LotKey], days: Sequence[date]) -> list[int]:
    """Indexes of `keys` whose lot was past its expiry on the day it was received (`days`,
    one per key; the expiry a key gives, else the one recorded): such a lot is not received."""
    recorded = _load_lots(session, {(k.item_id, k.lot_number) for k in keys if not k.expiry_date})
    out = []
    for index, (key, day) in enumerate(zip(keys, days, strict=True)):
        lot = recorded.get((key.item_id, key.lot_number))
        expiry = key.expiry_date or (lot.expiry_date if lot is not None else None)
        if expiry is not None and expiry < day:
            out.append(index)
    return out


def _load_lots(session: Session, wanted: set[tuple[int, str]]) -> dict[tuple[int, str], Lot]:
    if not wanted:
        return {}
    items = {item_id for item_id, _ in wanted}
    numbers = sorted({number for _, number in wanted})
    found: dict[tuple[int, str], Lot] = {}
    for chunk in _chunks(numbers, _MAX_BOUND_VALUES):
        lots = session.execute(
            select(Lot).where(col(Lot.item_id).in_(items), col(Lot.lot_number).in_(chunk))
        ).scalars()
        found.update(
            ((lot.item_id, lot.lot_number), lot)
            for lot in lots
            if (lot.item_id, lot.lot_number) in wanted
        )
    return found


# PostgreSQL's protocol takes at most 65,535 bound values per statement.
_MAX_BOUND_VALUES = 10_000


def _chunks(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def apply(
    session: Session,
    ops: Sequence[Op],
    *,
    actor: str,
    meta: Sequence[OpMeta] | None = None,
    action_id: str | None = None,
    count_id: int | None = None,
    reverses: Sequence[int | None] | None = None,
    collect_problems: bool = False,
    today: date | None = None,
    return_rows: bool = True,
) -> list[Movement]:
    """Plan and write `ops` as one action; return the movement lines written.

    With `collect_problems`, every refused operation is reported at once (by its `line`) in
    one InvalidInput and nothing is written.
    """
    if not ops:
        raise InvalidInput("Nothing to record: no operations were given.")
    action_id = action_id or str(uuid.uuid4())
    now = utcnow()
    pairs = {(op.depot_id, op.item_id) for op in ops}
    pairs |= {(op.to_depot_id, op.item_id) for op in ops if op.to_depot_id is not None}
    lock_depot_items(session, pairs)

    depots = {d for d, _ in pairs}
    items = {i for _, i in pairs}
    # Only the lots these depots hold (or once held) and the lots the operations name: the
    # item's whole lot history across the district is not needed to plan a change.
    held_lots = (
        select(col(StockBalance.lot_id))
        .where(col(StockBalance.depot_id).in_(depots), col(StockBalance.item_id).in_(items))
        .scalar_subquery()
    )
    found = list(session.execute(select(Lot).where(col(Lot.id).in_(held_lots))).scalars())
    named = sorted({op.lot_id for op in ops if op.lot_id is not None} - {lot.id for lot in found})
    for chunk in _chunks(named, _MAX_BOUND_VALUES):
        found.extend(session.execute(select(Lot).where(col(Lot.id).in_(chunk))).scalars())
    lots = [
        LotInfo(lot.id, lot.item_id, lot.lot_number, lot.expiry_date)
        for lot in found
        if lot.id is not None
    ]
    balance_rows = session.execute(
        select(
            col(StockBalance.id),
            col(StockBalance.depot_id),
            col(StockBalance.lot_id),
            col(StockBalance.quantity),
        ).where(
            col(StockBalance.depot_id).in_(depots),
            col(StockBalance.item_id).in_(items),
        )
    ).all()
    balance_ids = {(row.depot_id, row.lot_id): row.id for row in balance_rows}
    balances = {(row.depot_id, row.lot_id): row.quantity for row in balance_rows}

    result = plan(
        ops,
        balances,
        lots,
        usable_on=today or now.date(),
        collect_problems=collect_problems,
    )
    if result.problems:
        raise InvalidInput(
            f"{len(result.problems)} line(s) would take stock below zero; nothing was recorded.",
            problems=[
                FieldProblem(("quantity",), msg, line=line, column="quantity")
                for line, msg in result.problems
            ],
        )

    meta = meta or [OpMeta()] * len(ops)
    movement_rows = []
    for line in result.lines:
        info = meta[line.op_index]
        movement_rows.append(
            {
                "kind": line.kind,
                "depot_id": line.depot_id,
                "item_id": line.item_id,
                "lot_id": line.lot_id,
                "quantity": line.quantity,
                "actor": actor,
                "reason": info.reason,
                "reference": info.reference,
                "occurred_at": as_utc(info.occurred_at) if info.occurred_at else now,
                "recorded_at": now,
                "action_id": action_id,
                "counterpart_depot_id": line.counterpart_depot_id,
                "reverses_id": reverses[line.op_index] if reverses else None,
                "count_id": count_id,
            }
        )
    # Plain executemany: RETURNING every row costs far more than reading the action back.
    session.execute(insert(_MOVEMENTS), movement_rows)

    updates = [
        {"b_id": balance_ids[key], "b_quantity": result.balances[key], "b_updated_at": now}
        for key in result.changed
        if key in balance_ids
    ]
    if updates:
        balance_table = SQLModel.metadata.tables[StockBalance.__tablename__]
        session.connection().execute(
            update(balance_table)
            .where(balance_table.c.id == _bind("b_id"))
            .values(quantity=_bind("b_quantity"), updated_at=_bind("b_updated_at")),
            updates,
        )
    lot_items = {lot.lot_id: lot.item_id for lot in lots}
    inserts = [
        {
            "depot_id": depot_id,
            "item_id": lot_items[lot_id],
            "lot_id": lot_id,
            "quantity": result.balances[(depot_id, lot_id)],
            "updated_at": now,
        }
        for depot_id, lot_id in result.changed
        if (depot_id, lot_id) not in balance_ids
    ]
    if inserts:
        session.execute(insert(StockBalance), inserts)
    if not return_rows:
        return []
    return list(
        session.execute(
            select(Movement).where(col(Movement.action_id) == action_id).order_by(col(Movement.id))
        ).scalars()
    )


def _bind(name: str) -> object:
    from sqlalchemy import bindparam

    return bindparam(name)


def get_movement(session: Session, movement_id: int) -> Movement:
    movement = session.get(Movement, movement_id)
    if movement is None:
        raise NotFound(f"Movement {movement_id} does not exist.")
    return movement


def reverse(
    session: Session,
    movement_id: int,
    *,
    actor: str,
    reason: str,
    allowed_depots: set[int] | None = None,
) -> list[Movement]:
    """Undo a movement with reversing lines; a transfer is undone on both sides together.

    Shipments (dispatch lines, anything in transit) are corrected through their receipt,
    never reversed here. `allowed_depots` (None: all) must hold every depot the reversal
    changes, the far side of a transfer included.
    """
    original = get_movement(session, movement_id)
    if original.kind == "reversal":
        raise Conflict(f"Movement {movement_id} is itself a reversal; record a new movement.")
    depot = session.get(Depot, original.depot_id)
    if original.kind == "dispatch" or (depot is not None and depot.kind == "in_transit"):
        raise Conflict(
            f"Movement {movement_id} belongs to a shipment; correct it through the receipt."
        )
    targets = [original]
    if original.kind in ("transfer_out", "transfer_in"):
        twin_kind = "transfer_in" if original.kind == "transfer_out" else "transfer_out"
        twin = (
            session.execute(
                select(Movement).where(
                    col(Movement.action_id) == original.action_id,
                    col(Movement.kind) == twin_kind,
                    col(Movement.lot_id) == original.lot_id,
                    col(Movement.depot_id) == original.counterpart_depot_id,
                    col(Movement.quantity) == -original.quantity,
                )
            )
            .scalars()
            .first()
        )
        if twin is not None:
            targets.append(twin)
        # Take stock out of the receiving side first: that is the side that can fall short.
        targets.sort(key=lambda m: m.quantity, reverse=True)
    outside = (
        sorted({m.depot_id for m in targets} - allowed_depots) if allowed_depots is not None else []
    )
    if outside:
        raise NotPermitted(
            f"Reversing movement {movement_id} would change depot(s) you may not change."
        )
    # Lock before looking for an earlier reversal, so two reversals cannot both pass the check.
    lock_depot_items(session, {(m.depot_id, m.item_id) for m in targets})
    already = (
        session.execute(
            select(col(Movement.reverses_id)).where(
                col(Movement.reverses_id).in_([m.id for m in targets])
            )
        )
        .scalars()
        .all()
    )
    if already:
        raise Conflict(f"Movement {movement_id} has already been reversed.")
    ops = [Op("reversal", m.depot_id, m.item_id, -m.quantity, lot_id=m.lot_id) for m in targets]
    return apply(
        session,
        ops,
        actor=actor,
        meta=[OpMeta(reason=reason, reference=f"reverses movement {m.id}") for m in targets],
        reverses=[m.id for m in targets],
    )

"""Import a spreadsheet of movements or of a stock count, all or nothing; export stock."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC

from sqlmodel import Session

from core.clock import utcnow
from core.errors import FieldProblem, InvalidInput
from inventory import counts, losses, movements, registry, schemas, spreadsheet
from inventory.models import Depot, Item
from inventory.planner import Op, OpKind
from inventory.stock import LotKey, OpMeta, apply, expired_receipts, resolve_lots
from ledger.keys import LogSigner

_KIND: dict[str, OpKind] = {
    "receipt": "receipt",
    "issue": "issue",
    "transfer": "transfer",
    "write_off": "write_off",
}


def _codes(
    session: Session, depots: set[str], items: set[str]
) -> tuple[dict[str, Depot], dict[str, Item]]:
    return registry.depots_by_code(session, depots), registry.items_by_code(session, items)


def _check_depot(
    depot: Depot | None, code: str, line: int, column: str, allowed: set[int] | None
) -> FieldProblem | None:
    if depot is None:
        return FieldProblem((column,), f"unknown depot '{code}'", line=line, column=column)
    if not depot.active or depot.kind == "in_transit":
        return FieldProblem(
            (column,), f"depot '{code}' cannot take movements", line=line, column=column
        )
    if allowed is not None and depot.id not in allowed:
        return FieldProblem(
            (column,), f"you may not change depot '{code}'", line=line, column=column
        )
    return None


def import_movements(
    session: Session,
    data: bytes,
    filename: str,
    *,
    actor: str,
    max_rows: int,
    signer: LogSigner,
    allowed_depots: set[int] | None = None,
) -> schemas.ImportResult:
    """Record every row of a movement file as one action, or nothing if any row is bad; its
    write-offs are signed on the ledger in the same transaction.

    Every bad cell and every unknown code, depot not yours or lot clash is listed at once;
    only whether the stock allows the movements is checked after the rows are all good
    (it depends on every row before it)."""
    rows, problems = spreadsheet.read_movements(data, filename, max_rows=max_rows)
    if not problems:
        spreadsheet.require_rows(rows, filename)
    depots, items = _codes(
        session,
        {r.depot for r in rows} | {r.to_depot for r in rows if r.to_depot},
        {r.item for r in rows},
    )
    good: list[spreadsheet.MovementRow] = []
    for row in rows:
        found = [
            _check_depot(depots.get(row.depot), row.depot, row.line, "depot", allowed_depots),
        ]
        if row.to_depot:
            found.append(
                _check_depot(depots.get(row.to_depot), row.to_depot, row.line, "to_depot", None)
            )
            source, destination = depots.get(row.depot), depots.get(row.to_depot)
            if source and destination and source.district_id != destination.district_id:
                found.append(
                    FieldProblem(
                        ("to_depot",),
                        f"'{row.to_depot}' is in another district; transfers stay within one",
                        line=row.line,
                        column="to_depot",
                    )
                )
        item = items.get(row.item)
        if item is None:
            found.append(
                FieldProblem(("item",), f"unknown item '{row.item}'", line=row.line, column="item")
            )
        elif row.kind == "receipt" and row.expiry is None and item.shelf_life_days:
            found.append(
                FieldProblem(
                    ("expiry",),
                    f"{item.code} has a shelf life: give the expiry date",
                    line=row.line,
                    column="expiry",
                )
            )
        if row.occurred_at is not None and row.occurred_at > utcnow():
            found.append(
                FieldProblem(
                    ("occurred_at",), "is in the future", line=row.line, column="occurred_at"
                )
            )
        bad = [p for p in found if p is not None]
        problems.extend(bad)
        if not bad:
            good.append(row)

    with_lots = [r for r in good if r.lot]
    keys = [
        LotKey(
            items[r.item].id or 0,
            r.lot or "",
            r.expiry if r.kind == "receipt" else None,
            r.reserve_type,
        )
        for r in with_lots
    ]
    receipts = [i for i, r in enumerate(with_lots) if r.kind == "receipt"]
    others = [i for i, r in enumerate(with_lots) if r.kind != "receipt"]
    now = utcnow()
    days = [min(with_lots[i].occurred_at or now, now).astimezone(UTC).date() for i in receipts]
    for index in expired_receipts(session, [keys[i] for i in receipts], days):
        row = with_lots[receipts[index]]
        problems.append(
            FieldProblem(
                ("expiry",),
                f"lot {row.lot} is past its expiry date; an expired lot is not received",
                line=row.line,
                column="expiry",
            )
        )
    # Receipts create their lots, but only once every row is known to be good; before that,
    # only a clash with a recorded expiry date is a problem.
    lot_ids, lot_problems = resolve_lots(
        session, [keys[i] for i in receipts], create=not problems, unknown_ok=True
    )
    for index, msg in lot_problems:
        row = with_lots[receipts[index]]
        problems.append(FieldProblem(("lot",), msg, line=row.line, column="lot"))
    known, unknown = resolve_lots(session, [keys[i] for i in others], create=False)
    lot_ids.update(known)
    # A lot that a receipt row of this file brings in is known to the rows after it, even
    # when other problems keep it from being created now.
    received = {(keys[i].item_id, keys[i].lot_number) for i in receipts}
    for index, msg in unknown:
        row = with_lots[others[index]]
        lot_key = (items[row.item].id or 0, row.lot or "")
        if lot_key not in lot_ids and lot_key not in received:
            problems.append(FieldProblem(("lot",), msg, line=row.line, column="lot"))
    if problems:
        _raise(problems, filename)

    ops = [
        Op(
            _KIND[r.kind],
            depots[r.depot].id or 0,
            items[r.item].id or 0,
            r.quantity,
            lot_id=lot_ids[(items[r.item].id or 0, r.lot)] if r.lot else None,
            to_depot_id=depots[r.to_depot].id if r.to_depot else None,
            line=r.line,
            item_code=r.item,
        )
        for r in good
    ]
    meta = [
        OpMeta(reason=r.reason, reference=r.reference or filename[:200], occurred_at=r.occurred_at)
        for r in good
    ]
    action_id = str(uuid.uuid4())
    try:
        apply(
            session,
            ops,
            actor=actor,
            meta=meta,
            action_id=action_id,
            collect_problems=True,
            return_rows=False,
        )
    except InvalidInput as refused:
        _raise(refused.problems, filename)
    losses.written_off(
        session,
        signer,
        action_id=action_id,
        lines=[
            (r.depot, r.item, r.lot or "", r.quantity, r.reason or "written off")
            for r in good
            if r.kind == "write_off"
        ],
        actor=actor,
        source=filename[:200],
    )
    written = movements.count_action(session, action_id)
    return schemas.ImportResult(
        kind="movements", rows=len(rows), action_id=action_id, movements=written
    )


def import_count(
    session: Session,
    data: bytes,
    filename: str,
    *,
    actor: str,
    max_rows: int,
    signer: LogSigner,
    allowed_depots: set[int] | None = None,
) -> schemas.ImportResult:
    """A count sheet: for each depot in it, a count is started, filled in and posted.

    Every bad cell, unknown code, depot not yours and new lot without an expiry date is
    listed at once."""
    rows, problems = spreadsheet.read_count(data, filename, max_rows=max_rows)
    if not problems:
        spreadsheet.require_rows(rows, filename)
    depots, items = _codes(session, {r.depot for r in rows}, {r.item for r in rows})
    coded: list[spreadsheet.CountRow] = []
    for row in rows:
        bad = _check_depot(depots.get(row.depot), row.depot, row.line, "depot", allowed_depots)
        if bad:
            problems.append(bad)
        if row.item not in items:
            problems.append(
                FieldProblem(("item",), f"unknown item '{row.item}'", line=row.line, column="item")
            )
        elif bad is None:
            coded.append(row)
    keys = [LotKey(items[r.item].id or 0, r.lot, r.expiry, r.reserve_type) for r in coded]
    known, _ = resolve_lots(session, keys, create=False)
    for row in coded:
        item = items[row.item]
        if (item.id, row.lot) not in known and row.expiry is None and item.shelf_life_days:
            problems.append(
                FieldProblem(
                    ("expiry",),
                    f"lot {row.lot} is new: give its expiry date",
                    line=row.line,
                    column="expiry",
                )
            )
    if problems:
        _raise(problems, filename)

    action_ids: list[str] = []
    written = 0
    by_depot: dict[int, list[spreadsheet.CountRow]] = {}
    for row in rows:
        by_depot.setdefault(depots[row.depot].id or 0, []).append(row)
    for depot_id, depot_rows in by_depot.items():
        started = counts.start_count(
            session,
            schemas.CountCreate(depot_id=depot_id, note=f"imported from {filename[:400]}"),
            actor=actor,
        )
        counts.enter_count_lines(session, started.id, _entries(depot_rows, items), actor=actor)
        _, posted = counts.post_count(session, started.id, actor=actor, signer=signer)
        written += len(posted)
        if posted:
            action_ids.append(posted[0].action_id)
    return schemas.ImportResult(
        kind="count", rows=len(rows), action_id=",".join(action_ids), movements=written
    )


def _entries(
    rows: Sequence[spreadsheet.CountRow], items: dict[str, Item]
) -> list[schemas.CountLineEntry]:
    return [
        schemas.CountLineEntry(
            item_id=items[r.item].id or 0,
            lot_number=r.lot,
            counted=r.counted,
            expiry_date=r.expiry,
            reserve_type=r.reserve_type,
        )
        for r in rows
    ]


def _raise(problems: Sequence[FieldProblem], filename: str) -> None:
    ordered = sorted(problems, key=lambda p: (p.line or 0, p.column or ""))
    lines = len({p.line for p in ordered})
    raise InvalidInput(
        f"{filename}: {lines} bad row(s); nothing was imported. Fix them and upload again.",
        problems=list(ordered),
    )


STOCK_COLUMNS = ("depot", "item", "lot", "expiry", "reserve_type", "quantity")
STOCK_HXL = {
    "depot": "#loc+depot+code",
    "item": "#item+code",
    "lot": "#item+lot",
    "expiry": "#date+expiry",
    "reserve_type": "#x_reserve+type",
    "quantity": "#x_quantity",
}


def export_stock(
    session: Session,
    *,
    fmt: spreadsheet.Format,
    district_id: int | None = None,
    depot_ids: Sequence[int] | None = None,
) -> bytes:
    """Stock by depot, item and lot, in the same columns a count sheet is read back with."""
    balances = movements.list_balances(session, district_id=district_id, depot_ids=depot_ids)
    records: list[dict[str, object]] = [
        {
            "depot": b.depot_code,
            "item": b.item_code,
            "lot": b.lot_number,
            "expiry": b.expiry_date.isoformat() if b.expiry_date else "",
            "reserve_type": b.reserve_type,
            "quantity": b.quantity,
        }
        for b in balances
    ]
    return spreadsheet.write_table(records, STOCK_COLUMNS, fmt=fmt, hxl=STOCK_HXL)

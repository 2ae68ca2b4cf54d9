"""Physical counts (盘点): start, enter counted quantities per lot, see the variance, post.

Each counted line keeps the books' quantity at the moment it was counted (`expected`), and
its variance is taken against that: what was on the shelf then, minus what the books said
then. Posting applies those variances to the books as count-adjustment movements of one
action tied to the count, so a receipt or issue recorded after a lot was counted is kept,
not undone (a lot counted at 9 that then issues 4 ends at 5, not 9). Counting a lot again
takes the books afresh. Lots that were not counted are left as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from core.clock import utcnow
from core.errors import Conflict, InvalidInput, NotFound
from inventory import losses, registry, schemas
from inventory.models import Depot, Item, Lot, Movement, StockBalance, StockCount, StockCountLine
from inventory.planner import Op
from inventory.rules import variances
from inventory.stock import LotKey, OpMeta, apply, lock_depot_items, resolve_lots
from ledger.keys import LogSigner


def _get_count(session: Session, count_id: int) -> StockCount:
    count = session.get(StockCount, count_id)
    if count is None:
        raise NotFound(f"Count {count_id} does not exist.")
    return count


def _open(session: Session, count_id: int) -> StockCount:
    """The count, locked for this transaction (post, cancel and edits cannot interleave)."""
    count: StockCount | None = session.execute(
        select(StockCount).where(col(StockCount.id) == count_id).with_for_update()
    ).scalar_one_or_none()
    if count is None:
        raise NotFound(f"Count {count_id} does not exist.")
    session.refresh(count)  # the locked row, not a copy read before another writer committed
    if count.status != "open":
        raise Conflict(f"Count {count_id} is {count.status}; only an open count can change.")
    return count


def _book(session: Session, depot_id: int) -> dict[int, int]:
    rows = session.execute(
        select(col(StockBalance.lot_id), col(StockBalance.quantity)).where(
            col(StockBalance.depot_id) == depot_id
        )
    ).all()
    return {row.lot_id: int(row.quantity) for row in rows}


def start_count(session: Session, data: schemas.CountCreate, *, actor: str) -> schemas.CountPublic:
    depot = registry.get_depot(session, data.depot_id)
    # Lock the depot row: two counts started at once cannot both find no open count.
    session.execute(select(col(Depot.id)).where(col(Depot.id) == depot.id).with_for_update())
    already = session.execute(
        select(col(StockCount.id)).where(
            col(StockCount.depot_id) == depot.id,
            col(StockCount.status) == "open",
        )
    ).scalar_one_or_none()
    if already is not None:
        raise Conflict(
            f"Depot {depot.code} already has an open count ({already}).",
            extra={"count_id": already},
        )
    count = StockCount(depot_id=depot.id or 0, started_by=actor, note=data.note)
    session.add(count)
    session.flush()
    lots = session.execute(
        select(
            col(StockBalance.item_id), col(StockBalance.lot_id), col(StockBalance.quantity)
        ).where(
            col(StockBalance.depot_id) == depot.id,
            col(StockBalance.quantity) > 0,
        )
    ).all()
    session.add_all(
        StockCountLine(
            count_id=count.id or 0, item_id=row.item_id, lot_id=row.lot_id, expected=row.quantity
        )
        for row in lots
    )
    session.flush()
    return view_count(session, count.id or 0)


def enter_count_lines(
    session: Session, count_id: int, entries: Sequence[schemas.CountLineEntry], *, actor: str
) -> schemas.CountPublic:
    """Record counted quantities; a lot the books do not hold at this depot is added."""
    count = _open(session, count_id)
    item_ids = {e.item_id for e in entries}
    items = {
        i.id: i for i in session.execute(select(Item).where(col(Item.id).in_(item_ids))).scalars()
    }
    unknown = sorted(item_ids - set(items))
    if unknown:
        raise NotFound(f"Unknown item id(s): {', '.join(map(str, unknown))}.")
    keys = [LotKey(e.item_id, e.lot_number, e.expiry_date, e.reserve_type) for e in entries]
    known, _ = resolve_lots(session, keys, create=False)
    for index, entry in enumerate(entries):
        item = items[entry.item_id]
        if (
            (entry.item_id, entry.lot_number) not in known
            and entry.expiry_date is None
            and item.shelf_life_days
        ):
            raise InvalidInput(
                f"Lot {entry.lot_number} of {item.code} is new: give its expiry_date.",
                extra={"index": index},
            )
    lot_ids, problems = resolve_lots(session, keys, create=True)
    if problems:
        raise Conflict(problems[0][1])
    lines = {
        line.lot_id: line
        for line in session.execute(
            select(StockCountLine).where(col(StockCountLine.count_id) == count.id)
        ).scalars()
    }
    book = _book(session, count.depot_id)
    for entry in entries:
        lot_id = lot_ids[(entry.item_id, entry.lot_number)]
        line = lines.get(lot_id)
        if line is None:
            line = StockCountLine(
                count_id=count.id or 0,
                item_id=entry.item_id,
                lot_id=lot_id,
                expected=book.get(lot_id, 0),
            )
            session.add(line)
            lines[lot_id] = line
        line.counted = entry.counted
        line.expected = book.get(lot_id, 0)
    session.flush()
    return view_count(session, count_id)


def view_count(session: Session, count_id: int) -> schemas.CountPublic:
    count = _get_count(session, count_id)
    rows = session.execute(
        select(StockCountLine, col(Item.code), Lot)
        .join(Item, col(Item.id) == col(StockCountLine.item_id))
        .join(Lot, col(Lot.id) == col(StockCountLine.lot_id))
        .where(col(StockCountLine.count_id) == count_id)
        .order_by(col(Item.code), col(Lot.expiry_date), col(Lot.lot_number))
    ).all()
    book = _book(session, count.depot_id) if count.status == "open" else {}
    lines = []
    for line, item_code, lot in rows:
        # An open count's uncounted lines follow the books; a counted line keeps the books'
        # quantity from when it was counted.
        uncounted_open = count.status == "open" and line.counted is None
        expected = book.get(line.lot_id, 0) if uncounted_open else line.expected
        lines.append(
            schemas.CountLinePublic(
                item_id=line.item_id,
                item_code=item_code,
                lot_id=line.lot_id,
                lot_number=lot.lot_number,
                expiry_date=lot.expiry_date,
                expected=expected,
                counted=line.counted,
                variance=None if line.counted is None else line.counted - expected,
            )
        )
    return schemas.CountPublic(
        id=count.id or 0,
        depot_id=count.depot_id,
        status=count.status,
        started_by=count.started_by,
        started_at=count.started_at,
        posted_by=count.posted_by,
        posted_at=count.posted_at,
        note=count.note,
        lines=lines,
    )


def post_count(
    session: Session, count_id: int, *, actor: str, signer: LogSigner
) -> tuple[schemas.CountPublic, list[Movement]]:
    """Apply each counted line's variance to the books, in one action, and sign the count
    with its variances on the ledger (`stock.count_posted`) in the same transaction.

    A lot that moved out since it was counted so far that its variance would take it below
    zero is refused (insufficient stock) and nothing is posted: count it again."""
    count = _open(session, count_id)
    lines = list(
        session.execute(
            select(StockCountLine).where(col(StockCountLine.count_id) == count_id)
        ).scalars()
    )
    lock_depot_items(session, {(count.depot_id, line.item_id) for line in lines})
    book = _book(session, count.depot_id)
    for line in lines:
        if line.counted is None:
            line.expected = book.get(line.lot_id, 0)  # recorded as found; not adjusted
    items = {line.lot_id: line.item_id for line in lines}
    diffs = variances([(line.lot_id, line.expected, line.counted) for line in lines])
    movements: list[Movement] = []
    if diffs:
        ops = [
            Op("count_adjustment", count.depot_id, items[d.lot_id], d.difference, lot_id=d.lot_id)
            for d in diffs
        ]
        meta = [OpMeta(reason=f"count {count_id}: variance", reference=f"count {count_id}")] * len(
            ops
        )
        movements = apply(session, ops, actor=actor, meta=meta, count_id=count_id)
    count.status = "posted"
    count.posted_by = actor
    count.posted_at = utcnow()
    session.flush()
    posted = view_count(session, count_id)
    losses.count_posted(session, signer, posted, movements[0].action_id if movements else "", actor)
    return posted, movements


def cancel_count(session: Session, count_id: int, *, actor: str) -> schemas.CountPublic:
    count = _open(session, count_id)
    count.status = "cancelled"
    count.posted_by = actor
    count.posted_at = utcnow()
    session.flush()
    return view_count(session, count_id)

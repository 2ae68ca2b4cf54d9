"""The stock a page test checks after a form: balances, the journal, lots and counts, read
from the database, plus a receipt helper and the rows of a page's problem table."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from inventory import schemas
from inventory import service as inventory
from inventory.models import Lot, Movement, StockBalance, StockCount, StockCountLine
from ledger.models import LedgerEntry

PROBLEM_ROW = re.compile(r'<tr class="bad"><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>')


def receive(
    session: Session,
    depot_id: int,
    item_id: int,
    lot: str,
    quantity: int,
    expiry: date | None = None,
) -> None:
    inventory.receive(
        session,
        schemas.ReceiptCreate(
            depot_id=depot_id,
            item_id=item_id,
            lot_number=lot,
            expiry_date=expiry,
            quantity=quantity,
        ),
        actor="seed",
    )


def balances(session: Session, depot_id: int) -> dict[tuple[int, str], int]:
    """(item id, lot number) → quantity at the depot, empty lots left out."""
    rows = inventory.list_balances(session, depot_ids=[depot_id])
    return {(b.item_id, b.lot_number): b.quantity for b in rows if b.quantity}


def snapshot(session: Session) -> dict[str, Any]:
    """Everything a stock form may change: every balance, movement, lot, count and count line."""
    session.expire_all()

    def count_rows(model: Any) -> int:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())

    return {
        "balances": sorted(
            (b.depot_id, b.lot_id, b.quantity)
            for b in session.execute(select(StockBalance)).scalars()
        ),
        "movements": sorted(
            (m.id or 0, m.kind, m.depot_id, m.lot_id, m.quantity)
            for m in session.execute(select(Movement)).scalars()
        ),
        "lots": count_rows(Lot),
        "ledger": count_rows(LedgerEntry),
        "counts": sorted(
            (c.id or 0, c.depot_id, c.status) for c in session.execute(select(StockCount)).scalars()
        ),
        "count_lines": sorted(
            (x.count_id, x.lot_id, x.expected, -1 if x.counted is None else x.counted)
            for x in session.execute(select(StockCountLine)).scalars()
        ),
    }


def movements_of_count(session: Session, count_id: int) -> list[Movement]:
    session.expire_all()
    return list(
        session.execute(
            select(Movement).where(col(Movement.count_id) == count_id).order_by(col(Movement.id))
        ).scalars()
    )


def problem_rows(page: str) -> list[tuple[str, str, str]]:
    """The (row, column, problem) lines of a page's 'rows to fix' table, as a person reads them."""
    return [
        (html.unescape(row), html.unescape(column), html.unescape(msg))
        for row, column, msg in PROBLEM_ROW.findall(page)
    ]

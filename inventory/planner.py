"""Plan the journal lines of a batch of stock operations, over plain data.

Given the current balances of the depot × lots involved and a sequence of operations
(receipts, issues, transfers, write-offs, adjustments), work out every movement line and
the resulting balances, refusing any operation that would take a balance below zero.
Operations are applied in order, so a later issue may use stock an earlier receipt of the
same batch brought in. The caller holds the locks, writes the lines and the balances.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from core.errors import InsufficientStock
from inventory.rules import LotStock, pick_lots

OpKind = Literal[
    "receipt", "issue", "transfer", "write_off", "count_adjustment", "reversal", "dispatch"
]
OUT_KINDS = {"issue": "issue", "write_off": "write_off", "dispatch": "dispatch"}


@dataclass(frozen=True)
class LotInfo:
    lot_id: int
    item_id: int
    lot_number: str
    expiry_date: date | None


@dataclass(frozen=True)
class Op:
    """One requested operation. `quantity` > 0, except count adjustments (signed, ≠ 0)."""

    kind: OpKind
    depot_id: int
    item_id: int
    quantity: int
    lot_id: int | None = None
    to_depot_id: int | None = None
    line: int = 0
    item_code: str = ""


@dataclass(frozen=True)
class Line:
    """One movement line to write: `quantity` is signed (+ in, − out)."""

    op_index: int
    kind: str
    depot_id: int
    item_id: int
    lot_id: int
    quantity: int
    counterpart_depot_id: int | None = None


@dataclass
class Plan:
    lines: list[Line] = field(default_factory=list)
    balances: dict[tuple[int, int], int] = field(default_factory=dict)
    changed: set[tuple[int, int]] = field(default_factory=set)
    problems: list[tuple[int, str]] = field(default_factory=list)


def plan(
    ops: Sequence[Op],
    balances: Mapping[tuple[int, int], int],
    lots: Iterable[LotInfo],
    *,
    usable_on: date | None = None,
    collect_problems: bool = False,
) -> Plan:
    """Apply `ops` to a copy of `balances` ((depot_id, lot_id) → quantity).

    With `collect_problems`, a refused operation is recorded as (line, reason) and the rest
    still checked, so a spreadsheet can be rejected with every bad row listed; otherwise the
    first refusal raises InsufficientStock.
    """
    by_id = {lot.lot_id: lot for lot in lots}
    result = Plan(balances=dict(balances))
    # The lots each depot holds of each item, so an issue looks at those only.
    held: dict[tuple[int, int], set[int]] = {}
    for (depot_id, lot_id), quantity in balances.items():
        if quantity > 0 and lot_id in by_id:
            held.setdefault((depot_id, by_id[lot_id].item_id), set()).add(lot_id)

    for index, op in enumerate(ops):
        here = held.get((op.depot_id, op.item_id), set())
        lots_here = [by_id[lot_id] for lot_id in here]
        if op.lot_id is not None and op.lot_id in by_id and op.lot_id not in here:
            lots_here.append(by_id[op.lot_id])  # a named lot this depot holds none of
        try:
            new_lines = _lines_for(op, index, result.balances, lots_here, usable_on)
        except InsufficientStock as refused:
            if not collect_problems:
                raise
            result.problems.append((op.line, refused.detail))
            continue
        for line in new_lines:
            key = (line.depot_id, line.lot_id)
            quantity = result.balances.get(key, 0) + line.quantity
            result.balances[key] = quantity
            result.changed.add(key)
            lots_of = held.setdefault((line.depot_id, line.item_id), set())
            if quantity > 0:
                lots_of.add(line.lot_id)
            else:
                lots_of.discard(line.lot_id)
        result.lines.extend(new_lines)
    return result


def _lines_for(
    op: Op,
    index: int,
    balances: Mapping[tuple[int, int], int],
    lots_here: Sequence[LotInfo],
    usable_on: date | None,
) -> list[Line]:
    if op.kind == "receipt":
        assert op.lot_id is not None, "a receipt names its lot"
        return [Line(index, "receipt", op.depot_id, op.item_id, op.lot_id, op.quantity)]
    if op.kind in ("count_adjustment", "reversal"):
        assert op.lot_id is not None, "an adjustment names its lot"
        held = balances.get((op.depot_id, op.lot_id), 0)
        if held + op.quantity < 0:
            raise InsufficientStock(
                f"A change of {op.quantity} would take the balance of {held} below zero.",
                extra={"requested": -op.quantity, "available": held},
            )
        return [Line(index, op.kind, op.depot_id, op.item_id, op.lot_id, op.quantity)]

    stock = [
        LotStock(
            lot.lot_id, lot.lot_number, lot.expiry_date, balances.get((op.depot_id, lot.lot_id), 0)
        )
        for lot in lots_here
    ]
    named = None
    if op.lot_id is not None:
        named = next((s.lot_number for s in stock if s.lot_id == op.lot_id), None)
        if named is None:
            raise InsufficientStock(f"The depot holds no stock of lot id {op.lot_id}.")
    # Expired lots are not issued or transferred unless named; a write-off may take them.
    picks = pick_lots(
        stock,
        op.quantity,
        lot_number=named,
        usable_on=None if op.kind == "write_off" else usable_on,
        item_code=op.item_code,
    )
    if op.kind == "transfer":
        assert op.to_depot_id is not None, "a transfer names its destination"
        out: list[Line] = []
        for pick in picks:
            out.append(
                Line(
                    index,
                    "transfer_out",
                    op.depot_id,
                    op.item_id,
                    pick.lot_id,
                    -pick.quantity,
                    op.to_depot_id,
                )
            )
            out.append(
                Line(
                    index,
                    "transfer_in",
                    op.to_depot_id,
                    op.item_id,
                    pick.lot_id,
                    pick.quantity,
                    op.depot_id,
                )
            )
        return out
    kind = OUT_KINDS[op.kind]
    return [Line(index, kind, op.depot_id, op.item_id, p.lot_id, -p.quantity) for p in picks]

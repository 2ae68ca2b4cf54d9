"""Stock rules as plain functions over plain data: no session, no settings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from core.errors import InsufficientStock

MAX_QUANTITY = 1_000_000_000  # one line never moves more than a billion base units


@dataclass(frozen=True)
class LotStock:
    lot_id: int
    lot_number: str
    expiry_date: date | None
    quantity: int


@dataclass(frozen=True)
class Pick:
    lot_id: int
    lot_number: str
    quantity: int


def fefo_order(lots: Sequence[LotStock]) -> list[LotStock]:
    """First-expired-first-out: earliest expiry first, lots without expiry last, then by age."""
    return sorted(lots, key=lambda s: (s.expiry_date is None, s.expiry_date or date.max, s.lot_id))


def pick_lots(
    lots: Sequence[LotStock],
    quantity: int,
    *,
    lot_number: str | None = None,
    usable_on: date | None = None,
    item_code: str = "",
) -> list[Pick]:
    """Choose which lots an issue of `quantity` takes from.

    A named lot is taken alone. Otherwise lots are taken first-expired-first-out; lots that
    have expired before `usable_on` are not issued (they await a write-off). Raises
    InsufficientStock, naming what is there, when the stock does not cover the quantity.
    """
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    if lot_number is not None:
        candidates = [s for s in lots if s.lot_number == lot_number]
        available = sum(s.quantity for s in candidates)
        what = f"lot {lot_number}"
    else:
        candidates = [
            s
            for s in fefo_order(lots)
            if s.quantity > 0
            and (usable_on is None or s.expiry_date is None or s.expiry_date >= usable_on)
        ]
        available = sum(s.quantity for s in candidates)
        what = "usable stock"
    if available < quantity:
        label = f" of {item_code}" if item_code else ""
        raise InsufficientStock(
            f"Cannot take {quantity}{label}: {what} holds only {available}.",
            extra={"requested": quantity, "available": available},
        )
    picks: list[Pick] = []
    remaining = quantity
    for stock in candidates:
        if remaining == 0:
            break
        take = min(stock.quantity, remaining)
        if take > 0:
            picks.append(Pick(stock.lot_id, stock.lot_number, take))
            remaining -= take
    return picks


@dataclass(frozen=True)
class Variance:
    lot_id: int
    expected: int
    counted: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected


def variances(lines: Sequence[tuple[int, int, int | None]]) -> list[Variance]:
    """(lot_id, expected, counted) lines → the lots whose count differs from the books.

    Lines not yet counted (None) are left out: posting a count adjusts only what was counted.
    """
    return [
        Variance(lot_id, expected, counted)
        for lot_id, expected, counted in lines
        if counted is not None and counted != expected
    ]


def days_of_supply(on_hand: int, consumed: int, window_days: int) -> float | None:
    """Days the stock lasts at the average daily consumption of the window; None if no use."""
    if window_days <= 0:
        raise ValueError("window_days must be positive")
    if consumed <= 0:
        return None
    rate = consumed / window_days
    return math.floor(on_hand / rate * 10) / 10

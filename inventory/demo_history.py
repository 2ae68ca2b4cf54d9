"""A seeded year of daily consumption for the demo district, written through the journal.

Forecasting needs history. For each community depot × item this writes one replenishment
receipt dated the day before the history starts, into its own lot, and then a daily issue
from that lot for every day of the year; the receipt is exactly what the year issues, so
the depots end with the stock they had and the opening lots are left untouched. Daily
quantities follow a Poisson draw around a rate that scales with the community's
population, with a weekly rhythm and a summer (flood-season) rise. Everything goes through
`inventory.stock.apply` in one action, so balances and the journal stay in step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import select
from sqlmodel import Session, col

from core.errors import InvalidInput
from inventory import registry
from inventory.models import Community, Depot, Lot
from inventory.planner import Op
from inventory.stock import LotKey, OpMeta, apply, resolve_lots

#: Lot numbers of the history's replenishment lots start with this (and mark it as done).
LOT_PREFIX = "HIST-"
REASON = "daily consumption (demo history)"

#: Items consumed day to day, with units issued per 1,000 residents on an average day.
DEFAULT_RATES: dict[str, float] = {
    "WAT-BOTTLE-550": 6.0,
    "WAT-BOTTLE-5L": 1.5,
    "FOD-BISCUIT-COMP": 1.2,
    "FOD-NOODLE-INST": 2.0,
    "HYG-SOAP-BATH-100G": 0.6,
    "HYG-TOILET-ROLL": 1.0,
    "MED-ORS-III": 0.3,
    "PPE-MASK-SURGICAL": 2.5,
}


@dataclass(frozen=True)
class History:
    """What was written: series (depot × item), days, issue lines and units issued."""

    series: int
    days: int
    lines: int
    units: int


def daily_quantities(rate: float, days: int, *, start: date, rng: np.random.Generator) -> list[int]:
    """`days` Poisson draws around `rate`: a weekly rhythm (busier Mondays, quieter
    Sundays) and a rise of up to 60 % in the July–August flood season."""
    out = []
    for n in range(days):
        day = start + timedelta(days=n)
        weekly = (1.15, 1.05, 1.0, 1.0, 1.05, 0.9, 0.75)[day.weekday()]
        season = 1.0 + 0.6 * max(0.0, math.cos(2 * math.pi * (day.timetuple().tm_yday - 210) / 365))
        out.append(int(rng.poisson(max(rate * weekly * season, 0.0))))
    return out


def already_written(session: Session, district_code: str) -> bool:
    """Whether the district's history lots exist (the history is written once)."""
    pattern = f"{LOT_PREFIX}{district_code}-%"
    query = select(col(Lot.id)).where(col(Lot.lot_number).like(pattern)).limit(1)
    return session.execute(query).first() is not None


def write_history(
    session: Session,
    district_id: int,
    *,
    today: date,
    seed: int,
    days: int = 365,
    rates: dict[str, float] | None = None,
    actor: str = "demo",
) -> History:
    """Write `days` of daily issues (ending yesterday) for every community depot × item of
    `rates` the catalogue knows; returns what was written (nothing if it already was)."""
    district = registry.get_district(session, district_id)
    if already_written(session, district.code):
        return History(0, 0, 0, 0)
    rates = DEFAULT_RATES if rates is None else rates
    items = registry.items_by_code(session, set(rates))
    depots: Sequence[Depot] = [
        d
        for d in registry.list_depots(session, district_id)
        if d.kind == "community_depot" and d.community_id is not None
    ]
    if not depots or not items:
        raise InvalidInput("The district has no community depot or none of the history's items.")
    rng = np.random.default_rng(seed)
    first = today - timedelta(days=days)
    received_at = datetime.combine(first - timedelta(days=1), time(8), UTC)
    keys: list[LotKey] = []
    plans: list[tuple[int, int, list[int]]] = []
    for depot in depots:
        community = session.get(Community, depot.community_id)
        population = community.population if community is not None else 1000
        for code in sorted(items):
            item = items[code]
            quantities = daily_quantities(
                rates[code] * population / 1000, days, start=first, rng=rng
            )
            keys.append(LotKey(item.id or 0, f"{LOT_PREFIX}{district.code}-{depot.code}-{code}"))
            plans.append((depot.id or 0, item.id or 0, quantities))
    lot_ids, problems = resolve_lots(session, keys, create=True)
    if problems:
        raise InvalidInput(f"demo history: {problems[0][1]}")
    ops: list[Op] = []
    meta: list[OpMeta] = []
    lines = units = 0
    for key, (depot_id, item_id, quantities) in zip(keys, plans, strict=True):
        lot_id = lot_ids[(key.item_id, key.lot_number)]
        total = sum(quantities)
        if total == 0:
            continue
        ops.append(Op("receipt", depot_id, item_id, total, lot_id=lot_id))
        meta.append(OpMeta(reason="replenishment (demo history)", occurred_at=received_at))
        for n, quantity in enumerate(quantities):
            if quantity:
                ops.append(Op("issue", depot_id, item_id, quantity, lot_id=lot_id))
                at = datetime.combine(first + timedelta(days=n), time(10), UTC)
                meta.append(OpMeta(reason=REASON, occurred_at=at))
                lines += 1
        units += total
    apply(session, ops, actor=actor, meta=meta, return_rows=False)
    session.flush()
    return History(series=len(keys), days=days, lines=lines, units=units)

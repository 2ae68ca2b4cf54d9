"""Who can deliver item X, quantity Q, to a community within T hours — ranked, with reasons.

Pure. Each candidate brings what it can supply: an agreement reserve (a held quantity
released after an activation lead time, then a surge per day) and/or a production offer
(a daily capacity after a lead time). Supply is assumed to flow evenly through the day;
road travel is the great-circle distance times a detour factor at an average speed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

GRADE_ORDER: Final = {"A": 0, "B": 1, "C": 2, None: 3}
EARTH_RADIUS_KM: Final = 6371.0088


@dataclass(frozen=True)
class Candidate:
    supplier_id: int
    supplier_name: str
    latitude: float
    longitude: float
    delivery_radius_km: float | None
    grade: str | None
    unit_price_minor: int | None
    reserved_quantity: int = 0
    activation_lead_time_h: int = 0
    surge_per_day: int = 0
    daily_capacity: int = 0
    lead_time_h: int = 0
    contract_id: int | None = None


@dataclass(frozen=True)
class Ranked:
    rank: int
    candidate: Candidate
    distance_km: float
    travel_h: float
    hours_to_full: float | None  # None: it can never reach the quantity
    quantity_within: int  # what arrives within the time asked
    feasible: bool
    reason: str


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def supplied_by(c: Candidate, hours: float) -> float:
    """Units ready to leave the supplier `hours` after the order."""
    total = 0.0
    if hours >= c.activation_lead_time_h and (c.reserved_quantity or c.surge_per_day):
        total += c.reserved_quantity + c.surge_per_day * (hours - c.activation_lead_time_h) / 24
    if hours >= c.lead_time_h and c.daily_capacity:
        total += c.daily_capacity * (hours - c.lead_time_h) / 24
    return total


def hours_until(c: Candidate, quantity: int) -> float | None:
    """The first hour at which `quantity` units are ready (piecewise linear, so exact)."""
    sources = []
    if c.reserved_quantity or c.surge_per_day:
        sources.append((float(c.activation_lead_time_h), c.reserved_quantity, c.surge_per_day))
    if c.daily_capacity:
        sources.append((float(c.lead_time_h), 0, c.daily_capacity))
    if not sources:
        return None
    starts = sorted({s for s, _, _ in sources})
    for i, start in enumerate(starts):
        have = supplied_by(c, start)
        if have >= quantity:
            return start
        rate = sum(r for s, _, r in sources if s <= start) / 24
        end = starts[i + 1] if i + 1 < len(starts) else math.inf
        if rate > 0 and start + (quantity - have) / rate <= end:
            return start + (quantity - have) / rate
    return None


def rank(
    candidates: list[Candidate],
    *,
    quantity: int,
    within_h: float,
    latitude: float,
    longitude: float,
    speed_kmh: float = 40.0,
    detour: float = 1.3,
) -> list[Ranked]:
    """Candidates that serve the place, best first.

    Order: those that deliver the whole quantity in time (earliest first), then those that
    deliver part of it (most first); ties go to the better grade, then the lower price.
    Suppliers whose delivery area does not reach the place are left out.
    """
    scored: list[tuple[tuple[float, ...], Ranked]] = []
    for c in candidates:
        km = distance_km(c.latitude, c.longitude, latitude, longitude)
        if c.delivery_radius_km is not None and km > c.delivery_radius_km:
            continue
        travel = km * detour / speed_kmh
        ready = hours_until(c, quantity)
        full = None if ready is None else ready + travel
        within = int(min(quantity, supplied_by(c, max(0.0, within_h - travel))))
        feasible = full is not None and full <= within_h
        price = float(c.unit_price_minor) if c.unit_price_minor is not None else math.inf
        key = (
            0.0 if feasible else 1.0,
            (full or 0.0) if feasible else -within,
            float(GRADE_ORDER.get(c.grade, 3)),
            price,
            float(c.supplier_id),
        )
        scored.append((key, _ranked(c, km, travel, full, within, feasible, quantity, within_h)))
    scored.sort(key=lambda pair: pair[0])
    return [
        Ranked(
            i + 1,
            r.candidate,
            r.distance_km,
            r.travel_h,
            r.hours_to_full,
            r.quantity_within,
            r.feasible,
            r.reason,
        )
        for i, (_, r) in enumerate(scored)
    ]


def _ranked(
    c: Candidate,
    km: float,
    travel: float,
    full: float | None,
    within: int,
    feasible: bool,
    quantity: int,
    within_h: float,
) -> Ranked:
    source = "agreement reserve" if c.contract_id is not None else "production"
    if c.contract_id is not None and c.daily_capacity:
        source = "agreement reserve and production"
    when = "never" if full is None else f"in {full:.1f} h"
    head = (
        f"delivers all {quantity} {when}"
        if feasible
        else f"delivers {within} of {quantity} within {within_h:g} h (all {when})"
    )
    grade = f"grade {c.grade}" if c.grade else "ungraded"
    price = (
        f"{c.unit_price_minor} minor units each" if c.unit_price_minor is not None else "no price"
    )
    reason = f"{head}; {source}; {km:.0f} km away ({travel:.1f} h on the road); {grade}; {price}"
    return Ranked(0, c, round(km, 2), round(travel, 2), full, within, feasible, reason)

"""The allocation problem as plain, validated data.

Quantities are integers in each item's base unit, money is integer minor units, and times
are whole hours counted from the start of the plan: a demand's `deadline_h`, a lot's
`expires_in_h`, an agreement's `lead_time_h`. Locations are latitude and longitude; the
solver measures great-circle kilometres between them. Construction checks everything and
raises `InvalidInput` listing every problem, so the solver never meets a malformed problem.

The shapes follow the database the plan service will read later: a source has an id, a
kind (`depot` holds lots behind a safety floor, `agreement` is a supplier's reserve
contract), a location and per-item availability; a demand is one community's need of one
item in one tier, due by a deadline.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from core.errors import FieldProblem, InvalidInput


class SourceKind(StrEnum):
    DEPOT = "depot"
    AGREEMENT = "agreement"


class Tier(StrEnum):
    """`PRIORITY`: the vulnerable groups' share and life-critical items, served first.
    `GENERAL`: everything else."""

    PRIORITY = "priority"
    GENERAL = "general"


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Item:
    """A catalogue item; its weight prices transport (cost is per tonne-kilometre)."""

    code: str
    unit_weight_g: int


@dataclass(frozen=True)
class Lot:
    """A batch of one item at a depot. `expires_in_h` is `None` for stock that does not expire."""

    lot: str
    quantity: int
    expires_in_h: int | None = None


@dataclass(frozen=True)
class Holding:
    """A depot's stock of one item: its lots and the safety floor it must keep."""

    item: str
    lots: tuple[Lot, ...]
    floor: int = 0


@dataclass(frozen=True)
class Agreement:
    """An agreement reserve: `reserved` units ready after `lead_time_h`, plus `surge_per_day`
    more for every whole day left before a demand's deadline. `unit_price` in minor units."""

    contract: str
    item: str
    reserved: int
    surge_per_day: int = 0
    lead_time_h: int = 0
    unit_price: int = 0

    def available_by(self, deadline_h: int) -> int:
        """What the supplier can deliver by `deadline_h`: nothing if the lead time is past it."""
        if self.lead_time_h > deadline_h:
            return 0
        return self.reserved + self.surge_per_day * ((deadline_h - self.lead_time_h) // 24)


@dataclass(frozen=True)
class Source:
    """A depot (with `stock`) or a qualified supplier's reserve (with `agreements`)."""

    id: str
    kind: SourceKind
    location: Location
    stock: tuple[Holding, ...] = ()
    agreements: tuple[Agreement, ...] = ()


@dataclass(frozen=True)
class Community:
    id: str
    location: Location
    name: str = ""
    population: int = 0


@dataclass(frozen=True)
class Demand:
    """One community's need of one item in one tier, to arrive within `deadline_h`."""

    community: str
    item: str
    tier: Tier
    quantity: int
    deadline_h: int


@dataclass(frozen=True)
class AllocationProblem:
    """Everything the allocation solver needs. `transport_cost_per_tonne_km` in minor units."""

    items: tuple[Item, ...]
    sources: tuple[Source, ...]
    communities: tuple[Community, ...]
    demands: tuple[Demand, ...]
    transport_cost_per_tonne_km: int = 50

    def __post_init__(self) -> None:
        problems = _check(self)
        if problems:
            raise InvalidInput("the allocation problem is not valid", problems=problems)

    def item(self, code: str) -> Item:
        return next(i for i in self.items if i.code == code)


def _check(p: AllocationProblem) -> list[FieldProblem]:
    out: list[FieldProblem] = []

    def neg(value: int, loc: tuple[str | int, ...]) -> None:
        if value < 0:
            out.append(FieldProblem(loc, f"must not be negative (got {value})"))

    def dupes(ids: list[str], where: str, what: str) -> None:
        seen: set[str] = set()
        for i, x in enumerate(ids):
            if x in seen:
                out.append(FieldProblem((where, i), f"duplicate {what} {x!r}"))
            seen.add(x)

    item_codes = {i.code for i in p.items}
    community_ids = {c.id for c in p.communities}
    dupes([i.code for i in p.items], "items", "item code")
    dupes([c.id for c in p.communities], "communities", "community id")
    dupes([s.id for s in p.sources], "sources", "source id")
    neg(p.transport_cost_per_tonne_km, ("transport_cost_per_tonne_km",))
    for n, it in enumerate(p.items):
        neg(it.unit_weight_g, ("items", n, "unit_weight_g"))
    for n, c in enumerate(p.communities):
        _check_location(c.location, ("communities", n, "location"), out)
        neg(c.population, ("communities", n, "population"))
    if not p.sources:
        out.append(FieldProblem(("sources",), "there are no sources to allocate from"))
    for n, s in enumerate(p.sources):
        _check_source(s, n, item_codes, out, neg)
    if not p.demands:
        out.append(FieldProblem(("demands",), "there is no demand to allocate"))
    keys: set[tuple[str, str, Tier]] = set()
    for n, d in enumerate(p.demands):
        loc: tuple[str | int, ...] = ("demands", n)
        if d.community not in community_ids:
            out.append(FieldProblem((*loc, "community"), f"unknown community {d.community!r}"))
        if d.item not in item_codes:
            out.append(FieldProblem((*loc, "item"), f"unknown item {d.item!r}"))
        neg(d.quantity, (*loc, "quantity"))
        neg(d.deadline_h, (*loc, "deadline_h"))
        key = (d.community, d.item, d.tier)
        if key in keys:
            out.append(FieldProblem(loc, f"duplicate demand for {key[0]}, {key[1]}, {key[2]}"))
        keys.add(key)
    return out


def _check_location(loc: Location, where: tuple[str | int, ...], out: list[FieldProblem]) -> None:
    if not (math.isfinite(loc.lat) and -90 <= loc.lat <= 90):
        out.append(FieldProblem((*where, "lat"), f"latitude must be in [-90, 90] (got {loc.lat})"))
    if not (math.isfinite(loc.lon) and -180 <= loc.lon <= 180):
        out.append(
            FieldProblem((*where, "lon"), f"longitude must be in [-180, 180] (got {loc.lon})")
        )


def _check_source(
    s: Source,
    n: int,
    item_codes: set[str],
    out: list[FieldProblem],
    neg: Callable[[int, tuple[str | int, ...]], None],
) -> None:
    loc: tuple[str | int, ...] = ("sources", n)
    _check_location(s.location, (*loc, "location"), out)
    if s.kind is SourceKind.DEPOT and s.agreements:
        out.append(FieldProblem((*loc, "agreements"), "a depot holds stock, not agreements"))
    if s.kind is SourceKind.AGREEMENT and s.stock:
        out.append(FieldProblem((*loc, "stock"), "an agreement source holds no depot stock"))
    held: set[str] = set()
    for h_n, h in enumerate(s.stock):
        h_loc = (*loc, "stock", h_n)
        if h.item not in item_codes:
            out.append(FieldProblem((*h_loc, "item"), f"unknown item {h.item!r}"))
        if h.item in held:
            out.append(FieldProblem((*h_loc, "item"), f"item {h.item!r} listed twice"))
        held.add(h.item)
        neg(h.floor, (*h_loc, "floor"))
        lots: set[str] = set()
        for l_n, lot in enumerate(h.lots):
            neg(lot.quantity, (*h_loc, "lots", l_n, "quantity"))
            if lot.lot in lots:
                out.append(FieldProblem((*h_loc, "lots", l_n, "lot"), f"duplicate lot {lot.lot!r}"))
            lots.add(lot.lot)
    contracts: set[str] = set()
    for a_n, a in enumerate(s.agreements):
        a_loc = (*loc, "agreements", a_n)
        if a.item not in item_codes:
            out.append(FieldProblem((*a_loc, "item"), f"unknown item {a.item!r}"))
        if a.contract in contracts:
            out.append(FieldProblem((*a_loc, "contract"), f"duplicate contract {a.contract!r}"))
        contracts.add(a.contract)
        for name in ("reserved", "surge_per_day", "lead_time_h", "unit_price"):
            neg(getattr(a, name), (*a_loc, name))

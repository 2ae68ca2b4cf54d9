"""Build the allocation solver's problem from the database, and lay locked lines into it.

Sources are the district's active depots (on-hand stock per lot with hours to expiry,
behind each depot × item safety floor) and the qualified suppliers' agreement reserves
valid now (`suppliers.service.agreement_sources`). Demand per community × item is the
latest forecast run's baseline plus scenario demand, summed over the scenario's days that
the run covers and rounded up; it is split into *priority* (all of a life-critical item;
otherwise the vulnerable groups' share of the population, weighted as the scenario weighs
them) and *general*. Ids in the problem are readable codes; `refs` maps them back to rows.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from core.errors import Conflict, FieldProblem, InvalidInput
from inventory import service as inventory
from optimizer.allocation import (
    Agreement,
    AllocationProblem,
    Community,
    Demand,
    Holding,
    Item,
    Location,
    Lot,
    Source,
    SourceKind,
    Tier,
)
from optimizer.allocation.io import problem_from_json
from optimizer.demand.scenario import GROUPS, Scenario
from plans import forecasts
from plans.models import DeclaredScenario, ForecastRun
from suppliers import service as suppliers

CONSUMING_DEPOT_KINDS = ("community_depot", "district_warehouse", "enterprise_reserve")


@dataclass(frozen=True)
class Built:
    problem: AllocationProblem
    refs: dict[str, Any]


@dataclass(frozen=True)
class Lock:
    """A line the coordinator keeps: `quantity` from a lot or contract to a community."""

    source: str
    community: str
    item: str
    quantity: int
    lot: str | None
    contract: str | None


def build(
    session: Session,
    district_id: int,
    run: ForecastRun,
    declared: DeclaredScenario,
    scenario: Scenario,
    *,
    deadline_h: int,
    cost_per_tonne_km: int,
    now: datetime,
) -> Built:
    communities = inventory.list_communities(session, district_id)
    items = {i.id: i for i in inventory.list_items(session)}
    totals = _demand_totals(session, run, declared)
    demands: list[Demand] = []
    by_id = {c.id: c for c in communities}
    for (community_id, item_id), quantity in sorted(totals.items()):
        community, item = by_id[community_id], items[item_id]
        share = 1.0 if item.life_critical else _priority_share(community, scenario)
        priority = min(quantity, round(quantity * share))
        for tier, q in ((Tier.PRIORITY, priority), (Tier.GENERAL, quantity - priority)):
            if q > 0:
                demands.append(Demand(community.code, item.code, tier, q, deadline_h))
    if not demands:
        raise Conflict("The forecast holds no demand for the scenario's days; nothing to plan.")
    wanted = {items[i].code for _, i in totals}
    code_of = {i.id: i.code for i in items.values()}
    refs: dict[str, Any] = {
        "communities": {c.code: c.id for c in communities},
        "items": {i.code: i.id for i in items.values() if i.code in wanted},
        "sources": {},
        "lots": {},
        "contracts": {},
    }
    sources = _depot_sources(session, district_id, wanted, code_of, now, refs)
    sources += _agreement_sources(session, district_id, wanted, code_of, now, refs)
    problem = AllocationProblem(
        items=tuple(Item(i.code, i.unit_weight_g) for i in items.values() if i.code in wanted),
        sources=tuple(sources),
        communities=tuple(
            Community(c.code, Location(c.latitude, c.longitude), c.name_en, c.population)
            for c in communities
        ),
        demands=tuple(demands),
        transport_cost_per_tonne_km=cost_per_tonne_km,
    )
    return Built(problem, refs)


def _demand_totals(
    session: Session, run: ForecastRun, declared: DeclaredScenario
) -> dict[tuple[int, int], int]:
    sums: dict[tuple[int, int], float] = defaultdict(float)
    for (community_id, item_id), days in demand_by_day(session, run, declared).items():
        sums[(community_id, item_id)] = sum(days.values())
    return {k: math.ceil(v - 1e-9) for k, v in sums.items() if v > 1e-9}


def demand_by_day(
    session: Session, run: ForecastRun, declared: DeclaredScenario
) -> dict[tuple[int, int], dict[date, float]]:
    """(community_id, item_id) → day → demand (baseline plus scenario) on the days that the
    forecast and the scenario share: what a plan made from them covers, day by day."""
    first = max(run.start, declared.start)
    end = min(
        run.start + timedelta(days=run.horizon_days),
        declared.start + timedelta(days=declared.duration_days),
    )
    if first >= end:
        raise Conflict("The forecast run does not cover the scenario's days; run a new one.")
    out: dict[tuple[int, int], dict[date, float]] = defaultdict(dict)
    for r in forecasts.rows(session, run.id or 0):
        if r.community_id is not None and first <= r.ds < end:
            days = out[(r.community_id, r.item_id)]
            days[r.ds] = days.get(r.ds, 0.0) + r.yhat + r.scenario_demand
    return dict(out)


def _priority_share(community: Any, scenario: Scenario) -> float:
    """Weighted vulnerable people over weighted population (groups may overlap: cap at 1)."""
    counts = {
        "elderly": community.elderly_65_plus,
        "under5": community.children_under_5,
        "disabled": community.people_with_disabilities,
        "chronically_ill": community.chronically_ill,
    }
    weights = {g: scenario.vulnerable_weights.get(g, 1.0) for g in GROUPS}
    vulnerable = sum(weights[g] * counts[g] for g in GROUPS)
    total = community.population + sum((weights[g] - 1.0) * counts[g] for g in GROUPS)
    return min(1.0, vulnerable / total) if total > 0 else 0.0


def _hours_until(expiry: date | None, now: datetime) -> int | None:
    if expiry is None:
        return None
    hours = (datetime.combine(expiry, datetime.min.time(), UTC) - now).total_seconds() // 3600
    return max(0, int(hours))


def _depot_sources(
    session: Session,
    district_id: int,
    wanted: set[str],
    code_of: dict[int | None, str],
    now: datetime,
    refs: dict[str, Any],
) -> list[Source]:
    depots = [
        d
        for d in inventory.list_depots(session, district_id)
        if d.active and d.kind in CONSUMING_DEPOT_KINDS
    ]
    floors = inventory.safety_floors(session, district_id)
    lots: dict[tuple[int, int], list[Lot]] = defaultdict(list)
    for b in inventory.list_balances(session, district_id=district_id):
        if b.item_code in wanted:
            lots[(b.depot_id, b.item_id)].append(
                Lot(b.lot_number, b.quantity, _hours_until(b.expiry_date, now))
            )
            refs["lots"][f"{b.item_code}/{b.lot_number}"] = b.lot_id
    out = []
    for d in depots:
        holdings = tuple(
            Holding(code_of[item_id], tuple(held), floors.get((depot_id, item_id), 0))
            for (depot_id, item_id), held in sorted(lots.items())
            if depot_id == d.id
        )
        if holdings:
            refs["sources"][d.code] = {"depot_id": d.id}
            out.append(
                Source(d.code, SourceKind.DEPOT, Location(d.latitude, d.longitude), holdings)
            )
    return out


def _agreement_sources(
    session: Session,
    district_id: int,
    wanted: set[str],
    code_of: dict[int | None, str],
    now: datetime,
    refs: dict[str, Any],
) -> list[Source]:
    by_supplier: dict[int, list[Any]] = defaultdict(list)
    for a in suppliers.agreement_sources(session, district_id=district_id, as_of=now):
        if code_of.get(a.item_id) in wanted:
            by_supplier[a.supplier_id].append(a)
    out = []
    for supplier_id, contracts in sorted(by_supplier.items()):
        first = contracts[0]
        name = first.supplier_name
        sid = name if name not in refs["sources"] else f"{name} #{supplier_id}"
        refs["sources"][sid] = {"supplier_id": supplier_id}
        agreements = []
        for a in contracts:
            contract = f"agreement-{a.contract_id}"
            refs["contracts"][contract] = a.contract_id
            agreements.append(
                Agreement(
                    contract,
                    code_of[a.item_id],
                    a.reserved_quantity,
                    a.surge_per_day,
                    a.activation_lead_time_h,
                    a.unit_price_minor,
                )
            )
        location = Location(first.latitude, first.longitude)
        out.append(Source(sid, SourceKind.AGREEMENT, location, agreements=tuple(agreements)))
    return out


def to_document(problem: AllocationProblem) -> dict[str, Any]:
    """The problem as its JSON document (allocation-problem.schema.json)."""
    doc: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(problem)))
    for source in doc["sources"]:
        for holding in source["stock"]:
            for lot in holding["lots"]:
                if lot["expires_in_h"] is None:
                    del lot["expires_in_h"]
    return doc


def from_document(doc: dict[str, Any]) -> AllocationProblem:
    return problem_from_json(doc)


def with_locks(problem: AllocationProblem, locks: Sequence[Lock]) -> AllocationProblem:
    """The problem left once locked lines are taken out: their lot or contract gives up what
    they send, and their community's demand of the item shrinks (priority tier first).
    A lock that asks more than its lot, its contract's reserve or its community's demand
    is refused."""
    problems: list[FieldProblem] = []
    taken: dict[tuple[str, str | None, str | None, str], int] = defaultdict(int)
    need: dict[tuple[str, str], int] = defaultdict(int)
    for lock in locks:
        taken[(lock.source, lock.lot, lock.contract, lock.item)] += lock.quantity
        need[(lock.community, lock.item)] += lock.quantity
    sources = [_take(s, taken, problems) for s in problem.sources]
    demanded: dict[tuple[str, str], int] = defaultdict(int)
    for d in problem.demands:
        demanded[(d.community, d.item)] += d.quantity
    for (community, item), quantity in sorted(need.items()):
        if quantity > demanded[(community, item)]:
            problems.append(
                FieldProblem(
                    ("lines", community, item),
                    f"locked lines send {quantity} but {community} needs "
                    f"{demanded[(community, item)]} of {item}",
                )
            )
    if problems:
        raise InvalidInput("The locked lines do not fit the plan's problem.", problems=problems)
    cuts: dict[tuple[str, str, Tier], int] = {}
    for tier in (Tier.PRIORITY, Tier.GENERAL):
        for d in problem.demands:
            if d.tier is tier:
                cut = min(d.quantity, need[(d.community, d.item)])
                need[(d.community, d.item)] -= cut
                cuts[(d.community, d.item, tier)] = cut
    demands = tuple(
        dataclasses.replace(d, quantity=d.quantity - cuts[(d.community, d.item, d.tier)])
        for d in problem.demands
    )
    return dataclasses.replace(problem, sources=tuple(sources), demands=demands)


def _take(
    source: Source,
    taken: dict[tuple[str, str | None, str | None, str], int],
    problems: list[FieldProblem],
) -> Source:
    holdings = []
    for h in source.stock:
        lots = []
        from_holding = sum(taken.get((source.id, lot.lot, None, h.item), 0) for lot in h.lots)
        if from_holding > sum(lot.quantity for lot in h.lots) - h.floor:
            problems.append(
                FieldProblem(
                    ("lines", source.id, h.item),
                    f"locked lines take {from_holding}, which would go below the safety floor "
                    f"of {h.floor}",
                )
            )
        for lot in h.lots:
            q = taken.get((source.id, lot.lot, None, h.item), 0)
            if q > lot.quantity:
                problems.append(
                    FieldProblem(
                        ("lines", source.id, lot.lot), f"lot holds {lot.quantity}, locked {q}"
                    )
                )
            lots.append(dataclasses.replace(lot, quantity=max(0, lot.quantity - q)))
        holdings.append(dataclasses.replace(h, lots=tuple(lots)))
    agreements = []
    for a in source.agreements:
        q = taken.get((source.id, None, a.contract, a.item), 0)
        if q > a.reserved:
            problems.append(
                FieldProblem(
                    ("lines", source.id, a.contract), f"reserve holds {a.reserved}, locked {q}"
                )
            )
        agreements.append(dataclasses.replace(a, reserved=max(0, a.reserved - q)))
    return dataclasses.replace(source, stock=tuple(holdings), agreements=tuple(agreements))

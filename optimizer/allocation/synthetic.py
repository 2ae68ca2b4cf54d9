"""Seeded synthetic districts for benchmarks and examples (there is no public allocation data).

A district of about 80 km × 80 km: community populations are log-normal (median 3,000),
a fifth to a third of people belong to vulnerable groups, items have realistic unit weights
and daily needs, a quarter of them life-critical (all of their demand is priority). Depots
hold most items in one to three lots, some expiring within days, behind a floor of 5–20 %
of what they hold; one source in five is a supplier's agreement reserve with a lead time of
12–96 h. Stock is scarce: an item's supply covers 30–110 % of its demand.
"""

from __future__ import annotations

import numpy as np

from optimizer.allocation.model import (
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

CENTRE = (30.55, 114.30)
SPAN_DEG = 0.75
DEADLINES_H = (24, 48, 72)


def district(communities: int, sources: int, items: int, *, seed: int) -> AllocationProblem:
    """A reproducible district with the given numbers of communities, sources and items."""
    rng = np.random.default_rng(seed)

    def place() -> Location:
        lat, lon = CENTRE + rng.uniform(-SPAN_DEG / 2, SPAN_DEG / 2, size=2)
        return Location(round(float(lat), 5), round(float(lon), 5))

    catalogue = [
        Item(f"ITEM-{n:03d}", int(rng.choice([60, 250, 575, 1200, 5150, 12000, 20000])))
        for n in range(items)
    ]
    daily_need = rng.lognormal(mean=-1.0, sigma=1.0, size=items)
    life_critical = rng.random(items) < 0.25
    item_deadline = rng.choice(DEADLINES_H, size=items)
    people = rng.lognormal(mean=np.log(3000), sigma=0.8, size=communities).astype(int) + 50
    vulnerable = rng.uniform(0.2, 0.33, size=communities)
    comms = [
        Community(f"C{n:04d}", place(), f"Community {n}", int(people[n]))
        for n in range(communities)
    ]
    demands: list[Demand] = []
    item_total = np.zeros(items)
    for c, com in enumerate(comms):
        wanted = rng.random(items) < 0.85
        for i in np.flatnonzero(wanted):
            need = int(np.ceil(people[c] * daily_need[i] * 3))
            deadline = int(item_deadline[i] if rng.random() < 0.7 else rng.choice(DEADLINES_H))
            prio = need if life_critical[i] else round(need * vulnerable[c])
            code = catalogue[i].code
            demands.append(Demand(com.id, code, Tier.PRIORITY, prio, deadline))
            if need - prio > 0:
                demands.append(Demand(com.id, code, Tier.GENERAL, need - prio, deadline))
            item_total[i] += need
    coverage = rng.uniform(0.3, 1.1, size=items)
    n_agreements = max(1, sources // 5)
    kinds = [SourceKind.AGREEMENT] * n_agreements + [SourceKind.DEPOT] * (sources - n_agreements)
    odds = [0.6 if k is SourceKind.DEPOT else 0.1 for k in kinds]
    holders = np.array([rng.random(items) < p for p in odds])
    for i in np.flatnonzero(~holders.any(axis=0)):
        holders[int(rng.integers(sources)), i] = True
    share = holders.astype(float) * rng.uniform(0.3, 1.0, size=(sources, items))
    share /= np.maximum(share.sum(axis=0), 1e-9)
    out: list[Source] = []
    for s, kind in enumerate(kinds):
        amount = (share[s] * coverage * item_total).astype(int)
        if kind is SourceKind.DEPOT:
            stock = []
            for i in np.flatnonzero(amount > 0):
                parts = rng.dirichlet(np.ones(int(rng.integers(1, 4)))) * amount[i]
                lots = tuple(
                    Lot(f"L{s}-{i}-{n}", int(q), int(rng.choice([36, 60, 200, 2000, 8000])))
                    for n, q in enumerate(parts)
                )
                stock.append(
                    Holding(catalogue[i].code, lots, int(amount[i] * rng.uniform(0.05, 0.2)))
                )
            out.append(Source(f"D{s:03d}", kind, place(), stock=tuple(stock)))
        else:
            agreements = tuple(
                Agreement(
                    contract=f"A{s}-{i}",
                    item=catalogue[i].code,
                    reserved=int(amount[i] * 0.6),
                    surge_per_day=int(amount[i] * 0.2),
                    lead_time_h=int(rng.choice([12, 24, 48, 96])),
                    unit_price=int(rng.integers(50, 5000)),
                )
                for i in np.flatnonzero(amount > 0)
            )
            out.append(Source(f"S{s:03d}", kind, place(), agreements=agreements))
    return AllocationProblem(
        items=tuple(catalogue),
        sources=tuple(out),
        communities=tuple(comms),
        demands=tuple(demands),
    )

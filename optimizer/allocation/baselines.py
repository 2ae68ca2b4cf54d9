"""Two plans a coordinator would make without the solver, for comparison in the benchmark.

Both respect the same rules as the solver (floors, expiry, lead times: they draw on the same
supply units) but not its fairness: *proportional rationing* splits every source's stock
among the demands it can reach in proportion to their size, tiers alike; *nearest depot
first* serves communities one after another (priority demand first within a community) from
their nearest sources until each is full or nothing reachable is left.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from optimizer.allocation.model import AllocationProblem, Demand, Tier
from optimizer.allocation.supply import distance_km, unit_costs, units_for_item


@dataclass(frozen=True)
class BaselinePlan:
    delivered: dict[int, int]
    """Delivered quantity per index into `problem.demands`."""
    cost: float
    """Money in minor units (transport plus supplier price)."""


def proportional(problem: AllocationProblem) -> BaselinePlan:
    return _baseline(problem, nearest_first=False)


def nearest_first(problem: AllocationProblem) -> BaselinePlan:
    return _baseline(problem, nearest_first=True)


def _baseline(problem: AllocationProblem, *, nearest_first: bool) -> BaselinePlan:
    km = distance_km(problem)
    where = {c.id: n for n, c in enumerate(problem.communities)}
    by_item: dict[str, list[int]] = defaultdict(list)
    for k, d in enumerate(problem.demands):
        by_item[d.item].append(k)
    delivered: dict[int, int] = defaultdict(int)
    cost = 0.0
    for item, ks in by_item.items():
        demands: list[Demand] = [problem.demands[k] for k in ks]
        units = units_for_item(problem, item, sorted({d.deadline_h for d in demands}))
        if not units:
            continue
        money = unit_costs(problem, item, units, km)
        left = [u.capacity for u in units]
        need = [d.quantity for d in demands]
        if nearest_first:
            order = sorted(
                range(len(demands)),
                key=lambda j: (demands[j].community, demands[j].tier is not Tier.PRIORITY),
            )
            for j in order:
                c = where[demands[j].community]
                near = np.argsort([km[u.source, c] for u in units], kind="stable")
                for u in near:
                    if need[j] == 0:
                        break
                    if left[u] and units[u].serves(demands[j].deadline_h):
                        q = min(left[u], need[j])
                        left[u] -= q
                        need[j] -= q
                        delivered[ks[j]] += q
                        cost += float(money[u, c]) * q
        else:
            for u, unit in enumerate(units):
                reach = [
                    j for j in range(len(demands)) if need[j] and unit.serves(demands[j].deadline_h)
                ]
                total = sum(need[j] for j in reach)
                if not total:
                    continue
                share = min(1.0, left[u] / total)
                for j in reach:
                    q = min(need[j], int(need[j] * share))
                    need[j] -= q
                    left[u] -= q
                    delivered[ks[j]] += q
                    cost += float(money[u, where[demands[j].community]]) * q
    return BaselinePlan(dict(delivered), cost)

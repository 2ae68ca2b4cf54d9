"""`solve(problem, time_limit_s=...)`: the allocation plan, one item at a time.

Items share no capacity (a source's availability is per item and transport cost is per
unit), so the plan decomposes by item. For each item: supply units (`supply`), leximin
fill rates for priority then general demand and their integer rounding (`fairness`), then
the cheapest shipments for those exact quantities (`shipping`). Reasons come last
(`reasons`). Stages are lexicographic: fairness is never traded for cost.
"""

from __future__ import annotations

import time
from collections import defaultdict

from optimizer.allocation.errors import AllocationNotSolved
from optimizer.allocation.fairness import ItemNetwork, solve_item
from optimizer.allocation.model import AllocationProblem, Demand, Tier
from optimizer.allocation.reasons import explain
from optimizer.allocation.result import AllocationPlan, Fill, Shipment
from optimizer.allocation.shipping import Sink, cheapest_flows
from optimizer.allocation.supply import Unit, distance_km, unit_costs, units_for_item


def solve(problem: AllocationProblem, *, time_limit_s: float = 60.0) -> AllocationPlan:
    """Allocate the problem's sources to its demands; raises `AllocationNotSolved` if a stage
    cannot finish within `time_limit_s` seconds."""
    started = time.perf_counter()
    km = distance_km(problem)
    community_index = {c.id: n for n, c in enumerate(problem.communities)}
    by_item: dict[str, list[Demand]] = defaultdict(list)
    for d in problem.demands:
        by_item[d.item].append(d)
    shipments: list[Shipment] = []
    fills: list[Fill] = []
    all_units: dict[str, list[Unit]] = {}
    for item in problem.items:
        demands = by_item.get(item.code, [])
        if not demands:
            continue
        left = time_limit_s - (time.perf_counter() - started)
        if left <= 0:
            raise AllocationNotSolved(f"time limit of {time_limit_s} s reached before {item.code}")
        deadlines = sorted({d.deadline_h for d in demands})
        units = units_for_item(problem, item.code, deadlines)
        all_units[item.code] = units
        cls = {d: n for n, d in enumerate(deadlines)}
        net = ItemNetwork(
            capacities=[u.capacity for u in units],
            eligible=[
                (u, cls[d]) for u, unit in enumerate(units) for d in deadlines if unit.serves(d)
            ],
            demand_class=[cls[d.deadline_h] for d in demands],
            quantity=[d.quantity for d in demands],
            priority=[d.tier is Tier.PRIORITY for d in demands],
        )
        levels = solve_item(net, time_limit_s=left)
        for d, lp, got in zip(demands, levels.lp, levels.delivered, strict=True):
            fair = lp / d.quantity if d.quantity else 1.0
            fills.append(Fill(d.community, d.item, d.tier, d.quantity, got, fair, d.deadline_h))
        sink_total: dict[tuple[int, int], int] = defaultdict(int)
        for d, got in zip(demands, levels.delivered, strict=True):
            if got:
                sink_total[(community_index[d.community], d.deadline_h)] += got
        sinks = [Sink(c, dl, q) for (c, dl), q in sink_total.items()]
        flows = cheapest_flows(units, sinks, unit_costs(problem, item.code, units, km))
        lines: dict[tuple[int, int], list[int | float]] = {}
        for f in flows:
            line = lines.setdefault((f.unit, f.community), [0, 0.0])
            line[0] += f.quantity
            line[1] += f.cost
        for (u, c), (q, cost) in sorted(lines.items()):
            unit = units[u]
            shipments.append(
                Shipment(
                    source=problem.sources[unit.source].id,
                    community=problem.communities[c].id,
                    item=item.code,
                    quantity=int(q),
                    lot=unit.lot,
                    contract=unit.contract,
                    cost=round(cost),
                )
            )
    shipments = _merge_layers(shipments)
    return AllocationPlan(
        shipments=tuple(shipments),
        fills=tuple(fills),
        communities=explain(problem, fills, all_units),
        solve_seconds=time.perf_counter() - started,
    )


def _merge_layers(shipments: list[Shipment]) -> list[Shipment]:
    """One line per source, community, item and lot or contract (agreement layers merge)."""
    merged: dict[tuple[str, str, str, str | None, str | None], Shipment] = {}
    for s in shipments:
        key = (s.source, s.community, s.item, s.lot, s.contract)
        if key in merged:
            m = merged[key]
            merged[key] = Shipment(
                m.source,
                m.community,
                m.item,
                m.quantity + s.quantity,
                m.lot,
                m.contract,
                m.cost + s.cost,
            )
        else:
            merged[key] = s
    return list(merged.values())

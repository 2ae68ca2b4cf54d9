"""The cheapest shipments that deliver exactly the fair integer quantities of one item.

With every demand's delivered quantity fixed by the fairness stages, what remains is a
transportation problem: supply units to (community, deadline) sinks, on the arcs a unit
may serve. OR-Tools' min-cost flow solves it exactly and in integers. The unit cost of an
arc is transport (great-circle km × weight × rate) plus the supplier's price, in thousandths
of a minor unit; it is multiplied by the number of lot ranks and the lot's first-expiry rank
is added, so among equally cheap choices (lots of one depot) the earliest-expiring goes first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from optimizer.allocation.errors import AllocationNotSolved
from optimizer.allocation.supply import Unit


@dataclass(frozen=True)
class Sink:
    """A community's total delivered quantity of the item for one deadline."""

    community: int
    deadline_h: int
    quantity: int


@dataclass(frozen=True)
class Flow:
    unit: int
    community: int
    quantity: int
    cost: float
    """Money for this flow, in minor units."""


def cheapest_flows(
    units: list[Unit],
    sinks: list[Sink],
    money: npt.NDArray[np.float64],
) -> list[Flow]:
    """Min-cost shipments meeting every sink exactly. `money[u, community]` is the unit cost."""
    if not sinks:
        return []
    n_units = len(units)
    slack = n_units + len(sinks)
    deadline = np.array([s.deadline_h for s in sinks], dtype=np.int64)
    community = np.array([s.community for s in sinks], dtype=np.int64)
    need = np.array([s.quantity for s in sinks], dtype=np.int64)
    ranks = 1 + max(u.fefo_rank for u in units)
    tails, heads, caps, costs = [], [], [], []
    for u, unit in enumerate(units):
        ok = deadline >= unit.earliest_h
        if unit.latest_h is not None:
            ok &= deadline <= unit.latest_h
        idx = np.flatnonzero(ok)
        tails.append(np.full(idx.size + 1, u, dtype=np.int32))
        heads.append(np.append(n_units + idx, slack).astype(np.int32))
        caps.append(np.append(np.minimum(need[idx], unit.capacity), unit.capacity))
        milli = np.rint(money[u, community[idx]] * 1000).astype(np.int64)
        costs.append(np.append(milli * ranks + unit.fefo_rank, 0))
    flow = min_cost_flow.SimpleMinCostFlow()
    arc_tail = np.concatenate(tails)
    arc_head = np.concatenate(heads)
    flow.add_arcs_with_capacity_and_unit_cost(
        arc_tail, arc_head, np.concatenate(caps).astype(np.int64), np.concatenate(costs)
    )
    capacity = np.array([u.capacity for u in units], dtype=np.int64)
    supply = np.concatenate([capacity, -need, [-(capacity.sum() - need.sum())]])
    flow.set_nodes_supplies(np.arange(slack + 1, dtype=np.int32), supply.astype(np.int64))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise AllocationNotSolved(f"the shipment flow did not solve (status {status})")
    amounts = flow.flows(np.arange(arc_tail.size, dtype=np.int32))
    used = np.flatnonzero((amounts > 0) & (arc_head != slack))
    out: list[Flow] = []
    for a in used:
        u, s = int(arc_tail[a]), int(arc_head[a]) - n_units
        q = int(amounts[a])
        c = int(community[s])
        out.append(Flow(unit=u, community=c, quantity=q, cost=float(money[u, c]) * q))
    return out

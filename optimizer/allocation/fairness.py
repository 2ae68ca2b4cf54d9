"""Leximin fill rates for one item, then integer quantities within one unit of them.

The item's network is aggregated by deadline: every demand with the same deadline can be
served by exactly the same supply units, so the LP needs flows only from units to deadline
classes (`x[u, c]`) and one delivered quantity per demand (`y[k]`). Any delivered vector
that is feasible here can be realised by real shipments (it is a transportation problem),
so fairness decided on this small LP holds for the full plan.

**Leximin.** For each tier in turn (priority, then general), progressive filling:
maximise `t` with `y[k] >= t * q[k]` for every demand not yet fixed; the demands whose
row has a non-zero dual in that optimum are *saturated* (by complementary slackness, every
optimal solution gives them exactly `t * q[k]`), so they are fixed at level `t`; the others
are lifted in the next round. Rounds end when no demand is free. A round fixes at least one
demand; a round in which no dual is non-zero (degenerate LP) falls back to asking each free
demand alone whether it can rise above `t`. Priority levels stay fixed while general demand
is filled.

**Integers.** The LP levels `y*` are then rounded on the same network by a min-cost flow
with `floor(y*) <= y <= ceil(y*)`, rewarding each extra unit (priority extras above all
general ones), so as many units as possible are delivered. The LP point lies inside these
bounds, so by the integrality of network flows an integer solution exists and the flow
finds one: every demand gets its leximin level to within one unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.linear_solver import pywraplp

from optimizer.allocation.errors import AllocationNotSolved

_DUAL_TOL = 1e-9
_LEVEL_TOL = 1e-7
#: A fixed level is kept as a lower bound relaxed by this much, so that the rounding errors
#: of earlier rounds never make a later round infeasible.
_FIX_REL = 1e-7
_FIX_ABS = 1e-5


@dataclass(frozen=True)
class ItemNetwork:
    """One item's aggregated network: units, deadline classes, demands."""

    capacities: list[int]
    eligible: list[tuple[int, int]]
    """(unit, class) pairs a unit can serve."""
    demand_class: list[int]
    quantity: list[int]
    priority: list[bool]

    @property
    def classes(self) -> int:
        return 1 + max(self.demand_class, default=-1)


@dataclass(frozen=True)
class ItemLevels:
    lp: list[float]
    """Leximin quantity per demand (LP, fractional)."""
    delivered: list[int]
    """Integer quantity per demand, within one unit of `lp`."""


def leximin(net: ItemNetwork, *, time_limit_s: float) -> list[float]:
    """Leximin fill rate per demand: priority demands first, then general ones."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with every OR-Tools wheel
        raise AllocationNotSolved("the GLOP linear solver is not available")
    inf = solver.infinity()
    flows: dict[int, list[pywraplp.Variable]] = {}
    into: dict[int, list[pywraplp.Variable]] = {}
    for u, c in net.eligible:
        v = solver.NumVar(0.0, float(net.capacities[u]), "")
        flows.setdefault(u, []).append(v)
        into.setdefault(c, []).append(v)
    for u, vs in flows.items():
        if len(vs) > 1:
            solver.Add(solver.Sum(vs) <= net.capacities[u])
    y = [solver.NumVar(0.0, float(q), "") for q in net.quantity]
    members: dict[int, list[int]] = {}
    for k, c in enumerate(net.demand_class):
        members.setdefault(c, []).append(k)
    for c, ks in members.items():
        solver.Add(solver.Sum(into.get(c, [])) == solver.Sum([y[k] for k in ks]))
    t = solver.NumVar(0.0, 1.0, "t")
    rows = []
    for k in range(len(y)):
        row = solver.Constraint(0.0, inf)
        row.SetCoefficient(y[k], 1.0)
        rows.append(row)
    level = [1.0] * len(y)

    def fix(k: int, value: float) -> None:
        level[k] = value
        rows[k].SetCoefficient(t, 0.0)
        rows[k].SetLb(max(0.0, value * net.quantity[k] * (1 - _FIX_REL) - _FIX_ABS))

    def run() -> None:
        solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
        status = solver.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            raise AllocationNotSolved(f"a fairness LP stopped before it was optimal ({status})")

    for tier in (True, False):
        free = [k for k, p in enumerate(net.priority) if p is tier and net.quantity[k] > 0]
        for k in free:
            rows[k].SetCoefficient(t, -float(net.quantity[k]))
        while free:
            solver.Maximize(t)
            run()
            best = t.solution_value()
            best = 0.0 if best < _LEVEL_TOL else best
            if best >= 1 - 1e-9:
                saturated = list(free)
                best = 1.0
            else:
                saturated = [k for k in free if abs(rows[k].dual_value()) > _DUAL_TOL]
                if not saturated:
                    saturated = _cannot_rise(solver, t, y, free, best, net.quantity, run)
            for k in saturated:
                fix(k, best)
            done = set(saturated)
            free = [k for k in free if k not in done]
    return level


def _cannot_rise(
    solver: pywraplp.Solver,
    t: pywraplp.Variable,
    y: list[pywraplp.Variable],
    free: list[int],
    best: float,
    quantity: list[int],
    run: Callable[[], None],
) -> list[int]:
    """Free demands that cannot go above `best` while every other free one keeps it."""
    t.SetLb(max(0.0, best - 1e-9))
    stuck: list[int] = []
    for k in free:
        solver.Maximize(y[k])
        run()
        if y[k].solution_value() <= best * quantity[k] + _LEVEL_TOL:
            stuck.append(k)
    t.SetLb(0.0)
    if not stuck:
        raise AllocationNotSolved("the leximin sequence made no progress")
    return stuck


def round_levels(net: ItemNetwork, lp: list[float]) -> list[int]:
    """Integer deliveries with `floor(lp) <= y <= ceil(lp)` that deliver as much as possible."""
    for slack in (1e-6, 1e-4):
        lo = [max(0, math.floor(v + slack)) for v in lp]
        hi = [
            min(q, max(lo_k, math.ceil(v - slack)))
            for v, q, lo_k in zip(lp, net.quantity, lo, strict=True)
        ]
        result = _round_flow(net, lo, hi)
        if result is not None:
            return result
    raise AllocationNotSolved("no integer plan within one unit of the fair levels was found")


def _round_flow(net: ItemNetwork, lo: list[int], hi: list[int]) -> list[int] | None:
    n_units, n_classes, n_dem = len(net.capacities), net.classes, len(net.quantity)
    first_class, first_dem = n_units, n_units + n_classes
    sink = first_dem + n_dem
    general = sum(1 for p in net.priority if not p)
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []

    def arc(a: int, b: int, cap: int, cost: int) -> None:
        tails.append(a)
        heads.append(b)
        caps.append(cap)
        costs.append(cost)

    for u, c in net.eligible:
        arc(u, first_class + c, net.capacities[u], 0)
    for u, cap in enumerate(net.capacities):
        arc(u, sink, cap, 0)
    extras: list[int] = []
    for k, c in enumerate(net.demand_class):
        arc(first_class + c, first_dem + k, hi[k], 0)
        extras.append(len(tails))
        arc(first_dem + k, sink, hi[k] - lo[k], -(general + 1) if net.priority[k] else -1)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    supply = [*net.capacities, *([0] * n_classes), *(-v for v in lo)]
    supply.append(-(sum(net.capacities) - sum(lo)))
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), np.array(supply, dtype=np.int64))
    if flow.solve() != flow.OPTIMAL:
        return None
    return [lo[k] + int(flow.flow(extras[k])) for k in range(n_dem)]


def solve_item(net: ItemNetwork, *, time_limit_s: float) -> ItemLevels:
    """Leximin levels of one item and their integer rounding."""
    levels = leximin(net, time_limit_s=time_limit_s)
    lp = [lv * q for lv, q in zip(levels, net.quantity, strict=True)]
    return ItemLevels(lp=lp, delivered=round_levels(net, lp))

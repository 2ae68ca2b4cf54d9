"""An independent max-min LP, written from the rules (not from the solver's code), solved by
HiGHS through SciPy. Only the tests use it."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

from optimizer.allocation import AllocationProblem, Tier


def max_min_priority_fill(p: AllocationProblem) -> float:
    """The largest `t` such that every priority demand can receive `t × quantity`.

    Variables: one per (supply, demand) pair a rule allows, and `t`. Depots: a lot reaches
    a demand only if it does not expire before the deadline; for every set of a depot's
    longest-dated lots (all lots expiring at or after some date), what is shipped from them
    leaves the floor in place. Agreements: by each deadline, no more than
    `reserved + surge × days after the lead time` has been sent, nothing before the lead time.
    """
    demands = [d for d in p.demands if d.tier is Tier.PRIORITY and d.quantity > 0]
    if not demands:
        return 1.0
    pairs: list[tuple[tuple[str, ...], int]] = []
    rows: list[tuple[list[int], float]] = []
    for s in p.sources:
        for h in s.stock:
            lot_vars: dict[str, list[int]] = {}
            for lot in h.lots:
                for k, d in enumerate(demands):
                    if d.item == h.item and (
                        lot.expires_in_h is None or lot.expires_in_h >= d.deadline_h
                    ):
                        lot_vars.setdefault(lot.lot, []).append(len(pairs))
                        pairs.append(((s.id, lot.lot), k))
                rows.append((lot_vars.get(lot.lot, []), float(lot.quantity)))
            horizon = [np.inf if x.expires_in_h is None else x.expires_in_h for x in h.lots]
            for e in set(horizon):
                suffix = [x for x, hx in zip(h.lots, horizon, strict=True) if hx >= e]
                cols = [v for x in suffix for v in lot_vars.get(x.lot, [])]
                rows.append((cols, float(max(0, sum(x.quantity for x in suffix) - h.floor))))
        for a in s.agreements:
            a_vars: list[tuple[int, int]] = []
            for k, d in enumerate(demands):
                if d.item == a.item and a.lead_time_h <= d.deadline_h:
                    a_vars.append((len(pairs), d.deadline_h))
                    pairs.append(((s.id, a.contract), k))
            for dl in {d.deadline_h for d in demands}:
                cols = [v for v, vd in a_vars if vd <= dl]
                rows.append((cols, float(a.available_by(dl))))
    n = len(pairs) + 1
    t = n - 1
    a_ub = lil_matrix((len(rows) + 2 * len(demands), n))
    b_ub: list[float] = []
    for r, (cols, cap) in enumerate(rows):
        for c in cols:
            a_ub[r, c] = 1.0
        b_ub.append(cap)
    base = len(rows)
    for k, d in enumerate(demands):
        cols = [v for v, (_, kk) in enumerate(pairs) if kk == k]
        for c in cols:
            a_ub[base + 2 * k, c] = -1.0  # t q - delivered <= 0
            a_ub[base + 2 * k + 1, c] = 1.0  # delivered <= q
        a_ub[base + 2 * k, t] = float(d.quantity)
        b_ub += [0.0, float(d.quantity)]
    cost = np.zeros(n)
    cost[t] = -1.0
    bounds = [(0, None)] * (n - 1) + [(0, 1)]
    res = linprog(cost, A_ub=a_ub.tocsr(), b_ub=b_ub, bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return float(res.x[t])

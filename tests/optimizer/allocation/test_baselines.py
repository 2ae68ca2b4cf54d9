"""The baselines are feasible plans, so the solver's worst-off priority fill is never worse."""

from __future__ import annotations

from optimizer.allocation import Tier, solve
from optimizer.allocation.baselines import nearest_first, proportional
from optimizer.allocation.synthetic import district


def test_no_baseline_beats_the_solver_on_the_worst_off_priority_demand() -> None:
    p = district(15, 6, 4, seed=7)
    plan = solve(p, time_limit_s=30)
    priority = [(k, d) for k, d in enumerate(p.demands) if d.tier is Tier.PRIORITY and d.quantity]
    for baseline in (proportional(p), nearest_first(p)):
        for k, d in enumerate(p.demands):
            assert 0 <= baseline.delivered.get(k, 0) <= d.quantity
        worst = min(baseline.delivered.get(k, 0) / d.quantity for k, d in priority)
        slack = max(1 / d.quantity for _, d in priority)
        assert plan.min_fill(Tier.PRIORITY) >= worst - slack

"""Check a benchmark solution on its own, without trusting the solver that produced it.

Used by the benchmark (a cost only counts when the routes are feasible) and by the tests
(the published best-known solutions must pass and reproduce their cost).
"""

from __future__ import annotations

from optimizer.routing.formats import BenchmarkInstance


def solution_problems(instance: BenchmarkInstance, routes: list[list[int]]) -> list[str]:
    """Everything wrong with `routes` (customer numbers 1..n): coverage, capacity, windows."""
    out: list[str] = []
    seen = [c for r in routes for c in r]
    n = instance.num_customers
    if sorted(seen) != list(range(1, n + 1)):
        missing = sorted(set(range(1, n + 1)) - set(seen))
        twice = sorted({c for c in seen if seen.count(c) > 1})
        out.append(f"customers not served exactly once: missing {missing[:10]}, twice {twice[:10]}")
    if len(routes) > instance.fleet:
        out.append(f"{len(routes)} routes but a fleet of {instance.fleet}")
    for k, route in enumerate(routes, start=1):
        load = int(sum(instance.demands[c] for c in route if 0 < c <= n))
        if load > instance.capacity:
            out.append(f"route {k}: load {load} exceeds capacity {instance.capacity}")
        if instance.windows is not None and instance.service is not None:
            late = _first_late(instance, route)
            if late is not None:
                out.append(f"route {k}: arrives after the time window closes at {late}")
    return out


def _first_late(instance: BenchmarkInstance, route: list[int]) -> int | None:
    """The first node (0 = the depot on return) reached after its window closes, if any."""
    assert instance.windows is not None
    assert instance.service is not None
    t = int(instance.windows[0, 0])
    prev = 0
    for node in [*route, 0]:
        if not 0 <= node <= instance.num_customers:
            return node
        t = max(t + int(instance.distances[prev, node]), int(instance.windows[node, 0]))
        if t > instance.windows[node, 1]:
            return node
        t += int(instance.service[node])
        prev = node
    return None

"""Reach benchmark: the share of allocated units that reach a destination, and the time to
plan the waves, on the demo district and on a generated district, side by side with one
wave (the plan's whole horizon due by its deadline, as before waves).

    python -m bench.reach [--seed 1] [--time-limit 10] [--skip-demo]

* **Generated district**: `optimizer.allocation.synthetic.district(300 communities, 40
  sources, 40 items)` is allocated (`optimizer.allocation.solve`); every community receives
  at its own place (a distribution point where it has no depot); 20 trucks of 2–5 t start at
  the depot sources that hold most; demand is spread evenly over a 14-day horizon, in waves
  of 72 h. Agreement lines are called on from their suppliers (delivery orders), so they
  reach their destination by definition; depot lines are routed. The same loads are routed
  once in waves (`route_waves`) and once as a single wave due at 72 h.
* **Demo district**: `relief demo` on a fresh SQLite database; the plan's balance is read
  from the database, and its routes are planned again to time them.

Writes bench/results/reach.json and reach.md, with the load average of the run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.planning import (
    DAY_S,
    MAX_TRIPS,
    DispatchProblem,
    DispatchRoutes,
    FleetVehicle,
    Load,
    Wave,
    route,
    route_waves,
)
from dispatch.routes import split
from optimizer.allocation import solve
from optimizer.allocation.model import SourceKind
from optimizer.allocation.synthetic import district
from optimizer.routing.travel import Point

RESULTS = Path(__file__).resolve().parent / "results"
HORIZON_DAYS = 14
WAVE_H = 72
TRUCKS = 20


def generated(seed: int, time_limit_s: float) -> dict[str, Any]:
    problem = district(300, 40, 40, seed=seed)
    started = time.perf_counter()
    plan = solve(problem, time_limit_s=60.0)
    allocate_s = time.perf_counter() - started
    kinds = {s.id: s.kind for s in problem.sources}
    weights = {i.code: i.unit_weight_g for i in problem.items}
    depots = {s.id: n for n, s in enumerate(problem.sources, start=1)}
    communities = {c.id: n for n, c in enumerate(problem.communities, start=1)}
    allocated = sum(s.quantity for s in plan.shipments)
    by_supplier = sum(s.quantity for s in plan.shipments if kinds[s.source] is SourceKind.AGREEMENT)
    rng = np.random.default_rng(seed)
    held = Counter[str]()
    for s in plan.shipments:
        if kinds[s.source] is SourceKind.DEPOT:
            held[s.source] += s.quantity * weights[s.item]
    starts = [sid for sid, _ in held.most_common(TRUCKS)]
    fleet = tuple(
        FleetVehicle(
            n,
            f"T{n}",
            int(rng.choice([2000, 3000, 5000])),
            30_000,
            depots[starts[(n - 1) % len(starts)]],
            depots[starts[(n - 1) % len(starts)]],
            600,
            40.0,
        )
        for n in range(1, TRUCKS + 1)
    )
    waves = tuple(
        Wave(k + 1, k * WAVE_H * 3600, (k + 1) * WAVE_H * 3600)
        for k in range(-(-HORIZON_DAYS * 24 // WAVE_H))
    )
    days_of = [
        sum(1 for d in range(HORIZON_DAYS) if w.opens_s <= d * DAY_S < w.due_s) for w in waves
    ]
    waved: list[Load] = []
    single: list[Load] = []
    for n, s in enumerate(plan.shipments):
        if kinds[s.source] is not SourceKind.DEPOT:
            continue
        base = Load(
            n,
            depots[s.source],
            communities[s.community],
            hash(s.item) % 10_000,
            n,
            s.quantity,
            weights[s.item],
            weights[s.item],
        )
        single.append(base)
        for k, q in enumerate(split(s.quantity, [float(x) for x in days_of]), start=1):
            if q:
                waved.append(replace(base, quantity=q, wave=k))
    places = {depots[s.id]: Point(s.location.lat, s.location.lon) for s in problem.sources}
    points = {communities[c.id]: Point(c.location.lat, c.location.lon) for c in problem.communities}
    common: dict[str, Any] = {"vehicles": fleet, "depots": places, "communities": points}
    weight_of = {x.line_id: x.unit_weight_g for x in single}
    fleet_kg = sum(v.weight_capacity_kg for v in fleet)
    depot_t = sum(x.quantity * x.unit_weight_g for x in single) / 1e6
    out: dict[str, Any] = {
        "communities": 300,
        "sources": 40,
        "items": 40,
        "trucks": TRUCKS,
        "allocate_s": round(allocate_s, 1),
        "allocated": allocated,
        "by_supplier": by_supplier,
        "depot_lines_t": round(depot_t, 1),
    }

    def waved_routes(p: DispatchProblem) -> DispatchRoutes:
        return route_waves(p, waves, seed=seed, time_limit_s=time_limit_s)

    def one_wave(p: DispatchProblem) -> DispatchRoutes:
        single_wave = DispatchProblem(**common, loads=p.loads, deadline_s=WAVE_H * 3600)
        return route(single_wave, seed=seed, time_limit_s=time_limit_s)

    runs: list[tuple[str, list[Load], Callable[[DispatchProblem], DispatchRoutes]]] = [
        ("waves", waved, waved_routes),
        ("one wave", single, one_wave),
    ]
    for name, loads, run in runs:
        problem_ = DispatchProblem(loads=tuple(loads), **common)
        started = time.perf_counter()
        routes: DispatchRoutes = run(problem_)
        seconds = time.perf_counter() - started
        carried = sum(c.quantity for t in routes.trips for st in t.stops for c in st.cargo)
        left = Counter[str]()
        for x in routes.left_out:
            left[x.reason] += sum(c.quantity for c in x.cargo)
        reaching = carried + by_supplier
        assert reaching + sum(left.values()) == allocated, "the balance must add up"
        kg = sum(
            c.quantity * weight_of[c.line_id]
            for t in routes.trips
            for st in t.stops
            for c in st.cargo
        )
        days = HORIZON_DAYS if name == "waves" else WAVE_H // 24
        out[name] = {
            "seconds": round(seconds, 1),
            "trips": len(routes.trips),
            "carried": carried,
            "carried_t": round(kg / 1e6, 1),
            "fleet_bound_t": round(fleet_kg * MAX_TRIPS * days / 1000, 1),
            "left_out": dict(left),
            "reach_share": round(reaching / allocated, 4),
        }
    return out


def demo(time_limit_s: float) -> dict[str, Any]:
    """`relief demo` on a fresh database; its balance, and its routes planned again."""
    from core.clock import utcnow
    from core.db import make_engine, session_scope
    from dispatch import service as dispatch
    from dispatch.schemas import RoutesCreate
    from inventory import service as inventory
    from plans import service as plans

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/relief.db"
        env = {**os.environ, "RELIEF_DATA_DIR": tmp, "DATABASE_URL": url}
        relief = Path(sys.executable).with_name("relief")
        started = time.perf_counter()
        subprocess.run([str(relief), "demo"], env=env, check=True, capture_output=True)
        demo_s = time.perf_counter() - started
        engine = make_engine(url)
        with session_scope(engine) as session:
            [district_] = inventory.list_districts(session)
            plan = plans.list_plans(session, district_.id or 0)[0]
            b = dispatch.plan_balance(session, plan.id or 0)
            started = time.perf_counter()
            again = dispatch.create_routes(
                session,
                plan.id or 0,
                RoutesCreate(seed=0, departs_at=plan.approved_at or utcnow()),
                actor="bench",
                now=utcnow(),
                time_limit_s=time_limit_s,
            )
            routes_s = time.perf_counter() - started
            summary = dict(again.summary)
            session.rollback()
        engine.dispose()
    t = b.total
    return {
        "demo_s": round(demo_s, 1),
        "allocated": t.allocated,
        "dispatched": t.dispatched,
        "by_supplier": t.by_supplier,
        "at_destination": t.at_destination,
        "left_out": t.left_out,
        "pending": t.pending,
        "adds_up": b.adds_up,
        "reach_share": round(b.reach_share, 4),
        "routes_s": round(routes_s, 1),
        "waves": summary.get("waves"),
        "trips": summary.get("trips"),
    }


def markdown(result: dict[str, Any]) -> str:
    g = result["generated"]
    lines = [
        "# Reach: allocated units that reach a destination, and the time to plan the waves",
        "",
        f"Run {result['when']}, load average {result['load']}, routing limit "
        f"{result['time_limit_s']} s, seed {result['seed']}. `python -m bench.reach`.",
        "",
        f"## Generated district ({g['communities']} communities, {g['sources']} sources, "
        f"{g['items']} items, {g['trucks']} trucks)",
        "",
        f"Allocated {g['allocated']:,} units in {g['allocate_s']} s; {g['by_supplier']:,} "
        "called on from agreement suppliers.",
        "",
        f"Depot lines weigh {g['depot_lines_t']:,} t. The fleet's bound is its capacity × "
        f"{MAX_TRIPS} trips a shift × the days it has (14 in waves, 3 before the single "
        "72 h deadline).",
        "",
        "| routing | time | trips | carried by the fleet | of the fleet's bound | left out "
        "| reach a destination |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for name in ("waves", "one wave"):
        r = g[name]
        left = ", ".join(f"{k} {v:,}" for k, v in r["left_out"].items()) or "none"
        lines.append(
            f"| {name} | {r['seconds']} s | {r['trips']} | {r['carried']:,} units, "
            f"{r['carried_t']:,} t | {r['carried_t'] / r['fleet_bound_t']:.0%} of "
            f"{r['fleet_bound_t']:,} t | {left} | {r['reach_share']:.1%} |"
        )
    if "demo" in result:
        d = result["demo"]
        left = ", ".join(f"{k} {v:,}" for k, v in d["left_out"].items()) or "none"
        lines += [
            "",
            "## Demo district (`relief demo`)",
            "",
            f"Allocated {d['allocated']:,} = dispatched {d['dispatched']:,} + by suppliers "
            f"{d['by_supplier']:,} + already there {d['at_destination']:,} + left out ({left})"
            f" + not routed {d['pending']:,}; adds up: {d['adds_up']}; "
            f"**{d['reach_share']:.1%} reach a destination**.",
            "",
            f"Planning its routes again: {d['waves']} waves, {d['trips']} trips in "
            f"{d['routes_s']} s. The whole demo took {d['demo_s']} s.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "time_limit_s": args.time_limit,
        "seed": args.seed,
        "generated": generated(args.seed, args.time_limit),
    }
    if not args.skip_demo:
        result["demo"] = demo(args.time_limit)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reach.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "reach.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()

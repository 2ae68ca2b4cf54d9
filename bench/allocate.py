"""Allocation benchmark: solve time and memory for growing districts, and fairness and cost
against two baselines a coordinator would otherwise use, in the same run.

    python -m bench.allocate [--repeats 3] [--seed 1] [--sizes 50x20,200x60,1000x200]

Problems come from the seeded generator `optimizer.allocation.synthetic.district` (40 items;
there is no public allocation data set). Each size is solved `--repeats` times, each solve
in a fresh process so that its peak resident memory can be read; times are medians. The
baselines run on the same problem: proportional rationing and nearest-depot-first.
Writes bench/results/allocate.json, allocate.md and allocate.png (time against size).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.allocation import AllocationProblem, Tier, solve
from optimizer.allocation.baselines import nearest_first, proportional
from optimizer.allocation.synthetic import district

RESULTS = Path(__file__).resolve().parent / "results"
ITEMS = 40
TARGET_S = 30.0


def gini(values: list[float]) -> float:
    """Gini coefficient of non-negative values (0: all equal)."""
    x = np.sort(np.asarray(values, dtype=float))
    if x.size == 0 or x.sum() == 0:
        return 0.0
    n = x.size
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


def spread(problem: AllocationProblem, delivered: dict[int, int], cost: float) -> dict[str, Any]:
    out: dict[str, Any] = {"cost": round(cost)}
    total = 0
    for tier in Tier:
        rates = [
            delivered.get(k, 0) / d.quantity
            for k, d in enumerate(problem.demands)
            if d.tier is tier and d.quantity
        ]
        out[f"min_{tier}"] = round(min(rates, default=1.0), 4)
        out[f"gini_{tier}"] = round(gini(rates), 4)
    total = sum(delivered.values())
    out["delivered_share"] = round(total / sum(d.quantity for d in problem.demands), 4)
    return out


def _child(communities: int, sources: int, seed: int, queue: Any) -> None:
    problem = district(communities, sources, ITEMS, seed=seed)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    plan = solve(problem, time_limit_s=600)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    index = {(d.community, d.item, d.tier): k for k, d in enumerate(problem.demands)}
    delivered = {index[(f.community, f.item, f.tier)]: f.delivered for f in plan.fills}
    queue.put(
        {
            "seconds": seconds,
            "peak_rss_mb": peak / 1024,
            "solve_rss_mb": (peak - before) / 1024,
            "shipments": len(plan.shipments),
            "ours": spread(problem, delivered, float(plan.cost)),
        }
    )


def run_size(communities: int, sources: int, *, seed: int, repeats: int) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    runs = []
    for _ in range(repeats):
        queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=(communities, sources, seed, queue))
        proc.start()
        runs.append(queue.get())
        proc.join()
    problem = district(communities, sources, ITEMS, seed=seed)
    row: dict[str, Any] = {
        "communities": communities,
        "sources": sources,
        "items": ITEMS,
        "demands": len(problem.demands),
        "solve_s_median": round(statistics.median(r["seconds"] for r in runs), 3),
        "solve_s_runs": [round(r["seconds"], 3) for r in runs],
        "peak_rss_mb_median": round(statistics.median(r["peak_rss_mb"] for r in runs), 1),
        "solve_rss_mb_median": round(statistics.median(r["solve_rss_mb"] for r in runs), 1),
        "shipments": runs[0]["shipments"],
        "ours": runs[0]["ours"],
    }
    for name, baseline in (("proportional", proportional), ("nearest_first", nearest_first)):
        started = time.perf_counter()
        plan = baseline(problem)
        row[name] = spread(problem, plan.delivered, plan.cost)
        row[name]["seconds"] = round(time.perf_counter() - started, 3)
    row["cost_ratio_vs_proportional"] = round(row["ours"]["cost"] / row["proportional"]["cost"], 3)
    row["cost_ratio_vs_nearest_first"] = round(
        row["ours"]["cost"] / row["nearest_first"]["cost"], 3
    )
    return row


def write(rows: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "allocate.json").write_text(json.dumps({**meta, "sizes": rows}, indent=2) + "\n")
    lines = [
        "# Allocation benchmark",
        "",
        "`python -m bench.allocate` — seeded synthetic districts, 40 items; solve time is the "
        f"median of {meta['repeats']} runs (each in a fresh process), memory is the peak "
        f"resident set of that process. Target: 1,000 × 200 × 40 under {TARGET_S:.0f} s.",
        "",
        "| communities × sources | demands | solve s (median) | peak RSS MB | shipments |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['communities']:,} × {r['sources']} | {r['demands']:,} | {r['solve_s_median']} "
            f"| {r['peak_rss_mb_median']} | {r['shipments']:,} |"
        )
    lines += [
        "",
        "Fairness and cost against the baselines on the same problems (fill rates per "
        "community × item × tier; cost in minor units; ratio = ours / baseline):",
        "",
        "| size | plan | min priority | Gini priority | min general | Gini general "
        "| delivered | cost | cost ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        size = f"{r['communities']:,} × {r['sources']}"
        for name in ("ours", "proportional", "nearest_first"):
            s = r[name]
            ratio = "1" if name == "ours" else f"{r['ours']['cost'] / s['cost']:.3f}"
            lines.append(
                f"| {size} | {name.replace('_', '-')} | {s['min_priority']:.3f} "
                f"| {s['gini_priority']:.3f} | {s['min_general']:.3f} | {s['gini_general']:.3f} "
                f"| {s['delivered_share']:.1%} | {s['cost']:,} | {ratio} |"
            )
    lines += ["", f"Machine: {meta['cpus']} CPUs. Seed {meta['seed']}.", ""]
    (RESULTS / "allocate.md").write_text("\n".join(lines))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    arcs = [r["communities"] * r["sources"] for r in rows]
    ax.loglog(arcs, [r["solve_s_median"] for r in rows], "o-", label="solve (median)")
    ax.axhline(TARGET_S, color="grey", linestyle="--", label=f"target {TARGET_S:.0f} s")
    ax.set_xlabel("communities × sources (40 items)")
    ax.set_ylabel("seconds")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "allocate.png", dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", default="50x20,200x60,1000x200")
    args = parser.parse_args()
    rows = []
    for size in args.sizes.split(","):
        c, s = (int(x) for x in size.split("x"))
        rows.append(run_size(c, s, seed=args.seed, repeats=args.repeats))
        print(json.dumps(rows[-1]))
    write(rows, {"repeats": args.repeats, "seed": args.seed, "cpus": os.cpu_count()})


if __name__ == "__main__":
    main()

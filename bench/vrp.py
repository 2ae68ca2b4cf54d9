"""Routing quality against the literature: our solver next to PyVRP, same limits, same run.

For every instance in `shared/bench/vrp/` (CVRPLIB `.vrp` and LKH-3 `.vrptw`) and every time
limit, both solvers get the same integer distance matrix (the benchmark's own convention,
see `optimizer.routing.formats`), each solution is re-checked by `verify.solution_problems`,
and the gap to the best-known solution is `100 * (cost - BKS) / BKS`.

    python -m bench.vrp                       # all instances, 10 s and 30 s
    python -m bench.vrp --limits 5 --only X-n101-k25 R101   # a quick subset
    python -m bench.vrp --scaling             # also the 302/400-customer X instances

Writes `bench/results/<out>.json` and `bench/results/<out>.md` (`--out`, default `vrp`).
Ours runs `--workers` processes (default 2, one per core); PyVRP is single-threaded, so at
equal wall-clock limits ours uses up to twice the CPU time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from optimizer.routing.formats import BenchmarkInstance, customer_routes, read_instance
from optimizer.routing.solver import solve
from optimizer.routing.verify import solution_problems

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RELIEF_SHARED_DIR", REPO_ROOT.parent / "shared"))
VRP_DIR = SHARED / "bench" / "vrp"
RESULTS = REPO_ROOT / "bench" / "results"


def load_bks(folder: Path) -> dict[str, tuple[str, float]]:
    with (folder / "bks.csv").open() as fh:
        return {row["instance"]: (row["problem"], float(row["bks"])) for row in csv.DictReader(fh)}


def instance_files(scaling: bool) -> list[tuple[Path, float, str]]:
    """(file, BKS, problem kind) for every benchmark instance, in `bks.csv` order."""
    out: list[tuple[Path, float, str]] = []
    folders = [VRP_DIR, VRP_DIR / "scaling"] if scaling else [VRP_DIR]
    for folder in folders:
        for name, (kind, bks) in load_bks(folder).items():
            pattern = f"{name}.vrp" if kind == "CVRP" else f"{name}.*.vrptw"
            files = sorted(folder.glob(pattern)) + sorted(folder.glob(f"*/{pattern}"))
            if not files:
                raise FileNotFoundError(f"{name}: no instance file under {folder.name}")
            out.append((files[0], bks, kind))
    return out


def pyvrp_data(inst: BenchmarkInstance) -> pyvrp.ProblemData:
    """The same instance for PyVRP, on our integer matrix so both share one convention."""
    n = inst.num_customers
    windows = inst.windows
    service = inst.service
    clients = [
        pyvrp.Client(
            location=i,
            delivery=[int(inst.demands[i])],
            service_duration=int(service[i]) if service is not None else 0,
            tw_early=int(windows[i, 0]) if windows is not None else 0,
            tw_late=int(windows[i, 1]) if windows is not None else np.iinfo(np.int64).max,
        )
        for i in range(1, n + 1)
    ]
    durations = inst.distances if windows is not None else np.zeros_like(inst.distances)
    depot_late = int(windows[0, 1]) if windows is not None else np.iinfo(np.int64).max
    return pyvrp.ProblemData(
        locations=[pyvrp.Location(float(x), float(y)) for x, y in inst.coords],
        clients=clients,
        depots=[pyvrp.Depot(location=0, tw_early=0, tw_late=depot_late)],
        vehicle_types=[
            pyvrp.VehicleType(
                num_available=inst.fleet, capacity=[inst.capacity], tw_early=0, tw_late=depot_late
            )
        ],
        distance_matrices=[inst.distances],  # type: ignore[list-item]
        duration_matrices=[durations],  # type: ignore[list-item]
    )


def run_ours(
    inst: BenchmarkInstance, limit: float, seed: int, workers: int
) -> tuple[list[list[int]], float]:
    started = time.perf_counter()
    result = solve(inst.to_problem(), seed=seed, time_limit_s=limit, workers=workers)
    if result.unserved:
        return [], time.perf_counter() - started
    return customer_routes(result), time.perf_counter() - started


def run_pyvrp(inst: BenchmarkInstance, limit: float, seed: int) -> tuple[list[list[int]], float]:
    started = time.perf_counter()
    result = pyvrp.solve(pyvrp_data(inst), stop=MaxRuntime(limit), seed=seed, display=False)
    # A route's activities include its depots; a client activity's idx counts clients from
    # 0, so customer number = idx + 1.
    routes = (
        [[a.idx + 1 for a in r if a.is_client()] for r in result.best.routes()]
        if result.is_feasible()
        else []
    )
    return routes, time.perf_counter() - started


def score(
    inst: BenchmarkInstance, bks: float, routes: list[list[int]], wall: float
) -> dict[str, Any]:
    problems = solution_problems(inst, routes) if routes else ["no feasible solution"]
    cost = inst.cost(routes) / inst.scale if routes else None
    gap = 100 * (cost - bks) / bks if cost is not None and not problems else None
    return {
        "cost": cost,
        "gap_pct": None if gap is None else round(gap, 3),
        "routes": len(routes),
        "time_s": round(wall, 2),
        "feasible": not problems,
        "problems": problems[:3],
    }


def summarise(rows: list[dict[str, Any]], limits: list[float]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for limit in limits:
        at = [r for r in rows if r["limit_s"] == limit]
        entry: dict[str, Any] = {}
        for solver in ("ours", "pyvrp"):
            gaps = [r[solver]["gap_pct"] for r in at if r[solver]["gap_pct"] is not None]
            entry[solver] = {
                "mean_gap_pct": round(statistics.mean(gaps), 3) if gaps else None,
                "median_gap_pct": round(statistics.median(gaps), 3) if gaps else None,
                "feasible": f"{len(gaps)}/{len(at)}",
            }
        ratios = [
            r["ours"]["cost"] / r["pyvrp"]["cost"]
            for r in at
            if r["ours"]["feasible"] and r["pyvrp"]["feasible"]
        ]
        entry["median_cost_ratio_ours_to_pyvrp"] = (
            round(statistics.median(ratios), 4) if ratios else None
        )
        for kind in ("CVRP", "VRPTW"):
            sub = [r for r in at if r["problem"] == kind]
            for solver in ("ours", "pyvrp"):
                gaps = [r[solver]["gap_pct"] for r in sub if r[solver]["gap_pct"] is not None]
                entry[f"{solver}_mean_gap_{kind}"] = (
                    round(statistics.mean(gaps), 3) if gaps else None
                )
        out[f"{limit:g}s"] = entry
    return out


def markdown(rows: list[dict[str, Any]], summary: dict[str, Any], meta: dict[str, Any]) -> str:
    def fmt(x: float | None) -> str:
        return "—" if x is None else f"{x:.2f}"

    lines = [
        "# VRP benchmark: ours (OR-Tools: portfolio ILS, then region decomposition) vs PyVRP",
        "",
        f"Command: `{meta['command']}`; {meta['workers']} worker(s) for ours, "
        f"PyVRP single-threaded; seed {meta['seed']}; {meta['cpus']} CPUs shared.",
        "Gap = 100 × (cost − BKS) / BKS under each benchmark's distance convention; "
        "— = no feasible solution.",
        "",
        "| instance | type | n | BKS | limit s | ours gap % | PyVRP gap % | ours s | PyVRP s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['instance']} | {r['problem']} | {r['n']} | {r['bks']:g} | {r['limit_s']:g} | "
            f"{fmt(r['ours']['gap_pct'])} | {fmt(r['pyvrp']['gap_pct'])} | "
            f"{r['ours']['time_s']:.1f} | {r['pyvrp']['time_s']:.1f} |"
        )
    lines += [
        "",
        "| limit | ours mean gap % | PyVRP mean gap % | ours median | PyVRP median | "
        "ours CVRP / VRPTW mean | PyVRP CVRP / VRPTW mean | median cost ratio ours/PyVRP |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for limit, s in summary.items():
        lines.append(
            f"| {limit} | {fmt(s['ours']['mean_gap_pct'])} | {fmt(s['pyvrp']['mean_gap_pct'])} | "
            f"{fmt(s['ours']['median_gap_pct'])} | {fmt(s['pyvrp']['median_gap_pct'])} | "
            f"{fmt(s['ours_mean_gap_CVRP'])} / {fmt(s['ours_mean_gap_VRPTW'])} | "
            f"{fmt(s['pyvrp_mean_gap_CVRP'])} / {fmt(s['pyvrp_mean_gap_VRPTW'])} | "
            f"{s['median_cost_ratio_ours_to_pyvrp']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", type=float, nargs="+", default=[10.0, 30.0])
    parser.add_argument("--only", nargs="*", help="instance names (default: all)")
    parser.add_argument("--scaling", action="store_true", help="add the scaling/ instances")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="vrp", help="result file stem in bench/results/")
    args = parser.parse_args(argv)

    rows: list[dict[str, Any]] = []
    for path, bks, kind in instance_files(args.scaling):
        inst = read_instance(path)
        if args.only and inst.name not in args.only:
            continue
        for limit in args.limits:
            ours = score(inst, bks, *run_ours(inst, limit, args.seed, args.workers))
            peer = score(inst, bks, *run_pyvrp(inst, limit, args.seed))
            row = {
                "instance": inst.name,
                "problem": kind,
                "n": inst.num_customers,
                "bks": bks,
                "limit_s": limit,
                "ours": ours,
                "pyvrp": peer,
            }
            rows.append(row)
            print(
                f"{inst.name:12} {limit:>4g}s  ours {ours['gap_pct']}%  pyvrp {peer['gap_pct']}%",
                flush=True,
            )
    summary = summarise(rows, args.limits)
    command = "python -m bench.vrp" + (f" {' '.join(argv)}" if argv else "")
    meta = {
        "command": command,
        "seed": args.seed,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "ortools": _version("ortools"),
        "pyvrp": _version("pyvrp"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "summary": summary, "rows": rows}
    (RESULTS / f"{args.out}.json").write_text(json.dumps(payload, indent=2) + "\n")
    (RESULTS / f"{args.out}.md").write_text(markdown(rows, summary, meta))
    print(json.dumps(summary, indent=2))


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])

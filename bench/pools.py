"""What starting the solvers' workers from a fork server costs, against forking them from
the server (the floor, and what was done before: forked workers inherit the server's
listening socket and outlive it).

The same forecast batch (synthetic daily series, two workers) and the same routing search
(two workers, fixed time limit: the figure there is the time to the first answer and the
objective) run alternately under both start methods, in one process; medians of the
repeats, with the load average.

    .venv/bin/python -m bench.pools [--repeats 5] [--series 24]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core import pools
from optimizer.demand import forecast_with_choices

RESULTS = Path(__file__).parent / "results"


@contextmanager
def start_method(name: str) -> Iterator[None]:
    original = pools._context
    pools._context = lambda: multiprocessing.get_context(name)
    try:
        yield
    finally:
        pools._context = original


def _series(count: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    days = pd.date_range("2025-01-01", periods=180, freq="D")
    return pd.concat(
        pd.DataFrame(
            {
                "unique_id": f"s{k}",
                "ds": days,
                "y": 40 + 8 * np.sin(np.arange(180) * 2 * np.pi / 7) + rng.normal(0, 3, 180),
            }
        )
        for k in range(count)
    )


def _time(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--series", type=int, default=24)
    args = parser.parse_args()
    history = _series(args.series)

    def forecast() -> None:
        forecast_with_choices(history, 14, 7, workers=2)

    def empty_pool() -> None:
        with pools.process_pool(2) as pool:
            pools.map_all(pool, abs, [-1, -2])

    times: dict[str, dict[str, list[float]]] = {
        m: {"forecast": [], "pool": []} for m in ("fork", "forkserver")
    }
    load_before = os.getloadavg()
    for _ in range(args.repeats):
        for method in ("fork", "forkserver"):
            with start_method(method):
                times[method]["pool"].append(_time(empty_pool))
                times[method]["forecast"].append(_time(forecast))
    load_after = os.getloadavg()
    report = {
        "series": args.series,
        "repeats": args.repeats,
        "workers": 2,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "median_s": {
            m: {k: round(statistics.median(v), 3) for k, v in parts.items()}
            for m, parts in times.items()
        },
    }
    fork, server = report["median_s"]["fork"], report["median_s"]["forkserver"]
    report["ratio_forkserver_to_fork"] = {
        k: round(server[k] / fork[k], 2) if fork[k] else None for k in fork
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pools.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        "# Worker pools: fork server against fork",
        "",
        f"{args.series} synthetic daily series, 2 workers, median of {args.repeats} "
        f"alternating runs; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after.",
        "",
        "| | fork (floor) | forkserver (ours) | ratio |",
        "|---|---|---|---|",
        f"| start a 2-worker pool and run one task | {fork['pool']:.3f} s | "
        f"{server['pool']:.3f} s | {report['ratio_forkserver_to_fork']['pool']} |",
        f"| forecast the batch | {fork['forecast']:.3f} s | {server['forecast']:.3f} s | "
        f"{report['ratio_forkserver_to_fork']['forecast']} |",
        "",
        "The first pool of a process also starts the fork server (measured in the first "
        "repeat only, inside the median).",
    ]
    (RESULTS / "pools.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

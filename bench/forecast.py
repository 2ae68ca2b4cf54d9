"""Forecast accuracy, interval coverage and speed: ours against statsforecast, one run.

Reads the real series in ``shared/bench/forecast/`` (beside the repository, or where
``RELIEF_SHARED_DIR`` points), forecasts each subset with the horizon and season length
its README gives, and scores the test part the competitions' way: MASE with the
source's ``m`` over the whole training part, sMAPE (0/0 counted as 0), and the share of
test values inside the 80 % and 95 % intervals; each averaged per series, then across
series. Methods: our automatic choice (``optimizer.demand.forecast``), seasonal naive,
statsforecast AutoETS and AutoARIMA, all on the same training data, in the same run.

    python -m bench.forecast                 # the full run (about a quarter of an hour)
    python -m bench.forecast --per-subset 8  # a quick look on a slice
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimizer.demand import forecast_with_choices

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("RELIEF_SHARED_DIR", REPO_ROOT.parent / "shared"))
DATA = SHARED / "bench" / "forecast"
RESULTS = REPO_ROOT / "bench" / "results"
LEVELS = (80, 95)
PEERS = ("AutoETS", "AutoARIMA", "SeasonalNaive")


def load(per_subset: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Series (long, integer positions as ``ds``) and their metadata, optionally sliced."""
    meta = pd.read_csv(DATA / "meta.csv")
    if per_subset is not None:
        meta = meta.groupby("subset", sort=False).head(per_subset)
    series = pd.read_csv(DATA / "series.csv", usecols=["unique_id", "t", "y", "split"])
    series = series[series["unique_id"].isin(meta["unique_id"])]
    series = series.rename(columns={"t": "ds"})
    return series, meta


def run_ours(train: pd.DataFrame, h: int, m: int, workers: int) -> tuple[pd.DataFrame, float]:
    start = time.perf_counter()
    result = forecast_with_choices(train, h, m, LEVELS, workers=workers)
    elapsed = time.perf_counter() - start
    fc = result.forecast.rename(columns=lambda c: c.replace("yhat", "Ours"))
    return fc.merge(result.choices[["unique_id", "model"]], on="unique_id"), elapsed


def run_peer(
    train: pd.DataFrame, h: int, m: int, model: str, workers: int
) -> tuple[pd.DataFrame, float]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, SeasonalNaive

    make = {"AutoETS": AutoETS, "AutoARIMA": AutoARIMA, "SeasonalNaive": SeasonalNaive}[model]
    sf = StatsForecast(models=[make(season_length=m)], freq=1, n_jobs=workers)
    start = time.perf_counter()
    fc = sf.forecast(df=train[["unique_id", "ds", "y"]], h=h, level=list(LEVELS))
    return fc, time.perf_counter() - start


def warm_up_statsforecast() -> None:
    """Compile statsforecast's numba kernels before any timing, so speed is steady-state."""
    y = np.abs(np.sin(np.arange(60) / 3.0)) * 10 + 5
    tiny = pd.DataFrame({"unique_id": "w", "ds": np.arange(60), "y": y})
    for model in PEERS:
        run_peer(tiny, 4, 12, model, 1)


def score(
    test: pd.DataFrame, train: pd.DataFrame, fc: pd.DataFrame, name: str, mase_m: dict[str, int]
) -> pd.DataFrame:
    """Per-series MASE, sMAPE and coverage of one method's forecast."""
    merged = test.merge(fc, on=["unique_id", "ds"], how="left")
    if merged[name].isna().any():
        raise RuntimeError(f"{name} left forecasts missing")
    rows = []
    for uid, g in merged.groupby("unique_id", sort=False):
        y = train.loc[train["unique_id"] == uid, "y"].to_numpy()
        m = mase_m[str(uid)]
        scale = float(np.mean(np.abs(y[m:] - y[:-m])))
        actual, pred = g["y"].to_numpy(), g[name].to_numpy()
        denom = np.abs(actual) + np.abs(pred)
        ratio = np.divide(np.abs(actual - pred), denom, out=np.zeros_like(denom), where=denom > 0)
        row: dict[str, Any] = {
            "unique_id": uid,
            "mase": float(np.mean(np.abs(actual - pred))) / scale,
            "smape": float(np.mean(200.0 * ratio)),
        }
        for level in LEVELS:
            lo, hi = g[f"{name}-lo-{level}"].to_numpy(), g[f"{name}-hi-{level}"].to_numpy()
            row[f"cover{level}"] = float(np.mean((actual >= lo) & (actual <= hi)))
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-subset", type=int, default=None, help="series per subset")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated, or ''")
    parser.add_argument("--out", default="forecast", help="results file stem")
    args = parser.parse_args()
    peers = [p for p in args.peers.split(",") if p]

    series, meta = load(args.per_subset)
    mase_m = dict(zip(meta["unique_id"], meta["mase_m"], strict=True))
    subset_of = dict(zip(meta["unique_id"], meta["subset"], strict=True))
    if peers:
        warm_up_statsforecast()
    scores: list[pd.DataFrame] = []
    seconds: dict[str, float] = {"Ours": 0.0, **dict.fromkeys(peers, 0.0)}
    chosen: list[pd.DataFrame] = []
    for subset, group in meta.groupby("subset", sort=False):
        h, m = int(group["horizon"].iloc[0]), int(group["season_length"].iloc[0])
        part = series[series["unique_id"].isin(group["unique_id"])]
        train = part[part["split"] == "train"].drop(columns="split")
        test = part[part["split"] == "test"].drop(columns="split")
        fc, took = run_ours(train, h, m, args.workers)
        seconds["Ours"] += took
        chosen.append(fc.drop_duplicates("unique_id")[["unique_id", "model"]])
        scores.append(score(test, train, fc, "Ours", mase_m).assign(method="Ours"))
        for peer in peers:
            pfc, took = run_peer(train, h, m, peer, args.workers)
            seconds[peer] += took
            scores.append(score(test, train, pfc, peer, mase_m).assign(method=peer))
        print(f"{subset}: done", flush=True)

    table = pd.concat(scores, ignore_index=True)
    table["subset"] = table["unique_id"].map(subset_of)
    report = summarise(table, seconds, len(meta), pd.concat(chosen), subset_of, args.workers)
    write(report, args.out)


def summarise(
    table: pd.DataFrame,
    seconds: dict[str, float],
    n_series: int,
    chosen: pd.DataFrame,
    subset_of: dict[str, str],
    workers: int,
) -> dict[str, Any]:
    metrics = ["mase", "smape", "cover80", "cover95"]
    overall = table.groupby("method")[metrics].mean()
    by_subset = table.groupby(["subset", "method"], as_index=False)[metrics].mean()
    chosen = chosen.assign(subset=chosen["unique_id"].map(subset_of))
    return {
        "series": n_series,
        "workers": workers,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "overall": {
            method: {
                **{k: round(float(v), 4) for k, v in row.items()},
                "seconds": round(seconds[str(method)], 2),
                "series_per_second": round(n_series / seconds[str(method)], 2),
            }
            for method, row in overall.iterrows()
        },
        "by_subset": {
            f"{r['subset']}/{r['method']}": {k: round(float(r[k]), 4) for k in metrics}
            for r in by_subset.to_dict("records")
        },
        "ours_models_chosen": {
            str(subset): g["model"].value_counts().to_dict()
            for subset, g in chosen.groupby("subset")
        },
    }


def write(report: dict[str, Any], stem: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    overall = report["overall"]
    best_peer = min(
        (overall[p]["mase"] for p in ("AutoETS", "SeasonalNaive") if p in overall), default=None
    )
    lines = [
        f"# Forecast benchmark: {report['series']} real series, {report['workers']} workers",
        "",
        "Means per series, then across series. `python -m bench.forecast` reproduces it.",
        "",
        "| method | MASE | sMAPE | 80 % cover | 95 % cover | seconds | series/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for method, row in overall.items():
        lines.append(
            f"| {method} | {row['mase']:.3f} | {row['smape']:.2f} | {row['cover80']:.3f} | "
            f"{row['cover95']:.3f} | {row['seconds']:.1f} | {row['series_per_second']:.2f} |"
        )
    if best_peer is not None:
        ratio = overall["Ours"]["mase"] / best_peer
        lines += ["", f"Ours / better of AutoETS and seasonal naive, mean MASE: {ratio:.3f}"]
    if "AutoETS" in overall:
        speed = overall["Ours"]["series_per_second"] / overall["AutoETS"]["series_per_second"]
        lines.append(f"Ours / AutoETS, series per second: {speed:.3f}")
    lines += [
        "",
        "| subset / method | MASE | sMAPE | 80 % cover | 95 % cover |",
        "|---|---|---|---|---|",
    ]
    for key, row in report["by_subset"].items():
        lines.append(
            f"| {key} | {row['mase']:.3f} | {row['smape']:.2f} | {row['cover80']:.3f} | "
            f"{row['cover95']:.3f} |"
        )
    lines += ["", "Models our automatic choice picked, per subset:", ""]
    for subset, counts in report["ours_models_chosen"].items():
        picks = ", ".join(f"{k} {v}" for k, v in counts.items())
        lines.append(f"- {subset}: {picks}")
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""Reserve levels per depot × item from forecast quantiles, and the gap to today's stock.

The reserve for a depot and item is the demand over the forecast horizon that is met
with probability ``service_level``, plus the demand of the chosen scenario. Each day's
quantile is read off the forecast's interval bounds (``yhat`` is the median,
``yhat-hi-L`` the ``(1 + L/100)/2`` quantile, linear in the normal score between and
beyond them). Days are summed quantile by quantile, which assumes that a bad day is
followed by bad days: forecast errors of one series are strongly positively
correlated, and for a reserve the cautious reading is the right one.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy.stats import norm

from core.errors import FieldProblem, InvalidInput

_HI = re.compile(r"^yhat-hi-(\d+(?:\.\d+)?)$")


def daily_quantile(forecast: pd.DataFrame, service_level: float) -> np.ndarray:
    """The ``service_level`` quantile of each forecast row."""
    if not 0.5 <= service_level < 1:
        raise InvalidInput(
            "The service level must be at least 0.5 and below 1.",
            problems=[FieldProblem(("service_level",), "e.g. 0.95 for 95 %")],
        )
    his = sorted(
        (float(m.group(1)), c) for c in forecast.columns if (m := _HI.match(str(c))) is not None
    )
    if "yhat" not in forecast.columns or not his:
        raise InvalidInput("The forecast needs yhat and at least one yhat-hi-L column.")
    z_known = np.array([0.0] + [norm.ppf(0.5 + level / 200.0) for level, _ in his])
    values = np.column_stack(
        [forecast["yhat"].to_numpy(float)] + [forecast[c].to_numpy(float) for _, c in his]
    )
    z = float(norm.ppf(service_level))
    upper = min(int(np.searchsorted(z_known, z, side="right")), len(z_known) - 1)
    lower = upper - 1
    weight = (z - z_known[lower]) / (z_known[upper] - z_known[lower])
    quantile: np.ndarray = values[:, lower] + weight * (values[:, upper] - values[:, lower])
    clipped: np.ndarray = np.maximum(quantile, 0.0)
    return clipped


def reserve_levels(
    forecast: pd.DataFrame,
    series_keys: pd.DataFrame,
    stock: pd.DataFrame,
    *,
    service_level: float,
    scenario_demand: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Reserve, stock on hand and gap per depot × item.

    ``forecast``: the frame of :func:`optimizer.demand.forecast`. ``series_keys``:
    ``unique_id, depot_id, item_code`` (several series may feed one depot × item).
    ``stock``: ``depot_id, item_code, on_hand``. ``scenario_demand``: ``depot_id,
    item_code, demand`` rows to add (the scenario's days, summed here). Returns
    ``depot_id, item_code, baseline, scenario, reserve, on_hand, gap, surplus``;
    ``reserve`` is rounded up to whole base units.
    """
    _require(series_keys, ("unique_id", "depot_id", "item_code"), "series_keys")
    _require(stock, ("depot_id", "item_code", "on_hand"), "stock")
    keys = ["depot_id", "item_code"]
    unknown = set(forecast["unique_id"]) - set(series_keys["unique_id"])
    if unknown:
        raise InvalidInput(
            "Some forecast series have no depot and item.",
            problems=[
                FieldProblem(("series_keys", str(u)), "missing") for u in sorted(unknown, key=str)
            ],
        )
    daily = forecast[["unique_id"]].assign(q=daily_quantile(forecast, service_level))
    baseline = (
        daily.merge(series_keys, on="unique_id")
        .groupby(keys, as_index=False)
        .agg(baseline=("q", "sum"))
    )
    if scenario_demand is not None:
        _require(scenario_demand, (*keys, "demand"), "scenario_demand")
        extra = scenario_demand.groupby(keys, as_index=False).agg(scenario=("demand", "sum"))
    else:
        extra = pd.DataFrame({"depot_id": [], "item_code": [], "scenario": []})
    out = baseline.merge(extra, on=keys, how="outer")
    on_hand = stock.groupby(keys, as_index=False).agg(on_hand=("on_hand", "sum"))
    out = out.merge(on_hand, on=keys, how="left")
    out[["baseline", "scenario", "on_hand"]] = out[["baseline", "scenario", "on_hand"]].fillna(0)
    out["reserve"] = np.ceil(out["baseline"] + out["scenario"] - 1e-9).astype(int)
    out["on_hand"] = out["on_hand"].astype(int)
    out["gap"] = (out["reserve"] - out["on_hand"]).clip(lower=0)
    out["surplus"] = (out["on_hand"] - out["reserve"]).clip(lower=0)
    columns = [*keys, "baseline", "scenario", "reserve", "on_hand", "gap", "surplus"]
    result: pd.DataFrame = out.sort_values(keys, ignore_index=True)[columns]
    return result


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInput(
            f"The {name} frame lacks columns.",
            problems=[FieldProblem((name, c), "column is missing") for c in missing],
        )

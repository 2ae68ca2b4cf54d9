"""``forecast``: many series in, one long forecast frame and the model account out.

Series are independent, so they are spread over a process pool (statsmodels fits are
CPU-bound Python; threads would queue on the GIL). Intervals are Gaussian around the
chosen model's mean with its own spread, rescaled by how that spread compared with the
real errors in the rolling-origin backtest (shrunk towards no change, since a few windows
are a noisy judge), and cut at zero because demand is never negative.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from scipy.stats import norm

from core import pools
from core.errors import InvalidInput
from optimizer.demand.history import SeriesInput, check_arguments, prepare_histories
from optimizer.demand.selection import (
    SelectionOptions,
    SeriesOutcome,
    fallback_series,
    forecast_series,
)

pools.preload("optimizer.demand.selection")  # the fits run in worker processes

#: Pseudo-observations that pull the backtest's spread ratio towards 1: with few
#: windows the measured ratio is noisy, and intervals should not swing with it.
SPREAD_PRIOR_WEIGHT = 1.0


@dataclass(frozen=True)
class ForecastResult:
    """The forecast frame (Nixtla convention) and one row per series saying what was used."""

    forecast: pd.DataFrame
    choices: pd.DataFrame


def forecast(
    history: pd.DataFrame,
    horizon: int,
    season_length: int,
    levels: Sequence[float] = (80, 95),
    *,
    freq: str | None = None,
    exog: pd.DataFrame | None = None,
    gap_value: float | None = 0.0,
    until: pd.Timestamp | int | None = None,
    workers: int | None = None,
    n_windows: int = 3,
    max_history: int = 520,
    time_limit_s: float | None = None,
) -> pd.DataFrame:
    """Forecast every series of ``history`` ``horizon`` steps ahead, with intervals.

    ``history`` has columns ``unique_id, ds, y`` (``ds`` datetimes or integer
    positions); the result has ``unique_id, ds, yhat`` and ``yhat-lo-L``/``yhat-hi-L``
    per level ``L``, and the per-series model account in ``result.attrs["choices"]``
    (the same frame :func:`forecast_with_choices` returns). See that function for the
    keyword arguments.
    """
    result = forecast_with_choices(
        history,
        horizon,
        season_length,
        levels,
        freq=freq,
        exog=exog,
        gap_value=gap_value,
        until=until,
        workers=workers,
        n_windows=n_windows,
        max_history=max_history,
        time_limit_s=time_limit_s,
    )
    frame = result.forecast
    frame.attrs["choices"] = result.choices
    return frame


def forecast_with_choices(
    history: pd.DataFrame,
    horizon: int,
    season_length: int,
    levels: Sequence[float] = (80, 95),
    *,
    freq: str | None = None,
    exog: pd.DataFrame | None = None,
    gap_value: float | None = 0.0,
    until: pd.Timestamp | int | None = None,
    workers: int | None = None,
    n_windows: int = 3,
    max_history: int = 520,
    time_limit_s: float | None = None,
) -> ForecastResult:
    """Forecast and account for the choice of model, series by series.

    ``freq`` is the pandas calendar step of datetime histories (read off the data when
    not given). ``exog`` (``unique_id, ds`` and numeric regressor columns covering the
    history and the horizon) feeds SARIMAX, e.g. past and planned crises.
    ``gap_value`` is the demand on a date with no record (0 by default; ``None``
    interpolates), ``until`` the common last date of the history. ``workers``
    is the number of processes (default: one per core, never more than the series);
    ``n_windows`` the backtest origins; ``max_history`` the most recent points fitted.
    ``time_limit_s`` bounds the wall time: series not fitted by then get a seasonal-naive
    forecast whose reason says so (the answer comes in time, and says where it is cruder).
    Raises :class:`core.errors.InvalidInput` for input it cannot forecast.
    """
    check_arguments(horizon, season_length, levels)
    series = prepare_histories(
        history, horizon, freq=freq, exog=exog, gap_value=gap_value, until=until
    )
    options = SelectionOptions(n_windows=n_windows, max_history=max_history)
    outcomes = _run_all(series, horizon, season_length, options, workers, time_limit_s)
    return ForecastResult(
        forecast=_forecast_frame(outcomes, sorted(levels)),
        choices=_choices_frame(outcomes),
    )


def _run_all(
    series: list[SeriesInput],
    horizon: int,
    season_length: int,
    options: SelectionOptions,
    workers: int | None,
    time_limit_s: float | None = None,
) -> list[SeriesOutcome]:
    if time_limit_s is not None and time_limit_s <= 0:
        raise InvalidInput("time_limit_s must be positive.")
    deadline = None if time_limit_s is None else time.monotonic() + time_limit_s
    count = min(workers or os.cpu_count() or 1, len(series))
    job = partial(forecast_series, horizon=horizon, season_length=season_length, options=options)

    def fallback(s: SeriesInput) -> SeriesOutcome:
        reason = f"time limit of {time_limit_s} s reached before this series was fitted"
        return fallback_series(s, horizon, season_length, reason + ": seasonal naive")

    if count <= 1:
        return [
            job(s) if deadline is None or time.monotonic() < deadline else fallback(s)
            for s in series
        ]
    with pools.process_pool(count) as pool:
        if deadline is None:
            chunk = max(1, len(series) // (count * 8))
            result = pool.map_async(job, series, chunksize=chunk)
            pools.wait(pool, result)
            return result.get()
        futures = [pool.apply_async(job, (s,)) for s in series]
        for future in futures:
            pools.wait(pool, future, max(0.0, deadline - time.monotonic()))
        # Fits still running past the deadline end with the pool; their series fall back.
        return [
            f.get() if f.ready() and f.successful() else fallback(s)
            for f, s in zip(futures, series, strict=True)
        ]


def _level_name(level: float) -> str:
    return f"{level:g}"


def _forecast_frame(outcomes: list[SeriesOutcome], levels: list[float]) -> pd.DataFrame:
    parts = []
    for out in outcomes:
        spread = out.sigma * _interval_scale(out)
        mean = np.maximum(out.mean, 0.0)
        part = pd.DataFrame({"unique_id": out.unique_id, "ds": out.future_ds, "yhat": mean})
        for level in levels:
            z = float(norm.ppf(0.5 + level / 200.0))
            name = _level_name(level)
            part[f"yhat-lo-{name}"] = np.clip(out.mean - z * spread, 0.0, mean)
            part[f"yhat-hi-{name}"] = np.maximum(out.mean + z * spread, mean)
        parts.append(part)
    order = ["unique_id", "ds", "yhat"]
    order += [f"yhat-lo-{_level_name(lv)}" for lv in levels]
    order += [f"yhat-hi-{_level_name(lv)}" for lv in levels]
    return pd.concat(parts, ignore_index=True)[order]


def _interval_scale(out: SeriesOutcome) -> float:
    """Backtest spread ratio shrunk towards 1: intervals proven too narrow are widened,
    intervals proven too wide are narrowed."""
    if out.windows == 0:
        return 1.0
    n = out.windows
    ratio2 = (n * out.spread_ratio**2 + SPREAD_PRIOR_WEIGHT) / (n + SPREAD_PRIOR_WEIGHT)
    return float(np.sqrt(ratio2))


def _choices_frame(outcomes: list[SeriesOutcome]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": [o.unique_id for o in outcomes],
            "model": [o.model for o in outcomes],
            "reason": [o.reason for o in outcomes],
            "n_obs": [o.n_obs for o in outcomes],
            "zero_share": [o.zero_share for o in outcomes],
            "backtest_windows": [o.windows for o in outcomes],
            "backtest_score": [o.scores.get(o.model, np.nan) for o in outcomes],
            "interval_scale": [_interval_scale(o) for o in outcomes],
            "notes": ["; ".join(o.notes) for o in outcomes],
        }
    )

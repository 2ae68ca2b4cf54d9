"""Choose a model per series by rolling-origin backtest, then forecast with it.

For each series the candidates are refitted at a few recent forecast origins, each
forecasting the full horizon, and scored by scaled mean absolute error (the MASE
numerator over the in-window MASE scale, so windows weigh alike). Seasonal naive is
the default: another model replaces it only when its mean score is lower by at least
``1 - SWITCH_MARGIN`` (a fifth). A few recent windows are a noisy judge, and on
crisis curves a model that extrapolated the last weeks well is often the one that
misses the turn, so the simple benchmark keeps its place unless clearly beaten.
Short and flat histories skip
the backtest and get seasonal naive with the reason said. A candidate that fails to fit
in any window is out, and its failure is part of the reason given.

The backtest also measures how the winner's stated spread compares with its real
errors; :mod:`.engine` uses that ratio to widen intervals that proved too narrow.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimizer.demand import models
from optimizer.demand.history import SeriesInput
from optimizer.demand.models import ModelFailed, Prediction

INTERMITTENT_ZERO_SHARE = 0.3
SWITCH_MARGIN = 0.8
MIN_FIT_POINTS = 10

Model = Callable[[np.ndarray, int, int, np.ndarray | None, np.ndarray | None], Prediction]


@dataclass(frozen=True)
class SelectionOptions:
    """Knobs of the backtest: how many origins, how far apart, how much history to fit."""

    n_windows: int = 3
    max_history: int = 520


@dataclass(frozen=True)
class SeriesOutcome:
    """The forecast of one series and the account of how its model was chosen."""

    unique_id: Hashable
    future_ds: pd.Index
    mean: np.ndarray
    sigma: np.ndarray
    model: str
    reason: str
    n_obs: int
    zero_share: float
    windows: int
    spread_ratio: float
    scores: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def _snaive(
    y: np.ndarray, h: int, m: int, x: np.ndarray | None, xf: np.ndarray | None
) -> Prediction:
    return models.seasonal_naive(y, h, m)


def _ets(y: np.ndarray, h: int, m: int, x: np.ndarray | None, xf: np.ndarray | None) -> Prediction:
    return models.ets_damped(y, h, m)


def _intermittent(variant: str) -> Model:
    predict = models.intermittent_model(variant)

    def run(
        y: np.ndarray, h: int, m: int, x: np.ndarray | None, xf: np.ndarray | None
    ) -> Prediction:
        return predict(y, h, m)

    return run


CANDIDATES: dict[str, Model] = {
    "seasonal_naive": _snaive,
    "ets_damped": _ets,
    "sarimax": models.sarimax,
    "croston": _intermittent("croston"),
    "sba": _intermittent("sba"),
    "tsb": _intermittent("tsb"),
}
COMBINATION = "ets_sarimax_mean"


def forecast_series(
    series: SeriesInput, horizon: int, season_length: int, options: SelectionOptions
) -> SeriesOutcome:
    """Backtest the candidates on ``series`` and forecast it with the best one."""
    y = series.y[-options.max_history :]
    x = None if series.exog is None else series.exog[-options.max_history :]
    zero_share = float(np.mean(series.y == 0))

    def outcome(
        pred: Prediction,
        model: str,
        reason: str,
        windows: int = 0,
        ratio: float = 1.0,
        scores: dict[str, float] | None = None,
    ) -> SeriesOutcome:
        return SeriesOutcome(
            unique_id=series.unique_id,
            future_ds=series.future_ds,
            mean=pred.mean,
            sigma=pred.sigma,
            model=model,
            reason=reason,
            n_obs=len(series.y),
            zero_share=zero_share,
            windows=windows,
            spread_ratio=ratio,
            scores=scores or {},
            notes=series.notes,
        )

    if np.ptp(y) == 0:
        pred = models.seasonal_naive(y, horizon, season_length)
        return outcome(pred, "seasonal_naive", f"flat history (every value {y[0]:g}): repeated")
    origins = _origins(len(y), horizon, season_length, options.n_windows)
    if not origins:
        pred = models.seasonal_naive(y, horizon, season_length)
        need = _min_fit(season_length) + horizon
        reason = f"too short for a backtest ({len(y)} points, {need} needed): seasonal naive"
        return outcome(pred, "seasonal_naive", reason)

    names = ["seasonal_naive", "ets_damped", "sarimax"]
    if zero_share >= INTERMITTENT_ZERO_SHARE:
        names += ["croston", "sba", "tsb"]
    scores, ratios, failures = _backtest(y, x, names, origins, horizon, season_length)
    ranked = _ranked(scores)
    for name in ranked:
        try:
            pred = _predict(name, y, x, series.exog_future, horizon, season_length)
        except ModelFailed as exc:
            failures[name] = f"final fit failed: {exc}"
            continue
        reason = _reason(name, scores, failures, len(origins), x is not None)
        return outcome(pred, name, reason, len(origins), ratios[name], scores)
    raise ModelFailed(f"no model could forecast series {series.unique_id!r}: {failures}")


def fallback_series(
    series: SeriesInput, horizon: int, season_length: int, reason: str
) -> SeriesOutcome:
    """Seasonal naive without a backtest, for a series the time limit left unfitted."""
    y = series.y
    pred = models.seasonal_naive(y, horizon, season_length)
    return SeriesOutcome(
        unique_id=series.unique_id,
        future_ds=series.future_ds,
        mean=pred.mean,
        sigma=pred.sigma,
        model="seasonal_naive",
        reason=reason,
        n_obs=len(y),
        zero_share=float(np.mean(y == 0)),
        windows=0,
        spread_ratio=1.0,
        scores={},
        notes=series.notes,
    )


def _ranked(scores: dict[str, float]) -> list[str]:
    """Candidates in order of preference: a clear winner first, then seasonal naive."""
    naive = scores.get("seasonal_naive", float("inf"))
    others = sorted((n for n in scores if n != "seasonal_naive"), key=lambda n: scores[n])
    clear = [n for n in others if scores[n] < SWITCH_MARGIN * naive]
    return [*clear, "seasonal_naive", *(n for n in others if n not in clear)]


def _min_fit(season_length: int) -> int:
    return max(2 * season_length + 2, MIN_FIT_POINTS) if season_length > 1 else MIN_FIT_POINTS


def _origins(n: int, horizon: int, season_length: int, n_windows: int) -> list[int]:
    """Forecast origins, latest first, half a horizon apart, each leaving enough to fit."""
    step = max(1, horizon // 2)
    first = n - horizon
    return [o for o in (first - k * step for k in range(n_windows)) if o >= _min_fit(season_length)]


def _predict(
    name: str,
    y: np.ndarray,
    x: np.ndarray | None,
    x_future: np.ndarray | None,
    horizon: int,
    m: int,
) -> Prediction:
    if name == COMBINATION:
        ets = _ets(y, horizon, m, None, None)
        arima = models.sarimax(y, horizon, m, x, x_future)
        return Prediction(mean=(ets.mean + arima.mean) / 2, sigma=(ets.sigma + arima.sigma) / 2)
    return CANDIDATES[name](y, horizon, m, x, x_future)


def _backtest(
    y: np.ndarray,
    x: np.ndarray | None,
    names: list[str],
    origins: list[int],
    horizon: int,
    m: int,
) -> tuple[dict[str, float], dict[str, float], dict[str, str]]:
    """Mean scaled error and spread ratio per candidate that fitted in every window.

    SARIMAX, the costliest fit, is estimated once on the data before the earliest
    origin and re-filtered at each origin with those parameters: no window sees its
    own future, and the backtest costs one SARIMAX fit instead of one per window.
    """
    errors: dict[str, list[float]] = {n: [] for n in [*names, COMBINATION]}
    z2: dict[str, list[float]] = {n: [] for n in errors}
    failures: dict[str, str] = {}
    first = min(origins)
    try:
        arima = models.fit_sarimax(y[:first], m, None if x is None else x[:first])
    except ModelFailed as exc:
        failures["sarimax"] = str(exc)
    for origin in origins:
        train, test = y[:origin], y[origin : origin + horizon]
        h = len(test)
        x_train = None if x is None else x[:origin]
        x_test = None if x is None else x[origin : origin + h]
        scale = _scale(train, m)
        preds: dict[str, Prediction] = {}
        for name in names:
            if name in failures:
                continue
            try:
                if name == "sarimax":
                    preds[name] = models.sarimax_forecast(arima, h, train, x_train, x_test)
                else:
                    preds[name] = CANDIDATES[name](train, h, m, x_train, x_test)
            except ModelFailed as exc:
                failures[name] = str(exc)
        if "ets_damped" in preds and "sarimax" in preds:
            a, b = preds["ets_damped"], preds["sarimax"]
            preds[COMBINATION] = Prediction((a.mean + b.mean) / 2, (a.sigma + b.sigma) / 2)
        else:
            failures.setdefault(COMBINATION, "needs both ETS and SARIMAX")
        for name, pred in preds.items():
            err = test - np.maximum(pred.mean, 0.0)
            errors[name].append(float(np.mean(np.abs(err))) / scale)
            spread = np.where(pred.sigma > 0, pred.sigma, np.nan)
            z2[name].extend(np.nan_to_num((err / spread) ** 2, nan=0.0).tolist())
    scores = {
        n: float(np.mean(v))
        for n, v in errors.items()
        if n not in failures and len(v) == len(origins)
    }
    ratios = {n: float(np.sqrt(np.mean(z2[n]))) if z2[n] else 1.0 for n in scores}
    return scores, ratios, failures


def _scale(train: np.ndarray, m: int) -> float:
    """MASE denominator of a training window, with safe stand-ins when it is zero."""
    lag = m if len(train) > m else 1
    diffs = np.abs(train[lag:] - train[:-lag])
    scale = float(np.mean(diffs)) if len(diffs) else 0.0
    if scale > 0:
        return scale
    level = float(np.mean(np.abs(train)))
    return level if level > 0 else 1.0


def _reason(
    name: str, scores: dict[str, float], failures: dict[str, str], windows: int, exog: bool
) -> str:
    ranked = sorted(scores.items(), key=lambda kv: kv[1])
    table = ", ".join(f"{n} {s:.3f}" for n, s in ranked)
    if name == "seasonal_naive":
        verdict = "no model beat seasonal naive by a fifth"
    else:
        verdict = f"{name} beat seasonal naive by a fifth or more"
    text = f"{verdict} over {windows} backtest window(s) (scaled errors: {table})"
    if exog and name in ("sarimax", COMBINATION):
        text += "; SARIMAX used the crisis regressors"
    if failures:
        text += "; not usable: " + "; ".join(f"{n} ({msg})" for n, msg in sorted(failures.items()))
    return text

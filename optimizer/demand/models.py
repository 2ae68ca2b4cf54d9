"""The candidate models, each a function ``(y, horizon, season_length, ...) -> Prediction``.

A prediction is a mean path and a standard deviation per step; intervals are built from
them later, in one place, so every model is scored and calibrated the same way. The
models are statsmodels' damped Holt-Winters (ETS with damped trend and additive
seasonality, its variance from the ETS state-space formula), statsmodels' SARIMAX, the
seasonal naive method, and the intermittent-demand methods of :mod:`.intermittent`.
A fit that fails raises :class:`ModelFailed`; the caller records it, never hides it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX

from optimizer.demand import intermittent

T = TypeVar("T")


class ModelFailed(RuntimeError):
    """A model could not be fitted to this series (the message says why)."""


@dataclass(frozen=True)
class Prediction:
    """Mean forecast and its standard deviation, one value per horizon step."""

    mean: np.ndarray
    sigma: np.ndarray


def seasonal_naive(y: np.ndarray, horizon: int, season_length: int) -> Prediction:
    """Repeat the last season; with a season shorter than the history, repeat the last value.

    The standard deviation grows with the number of whole seasons ahead, as for a
    seasonal random walk: ``sigma * sqrt(ceil(h / m))``.
    """
    m = season_length if len(y) >= season_length else 1
    last = y[-m:]
    steps = np.arange(horizon)
    mean = last[steps % m]
    resid = y[m:] - y[:-m]
    sigma1 = float(np.sqrt(np.mean(resid**2))) if len(resid) else _short_scale(y)
    return Prediction(mean=mean.astype(float), sigma=sigma1 * np.sqrt(steps // m + 1.0))


def _short_scale(y: np.ndarray) -> float:
    """A deliberately wide spread for a history too short to estimate one: half its level."""
    return 0.5 * float(np.mean(np.abs(y)))


def ets_damped(y: np.ndarray, horizon: int, season_length: int) -> Prediction:
    """Holt-Winters with additive damped trend, and additive seasonality over two seasons.

    The variance is that of the equivalent ETS(A,Ad,A) state-space model (Hyndman et
    al. 2008, class 1): ``sigma² (1 + Σ_{j<h} c_j²)`` with
    ``c_j = α (1 + β* φ_j) + γ [j mod m = 0]`` and ``φ_j = φ + … + φ^j``.
    """
    n = len(y)
    m = season_length
    seasonal = m > 1 and n >= 2 * m + 2
    model = ExponentialSmoothing(
        pd.Series(y),
        trend="add",
        damped_trend=True,
        seasonal="add" if seasonal else None,
        seasonal_periods=m if seasonal else None,
        initialization_method="estimated",
    )
    fit = _quietly(lambda: model.fit(use_brute=False))
    mean = np.asarray(fit.forecast(horizon), dtype=float)
    params = fit.params
    alpha = float(params["smoothing_level"])
    beta = float(params["smoothing_trend"])
    phi = float(params["damping_trend"])
    gamma = float(params["smoothing_seasonal"]) if seasonal else 0.0
    resid = y - np.asarray(fit.fittedvalues, dtype=float)
    n_params = 5 + (m if seasonal else 0)
    sigma2 = float(np.sum(resid**2)) / max(n - n_params, 1)
    j = np.arange(1, horizon)
    phi_j = np.cumsum(phi ** np.arange(1, horizon + 1))[: horizon - 1]
    c = alpha * (1.0 + beta * phi_j) + (gamma * (j % m == 0) if seasonal else 0.0)
    var = sigma2 * (1.0 + np.concatenate(([0.0], np.cumsum(c**2))))
    return _checked(mean, np.sqrt(var), "ETS")


@dataclass(frozen=True)
class SarimaxFit:
    """Fitted SARIMAX parameters, reusable on a longer stretch of the same series."""

    results: Any
    keep: np.ndarray | None


def fit_sarimax(y: np.ndarray, season_length: int, exog: np.ndarray | None = None) -> SarimaxFit:
    """Fit SARIMAX with a fixed, robust order, plus the caller's regressors when given.

    With a season and three seasons of data: the airline model (0,1,1)(0,1,1)m;
    otherwise ARIMA(1,1,1) with drift. Regressors that do not vary over the history
    carry no information and are left out.
    """
    m = season_length
    if m > 1 and len(y) >= 3 * m:
        order, seasonal_order, trend = (0, 1, 1), (0, 1, 1, m), None
    else:
        order, seasonal_order, trend = (1, 1, 1), (0, 0, 0, 0), "t"
    keep = None if exog is None else np.ptp(exog, axis=0) > 0
    x = None if exog is None or keep is None or not keep.any() else exog[:, keep]
    model = SARIMAX(
        y, exog=x, order=order, seasonal_order=seasonal_order, trend=trend, concentrate_scale=True
    )
    res = _quietly(lambda: model.fit(disp=False, maxiter=50))
    return SarimaxFit(results=res, keep=keep if x is not None else None)


def sarimax_forecast(
    fit: SarimaxFit,
    horizon: int,
    y: np.ndarray | None = None,
    exog: np.ndarray | None = None,
    exog_future: np.ndarray | None = None,
) -> Prediction:
    """Forecast from ``fit``; with ``y``, first re-run its filter, parameters unchanged, on ``y``.

    Re-filtering lets a backtest use parameters estimated on the data before its
    earliest origin at every later origin, at the cost of one Kalman pass, not a fit.
    """
    keep = fit.keep
    x = None if keep is None or exog is None else exog[:, keep]
    x_future = None if keep is None or exog_future is None else exog_future[:, keep]
    res = fit.results
    if y is not None:
        res = _quietly(lambda: fit.results.apply(y, exog=x, refit=False))
    fc = _quietly(lambda: res.get_forecast(horizon, exog=x_future))
    return _checked(
        np.asarray(fc.predicted_mean, dtype=float), np.asarray(fc.se_mean, dtype=float), "SARIMAX"
    )


def sarimax(
    y: np.ndarray,
    horizon: int,
    season_length: int,
    exog: np.ndarray | None = None,
    exog_future: np.ndarray | None = None,
) -> Prediction:
    """Fit SARIMAX on ``y`` (see :func:`fit_sarimax`) and forecast ``horizon`` steps."""
    return sarimax_forecast(fit_sarimax(y, season_length, exog), horizon, None, None, exog_future)


def intermittent_model(variant: str) -> Callable[[np.ndarray, int, int], Prediction]:
    """Croston, SBA or TSB as a candidate (the season length plays no part)."""

    def predict(y: np.ndarray, horizon: int, season_length: int) -> Prediction:
        mean, sigma = intermittent.forecast(y, horizon, variant=variant)
        return _checked(mean, sigma, variant)

    return predict


def _quietly(fit: Callable[[], T]) -> T:
    """Run a statsmodels fit with its convergence chatter silenced; failures raise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with np.errstate(all="ignore"):
                return fit()
        except (ValueError, np.linalg.LinAlgError, IndexError) as exc:
            raise ModelFailed(f"{type(exc).__name__}: {exc}") from exc


def _checked(mean: np.ndarray, sigma: np.ndarray, name: str) -> Prediction:
    if not (np.isfinite(mean).all() and np.isfinite(sigma).all()):
        raise ModelFailed(f"{name} produced a non-finite forecast")
    return Prediction(mean=mean, sigma=np.maximum(sigma, 0.0))

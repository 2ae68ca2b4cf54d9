"""Intermittent demand: Croston, SBA (Syntetos-Boylan) and TSB (Teunter-Syntetos-Babai).

statsmodels has no method for mostly-zero demand, so these are written plainly on
simple exponential smoothing. Croston smooths the non-zero sizes and the intervals
between them; SBA removes Croston's known upward bias with the factor ``1 - α/2``;
TSB smooths the probability of a demand every period instead of the interval, so its
forecast decays when demand stops (obsolescence), which Croston's cannot.

The smoothing constants are chosen from a small grid by in-sample one-step squared
error, as is usual for these methods; the spread is the in-sample one-step error,
flat over the horizon because the methods forecast a flat rate.
"""

from __future__ import annotations

import numpy as np

ALPHAS = (0.05, 0.1, 0.2, 0.3)
VARIANTS = ("croston", "sba", "tsb")


def forecast(y: np.ndarray, horizon: int, *, variant: str) -> tuple[np.ndarray, np.ndarray]:
    """Flat mean forecast and flat standard deviation for ``horizon`` steps."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown intermittent method {variant!r}")
    if not (y > 0).any():
        return np.zeros(horizon), np.zeros(horizon)
    best: tuple[float, float] | None = None
    for alpha in ALPHAS:
        betas = ALPHAS if variant == "tsb" else (alpha,)
        for beta in betas:
            path = _one_step_path(y, variant, alpha, beta)
            sse = float(np.mean((y[1:] - path[:-1]) ** 2))
            if best is None or sse < best[0]:
                best = (sse, float(path[-1]))
    assert best is not None
    mse, level = best
    return np.full(horizon, level), np.full(horizon, np.sqrt(mse))


def _one_step_path(y: np.ndarray, variant: str, alpha: float, beta: float) -> np.ndarray:
    """The forecast made after each period (``out[t]`` forecasts ``y[t+1]``)."""
    nonzero = np.flatnonzero(y > 0)
    size = float(y[nonzero[0]])
    out = np.empty(len(y))
    if variant == "tsb":
        prob = len(nonzero) / len(y)
        for t, value in enumerate(y):
            if value > 0:
                size += alpha * (value - size)
                prob += beta * (1.0 - prob)
            else:
                prob += beta * (0.0 - prob)
            out[t] = prob * size
        return out
    interval = float(np.mean(np.diff(nonzero))) if len(nonzero) > 1 else float(len(y))
    since = 0
    bias = 1.0 - alpha / 2.0 if variant == "sba" else 1.0
    for t, value in enumerate(y):
        since += 1
        if value > 0:
            size += alpha * (value - size)
            interval += alpha * (since - interval)
            since = 0
        out[t] = bias * size / interval
    return out

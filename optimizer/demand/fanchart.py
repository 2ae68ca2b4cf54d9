"""Fan chart of one community × item: history, forecast, 80/95 % bands, scenario overlay.

Drawn with matplotlib's object API on an Agg canvas (no pyplot global state, so it is
safe in a server worker) and returned as PNG and SVG bytes. The SVG carries no
creation date and a fixed id salt, so the same input gives the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from core.errors import InvalidInput

BAND_ALPHAS = (0.18, 0.32)


@dataclass(frozen=True)
class FanChart:
    """The same chart in two formats."""

    png: bytes
    svg: bytes


def fan_chart(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    *,
    scenario: pd.DataFrame | None = None,
    title: str = "",
    unit: str = "",
    levels: tuple[float, ...] = (95, 80),
) -> FanChart:
    """Render the chart.

    ``history``: ``ds, y``; ``forecast``: ``ds, yhat`` and ``yhat-lo-L``/``yhat-hi-L``
    for each of ``levels`` (one series); ``scenario``: ``ds, demand``, drawn on top of
    the forecast as the demand expected if the scenario happens.
    """
    missing = [c for c in ("ds", "yhat") if c not in forecast.columns]
    missing += [c for c in ("ds", "y") if c not in history.columns]
    for level in levels:
        missing += [
            c for c in (f"yhat-lo-{level:g}", f"yhat-hi-{level:g}") if c not in forecast.columns
        ]
    if missing:
        raise InvalidInput(f"The chart data lacks columns: {', '.join(missing)}.")
    fig = Figure(figsize=(9, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(history["ds"], history["y"], color="#333333", linewidth=1.2, label="history")
    for level, alpha in zip(sorted(levels, reverse=True), BAND_ALPHAS, strict=False):
        ax.fill_between(
            forecast["ds"],
            forecast[f"yhat-lo-{level:g}"],
            forecast[f"yhat-hi-{level:g}"],
            color="#1f6fb4",
            alpha=alpha,
            linewidth=0,
            label=f"{level:g} % interval",
        )
    ax.plot(forecast["ds"], forecast["yhat"], color="#1f6fb4", linewidth=1.6, label="forecast")
    if scenario is not None and not scenario.empty:
        overlay = forecast[["ds", "yhat"]].merge(scenario[["ds", "demand"]], on="ds", how="outer")
        overlay = overlay.sort_values("ds").fillna(0.0)
        ax.plot(
            overlay["ds"],
            overlay["yhat"] + overlay["demand"],
            color="#c0392b",
            linestyle="--",
            linewidth=1.4,
            label="forecast + scenario",
        )
    ax.set_title(title)
    ax.set_ylabel(unit)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    fig.autofmt_xdate()
    fig.tight_layout()
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", metadata={"Software": None})
    with rc_context({"svg.hashsalt": "relief-reserve"}):
        fig.savefig(svg, format="svg", metadata={"Date": None})
    return FanChart(png=png.getvalue(), svg=svg.getvalue())

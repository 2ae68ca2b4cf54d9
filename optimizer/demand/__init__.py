"""Demand forecasting: a pure core over long-format frames, scenarios and reserve levels."""

from optimizer.demand.engine import ForecastResult, forecast, forecast_with_choices

__all__ = ["ForecastResult", "forecast", "forecast_with_choices"]

"""Reserve levels from forecast quantiles, the gap to stock, and the fan chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from optimizer.demand.fanchart import fan_chart
from optimizer.demand.reserve import daily_quantile, reserve_levels


def forecast_frame() -> pd.DataFrame:
    ds = pd.date_range("2026-07-01", periods=3)
    rows = []
    for uid in ("north/WAT", "south/WAT"):
        rows.append(
            pd.DataFrame(
                {
                    "unique_id": uid,
                    "ds": ds,
                    "yhat": [10.0, 10.0, 10.0],
                    "yhat-lo-80": [6.0, 6.0, 6.0],
                    "yhat-lo-95": [4.0, 4.0, 4.0],
                    "yhat-hi-80": [14.0, 14.0, 14.0],
                    "yhat-hi-95": [16.0, 16.0, 16.0],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


KEYS = pd.DataFrame(
    {"unique_id": ["north/WAT", "south/WAT"], "depot_id": [1, 1], "item_code": ["WAT", "WAT"]}
)


@pytest.mark.parametrize(
    ("level", "expected"), [(0.5, 10.0), (0.9, 14.0), (0.975, 16.0)], ids=["median", "80", "95"]
)
def test_daily_quantile_reads_the_interval_bounds(level: float, expected: float) -> None:
    assert np.allclose(daily_quantile(forecast_frame(), level), expected)


@given(a=st.floats(0.5, 0.995), b=st.floats(0.5, 0.995))
def test_daily_quantile_grows_with_the_service_level(a: float, b: float) -> None:
    low, high = sorted((a, b))
    frame = forecast_frame()
    assert (daily_quantile(frame, low) <= daily_quantile(frame, high) + 1e-9).all()


def test_reserve_sums_series_days_and_scenario_and_shows_the_gap() -> None:
    stock = pd.DataFrame({"depot_id": [1], "item_code": ["WAT"], "on_hand": [50]})
    scenario = pd.DataFrame({"depot_id": [1, 1], "item_code": ["WAT", "WAT"], "demand": [3, 4.5]})
    out = reserve_levels(forecast_frame(), KEYS, stock, service_level=0.9, scenario_demand=scenario)
    row = out.iloc[0]
    assert row["baseline"] == pytest.approx(2 * 3 * 14.0)
    assert row["scenario"] == pytest.approx(7.5)
    assert row["reserve"] == 92
    assert (row["on_hand"], row["gap"], row["surplus"]) == (50, 42, 0)


def test_reserve_without_stock_row_counts_nothing_on_hand() -> None:
    empty = pd.DataFrame({"depot_id": [], "item_code": [], "on_hand": []})
    out = reserve_levels(forecast_frame(), KEYS, empty, service_level=0.5)
    assert out.iloc[0]["gap"] == 60


@pytest.mark.parametrize("level", [0.3, 1.0])
def test_service_level_outside_range_is_refused(level: float) -> None:
    with pytest.raises(InvalidInput):
        daily_quantile(forecast_frame(), level)


def test_series_without_depot_is_refused() -> None:
    stock = pd.DataFrame({"depot_id": [1], "item_code": ["WAT"], "on_hand": [0]})
    with pytest.raises(InvalidInput) as info:
        reserve_levels(forecast_frame(), KEYS.iloc[:1], stock, service_level=0.9)
    assert info.value.problems[0].loc == ("series_keys", "south/WAT")


def test_fan_chart_renders_png_and_reproducible_svg() -> None:
    history = pd.DataFrame(
        {"ds": pd.date_range("2026-06-01", periods=30), "y": np.arange(30.0) % 7}
    )
    fc = forecast_frame().iloc[:3]
    scenario = pd.DataFrame({"ds": fc["ds"], "demand": [5.0, 3.0, 1.0]})
    chart = fan_chart(history, fc, scenario=scenario, title="north / water", unit="bottles")
    again = fan_chart(history, fc, scenario=scenario, title="north / water", unit="bottles")
    assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in chart.svg
    assert chart.svg == again.svg


def test_fan_chart_without_bands_is_refused() -> None:
    history = pd.DataFrame({"ds": pd.date_range("2026-06-01", periods=3), "y": [1.0, 2.0, 3.0]})
    with pytest.raises(InvalidInput, match="yhat-lo-95"):
        fan_chart(history, forecast_frame()[["ds", "yhat"]])

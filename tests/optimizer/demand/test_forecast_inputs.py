"""Odd histories get a sensible forecast or a clear InvalidInput, never a crash."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.errors import InvalidInput
from optimizer.demand import forecast, forecast_with_choices

COLUMNS = [
    "unique_id",
    "ds",
    "yhat",
    "yhat-lo-80",
    "yhat-lo-95",
    "yhat-hi-80",
    "yhat-hi-95",
]


def daily(values: list[float], uid: str = "a", start: str = "2026-01-01") -> pd.DataFrame:
    ds = pd.date_range(start, periods=len(values), freq="D")
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": values})


def assert_ordered(frame: pd.DataFrame) -> None:
    cols = ["yhat-lo-95", "yhat-lo-80", "yhat", "yhat-hi-80", "yhat-hi-95"]
    values = frame[cols].to_numpy()
    assert np.isfinite(values).all()
    assert (np.diff(values, axis=1) >= 0).all()
    assert (values >= 0).all()


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        (daily([5.0] * 30), 5.0),
        (daily([0.0] * 30), 0.0),
        (daily([7.0]), 7.0),
        (daily([3.0, 5.0]), 5.0),
    ],
    ids=["constant", "all-zero", "one-point", "two-points"],
)
def test_degenerate_histories_repeat_the_last_value(history: pd.DataFrame, expected: float) -> None:
    result = forecast_with_choices(history, 7, 1, freq="D", workers=1)
    assert list(result.forecast.columns) == COLUMNS
    assert len(result.forecast) == 7
    assert np.allclose(result.forecast["yhat"], expected)
    assert_ordered(result.forecast)
    assert result.choices.loc[0, "model"] == "seasonal_naive"


def test_constant_history_has_no_spread_and_says_why() -> None:
    result = forecast_with_choices(daily([4.0] * 20), 3, 7, freq="D", workers=1)
    assert (result.forecast["yhat-hi-95"] == 4.0).all()
    assert "flat history" in str(result.choices.loc[0, "reason"])


def test_one_point_gets_a_wide_band_not_a_false_certainty() -> None:
    out = forecast(daily([10.0]), 3, 1, freq="D", workers=1)
    assert (out["yhat-hi-95"] > 10.0).all()


def test_nan_values_are_interpolated_and_noted() -> None:
    values = [float(10 + i % 3) for i in range(40)]
    values[5] = values[17] = np.nan
    result = forecast_with_choices(daily(values), 5, 1, freq="D", workers=1)
    assert_ordered(result.forecast)
    assert "2 missing value(s) filled by interpolation" in str(result.choices.loc[0, "notes"])


def test_leading_nan_values_are_dropped() -> None:
    values = [np.nan, np.nan, *[float(i % 4) for i in range(30)]]
    result = forecast_with_choices(daily(values), 4, 1, freq="D", workers=1)
    assert result.choices.loc[0, "n_obs"] == 30
    assert result.forecast["ds"].iloc[0] == pd.Timestamp("2026-02-02")


def test_duplicated_dates_are_summed() -> None:
    history = pd.concat([daily([2.0] * 10), daily([3.0])], ignore_index=True)
    result = forecast_with_choices(history, 2, 1, freq="D", workers=1)
    assert "1 duplicated date(s) summed" in str(result.choices.loc[0, "notes"])
    assert result.choices.loc[0, "n_obs"] == 10


def test_absent_dates_count_as_days_without_demand() -> None:
    history = daily([4.0] * 10).iloc[::2]
    result = forecast_with_choices(history, 2, 2, freq="D", workers=1)
    assert result.choices.loc[0, "n_obs"] == 9
    assert "4 date(s) without a record taken as 0" in str(result.choices.loc[0, "notes"])
    assert result.forecast["yhat"].tolist() == [0.0, 4.0]


def test_until_extends_a_series_that_stopped_early() -> None:
    result = forecast_with_choices(
        daily([1.0] * 12), 1, 1, freq="D", until=pd.Timestamp("2026-01-20"), workers=1
    )
    assert result.forecast["ds"].iloc[0] == pd.Timestamp("2026-01-21")
    assert result.choices.loc[0, "n_obs"] == 20


def test_integer_positions_are_accepted() -> None:
    history = pd.DataFrame({"unique_id": 1, "ds": np.arange(1, 31), "y": np.arange(30.0)})
    out = forecast(history, 3, 1, workers=1)
    assert out["ds"].tolist() == [31, 32, 33]
    assert out.attrs["choices"].loc[0, "unique_id"] == 1


@pytest.mark.parametrize(
    ("history", "kwargs", "fragment"),
    [
        (pd.DataFrame({"unique_id": [], "ds": [], "y": []}), {}, "empty"),
        (pd.DataFrame({"unique_id": ["a"], "y": [1.0]}), {}, "lacks required columns"),
        (daily([1.0, -2.0, 3.0]), {}, "not valid"),
        (daily([1.0, np.inf, 3.0]), {}, "not valid"),
        (daily([np.nan, np.nan]), {"freq": "D"}, "cannot be forecast"),
        (daily([1.0]).assign(y="x"), {"freq": "D"}, "not valid"),
        (daily([1.0]).assign(ds="2026-01-01"), {}, "not valid"),
        (daily([1.0]), {}, "frequency"),
        (daily([1.0, 2.0]), {"freq": "fortnightly"}, "frequency"),
        (daily([1.0] * 5), {"freq": "W-MON"}, "cannot be forecast"),
        (daily([1.0] * 5), {"horizon": 0}, "arguments"),
        (daily([1.0] * 5), {"season_length": 0}, "arguments"),
        (daily([1.0] * 5), {"levels": (80, 120)}, "arguments"),
        (daily([1.0] * 5), {"levels": ()}, "arguments"),
        (daily([1.0] * 5), {"gap_value": None, "until": pd.Timestamp("2026-02-01")}, "end"),
    ],
    ids=[
        "empty",
        "no-ds-column",
        "negative",
        "infinite",
        "all-nan",
        "text-values",
        "text-dates",
        "one-date-no-freq",
        "unknown-freq",
        "off-grid-dates",
        "zero-horizon",
        "zero-season",
        "level-over-100",
        "no-levels",
        "until-without-gap-value",
    ],
)
def test_bad_input_is_a_clear_error(
    history: pd.DataFrame, kwargs: dict[str, Any], fragment: str
) -> None:
    args = {"horizon": 3, "season_length": 1, **kwargs}
    with pytest.raises(InvalidInput) as info:
        forecast(history, workers=1, **args)
    assert fragment in info.value.detail
    assert info.value.problems or fragment == "empty"


def test_negative_values_are_listed_by_series_and_date() -> None:
    with pytest.raises(InvalidInput) as info:
        forecast(daily([1.0, -2.0, 3.0]), 2, 1, workers=1)
    (problem,) = info.value.problems
    assert problem.loc == ("history", "a", "2026-01-02 00:00:00")
    assert "negative" in problem.msg


def test_custom_levels_name_their_columns() -> None:
    out = forecast(daily([float(i % 5) for i in range(30)]), 2, 1, levels=(50, 99), workers=1)
    assert {"yhat-lo-50", "yhat-hi-99"} <= set(out.columns)
    assert (out["yhat-lo-99"] <= out["yhat-lo-50"]).all()

"""Model choice, intervals, regressors and the process pool, on small synthetic series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import pools
from core.errors import InvalidInput
from optimizer.demand import forecast, forecast_with_choices, intermittent, selection

BANDS = ["yhat-lo-95", "yhat-lo-80", "yhat", "yhat-hi-80", "yhat-hi-95"]


def frame(values: np.ndarray, uid: str = "s") -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": np.arange(len(values)), "y": values})


def seasonal(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 50 + 10 * np.sin(2 * np.pi * t / 4) + rng.normal(0, 1, n)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    values=st.lists(
        st.one_of(st.just(0.0), st.floats(0, 1e6, allow_nan=False)), min_size=1, max_size=24
    ),
    horizon=st.integers(1, 6),
    season_length=st.sampled_from([1, 4]),
)
def test_every_row_has_ordered_intervals(
    values: list[float], horizon: int, season_length: int
) -> None:
    out = forecast(frame(np.array(values)), horizon, season_length, workers=1, n_windows=1)
    assert len(out) == horizon
    bands = out[BANDS].to_numpy()
    assert np.isfinite(bands).all()
    assert (bands >= 0).all()
    assert (np.diff(bands, axis=1) >= 0).all()


def test_seasonal_series_is_forecast_close_to_its_pattern() -> None:
    y = seasonal(60, seed=1)
    result = forecast_with_choices(frame(y[:52]), 8, 4, workers=1)
    truth = 50 + 10 * np.sin(2 * np.pi * np.arange(52, 60) / 4)
    assert np.mean(np.abs(result.forecast["yhat"] - truth)) < 3.0
    choice = result.choices.iloc[0]
    assert choice["backtest_windows"] == 3
    assert "backtest window(s)" in choice["reason"]
    assert np.isfinite(choice["backtest_score"])


def test_intermittent_series_is_offered_croston_family() -> None:
    rng = np.random.default_rng(3)
    y = np.where(rng.random(80) < 0.25, rng.integers(1, 6, 80), 0).astype(float)
    choice = forecast_with_choices(frame(y), 6, 1, workers=1).choices.iloc[0]
    assert choice["zero_share"] > 0.5
    for name in ("croston", "sba", "tsb"):
        assert name in choice["reason"]


def test_sba_is_croston_deflated_and_tsb_decays_after_demand_stops() -> None:
    y = np.array([0, 0, 4, 0, 0, 0, 5, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    croston, _ = intermittent.forecast(y, 3, variant="croston")
    sba, _ = intermittent.forecast(y, 3, variant="sba")
    tsb, _ = intermittent.forecast(y, 3, variant="tsb")
    assert sba[0] < croston[0]
    assert 0 < tsb[0] < croston[0]
    assert np.allclose(croston, croston[0])


def test_pool_gives_the_same_answer_as_one_process() -> None:
    history = pd.concat([frame(seasonal(40, seed), uid=f"s{seed}") for seed in range(3)])
    alone = forecast(history, 4, 4, workers=1, n_windows=1)
    pooled = forecast(history, 4, 4, workers=2, n_windows=1)
    pd.testing.assert_frame_equal(alone, pooled)


def test_past_crises_as_regressors_raise_the_forecast_of_a_planned_one() -> None:
    rng = np.random.default_rng(7)
    n, horizon = 80, 5
    crisis = np.zeros(n + horizon)
    crisis[[15, 16, 17, 40, 41, 42, 65, 66, 67]] = 1.0
    crisis[n : n + 3] = 1.0
    y = 20 + 30 * crisis[:n] + rng.normal(0, 1, n)
    exog = pd.DataFrame({"unique_id": "s", "ds": np.arange(n + horizon), "flood": crisis})
    plain = forecast(frame(y), horizon, 1, workers=1)
    informed = forecast_with_choices(frame(y), horizon, 1, exog=exog, workers=1)
    assert informed.forecast["yhat"].iloc[0] > plain["yhat"].iloc[0] + 10
    assert "crisis regressors" in str(informed.choices.loc[0, "reason"])


def test_seasonal_naive_keeps_its_place_unless_clearly_beaten() -> None:
    close = {"seasonal_naive": 1.0, "ets_damped": 0.85, "sarimax": 0.9}
    assert selection._ranked(close)[0] == "seasonal_naive"
    clear = {"seasonal_naive": 1.0, "ets_damped": 0.7, "sarimax": 0.6}
    assert selection._ranked(clear) == ["sarimax", "ets_damped", "seasonal_naive"]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_time_limit_answers_in_time_with_seasonal_naive_for_what_it_could_not_fit(
    workers: int,
) -> None:
    import time

    rng = np.random.default_rng(3)
    days = pd.date_range("2025-01-01", periods=120, freq="D")
    history = pd.concat(
        pd.DataFrame(
            {
                "unique_id": f"s{k}",
                "ds": days,
                "y": 50 + 10 * np.sin(np.arange(120) / 3) + rng.normal(0, 3, 120),
            }
        )
        for k in range(12)
    )
    started = time.monotonic()
    result = forecast_with_choices(history, 14, 7, workers=workers, time_limit_s=0.05)
    assert time.monotonic() - started < 20
    assert len(result.forecast) == 12 * 14
    late = result.choices[result.choices["reason"].str.contains("time limit")]
    assert len(late) >= 1
    assert set(late["model"]) == {"seasonal_naive"}
    # the fits still running at the deadline were ended with their pool
    assert pools.live_pools() == 0
    workers_left = [
        worker
        for child in psutil.Process().children()
        for worker in child.children(recursive=True)
        if worker.status() != psutil.STATUS_ZOMBIE
    ]
    assert workers_left == []


def test_a_time_limit_must_be_positive() -> None:
    history = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range("2025-01-01", periods=30), "y": 1.0}
    )
    with pytest.raises(InvalidInput, match="time_limit_s"):
        forecast_with_choices(history, 7, 7, time_limit_s=0)

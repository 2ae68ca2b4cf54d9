"""The scenario library, the SEIR curve, scenario demand and crisis regressors."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from optimizer.demand.scenario import (
    KINDS,
    CrisisWindow,
    Epidemic,
    crisis_exog,
    library,
    load_scenario,
    parse_scenario,
    scenario_demand,
    seir_curve,
)

START = date(2026, 7, 1)


def communities() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "community_id": ["north", "south"],
            "population": [1000, 4000],
            "elderly": [100, 400],
            "under5": [50, 0],
        }
    )


def test_library_ships_one_scenario_per_crisis_kind_with_sources() -> None:
    scenarios = library()
    assert sorted(s.kind for s in scenarios.values()) == sorted(KINDS)
    for scenario in scenarios.values():
        assert scenario.sources
        assert all(need.source for need in scenario.needs)


@settings(max_examples=40, deadline=None)
@given(
    population=st.floats(10, 1e7),
    r0=st.floats(0.5, 6),
    incubation=st.floats(1, 10),
    infectious=st.floats(1, 14),
)
def test_seir_keeps_its_population_and_stays_non_negative(
    population: float, r0: float, incubation: float, infectious: float
) -> None:
    curve = seir_curve(population, Epidemic(r0, incubation, infectious, 1.0), 200)
    totals = curve[["S", "E", "I", "R"]].sum(axis=1)
    assert np.allclose(totals, population, rtol=1e-3)
    assert (curve[["S", "E", "I", "R", "new_infections"]] >= 0).all().all()


def test_seir_wave_rises_then_falls_only_above_threshold() -> None:
    wave = seir_curve(100_000, Epidemic(2.5, 5, 7, 10), 365)["I"].to_numpy()
    peak = int(np.argmax(wave))
    assert 0 < peak < 364
    assert wave[-1] < wave[peak] / 10
    fizzle = seir_curve(100_000, Epidemic(0.8, 5, 7, 10), 365)["I"].to_numpy()
    assert fizzle.max() <= 10.0 + 1e-6


def test_constant_scenario_demand_is_people_times_need_times_weight() -> None:
    heat = library()["heat_wave"]
    out = scenario_demand(heat, communities(), start=START)
    water = out[(out["item_code"] == "WAT-BOTTLE-550") & (out["community_id"] == "north")]
    need = next(n for n in heat.needs if n.item_code == "WAT-BOTTLE-550").per_person_daily
    weighted = 1000 + (2.0 - 1) * 100 + (1.8 - 1) * 50
    assert len(water) == heat.duration_days
    assert water["ds"].iloc[0] == pd.Timestamp(START)
    assert np.allclose(water["demand"], heat.affected_share * weighted * need)


def test_one_off_needs_land_on_the_first_day() -> None:
    flood = library()["flood"]
    out = scenario_demand(flood, communities(), start=START)
    blankets = out[(out["item_code"] == "SHL-BLANKET") & (out["community_id"] == "south")]
    assert blankets["demand"].iloc[0] > 0
    assert (blankets["demand"].iloc[1:] == 0).all()


def test_severity_scales_demand_and_catalogue_overrides_need() -> None:
    quake = library()["earthquake"]
    base = scenario_demand(quake, communities(), start=START)
    worse = scenario_demand(replace(quake, severity=1.5), communities(), start=START)
    assert worse["demand"].sum() == pytest.approx(1.5 * base["demand"].sum())
    doubled = scenario_demand(
        quake, communities(), start=START, catalogue_needs={"FOD-BISCUIT-COMP": 3.8}
    )
    pick = base["item_code"] == "FOD-BISCUIT-COMP"
    assert doubled.loc[pick, "demand"].sum() == pytest.approx(2 * base.loc[pick, "demand"].sum())


def test_epidemic_demand_follows_the_infectious_curve() -> None:
    epidemic = library()["epidemic_wave"]
    out = scenario_demand(epidemic, communities().iloc[:1], start=START)
    masks = out[out["item_code"] == "PPE-MASK-SURGICAL"]["demand"].to_numpy()
    peak = int(np.argmax(masks))
    assert 0 < peak < len(masks) - 1
    assert masks[0] < masks[peak]


def test_a_scenario_naming_communities_only_touches_them() -> None:
    flood = replace(library()["flood"], communities=("north",))
    out = scenario_demand(flood, communities(), start=START)
    assert set(out["community_id"]) == {"north"}


def test_scenario_without_start_is_refused() -> None:
    with pytest.raises(InvalidInput, match="start"):
        scenario_demand(library()["flood"], communities())


def test_bad_scenario_file_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: x\nkind: meteor\nname: X\naffected_share: 2\nduration_days: 0\n"
        "profile: seir\nneeds: [{item_code: W, per_person_daily: -1}]\n"
    )
    with pytest.raises(InvalidInput) as info:
        load_scenario(path)
    fields = {p.loc[0] for p in info.value.problems}
    assert fields == {"kind", "affected_share", "duration_days", "epidemic", "needs"}


def test_scenario_json_with_missing_fields_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_scenario({"kind": "flood"})
    assert {p.loc[0] for p in info.value.problems} >= {"id", "name", "duration_days"}


def test_crisis_regressors_cover_history_and_horizon_per_kind() -> None:
    history = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range("2026-01-01", periods=10), "y": 1.0}
    )
    crises = [
        CrisisWindow("flood", date(2026, 1, 3), 2, 1.0),
        CrisisWindow("flood", date(2026, 1, 12), 3, 0.5),
    ]
    exog = crisis_exog(history, 4, "D", crises)
    assert list(exog.columns) == ["unique_id", "ds", "crisis_flood"]
    assert len(exog) == 14
    assert exog["crisis_flood"].tolist() == [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0.5, 0.5, 0.5]

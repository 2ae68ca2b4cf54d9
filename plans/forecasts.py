"""Forecast runs: a district's demand per community × item under a declared scenario.

The baseline is `optimizer.demand.forecast` over the inventory's daily issue history (the
history ends the day before the run starts, absent days count as zero issues); the
scenario's demand (`scenario_demand`) is laid over it for the days the run covers. Both
are stored row by row, so allocation, reserve levels and the fan chart read the same
numbers. The fit is CPU-bound: callers run this off the event loop.

`run` does it all in the caller's unit of work (the command line, the demo); the API splits
it into `prepare` (reads the scenario, the issue history and the scenario's demand),
`solve` (the statsmodels fits, no database) and `store` (writes the run and its rows), so
no transaction is open during the fits (`core.solves`). A run is a forecast as of the
moment its history was read; movements recorded during the fits belong to the next run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select
from sqlmodel import Session, col

from core.errors import Conflict, InvalidInput, NotFound
from inventory import service as inventory
from optimizer.demand import forecast_with_choices
from optimizer.demand.scenario import Scenario, scenario_demand
from plans import scenarios
from plans.models import DeclaredScenario, ForecastRow, ForecastRun

LEVELS = (80, 95)
MIN_HORIZON = 7
MAX_HORIZON = 180
HISTORY_DAYS = 730
ROW_COLUMNS = ("yhat", "lo_80", "hi_80", "lo_95", "hi_95")


@dataclass(frozen=True)
class PreparedForecast:
    """What the fits need, read from the database as plain data."""

    district_id: int
    scenario_id: int
    begin: date
    days: int
    season_length: int
    history: pd.DataFrame
    """Daily issues per community × item up to the day before `begin`."""
    overlay: pd.DataFrame
    """The scenario's demand per community × item × day of the run."""
    started: float
    """`time.perf_counter()` when preparing began: the run's `seconds` count from here."""


@dataclass(frozen=True)
class SolvedForecast:
    baseline: pd.DataFrame
    choices: list[dict[str, Any]]


def run_forecast(
    session: Session,
    district_id: int,
    *,
    actor: str,
    today: date,
    scenario_id: int | None = None,
    horizon: int | None = None,
    season_length: int = 7,
    start: date | None = None,
    workers: int | None = None,
    time_limit_s: float | None = None,
) -> ForecastRun:
    """Forecast the district under its active scenario (or `scenario_id`) and store it,
    all in the caller's unit of work."""
    prepared = prepare(
        session,
        district_id,
        today=today,
        scenario_id=scenario_id,
        horizon=horizon,
        season_length=season_length,
        start=start,
    )
    solved = solve(prepared, workers=workers, time_limit_s=time_limit_s)
    return store(session, prepared, solved, actor=actor)


def prepare(
    session: Session,
    district_id: int,
    *,
    today: date,
    scenario_id: int | None = None,
    horizon: int | None = None,
    season_length: int = 7,
    start: date | None = None,
) -> PreparedForecast:
    """Read the scenario, the issue history and the scenario's demand (reads only)."""
    started = time.perf_counter()
    inventory.get_district(session, district_id)
    declared = _scenario_for(session, district_id, scenario_id)
    scenario = scenarios.scenario_of(declared)
    begin = start or today
    days = horizon or default_horizon(declared, begin)
    return PreparedForecast(
        district_id=district_id,
        scenario_id=declared.id or 0,
        begin=begin,
        days=days,
        season_length=season_length,
        history=_history(session, district_id, begin),
        overlay=_overlay(session, district_id, scenario, declared.start, begin, days),
        started=started,
    )


def solve(
    prepared: PreparedForecast, *, workers: int | None = None, time_limit_s: float | None = None
) -> SolvedForecast:
    """Fit and forecast every series (no database)."""
    baseline, choices = _baseline(
        prepared.history,
        prepared.days,
        prepared.season_length,
        prepared.begin,
        workers,
        time_limit_s,
    )
    return SolvedForecast(baseline, choices)


def store(
    session: Session, prepared: PreparedForecast, solved: SolvedForecast, *, actor: str
) -> ForecastRun:
    """Store the run and its rows. Scenarios are closed, never deleted, so the run's
    scenario is still there; a run of a scenario closed meanwhile is kept like any other."""
    history = prepared.history
    rows = _combine(solved.baseline.copy(), prepared.overlay.copy())
    record = ForecastRun(
        district_id=prepared.district_id,
        scenario_id=prepared.scenario_id,
        start=prepared.begin,
        horizon_days=prepared.days,
        season_length=prepared.season_length,
        history_days=int(history["ds"].nunique()) if not history.empty else 0,
        series=int(rows[["community_id", "item_id"]].drop_duplicates().shape[0]),
        choices=solved.choices,
        created_by=actor,
        seconds=0.0,
    )
    session.add(record)
    session.flush()
    if not rows.empty:
        records = rows.assign(run_id=record.id).to_dict("records")
        session.execute(
            insert(ForecastRow), [_clean({str(k): v for k, v in r.items()}) for r in records]
        )
    record.seconds = round(time.perf_counter() - prepared.started, 3)
    session.flush()
    return record


def default_horizon(declared: DeclaredScenario, begin: date) -> int:
    """Days from `begin` to the scenario's end, at least a week, at most half a year."""
    end = declared.start + timedelta(days=declared.duration_days)
    return max(MIN_HORIZON, min(MAX_HORIZON, (end - begin).days))


def _scenario_for(session: Session, district_id: int, scenario_id: int | None) -> DeclaredScenario:
    if scenario_id is None:
        found = scenarios.active_scenario(session, district_id)
        if found is None:
            raise Conflict("The district has no active scenario; declare one first.")
        return found
    declared = scenarios.get_scenario(session, scenario_id)
    if declared.district_id != district_id:
        raise NotFound(f"Scenario {scenario_id} is not a scenario of district {district_id}.")
    return declared


def _history(session: Session, district_id: int, begin: date) -> pd.DataFrame:
    since = datetime.combine(begin - timedelta(days=HISTORY_DAYS), datetime.min.time(), UTC)
    history = inventory.daily_issue_history(session, district_id, since=since)
    before: pd.DataFrame = history[history["ds"] < pd.Timestamp(begin)]
    return before


def _baseline(
    history: pd.DataFrame,
    days: int,
    season_length: int,
    begin: date,
    workers: int | None,
    time_limit_s: float | None,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Forecast rows keyed by community and item ids, and the model chosen per series."""
    columns = ["community_id", "item_id", "ds", *ROW_COLUMNS]
    if history.empty:
        return pd.DataFrame(columns=columns), []
    keys = history.drop_duplicates("unique_id").set_index("unique_id")[["community_id", "item_id"]]
    result = forecast_with_choices(
        history[["unique_id", "ds", "y"]],
        days,
        season_length,
        LEVELS,
        freq="D",
        until=pd.Timestamp(begin - timedelta(days=1)),
        workers=workers,
        time_limit_s=time_limit_s,
    )
    frame = result.forecast.rename(
        columns={
            "yhat-lo-80": "lo_80",
            "yhat-hi-80": "hi_80",
            "yhat-lo-95": "lo_95",
            "yhat-hi-95": "hi_95",
        }
    ).join(keys, on="unique_id")
    choices = result.choices.join(keys, on="unique_id")
    account = [
        {
            "community_id": _maybe_int(c["community_id"]),
            "item_id": int(c["item_id"]),
            "model": str(c["model"]),
            "reason": str(c["reason"]),
            "n_obs": int(c["n_obs"]),
        }
        for c in choices.to_dict("records")
    ]
    out: pd.DataFrame = frame[columns]
    return out, account


def _overlay(
    session: Session,
    district_id: int,
    scenario: Scenario,
    scenario_start: date,
    begin: date,
    days: int,
) -> pd.DataFrame:
    """The scenario's daily demand per community × item, on the run's days only."""
    communities = inventory.list_communities(session, district_id)
    frame = pd.DataFrame(
        {
            "community_id": [c.code for c in communities],
            "population": [c.population for c in communities],
            "elderly": [c.elderly_65_plus for c in communities],
            "under5": [c.children_under_5 for c in communities],
            "disabled": [c.people_with_disabilities for c in communities],
            "chronically_ill": [c.chronically_ill for c in communities],
        }
    )
    items = {i.code: i for i in inventory.list_items(session)}
    overrides = {
        n.item_code: float(items[n.item_code].daily_need_per_person or 0.0)
        for n in scenario.needs
        if n.per_person_daily > 0
        and n.item_code in items
        and items[n.item_code].daily_need_per_person
    }
    demand = scenario_demand(scenario, frame, start=scenario_start, catalogue_needs=overrides)
    first, end = pd.Timestamp(begin), pd.Timestamp(begin + timedelta(days=days))
    demand = demand[(demand["ds"] >= first) & (demand["ds"] < end)]
    ids = {c.code: c.id for c in communities}
    unknown = sorted(set(demand["item_code"]) - set(items))
    if unknown:
        raise InvalidInput(f"Items of the scenario are not in the catalogue: {', '.join(unknown)}")
    return pd.DataFrame(
        {
            "community_id": demand["community_id"].map(ids),
            "item_id": demand["item_code"].map(lambda code: items[code].id),
            "ds": demand["ds"],
            "scenario_demand": demand["demand"].astype(float),
        }
    )


def _combine(baseline: pd.DataFrame, overlay: pd.DataFrame) -> pd.DataFrame:
    keys = ["community_id", "item_id", "ds"]
    for frame in (baseline, overlay):
        frame["community_id"] = frame["community_id"].astype("Int64")
        frame["item_id"] = frame["item_id"].astype("int64")
        frame["ds"] = pd.to_datetime(frame["ds"])
    rows = baseline.merge(overlay, on=keys, how="outer")
    for column in (*ROW_COLUMNS, "scenario_demand"):
        rows[column] = rows[column].astype(float).fillna(0.0)
    return rows.sort_values(keys, ignore_index=True)


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    """One row for the database: plain ints, floats and dates."""
    return {
        "run_id": int(record["run_id"]),
        "community_id": _maybe_int(record["community_id"]),
        "item_id": int(record["item_id"]),
        "ds": pd.Timestamp(record["ds"]).date(),
        **{c: float(record[c]) for c in (*ROW_COLUMNS, "scenario_demand")},
    }


def _maybe_int(value: Any) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return int(value)


def get_run(session: Session, run_id: int) -> ForecastRun:
    found = session.get(ForecastRun, run_id)
    if found is None:
        raise NotFound(f"Forecast run {run_id} does not exist.")
    return found


def list_runs(session: Session, district_id: int) -> Sequence[ForecastRun]:
    query = select(ForecastRun).where(col(ForecastRun.district_id) == district_id)
    return session.execute(query.order_by(col(ForecastRun.id))).scalars().all()


def latest_run(session: Session, district_id: int, scenario_id: int) -> ForecastRun:
    found: ForecastRun | None = session.execute(
        select(ForecastRun)
        .where(
            col(ForecastRun.district_id) == district_id,
            col(ForecastRun.scenario_id) == scenario_id,
        )
        .order_by(col(ForecastRun.id).desc())
        .limit(1)
    ).scalar_one_or_none()
    if found is None:
        raise Conflict("There is no forecast for the active scenario yet; run one first.")
    return found


def rows(
    session: Session, run_id: int, *, community_id: int | None = None, item_id: int | None = None
) -> Sequence[ForecastRow]:
    query = select(ForecastRow).where(col(ForecastRow.run_id) == run_id)
    if community_id is not None:
        query = query.where(col(ForecastRow.community_id) == community_id)
    if item_id is not None:
        query = query.where(col(ForecastRow.item_id) == item_id)
    order = (col(ForecastRow.community_id), col(ForecastRow.item_id), col(ForecastRow.ds))
    return session.execute(query.order_by(*order)).scalars().all()

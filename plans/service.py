"""The planning use cases, as the API and the command line call them.

Every function takes the caller's session and never commits, except the `compute_*` ones:
a forecast's fits and an allocation's solve may take their whole time limit, so those open
their own units of work and run the long step with none open (`core.solves`): read in a
read-only unit, solve outside any transaction, store in a short writing unit that refuses
if what the result depends on changed meanwhile. Forecasting and solving are CPU-bound:
call them from a worker thread (a sync route), never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from sqlmodel import Session

from core.db import UnitsOfWork
from core.solves import Once, prepare_solve_store
from plans import forecasts, plans
from plans.forecasts import get_run, latest_run, list_runs, rows, run_forecast
from plans.models import AllocationPlanRow, ForecastRun
from plans.plans import (
    approve,
    create_plan,
    demand_by_day,
    get_plan,
    list_plans,
    plan_public,
    resolve,
    update_line,
)
from plans.scenarios import MAX_FILE_BYTES as MAX_SCENARIO_BYTES
from plans.scenarios import (
    active_scenario,
    close_scenario,
    declare_scenario,
    get_scenario,
    library_definition,
    library_names,
    list_scenarios,
    read_definition,
)
from plans.schemas import PlanCreate
from plans.views import fan_chart, reserve_levels

R = TypeVar("R")
A = TypeVar("A")


def compute_forecast(
    units: UnitsOfWork,
    district_id: int,
    *,
    actor: str,
    today: date,
    scenario_id: int | None,
    horizon: int | None,
    season_length: int,
    start: date | None,
    time_limit_s: float | None,
    answer: Callable[[Session, ForecastRun], R],
    once: Once[R, A],
) -> A:
    """`run_forecast` with no transaction open during the fits; `answer` turns the stored
    run into what the caller answers, `once` runs it at most once per key."""
    return prepare_solve_store(
        units,
        prepare=lambda session: forecasts.prepare(
            session,
            district_id,
            today=today,
            scenario_id=scenario_id,
            horizon=horizon,
            season_length=season_length,
            start=start,
        ),
        solve=lambda prepared: forecasts.solve(prepared, time_limit_s=time_limit_s),
        store=lambda session, prepared, solved: answer(
            session, forecasts.store(session, prepared, solved, actor=actor)
        ),
        once=once,
    )


def compute_plan(
    units: UnitsOfWork,
    district_id: int,
    data: PlanCreate,
    *,
    actor: str,
    now: datetime,
    time_limit_s: float,
    answer: Callable[[Session, AllocationPlanRow], R],
    once: Once[R, A],
) -> A:
    """`create_plan` with no transaction open during the solve."""
    return prepare_solve_store(
        units,
        prepare=lambda session: plans.prepare_create(session, district_id, data, now=now),
        solve=lambda prepared: plans.solve_plan(prepared, time_limit_s=time_limit_s),
        store=lambda session, prepared, solution: answer(
            session, plans.store_create(session, prepared, solution, actor=actor, now=now)
        ),
        once=once,
    )


def compute_resolve(
    units: UnitsOfWork,
    plan_id: int,
    *,
    now: datetime,
    time_limit_s: float,
    answer: Callable[[Session, AllocationPlanRow], R],
    once: Once[R, A],
) -> A:
    """`resolve` with no transaction open during the solve; a draft changed meanwhile is
    refused (`Conflict`) and nothing is stored."""
    return prepare_solve_store(
        units,
        prepare=lambda session: plans.prepare_resolve(session, plan_id),
        solve=lambda prepared: plans.solve_plan(prepared, time_limit_s=time_limit_s),
        store=lambda session, prepared, solution: answer(
            session, plans.store_resolve(session, prepared, solution, now=now)
        ),
        once=once,
    )


__all__ = [
    "MAX_SCENARIO_BYTES",
    "active_scenario",
    "approve",
    "close_scenario",
    "compute_forecast",
    "compute_plan",
    "compute_resolve",
    "create_plan",
    "declare_scenario",
    "demand_by_day",
    "fan_chart",
    "get_plan",
    "get_run",
    "get_scenario",
    "latest_run",
    "library_definition",
    "library_names",
    "list_plans",
    "list_runs",
    "list_scenarios",
    "plan_public",
    "read_definition",
    "reserve_levels",
    "resolve",
    "rows",
    "run_forecast",
    "update_line",
]

"""The planning use cases, as the API and the command line call them.

Every function takes the caller's session and never commits. Forecasting and solving are
CPU-bound: call them from a worker thread (a sync route), never on the event loop.
"""

from __future__ import annotations

from optimizer.plans.forecasts import get_run, latest_run, list_runs, rows
from optimizer.plans.forecasts import run as run_forecast
from optimizer.plans.plans import approve, resolve, update_line
from optimizer.plans.plans import create as create_plan
from optimizer.plans.plans import get as get_plan
from optimizer.plans.plans import list_for as list_plans
from optimizer.plans.plans import public as plan_public
from optimizer.plans.scenarios import MAX_FILE_BYTES as MAX_SCENARIO_BYTES
from optimizer.plans.scenarios import active as active_scenario
from optimizer.plans.scenarios import close as close_scenario
from optimizer.plans.scenarios import declare as declare_scenario
from optimizer.plans.scenarios import get as get_scenario
from optimizer.plans.scenarios import (
    library_definition,
    library_names,
    read_definition,
)
from optimizer.plans.scenarios import list_for as list_scenarios
from optimizer.plans.views import chart as fan_chart
from optimizer.plans.views import reserves as reserve_levels

__all__ = [
    "MAX_SCENARIO_BYTES",
    "active_scenario",
    "approve",
    "close_scenario",
    "create_plan",
    "declare_scenario",
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

"""Vehicle routing: a pure solver over plain data, and the literature benchmark formats.

`solve(problem, seed=..., time_limit_s=..., workers=...)` takes a `RoutingProblem` (depots,
stops, vehicles, travel matrices) and returns a `RoutingResult` (routes per vehicle and trip,
and the load left out with its reason). It reads no settings and touches no database.
"""

from optimizer.routing.model import Depot, RoutingProblem, Stop, TimeWindow, Vehicle
from optimizer.routing.result import (
    DropReason,
    Route,
    RoutingResult,
    RoutingStatus,
    Unserved,
    Visit,
)
from optimizer.routing.search import DEFAULT_PORTFOLIO, SearchStrategy
from optimizer.routing.solver import solve

__all__ = [
    "DEFAULT_PORTFOLIO",
    "Depot",
    "DropReason",
    "Route",
    "RoutingProblem",
    "RoutingResult",
    "RoutingStatus",
    "SearchStrategy",
    "Stop",
    "TimeWindow",
    "Unserved",
    "Vehicle",
    "Visit",
    "solve",
]

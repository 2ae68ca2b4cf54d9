"""Search strategies: how OR-Tools builds a first plan and then improves it.

A `SearchStrategy` names a first-solution heuristic and an improvement method: guided
local search (GLS, OR-Tools' usual advice) or iterated local search (ILS, run through
`RoutingModel.SolveWithIteratedLocalSearch`): ruin part of the plan with SISR string
removals (Christiaens & Vanden Berghe 2020), recreate it by local cheapest insertion,
re-optimise by local search, accept by simulated annealing. That large-neighbourhood step
is what lets the search leave the local optima GLS keeps circling.

What the development runs showed (10 s, one worker, several X, E and Solomon instances):
GLS from a path-cheapest-arc start stayed 3-8 % above the best-known CVRP costs while ILS
reached 0.4-2.9 %; switching off the insertion-LNS operators inside ILS's local search
(`lean_operators`, ILS ruins and recreates by itself) made its iterations cheaper and won
on five of six instances; SISR sizes 10-20, SA temperatures and the recreate heuristic made
differences within run-to-run noise. Restricting local search to nearest neighbours
(`ls_operator_neighbors_ratio`) stopped OR-Tools 9.15 from improving at all, so it is not
offered. Parallel workers run a portfolio with different starts and ruin sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from google.protobuf.duration_pb2 import Duration
from ortools.constraint_solver import (
    pywrapcp,
    routing_enums_pb2,
    routing_ils_pb2,
    routing_parameters_pb2,
)
from ortools.util import optional_boolean_pb2

FirstSolution = Literal[
    "PATH_CHEAPEST_ARC",
    "PARALLEL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
    "SAVINGS",
    "PARALLEL_SAVINGS",
    "CHRISTOFIDES",
    "SWEEP",
    "AUTOMATIC",
]
Improvement = Literal["GLS", "ILS", "SA", "TABU", "GREEDY"]


@dataclass(frozen=True)
class SearchStrategy:
    """One worker's search: a start heuristic and an improvement metaheuristic.

    `ruin_visits` (SISR's average number of removed visits per perturbation) and
    `ruin_sequence` (longest removed string) apply to ILS only; `gls_lambda` (the weight
    of GLS arc penalties) to GLS only.
    """

    first_solution: FirstSolution = "PARALLEL_CHEAPEST_INSERTION"
    improvement: Improvement = "ILS"
    ruin_visits: int = 10
    ruin_sequence: int = 10
    gls_lambda: float = 0.1
    lean_operators: bool = False
    """Switch off the costly insertion-LNS operators inside local search (ILS ruins itself)."""


_COSTLY_OPERATORS = (
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
    "use_relocate_expensive_chain",
)


def _duration(seconds: float) -> Duration:
    d = Duration()
    d.FromNanoseconds(max(1, round(seconds * 1e9)))
    return d


def search_parameters(
    strategy: SearchStrategy, time_limit_s: float
) -> routing_parameters_pb2.RoutingSearchParameters:
    """Build `RoutingSearchParameters` for one strategy and a wall-clock limit."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, strategy.first_solution
    )
    meta = routing_enums_pb2.LocalSearchMetaheuristic
    params.time_limit.CopyFrom(_duration(time_limit_s))
    if strategy.lean_operators:
        ops = params.local_search_operators
        for name in _COSTLY_OPERATORS:
            setattr(ops, name, optional_boolean_pb2.BOOL_FALSE)
    if strategy.improvement == "ILS":
        params.use_iterated_local_search = True
        params.local_search_metaheuristic = meta.GREEDY_DESCENT
        ils = params.iterated_local_search_parameters
        ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
        rr = ils.ruin_recreate_parameters
        del rr.ruin_strategies[:]
        sisr = rr.ruin_strategies.add().sisr
        sisr.avg_num_removed_visits = strategy.ruin_visits
        sisr.max_removed_sequence_size = strategy.ruin_sequence
        sisr.bypass_factor = 0.01
        rr.recreate_strategy.heuristic = (
            routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
        )
        ils.improve_perturbed_solution = True
        sa = ils.reference_solution_acceptance_strategy.simulated_annealing
        sa.cooling_schedule_strategy = routing_ils_pb2.CoolingScheduleStrategy.EXPONENTIAL
        sa.automatic_temperatures = True
    else:
        params.local_search_metaheuristic = {
            "GLS": meta.GUIDED_LOCAL_SEARCH,
            "SA": meta.SIMULATED_ANNEALING,
            "TABU": meta.TABU_SEARCH,
            "GREEDY": meta.GREEDY_DESCENT,
        }[strategy.improvement]
        params.guided_local_search_lambda_coefficient = strategy.gls_lambda
    error = pywrapcp.FindErrorInRoutingSearchParameters(params)
    if error:
        raise ValueError(f"invalid routing search parameters: {error}")
    return params


#: What the parallel workers run, in order; worker i takes entry i modulo the length.
DEFAULT_PORTFOLIO: tuple[SearchStrategy, ...] = (
    SearchStrategy("PARALLEL_CHEAPEST_INSERTION", "ILS", lean_operators=True),
    SearchStrategy(
        "PATH_CHEAPEST_ARC", "ILS", ruin_visits=20, ruin_sequence=15, lean_operators=True
    ),
)

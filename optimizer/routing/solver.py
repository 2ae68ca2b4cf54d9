"""Solve a `RoutingProblem` with the OR-Tools routing library.

`solve()` builds one OR-Tools model per worker, runs the workers in parallel processes
(one strategy of the portfolio and one seed each) and keeps the plan with the lowest
objective (distance plus drop penalties). Transit costs and times are registered as
matrices, not Python callbacks, so the search never calls back into Python.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from ortools.constraint_solver import pywrapcp

from core.errors import InvalidInput
from optimizer.routing.compile import Compiled, compile_problem
from optimizer.routing.diagnose import explain_drops
from optimizer.routing.model import HORIZON, RoutingProblem
from optimizer.routing.result import Route, RoutingResult, RoutingStatus, Visit
from optimizer.routing.search import DEFAULT_PORTFOLIO, SearchStrategy, search_parameters

#: Wall-clock reserve for building the model and reading the result, per worker.
_OVERHEAD_S = 0.15


@dataclass(frozen=True)
class _Job:
    problem: RoutingProblem
    seed: int
    strategy: SearchStrategy
    deadline_s: float
    worker: int


def solve(
    problem: RoutingProblem,
    *,
    seed: int = 0,
    time_limit_s: float = 10.0,
    workers: int = 1,
    portfolio: Sequence[SearchStrategy] = DEFAULT_PORTFOLIO,
) -> RoutingResult:
    """Route `problem` within `time_limit_s` seconds of wall-clock time.

    Worker i runs `portfolio[i % len(portfolio)]` with seed `seed + i`; with `workers=1`
    the search runs in this process. The result is deterministic for a given seed only up
    to the time limit (the search stops on the clock).
    """
    if time_limit_s <= 0:
        raise InvalidInput("time_limit_s must be positive")
    if workers < 1 or not portfolio:
        raise InvalidInput("workers must be at least 1 and the portfolio non-empty")
    started = time.perf_counter()
    jobs = [
        _Job(problem, seed + i, portfolio[i % len(portfolio)], time_limit_s, i)
        for i in range(workers)
    ]
    if workers == 1:
        outcomes = [_run(jobs[0])]
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            outcomes = list(pool.map(_run, jobs))
    found = [o for o in outcomes if o.status is not RoutingStatus.NO_SOLUTION]
    best = min(found, key=lambda o: o.objective) if found else outcomes[0]
    return replace(best, runtime_s=time.perf_counter() - started, workers=workers)


def _run(job: _Job) -> RoutingResult:
    started = time.perf_counter()
    compiled = compile_problem(job.problem, seed=job.seed)
    manager, model = _build(job.problem, compiled)
    limit = max(0.05, job.deadline_s - (time.perf_counter() - started) - _OVERHEAD_S)
    params = search_parameters(job.strategy, limit)
    if job.strategy.improvement == "ILS":
        solution = model.SolveWithIteratedLocalSearch(params)
    else:
        solution = model.SolveWithParameters(params)
    if solution is None:
        return RoutingResult(
            status=RoutingStatus.NO_SOLUTION,
            routes=(),
            unserved=(),
            distance=0,
            objective=0,
            runtime_s=time.perf_counter() - started,
            workers=1,
            best_worker=None,
        )
    routes, served = _read_routes(job.problem, compiled, manager, model, solution)
    unserved = explain_drops(job.problem, compiled, served)
    return RoutingResult(
        status=RoutingStatus.PARTIAL if unserved else RoutingStatus.COMPLETE,
        routes=routes,
        unserved=unserved,
        distance=sum(r.distance for r in routes),
        objective=int(solution.ObjectiveValue()),
        runtime_s=time.perf_counter() - started,
        workers=1,
        best_worker=job.worker,
    )


def _build(
    problem: RoutingProblem, c: Compiled
) -> tuple[pywrapcp.RoutingIndexManager, pywrapcp.RoutingModel]:
    starts = [problem.vehicles[v].start_depot for v in c.vehicle_of]
    ends = [problem.vehicles[v].end_depot for v in c.vehicle_of]
    manager = pywrapcp.RoutingIndexManager(c.num_nodes, len(c.vehicle_of), starts, ends)
    model = pywrapcp.RoutingModel(manager)
    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitMatrix(c.costs.tolist()))

    zeros = [0] * c.num_depots
    weights = zeros + [p.weight for p in c.pieces]
    model.AddDimensionWithVehicleCapacity(
        model.RegisterUnaryTransitVector(weights),
        0,
        [problem.vehicles[v].weight_capacity for v in c.vehicle_of],
        True,
        "weight",
    )
    if problem.has_volume:
        volumes = zeros + [p.volume for p in c.pieces]
        model.AddDimensionWithVehicleCapacity(
            model.RegisterUnaryTransitVector(volumes),
            0,
            [problem.vehicles[v].volume_capacity for v in c.vehicle_of],
            True,
            "volume",
        )
    if problem.needs_time:
        _add_time(problem, c, manager, model)
    for k, piece in enumerate(c.pieces):
        model.AddDisjunction([manager.NodeToIndex(c.num_depots + k)], piece.penalty)
    return manager, model


def _add_time(
    problem: RoutingProblem,
    c: Compiled,
    manager: pywrapcp.RoutingIndexManager,
    model: pywrapcp.RoutingModel,
) -> None:
    """Time windows, shifts and trip chaining on one `time` dimension."""
    callbacks = {s: model.RegisterTransitMatrix(m.tolist()) for s, m in c.travel_by_speed.items()}
    per_vehicle = [callbacks[problem.vehicles[v].speed] for v in c.vehicle_of]
    model.AddDimensionWithVehicleTransits(per_vehicle, HORIZON, HORIZON, False, "time")
    time_dim = model.GetDimensionOrDie("time")
    for k, piece in enumerate(c.pieces):
        window = problem.stops[piece.stop].window
        if window is not None:
            time_dim.CumulVar(manager.NodeToIndex(c.num_depots + k)).SetRange(
                window.start, window.end
            )
    solver = model.solver()
    for vv, v in enumerate(c.vehicle_of):
        vehicle = problem.vehicles[v]
        shift_end = (
            vehicle.shift_start + vehicle.shift_length
            if vehicle.shift_length is not None
            else HORIZON
        )
        start, end = time_dim.CumulVar(model.Start(vv)), time_dim.CumulVar(model.End(vv))
        start.SetRange(vehicle.shift_start, shift_end)
        end.SetRange(vehicle.shift_start, shift_end)
        if c.trip_of[vv] > 0:
            solver.Add(time_dim.CumulVar(model.End(vv - 1)) <= start)
        # Finish as early as possible, then leave as late as that allows: no idle waiting.
        model.AddVariableMinimizedByFinalizer(end)
        model.AddVariableMaximizedByFinalizer(start)


def _read_routes(
    problem: RoutingProblem,
    c: Compiled,
    manager: pywrapcp.RoutingIndexManager,
    model: pywrapcp.RoutingModel,
    solution: pywrapcp.Assignment,
) -> tuple[tuple[Route, ...], set[int]]:
    time_dim = model.GetDimensionOrDie("time") if problem.needs_time else None
    routes: list[Route] = []
    served: set[int] = set()
    for vv in range(len(c.vehicle_of)):
        index = model.Start(vv)
        visits: list[Visit] = []
        distance = 0
        while not model.IsEnd(index):
            nxt = solution.Value(model.NextVar(index))
            a, b = manager.IndexToNode(index), manager.IndexToNode(nxt)
            distance += int(c.costs[a, b])
            if b >= c.num_depots and not model.IsEnd(nxt):
                piece = c.piece_of(b)
                served.add(b)
                arrival = solution.Value(time_dim.CumulVar(nxt)) if time_dim else None
                visits.append(Visit(piece.stop, piece.weight, piece.volume, arrival))
            index = nxt
        if not visits:
            continue
        start_t = solution.Value(time_dim.CumulVar(model.Start(vv))) if time_dim else None
        end_t = solution.Value(time_dim.CumulVar(model.End(vv))) if time_dim else None
        routes.append(
            Route(c.vehicle_of[vv], c.trip_of[vv], tuple(visits), distance, start_t, end_t)
        )
    return tuple(routes), served

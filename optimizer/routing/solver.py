"""Solve a `RoutingProblem` with the OR-Tools routing library.

`solve()` builds one OR-Tools model per worker, runs the workers in parallel processes
(one strategy of the portfolio and one seed each) and keeps the plan with the lowest
objective (distance plus drop penalties). On a large problem (see `decompose.applies`) the
workers get the first 30 % of the time; for the rest they improve the plan region by
region (`optimizer.routing.decompose`), each search starting from the region's current
routes. Transit costs and times are registered as matrices, not Python callbacks, so the
local search never calls back into Python (only a warm start's first plan does).
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_parameters_pb2

from core import pools
from core.errors import InvalidInput
from optimizer.routing import decompose
from optimizer.routing.compile import Compiled, compile_problem
from optimizer.routing.diagnose import explain_drops
from optimizer.routing.model import HORIZON, RoutingProblem
from optimizer.routing.result import Route, RoutingResult, RoutingStatus, Visit
from optimizer.routing.search import DEFAULT_PORTFOLIO, SearchStrategy, search_parameters

pools.preload(__name__)  # the search runs in worker processes

#: Wall-clock reserve for building the model and reading the result, per worker.
_OVERHEAD_S = 0.15
#: Share of the time limit the whole-problem search gets before decomposition starts.
FIRST_SHARE = 0.3
#: Search time per region and round.
REGION_S = 1.5
#: First-plan cost of an arc a warm start does not use: far above any real arc.
_OFF_PLAN = 1 << 40


@dataclass(frozen=True)
class _Job:
    problem: RoutingProblem
    seed: int
    strategy: SearchStrategy
    deadline_s: float
    worker: int
    start: tuple[Route, ...] = ()
    """Routes to start from (a warm start) instead of the strategy's first-solution heuristic."""


Runner = Callable[[list[_Job]], list[RoutingResult]]


def solve(
    problem: RoutingProblem,
    *,
    seed: int = 0,
    time_limit_s: float = 10.0,
    workers: int = 1,
    portfolio: Sequence[SearchStrategy] = DEFAULT_PORTFOLIO,
    decomposition: bool = True,
) -> RoutingResult:
    """Route `problem` within `time_limit_s` seconds of wall-clock time.

    Worker i runs `portfolio[i % len(portfolio)]` with seed `seed + i`; with `workers=1`
    the search runs in this process. When `decomposition` is on and the problem is large
    (`decompose.applies`) and the limit leaves several region rounds, the plan found in
    the first `FIRST_SHARE` of the time is then improved region by region. The result is
    deterministic for a given seed only up to the time limit (the search stops on the clock).
    """
    if time_limit_s <= 0:
        raise InvalidInput("time_limit_s must be positive")
    if workers < 1 or not portfolio:
        raise InvalidInput("workers must be at least 1 and the portfolio non-empty")
    started = time.perf_counter()
    by_regions = (
        decomposition
        and decompose.applies(problem)
        and time_limit_s * (1 - FIRST_SHARE) >= 3 * REGION_S
    )
    first_limit = time_limit_s * FIRST_SHARE if by_regions else time_limit_s
    jobs = [
        _Job(problem, seed + i, portfolio[i % len(portfolio)], first_limit, i)
        for i in range(workers)
    ]
    with _runner(workers) as run_all:
        outcomes = run_all(jobs)
        found = [o for o in outcomes if o.status is not RoutingStatus.NO_SOLUTION]
        best = min(found, key=lambda o: o.objective) if found else outcomes[0]
        if by_regions and found:
            best = _improve_by_regions(
                problem,
                best,
                deadline=started + time_limit_s,
                seed=seed,
                workers=workers,
                portfolio=portfolio,
                run_all=run_all,
            )
    return replace(best, runtime_s=time.perf_counter() - started, workers=workers)


@contextmanager
def _runner(workers: int) -> Iterator[Runner]:
    """Run a batch of jobs: in this process for one worker, else in a pool of worker
    processes kept for the whole solve and ended with it (`core.pools`)."""
    if workers == 1:
        yield lambda jobs: [_run(j) for j in jobs]
        return
    with pools.process_pool(workers) as pool:
        yield lambda jobs: pools.map_all(pool, _run, jobs)


def _improve_by_regions(
    problem: RoutingProblem,
    best: RoutingResult,
    *,
    deadline: float,
    seed: int,
    workers: int,
    portfolio: Sequence[SearchStrategy],
    run_all: Runner,
) -> RoutingResult:
    """Rounds of `workers` disjoint regions searched in parallel until the deadline; a
    region's routes are replaced when its search found shorter ones serving every visit."""
    rng = np.random.default_rng(seed)
    routes = list(best.routes)
    saved = 0
    while (left := deadline - time.perf_counter()) >= REGION_S / 2:
        found = decompose.regions(problem, routes, rng, count=workers)
        if not found:  # nothing is routed: no region to improve
            break
        jobs = [
            _Job(
                region.problem,
                int(rng.integers(2**31)),
                portfolio[k % len(portfolio)],
                min(REGION_S, left),
                k,
                start=region.start,
            )
            for k, region in enumerate(found)
        ]
        improved = [
            (region, result)
            for region, result in zip(found, run_all(jobs), strict=True)
            if decompose.better(region, result)
        ]
        saved += sum(region.distance - result.distance for region, result in improved)
        routes = decompose.merge(routes, improved)
    return replace(
        best,
        routes=tuple(routes),
        distance=sum(r.distance for r in routes),
        objective=best.objective - saved,
    )


def _run(job: _Job) -> RoutingResult:
    started = time.perf_counter()
    compiled = compile_problem(job.problem, seed=job.seed)
    manager, model = _build(job.problem, compiled)
    limit = max(0.05, job.deadline_s - (time.perf_counter() - started) - _OVERHEAD_S)
    params = search_parameters(job.strategy, limit)
    # Held until the search ends: OR-Tools calls it while building the first plan.
    evaluator = _warm_start(job.start, compiled, manager, model, params) if job.start else None
    if job.strategy.improvement == "ILS":
        solution = model.SolveWithIteratedLocalSearch(params)
    else:
        solution = model.SolveWithParameters(params)
    del evaluator
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


def _warm_start(
    start: Sequence[Route],
    c: Compiled,
    manager: pywrapcp.RoutingIndexManager,
    model: pywrapcp.RoutingModel,
    params: routing_parameters_pb2.RoutingSearchParameters,
) -> Callable[[int, int], int]:
    """Make the first plan `start`: every arc of it costs 0 to the first-solution builder
    and any other arc far more, so the evaluator strategy drives exactly those routes.

    Visits find their nodes by stop and load (a split stop's pieces are told apart by
    their loads); vehicles by vehicle and trip. The local search that follows uses the real
    costs, so only the starting point changes. (`ApplyLocksToAllVehicles` would pin the
    routes through the whole iterated local search, and `SolveFromAssignment...` does not
    run it at all.) `SolveWithParameters` hands models under 20 nodes to CP-SAT, which
    ignores the evaluator; regions are far larger, and the iterated search always uses it.
    """
    nodes: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for k, piece in enumerate(c.pieces):
        nodes[(piece.stop, piece.weight, piece.volume)].append(c.num_depots + k)
    virtual = {(v, t): vv for vv, (v, t) in enumerate(zip(c.vehicle_of, c.trip_of, strict=True))}
    following: dict[int, int] = {}
    for route in start:
        vv = virtual[(route.vehicle, route.trip)]
        chain = [model.Start(vv)]
        chain += [
            manager.NodeToIndex(nodes[(v.stop, v.weight, v.volume)].pop()) for v in route.visits
        ]
        chain.append(model.End(vv))
        following.update(itertools.pairwise(chain))

    def evaluator(i: int, j: int) -> int:
        return 0 if following.get(i) == j else _OFF_PLAN

    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.EVALUATOR_STRATEGY
    model.SetFirstSolutionEvaluator(evaluator)
    return evaluator


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

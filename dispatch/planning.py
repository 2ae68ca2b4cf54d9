"""Turn an approved plan's depot-sourced lines into vehicle trips, over plain data.

Each source depot is routed with the vehicles that start there (a vehicle loads at its start
depot only). What one source sends to one community becomes one stop; a load larger than the
biggest of those vehicles is packed, in whole units, into several stops at the same place, so
that every stop is exactly a list of (plan line, lot, quantity) and the solver never splits
one. Stops of communities with priority demand carry the solver's priority penalty. Whatever
cannot go is listed with the reason: no vehicle at the source, a unit larger than any
vehicle, or the solver's own reason (a stop no vehicle reaches by the deadline, fleet
capacity, shift time, time limit).

Travel comes from `DispatchProblem.travel` (the district's table, OSRM or an estimate, as
`dispatch.travel.choose` picked it); without it, great circle × the road factor.
When the travel data has durations they are the driving times and the vehicles' speed does
not apply. `deadline_s` (seconds after departure) gives every stop a time window that ends
then: a stop that no vehicle can reach by the deadline is left out as `window_unreachable`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from dispatch.travel import Place, Travel
from optimizer.routing import Depot, DropReason, RoutingProblem, Stop, TimeWindow, Vehicle, solve
from optimizer.routing.model import IntMatrix
from optimizer.routing.travel import Point, road_distances, speed_m_per_s

#: Minutes to unload at a stop when nothing else is known.
SERVICE_MINUTES = 15
#: Trips a vehicle may make in one shift when it reloads where it started.
MAX_TRIPS = 3


@dataclass(frozen=True)
class FleetVehicle:
    vehicle_id: int
    code: str
    weight_capacity_kg: int
    volume_capacity_l: int
    start_depot_id: int
    end_depot_id: int
    shift_minutes: int
    speed_kmh: float


@dataclass(frozen=True)
class Load:
    """One plan line: `quantity` units of a lot from a source depot to a community."""

    line_id: int
    source_depot_id: int
    community_id: int
    item_id: int
    lot_id: int
    quantity: int
    unit_weight_g: int
    unit_volume_cm3: int
    wave: int = 1
    """The wave whose demand this load serves (see `route_waves`)."""


@dataclass(frozen=True)
class Wave:
    """The part of a plan's demand due by one time: its loads leave on the days from
    `opens_s` and must be unloaded by `due_s` (seconds after the first departure)."""

    number: int
    opens_s: int
    due_s: int


@dataclass(frozen=True)
class DispatchProblem:
    loads: tuple[Load, ...]
    vehicles: tuple[FleetVehicle, ...]
    depots: Mapping[int, Point]
    communities: Mapping[int, Point]
    priority_communities: frozenset[int] = frozenset()
    service_minutes: int = SERVICE_MINUTES
    travel: Travel | None = None
    """Matrices over the problem's places; None: great circle × road factor, vehicle speed."""
    deadline_s: int | None = None
    """Latest start of unloading at any stop, in seconds after departure."""


@dataclass(frozen=True)
class Cargo:
    line_id: int
    item_id: int
    lot_id: int
    quantity: int


@dataclass(frozen=True)
class PlannedStop:
    community_id: int
    arrival_s: int
    """Start of unloading, seconds after departure."""
    weight_g: int
    volume_cm3: int
    cargo: tuple[Cargo, ...]


@dataclass(frozen=True)
class PlannedTrip:
    vehicle_id: int
    trip: int
    source_depot_id: int
    end_depot_id: int
    distance_m: int
    start_s: int
    end_s: int
    stops: tuple[PlannedStop, ...]
    wave: int = 1


@dataclass(frozen=True)
class LeftOut:
    source_depot_id: int
    community_id: int
    cargo: tuple[Cargo, ...]
    reason: str
    detail: str


@dataclass(frozen=True)
class DispatchRoutes:
    trips: tuple[PlannedTrip, ...]
    left_out: tuple[LeftOut, ...]
    distance_m: int

    @property
    def complete(self) -> bool:
        return not self.left_out


@dataclass(frozen=True)
class _Piece:
    community_id: int
    cargo: tuple[Cargo, ...]
    weight_g: int
    volume_cm3: int


def route(
    problem: DispatchProblem, *, seed: int = 0, time_limit_s: float, workers: int = 1
) -> DispatchRoutes:
    """Route every source depot's loads with its vehicles; the time limit is shared. With
    `workers` above 1 each depot's search runs in that many worker processes."""
    by_source: dict[int, list[Load]] = defaultdict(list)
    for load in problem.loads:
        by_source[load.source_depot_id].append(load)
    trips: list[PlannedTrip] = []
    left_out: list[LeftOut] = []
    share = time_limit_s / max(1, len(by_source))
    for source, loads in sorted(by_source.items()):
        fleet = [v for v in problem.vehicles if v.start_depot_id == source]
        if not fleet:
            left_out += [
                LeftOut(source, community, cargo, "no_vehicle", "no vehicle starts at this depot")
                for community, cargo in _by_community(loads)
            ]
            continue
        got_trips, got_left = _route_source(
            problem, source, loads, fleet, seed, share, workers=workers
        )
        trips += got_trips
        left_out += got_left
    return DispatchRoutes(tuple(trips), tuple(left_out), sum(t.distance_m for t in trips))


def _by_community(loads: Sequence[Load]) -> list[tuple[int, tuple[Cargo, ...]]]:
    grouped: dict[int, list[Cargo]] = defaultdict(list)
    for x in loads:
        grouped[x.community_id].append(Cargo(x.line_id, x.item_id, x.lot_id, x.quantity))
    return [(c, tuple(cargo)) for c, cargo in sorted(grouped.items())]


def pack(
    loads: Sequence[Load], *, max_weight_g: int, max_volume_cm3: int
) -> tuple[list[_Piece], list[Load]]:
    """Pack one community's loads into pieces that each fit the limits, in whole units.

    Returns the pieces and the loads whose single unit exceeds a limit (they cannot go)."""
    pieces: list[_Piece] = []
    too_large = [
        x for x in loads if x.unit_weight_g > max_weight_g or x.unit_volume_cm3 > max_volume_cm3
    ]
    cargo: list[Cargo] = []
    weight = volume = 0
    for x in loads:
        if x in too_large:
            continue
        left = x.quantity
        while left:
            fit = left
            if x.unit_weight_g:
                fit = min(fit, (max_weight_g - weight) // x.unit_weight_g)
            if x.unit_volume_cm3:
                fit = min(fit, (max_volume_cm3 - volume) // x.unit_volume_cm3)
            if fit == 0:
                pieces.append(_Piece(x.community_id, tuple(cargo), weight, volume))
                cargo, weight, volume = [], 0, 0
                continue
            cargo.append(Cargo(x.line_id, x.item_id, x.lot_id, fit))
            weight += fit * x.unit_weight_g
            volume += fit * x.unit_volume_cm3
            left -= fit
    if cargo:
        pieces.append(_Piece(loads[0].community_id, tuple(cargo), weight, volume))
    return pieces, too_large


def _route_source(
    problem: DispatchProblem,
    source: int,
    loads: Sequence[Load],
    fleet: Sequence[FleetVehicle],
    seed: int,
    time_limit_s: float,
    workers: int = 1,
) -> tuple[list[PlannedTrip], list[LeftOut]]:
    biggest = max(fleet, key=lambda v: (v.weight_capacity_kg, v.volume_capacity_l))
    pieces: list[_Piece] = []
    left_out: list[LeftOut] = []
    grouped: dict[int, list[Load]] = defaultdict(list)
    for x in loads:
        grouped[x.community_id].append(x)
    for community, group in sorted(grouped.items()):
        got, too_large = pack(
            group,
            max_weight_g=biggest.weight_capacity_kg * 1000,
            max_volume_cm3=biggest.volume_capacity_l * 1000,
        )
        pieces += got
        left_out += [
            LeftOut(
                source,
                community,
                (Cargo(x.line_id, x.item_id, x.lot_id, x.quantity),),
                "unit_too_large",
                "one unit is heavier or bulkier than the largest vehicle at this depot",
            )
            for x in too_large
        ]
    if not pieces:
        return [], left_out
    depot_ids = [source, *sorted({v.end_depot_id for v in fleet} - {source})]
    communities = sorted({p.community_id for p in pieces})
    distances, durations = _matrices(problem, depot_ids, communities)
    location = {c: len(depot_ids) + i for i, c in enumerate(communities)}
    window = None if problem.deadline_s is None else TimeWindow(0, max(0, problem.deadline_s))
    routing = RoutingProblem(
        depots=tuple(Depot(str(d), i) for i, d in enumerate(depot_ids)),
        stops=tuple(
            Stop(
                name=f"{source}->{p.community_id}#{i}",
                location=location[p.community_id],
                weight=p.weight_g,
                volume=p.volume_cm3,
                service_time=problem.service_minutes * 60,
                window=window,
                priority=p.community_id in problem.priority_communities,
            )
            for i, p in enumerate(pieces)
        ),
        vehicles=tuple(
            Vehicle(
                name=v.code,
                start_depot=0,
                end_depot=depot_ids.index(v.end_depot_id),
                weight_capacity=v.weight_capacity_kg * 1000,
                volume_capacity=v.volume_capacity_l * 1000,
                shift_length=v.shift_minutes * 60,
                speed=speed_m_per_s(v.speed_kmh),
                max_trips=MAX_TRIPS if v.end_depot_id == source else 1,
            )
            for v in fleet
        ),
        distances=distances,
        durations=durations,
    )
    result = solve(routing, seed=seed, time_limit_s=time_limit_s, workers=workers)
    trips = []
    for r in result.routes:
        vehicle = fleet[r.vehicle]
        stops = []
        for visit in r.visits:
            piece = pieces[visit.stop]
            # Every piece fits the biggest vehicle, so the solver delivers it whole.
            assert visit.weight == piece.weight_g, "a packed stop was split by the solver"
            stops.append(
                PlannedStop(
                    piece.community_id,
                    visit.arrival or 0,
                    piece.weight_g,
                    piece.volume_cm3,
                    piece.cargo,
                )
            )
        trips.append(
            PlannedTrip(
                vehicle.vehicle_id,
                r.trip + 1,
                source,
                vehicle.end_depot_id,
                r.distance,
                r.start_time or 0,
                r.end_time or 0,
                tuple(stops),
            )
        )
    for u in result.unserved:
        piece = pieces[u.stop]
        detail = u.detail
        if u.reason == DropReason.WINDOW_UNREACHABLE and problem.deadline_s is not None:
            detail = (
                f"no vehicle reaches it within {_duration(problem.deadline_s)} of departure "
                "(the plan's deadline) and gets back within its shift"
            )
        left_out.append(LeftOut(source, piece.community_id, piece.cargo, str(u.reason), detail))
    # A search that found no plan at all within its time limit reports no routes and no
    # drops: its pieces are left out too, so that no unit goes unaccounted for.
    placed = {v.stop for r in result.routes for v in r.visits} | {u.stop for u in result.unserved}
    for n, piece in enumerate(pieces):
        if n not in placed:
            left_out.append(
                LeftOut(
                    source,
                    piece.community_id,
                    piece.cargo,
                    str(DropReason.SEARCH_LIMIT),
                    "the route search found no plan for this depot within its time limit; "
                    "give routing more time or split the plan",
                )
            )
    return trips, left_out


def _matrices(
    problem: DispatchProblem, depot_ids: Sequence[int], communities: Sequence[int]
) -> tuple[IntMatrix, IntMatrix | None]:
    """Travel among the source's depots, then its communities, in that order."""
    if problem.travel is not None:
        places = [Place("depot", d) for d in depot_ids]
        places += [Place("community", c) for c in communities]
        return problem.travel.between(places)
    points = [problem.depots[d] for d in depot_ids] + [problem.communities[c] for c in communities]
    return road_distances(points), None


def _duration(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    return f"{hours} h {rest // 60:02d} min"


#: Seconds in a day: the fleet works one shift a day.
DAY_S = 24 * 3600
#: The least search time a day of routing gets, however many days share the time limit.
MIN_DAY_S = 1.0
#: Reasons a load may go on a later day of its wave: the fleet was full or out of time.
CARRIED_OVER = frozenset(
    {str(DropReason.FLEET_CAPACITY), str(DropReason.FLEET_TIME), str(DropReason.SEARCH_LIMIT)}
)


def route_waves(
    problem: DispatchProblem,
    waves: Sequence[Wave],
    *,
    seed: int = 0,
    time_limit_s: float,
    workers: int = 1,
) -> DispatchRoutes:
    """Route the loads day by day, each in its own wave: every day from a wave's opening
    until its due time the fleet makes the trips its shifts allow (reloading at its depot,
    `MAX_TRIPS` a shift), and what the fleet had no room or time for waits for the next day
    of the same wave. A load its wave's days could not carry is left out with the last
    day's reason and what would help; `time_limit_s` is shared among the days.

    `problem.deadline_s` is ignored: each wave's `due_s` is its loads' deadline."""
    unknown = {x.wave for x in problem.loads} - {w.number for w in waves}
    if unknown:
        raise ValueError(f"loads of unknown waves {sorted(unknown)}")
    used = [w for w in waves if any(x.wave == w.number for x in problem.loads)]
    share = max(MIN_DAY_S, time_limit_s / max(1, sum(len(_departures(w)) for w in used)))
    trips: list[PlannedTrip] = []
    left_out: list[LeftOut] = []
    numbers: dict[int, int] = defaultdict(int)
    for wave in used:
        pending = [x for x in problem.loads if x.wave == wave.number]
        departures = _departures(wave)
        for n, depart in enumerate(departures):
            if not pending:
                break
            solved = route(
                replace(problem, loads=tuple(pending), deadline_s=wave.due_s - depart),
                seed=seed,
                time_limit_s=share,
                workers=workers,
            )
            for t in solved.trips:
                numbers[t.vehicle_id] += 1
                trips.append(_shifted(t, depart, numbers[t.vehicle_id], wave.number))
            templates = {x.line_id: x for x in pending}
            pending = []
            final = n + 1 == len(departures)
            for out in solved.left_out:
                if out.reason not in CARRIED_OVER:
                    left_out.append(out)
                elif final:
                    left_out.append(replace(out, detail=_not_carried(out, wave)))
                else:
                    pending += [
                        replace(templates[c.line_id], quantity=c.quantity) for c in out.cargo
                    ]
    trips.sort(key=lambda t: (t.start_s, t.vehicle_id, t.trip))
    return DispatchRoutes(tuple(trips), tuple(left_out), sum(t.distance_m for t in trips))


def _departures(wave: Wave) -> list[int]:
    """The wave's days: its opening, then each following day that starts before it is due."""
    first = wave.opens_s // DAY_S
    out = [max(day * DAY_S, wave.opens_s) for day in range(first, -(-wave.due_s // DAY_S))]
    return [d for d in out if d < wave.due_s] or [wave.opens_s]


def _shifted(t: PlannedTrip, depart: int, number: int, wave: int) -> PlannedTrip:
    """A day's trip, its times counted from the first departure instead of the day's."""
    return replace(
        t,
        trip=number,
        start_s=t.start_s + depart,
        end_s=t.end_s + depart,
        stops=tuple(replace(s, arrival_s=s.arrival_s + depart) for s in t.stops),
        wave=wave,
    )


def _not_carried(x: LeftOut, wave: Wave) -> str:
    return (
        f"the fleet could not carry it in wave {wave.number} (due {_duration(wave.due_s)} after "
        f"the first departure; {x.reason.replace('_', ' ')}): add vehicles at this depot, "
        "call on an agreement reserve, or give the wave more days"
    )

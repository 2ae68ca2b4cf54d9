"""Route an approved allocation plan: build the dispatch problem, solve, store a draft.

The draft keeps each trip's ordered stops, arrival times and loads, and the lines left out
with their reasons, so the coordinator can review it before approving (which dispatches).
Travel comes from the district's travel table, else the OSRM server the caller passes,
else the great-circle estimate (`dispatch.travel`); the draft records which one
and why better ones were not used. Every stop must be reached by the plan's deadline.
Solving is CPU-bound and runs in this process (`workers=1`): call it from a worker thread.

`create` does it all in the caller's unit of work; the API splits it into `prepare` (reads),
`solve` (no database) and `store` (writes, refusing if the plan changed meanwhile), so the
solve holds no transaction (`core.solves`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from core.errors import Conflict, NotFound
from dispatch import matrix, travel, vehicles
from dispatch.models import Manifest, RoutePlan, RouteTrip
from dispatch.planning import (
    Cargo,
    DispatchProblem,
    DispatchRoutes,
    FleetVehicle,
    LeftOut,
    Load,
    Wave,
    route_waves,
)
from dispatch.schemas import (
    LeftOutPublic,
    RoutePlanPublic,
    RoutesCreate,
    StopPublic,
    TravelFallbackPublic,
    TripPublic,
)
from dispatch.travel import Location, OsrmFetch, Place, Travel, TravelTable
from inventory import service as inventory
from ledger.canonical import canonical_json
from optimizer.routing.travel import Point
from plans import service as plans
from plans.schemas import PlanPublic

#: A line whose source is the community's own receiving depot: nothing to drive.
AT_DESTINATION = "at_destination"


def plan_fingerprint(plan: PlanPublic) -> str:
    """SHA-256 of what routing depends on: the plan's status, revision and every line."""
    lines = sorted(
        [x.id, x.depot_id, x.lot_id, x.agreement_id, x.community_id, x.item_id, x.quantity]
        for x in plan.lines
    )
    doc = {"plan": plan.id, "status": plan.status, "revision": plan.revision, "lines": lines}
    return hashlib.sha256(canonical_json(doc)).hexdigest()


def destination_depots(session: Session, district_id: int) -> dict[int, int]:
    """Each community's receiving depot: its community depot, else its distribution point."""
    return inventory.receiving_depots(session, district_id)


@dataclass(frozen=True)
class PreparedRoutes:
    """Everything routing needs, read from the database as plain data."""

    plan: PlanPublic
    fingerprint: str
    """`plan_fingerprint` of the plan as read: the store refuses if it changed since."""
    departs: datetime
    seed: int
    problem: DispatchProblem
    """The problem without travel data (the solve chooses it: the table, OSRM, estimate)."""
    left_out: tuple[LeftOut, ...]
    receiving: dict[int, int]
    locations: tuple[Location, ...]
    table: TravelTable | None
    table_version: tuple[int, datetime] | None
    """`matrix.version` as read: the store refuses if the table was replaced or removed."""
    waves: tuple[Wave, ...] = (Wave(1, 0, 0),)


@dataclass(frozen=True)
class SolvedRoutes:
    routes: DispatchRoutes
    travel: Travel | None


def create_routes(
    session: Session,
    plan_id: int,
    data: RoutesCreate,
    *,
    actor: str,
    now: datetime,
    time_limit_s: float,
    osrm: OsrmFetch | None = None,
) -> RoutePlan:
    """Route an approved plan's depot-sourced lines with the district's active vehicles,
    every stop by the plan's deadline; `osrm` is asked for travel when the district's
    table does not cover the trips. All in the caller's unit of work (the command line,
    tests); the API solves outside it (`dispatch.service.compute_routes`)."""
    prepared = prepare(session, plan_id, data, now=now)
    return store(session, prepared, solve(prepared, time_limit_s=time_limit_s, osrm=osrm), actor)


def prepare(session: Session, plan_id: int, data: RoutesCreate, *, now: datetime) -> PreparedRoutes:
    """Read the approved plan, the fleet, places and the travel table (reads only)."""
    row = plans.get_plan(session, plan_id)
    if row.status != "approved":
        raise Conflict(f"Plan {plan_id} is {row.status}; approve it before routing.")
    plan = plans.plan_public(session, row)
    departs = data.departs_at or now
    deadline_s = seconds_to_deadline(plan, departs)
    dues = wave_dues(
        plan, plans.demand_by_day(session, plan_id), every_h=data.wave_every_h or plan.deadline_h
    )
    waves = tuple(
        Wave(n, max(0, _seconds(dues[n - 2][0] - departs)) if n > 1 else 0, _seconds(due - departs))
        for n, (due, _) in enumerate(dues, start=1)
    )
    district_id = plan.district_id
    fleet_vehicles = active_fleet(session, district_id)
    if not fleet_vehicles:
        raise Conflict("The district has no active vehicle; register one first.")
    receiving = destination_depots(session, district_id)
    depots = {d.id or 0: d for d in inventory.list_depots(session, district_id)}
    loads: list[Load] = []
    left_out: list[LeftOut] = []
    for x in plan.lines:
        if x.depot_id is None or x.lot_id is None:
            continue  # agreement lines are delivered by their supplier, not our fleet
        cargo = (Cargo(x.id, x.item_id, x.lot_id, x.quantity),)
        destination = receiving.get(x.community_id)
        if destination is None:
            left_out.append(
                LeftOut(x.depot_id, x.community_id, cargo, "no_depot", "no receiving depot")
            )
        elif destination == x.depot_id:
            left_out.append(
                LeftOut(x.depot_id, x.community_id, cargo, AT_DESTINATION, "already there")
            )
        else:
            item = inventory.get_item(session, x.item_id)
            shares = [share.get((x.community_id, x.item_id), 0.0) for _, share in dues]
            for n, quantity in enumerate(split(x.quantity, shares), start=1):
                if quantity:
                    loads.append(
                        Load(
                            x.id,
                            x.depot_id,
                            x.community_id,
                            x.item_id,
                            x.lot_id,
                            quantity,
                            item.unit_weight_g,
                            item.unit_volume_cm3,
                            wave=n,
                        )
                    )
    communities = inventory.list_communities(session, district_id)
    places = [
        Location(Place("depot", i), d.code, Point(d.latitude, d.longitude))
        for i, d in depots.items()
    ]
    places += [
        Location(Place("community", c.id or 0), c.code, Point(c.latitude, c.longitude))
        for c in communities
    ]
    locations = _locations(loads, fleet_vehicles, places)
    problem = DispatchProblem(
        loads=tuple(loads),
        vehicles=fleet_vehicles,
        depots={i: Point(d.latitude, d.longitude) for i, d in depots.items()},
        communities={c.id or 0: Point(c.latitude, c.longitude) for c in communities},
        priority_communities=frozenset(
            f.community_id for f in plan.fills if f.tier == "priority" and f.delivered > 0
        ),
        deadline_s=deadline_s,
    )
    return PreparedRoutes(
        plan=plan,
        fingerprint=plan_fingerprint(plan),
        departs=departs,
        seed=data.seed,
        problem=problem,
        left_out=tuple(left_out),
        receiving=receiving,
        locations=tuple(locations),
        table=matrix.district_table(session, district_id) if locations else None,
        table_version=matrix.version(session, district_id),
        waves=waves,
    )


def active_fleet(session: Session, district_id: int) -> tuple[FleetVehicle, ...]:
    """The district's active vehicles as routing sees them."""
    return tuple(
        FleetVehicle(
            v.id or 0,
            v.code,
            v.weight_capacity_kg,
            v.volume_capacity_l,
            v.start_depot_id,
            v.end_depot_id,
            v.shift_minutes,
            v.speed_kmh,
        )
        for v in vehicles.list_vehicles(session, district_id, active_only=True)
    )


def solve(
    prepared: PreparedRoutes,
    *,
    time_limit_s: float,
    osrm: OsrmFetch | None = None,
    workers: int = 1,
) -> SolvedRoutes:
    """Choose the travel data (asking `osrm` if the table does not cover the trips) and
    route; no database. CPU-bound: run it in a worker thread."""
    chosen = (
        travel.choose(prepared.locations, table=prepared.table, osrm=osrm)
        if prepared.locations
        else None
    )
    problem = replace(prepared.problem, travel=chosen)
    solved = route_waves(
        problem, prepared.waves, seed=prepared.seed, time_limit_s=time_limit_s, workers=workers
    )
    return SolvedRoutes(solved, chosen)


def store(
    session: Session, prepared: PreparedRoutes, solved: SolvedRoutes, actor: str
) -> RoutePlan:
    """Store the routes as a draft, if the plan (its row locked until the transaction
    ends), the district's active vehicles and its travel table are still what they were
    computed from; else `Conflict` and nothing is stored."""
    plan_id = prepared.plan.id
    district_id = prepared.plan.district_id
    row = plans.get_plan(session, plan_id, for_update=True)
    if plan_fingerprint(plans.plan_public(session, row)) != prepared.fingerprint:
        raise Conflict(
            f"Plan {plan_id} changed while routes were computed; compute them again.",
            extra={"plan_id": plan_id},
        )
    if active_fleet(session, district_id) != prepared.problem.vehicles:
        raise Conflict(
            "The district's vehicles changed while routes were computed; compute them again.",
            extra={"plan_id": plan_id},
        )
    if matrix.version(session, district_id) != prepared.table_version:
        raise Conflict(
            "The district's travel table changed while routes were computed; compute them again.",
            extra={"plan_id": plan_id},
        )
    return _store(
        session,
        prepared.plan,
        solved.routes,
        [*prepared.left_out, *solved.routes.left_out],
        prepared.receiving,
        prepared.departs,
        actor,
        solved.travel,
    )


def seconds_to_deadline(plan: PlanPublic, departs: datetime) -> int:
    """Seconds from departure to the plan's deadline (`deadline_h` hours after the plan was
    created); a departure at or after the deadline is refused."""
    deadline = plan.created_at + timedelta(hours=plan.deadline_h)
    seconds = int((deadline - departs).total_seconds())
    if seconds <= 0:
        raise Conflict(
            f"The trucks would leave at {_utc(departs)}, not before plan {plan.id}'s deadline "
            f"of {_utc(deadline)} ({plan.deadline_h} h after the plan was made); "
            "choose an earlier departs_at or make a new plan.",
            extra={"departs_at": departs.isoformat(), "deadline_at": deadline.isoformat()},
        )
    return seconds


def wave_dues(
    plan: PlanPublic, demand: dict[tuple[int, int], dict[date, float]], *, every_h: int
) -> list[tuple[datetime, dict[tuple[int, int], float]]]:
    """The plan's waves: each one's due time and its share of each community × item's
    demand. The first is due at the plan's deadline and takes the demand of the days that
    start before it; each next one is due `every_h` later and takes the days after, until
    the last day of demand. A plan without dated demand has one wave, due at its deadline."""
    first = plan.created_at + timedelta(hours=plan.deadline_h)
    days = sorted({d for by_day in demand.values() for d in by_day})
    dues = [first]
    if days:
        last = datetime.combine(days[-1], time.min, UTC)
        while dues[-1] <= last:
            dues.append(dues[-1] + timedelta(hours=every_h))
    totals = {k: sum(v.values()) for k, v in demand.items()}
    out: list[tuple[datetime, dict[tuple[int, int], float]]] = []
    for n, due in enumerate(dues):
        opens = dues[n - 1] if n else None
        share: dict[tuple[int, int], float] = {}
        for key, by_day in demand.items():
            inside = sum(
                q
                for d, q in by_day.items()
                if (opens is None or datetime.combine(d, time.min, UTC) >= opens)
                and datetime.combine(d, time.min, UTC) < due
            )
            if totals[key] > 0:
                share[key] = inside / totals[key]
        out.append((due, share))
    if len(out) == 1:
        out = [(first, dict.fromkeys(demand, 1.0))]
    return out


def split(quantity: int, shares: Sequence[float]) -> list[int]:
    """Whole units of `quantity` in proportion to `shares`, the earlier parts rounded up
    (the most urgent first) and every unit placed; no share at all puts it all first."""
    total = sum(shares)
    if total <= 0:
        return [quantity] + [0] * (len(shares) - 1)
    out: list[int] = []
    cumulative = 0.0
    placed = 0
    for s in shares:
        cumulative += s / total
        upto = min(quantity, math.ceil(quantity * cumulative - 1e-9))
        out.append(upto - placed)
        placed = upto
    out[-1] += quantity - placed
    return out


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _locations(
    loads: Sequence[Load], fleet: Sequence[FleetVehicle], places: Sequence[Location]
) -> list[Location]:
    """The places routing will drive between, in `places` order: each source depot that has
    vehicles, their end depots, and the communities those sources serve."""
    sources = {x.source_depot_id for x in loads} & {v.start_depot_id for v in fleet}
    depot_ids = sources | {v.end_depot_id for v in fleet if v.start_depot_id in sources}
    served = {x.community_id for x in loads if x.source_depot_id in sources}
    wanted = {Place("depot", i) for i in depot_ids} | {Place("community", i) for i in served}
    return [x for x in places if x.place in wanted]


def _store(
    session: Session,
    plan: PlanPublic,
    solved: DispatchRoutes,
    left_out: Sequence[LeftOut],
    receiving: dict[int, int],
    departs: datetime,
    actor: str,
    chosen: Travel | None,
) -> RoutePlan:
    row = RoutePlan(
        plan_id=plan.id,
        district_id=plan.district_id,
        departs_at=departs,
        travel_source=chosen.source if chosen is not None else "estimate",
        travel_fallbacks=[
            {"source": f.source, "reason": f.reason}
            for f in (chosen.fallbacks if chosen is not None else ())
        ],
        plan_fingerprint=plan_fingerprint(plan),
        summary={
            "trips": len(solved.trips),
            "stops": sum(len(t.stops) for t in solved.trips),
            "distance_m": solved.distance_m,
            "complete": all(x.reason == AT_DESTINATION for x in left_out),
            "waves": max((t.wave for t in solved.trips), default=0),
        },
        left_out=[
            {
                "source_depot_id": x.source_depot_id,
                "community_id": x.community_id,
                "reason": x.reason,
                "detail": x.detail,
                "lines": [_cargo(c) for c in x.cargo],
            }
            for x in left_out
        ],
        created_by=actor,
    )
    session.add(row)
    session.flush()

    def at(seconds: int) -> datetime:
        return departs + timedelta(seconds=seconds)

    for t in solved.trips:
        session.add(
            RouteTrip(
                route_plan_id=row.id or 0,
                vehicle_id=t.vehicle_id,
                trip=t.trip,
                source_depot_id=t.source_depot_id,
                end_depot_id=t.end_depot_id,
                distance_m=t.distance_m,
                starts_at=at(t.start_s),
                ends_at=at(t.end_s),
                wave=t.wave,
                stops=[
                    {
                        "community_id": s.community_id,
                        "depot_id": receiving[s.community_id],
                        "arrival_at": at(s.arrival_s).isoformat(),
                        "weight_g": s.weight_g,
                        "volume_cm3": s.volume_cm3,
                        "lines": [_cargo(c) for c in s.cargo],
                    }
                    for s in t.stops
                ],
            )
        )
    session.flush()
    return row


def _source(value: str) -> travel.Source:
    for known in travel.SOURCES:
        if value == known:
            return known
    raise ValueError(f"unknown travel source {value!r}")


def _cargo(c: Cargo) -> dict[str, Any]:
    return {"line_id": c.line_id, "item_id": c.item_id, "lot_id": c.lot_id, "quantity": c.quantity}


def get_routes(session: Session, route_plan_id: int, *, for_update: bool = False) -> RoutePlan:
    query = select(RoutePlan).where(col(RoutePlan.id) == route_plan_id)
    query = query.with_for_update() if for_update else query
    found: RoutePlan | None = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Route plan {route_plan_id} does not exist.")
    return found


def list_routes(session: Session, plan_id: int) -> Sequence[RoutePlan]:
    query = select(RoutePlan).where(col(RoutePlan.plan_id) == plan_id)
    return session.execute(query.order_by(col(RoutePlan.id))).scalars().all()


def trips(session: Session, route_plan_id: int) -> list[RouteTrip]:
    query = select(RouteTrip).where(col(RouteTrip.route_plan_id) == route_plan_id)
    return list(session.execute(query.order_by(col(RouteTrip.id))).scalars())


def get_trip(session: Session, trip_id: int) -> RouteTrip:
    found = session.get(RouteTrip, trip_id)
    if found is None:
        raise NotFound(f"Trip {trip_id} does not exist.")
    return found


def routes_public(session: Session, row: RoutePlan) -> RoutePlanPublic:
    sent = set(
        session.execute(
            select(col(Manifest.trip_id)).where(col(Manifest.route_plan_id) == row.id)
        ).scalars()
    )
    return RoutePlanPublic(
        id=row.id or 0,
        plan_id=row.plan_id,
        district_id=row.district_id,
        status="approved" if row.status == "approved" else "draft",
        departs_at=row.departs_at,
        travel_source=_source(row.travel_source),
        travel_fallbacks=[TravelFallbackPublic.model_validate(f) for f in row.travel_fallbacks],
        summary=row.summary,
        left_out=[LeftOutPublic.model_validate(x) for x in row.left_out],
        trips=[
            TripPublic(
                id=t.id or 0,
                vehicle_id=t.vehicle_id,
                trip=t.trip,
                source_depot_id=t.source_depot_id,
                end_depot_id=t.end_depot_id,
                distance_m=t.distance_m,
                starts_at=t.starts_at,
                ends_at=t.ends_at,
                stops=[StopPublic.model_validate(s) for s in t.stops],
                wave=t.wave,
                dispatched=(t.id or 0) in sent,
            )
            for t in trips(session, row.id or 0)
        ],
        created_by=row.created_by,
        created_at=row.created_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
    )

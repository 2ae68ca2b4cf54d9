"""The district's fleet: register vehicles, list them, take one out of service."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from dispatch.models import Vehicle
from dispatch.schemas import VehicleCreate, VehicleUpdate
from inventory import service as inventory

#: Depot kinds a vehicle may load at or return to.
BASE_KINDS = ("community_depot", "district_warehouse", "enterprise_reserve")


def create_vehicle(session: Session, district_id: int, data: VehicleCreate) -> Vehicle:
    """Register a vehicle; both depots must be active depots of the district."""
    inventory.get_district(session, district_id)
    end_depot_id = data.end_depot_id if data.end_depot_id is not None else data.start_depot_id
    problems = []
    ends = (("start_depot_id", data.start_depot_id), ("end_depot_id", end_depot_id))
    for field, depot_id in ends:
        depot = inventory.get_depot(session, depot_id)
        if depot.district_id != district_id or depot.kind not in BASE_KINDS:
            problems.append(FieldProblem((field,), "must be a depot of this district"))
    if problems:
        raise InvalidInput("The vehicle's depots are not valid.", problems=problems)
    vehicle = Vehicle(
        district_id=district_id,
        code=data.code,
        name=data.name,
        weight_capacity_kg=data.weight_capacity_kg,
        volume_capacity_l=data.volume_capacity_l,
        start_depot_id=data.start_depot_id,
        end_depot_id=end_depot_id,
        shift_minutes=data.shift_minutes,
        speed_kmh=data.speed_kmh,
    )
    try:
        with session.begin_nested():
            session.add(vehicle)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"Vehicle {data.code} already exists in this district.") from exc
    return vehicle


def get_vehicle(session: Session, vehicle_id: int) -> Vehicle:
    found = session.get(Vehicle, vehicle_id)
    if found is None:
        raise NotFound(f"Vehicle {vehicle_id} does not exist.", extra={"id": vehicle_id})
    return found


def list_vehicles(
    session: Session, district_id: int, *, active_only: bool = False
) -> Sequence[Vehicle]:
    query = select(Vehicle).where(col(Vehicle.district_id) == district_id)
    if active_only:
        query = query.where(col(Vehicle.active).is_(True))
    return session.execute(query.order_by(col(Vehicle.code))).scalars().all()


def update_vehicle(session: Session, vehicle_id: int, data: VehicleUpdate) -> Vehicle:
    """Take a vehicle out of service or back; routes already made keep it."""
    vehicle = get_vehicle(session, vehicle_id)
    vehicle.active = data.active
    session.flush()
    return vehicle

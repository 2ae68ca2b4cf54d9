"""Districts, communities, depots, the item catalogue and reorder levels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from core.errors import Conflict, InvalidInput, NotFound
from inventory import schemas
from inventory.models import Community, Depot, District, Item, ReorderLevel

T = TypeVar("T", bound=SQLModel)


def get(session: Session, model: type[T], entity_id: int, label: str) -> T:
    found = session.get(model, entity_id)
    if found is None:
        raise NotFound(f"{label} {entity_id} does not exist.", extra={"id": entity_id})
    return found


def get_district(session: Session, district_id: int) -> District:
    return get(session, District, district_id, "District")


def get_community(session: Session, community_id: int) -> Community:
    return get(session, Community, community_id, "Community")


def get_depot(session: Session, depot_id: int) -> Depot:
    depot = get(session, Depot, depot_id, "Depot")
    if not depot.active:
        raise Conflict(f"Depot {depot.code} is closed.")
    return depot


def get_item(session: Session, item_id: int) -> Item:
    return get(session, Item, item_id, "Item")


def _add_unique(session: Session, entity: T, what: str) -> T:
    """Insert a row whose code must be unique; a duplicate is a 409, not a 500."""
    try:
        with session.begin_nested():
            session.add(entity)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{what} already exists.") from exc
    return entity


def create_district(session: Session, data: schemas.DistrictCreate) -> District:
    return _add_unique(session, District(**data.model_dump()), f"District {data.code}")


def list_districts(session: Session) -> Sequence[District]:
    return session.execute(select(District).order_by(col(District.code))).scalars().all()


def create_community(session: Session, data: schemas.CommunityCreate) -> Community:
    get_district(session, data.district_id)
    return _add_unique(session, Community(**data.model_dump()), f"Community {data.code}")


def list_communities(session: Session, district_id: int | None = None) -> Sequence[Community]:
    query = select(Community).order_by(col(Community.code))
    if district_id is not None:
        query = query.where(col(Community.district_id) == district_id)
    return session.execute(query).scalars().all()


def create_depot(session: Session, data: schemas.DepotCreate) -> Depot:
    get_district(session, data.district_id)
    if data.community_id is not None:
        community = get_community(session, data.community_id)
        if community.district_id != data.district_id:
            raise InvalidInput(
                f"Community {community.code} belongs to another district.",
            )
    return _add_unique(session, Depot(**data.model_dump()), f"Depot {data.code}")


def list_depots(session: Session, district_id: int | None = None) -> Sequence[Depot]:
    query = select(Depot).where(col(Depot.kind) != "in_transit").order_by(col(Depot.code))
    if district_id is not None:
        query = query.where(col(Depot.district_id) == district_id)
    return session.execute(query).scalars().all()


def create_item(session: Session, data: schemas.ItemCreate) -> Item:
    return _add_unique(session, Item(**data.model_dump()), f"Item {data.code}")


def list_items(session: Session, category: str | None = None) -> Sequence[Item]:
    query = select(Item).order_by(col(Item.code))
    if category is not None:
        query = query.where(col(Item.category) == category)
    return session.execute(query).scalars().all()


def items_by_code(session: Session, codes: set[str]) -> dict[str, Item]:
    if not codes:
        return {}
    found = session.execute(select(Item).where(col(Item.code).in_(codes))).scalars()
    return {item.code: item for item in found}


def depots_by_code(session: Session, codes: set[str]) -> dict[str, Depot]:
    if not codes:
        return {}
    found = session.execute(select(Depot).where(col(Depot.code).in_(codes))).scalars()
    return {depot.code: depot for depot in found}


def count_items(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Item)).scalar_one())


def set_reorder_levels(
    session: Session, depot_id: int, levels: Sequence[schemas.ReorderLevelSet]
) -> list[ReorderLevel]:
    get_depot(session, depot_id)
    out = []
    for level in levels:
        get_item(session, level.item_id)
        if level.safety_floor > level.reorder_level:
            raise InvalidInput("The safety floor cannot be above the reorder level.")
        row = session.execute(
            select(ReorderLevel).where(
                col(ReorderLevel.depot_id) == depot_id,
                col(ReorderLevel.item_id) == level.item_id,
            )
        ).scalar_one_or_none()
        if row is None:
            row = ReorderLevel(depot_id=depot_id, item_id=level.item_id, reorder_level=0)
            session.add(row)
        row.reorder_level = level.reorder_level
        row.safety_floor = level.safety_floor
        out.append(row)
    session.flush()
    return out


def reorder_levels(session: Session, district_id: int) -> dict[tuple[int, int], int]:
    """(depot_id, item_id) → the level under which the depot reorders, for the district's depots."""
    rows = session.execute(
        select(
            col(ReorderLevel.depot_id), col(ReorderLevel.item_id), col(ReorderLevel.reorder_level)
        )
        .join(Depot, col(Depot.id) == col(ReorderLevel.depot_id))
        .where(col(Depot.district_id) == district_id)
    ).all()
    return {(depot_id, item_id): int(level) for depot_id, item_id, level in rows}


def safety_floors(session: Session, district_id: int) -> dict[tuple[int, int], int]:
    """(depot_id, item_id) → the stock a depot keeps for itself, for the district's depots."""
    rows = session.execute(
        select(
            col(ReorderLevel.depot_id), col(ReorderLevel.item_id), col(ReorderLevel.safety_floor)
        )
        .join(Depot, col(Depot.id) == col(ReorderLevel.depot_id))
        .where(col(Depot.district_id) == district_id)
    ).all()
    return {(depot_id, item_id): int(floor) for depot_id, item_id, floor in rows}

"""District views: stock by community, days of supply, expiring lots, items to reorder."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from core.clock import utcnow
from core.errors import InvalidInput
from inventory import registry, schemas
from inventory.models import Community, Depot, Item, Lot, Movement, ReorderLevel, StockBalance
from inventory.rules import days_of_supply

CONSUMPTION_KINDS = ("issue", "dispatch")


def stock_by_community(session: Session, district_id: int) -> list[schemas.CommunityStock]:
    """On-hand stock per community and item; district-level depots show as community None."""
    registry.get_district(session, district_id)
    rows = session.execute(
        select(
            col(Depot.community_id),
            col(Community.code),
            col(Item.id),
            col(Item.code),
            func.sum(col(StockBalance.quantity)),
        )
        .join(Depot, col(Depot.id) == col(StockBalance.depot_id))
        .join(Item, col(Item.id) == col(StockBalance.item_id))
        .outerjoin(Community, col(Community.id) == col(Depot.community_id))
        .where(col(Depot.district_id) == district_id, col(Depot.kind) != "in_transit")
        .group_by(col(Depot.community_id), col(Community.code), col(Item.id), col(Item.code))
        .having(func.sum(col(StockBalance.quantity)) > 0)
        .order_by(col(Community.code), col(Item.code))
    ).all()
    return [
        schemas.CommunityStock(
            community_id=community_id,
            community_code=community_code,
            item_id=item_id,
            item_code=item_code,
            quantity=int(quantity),
        )
        for community_id, community_code, item_id, item_code, quantity in rows
    ]


def supply_days(
    session: Session, district_id: int, *, window_days: int = 30
) -> list[schemas.DaysOfSupply]:
    """Days each depot's stock of each item lasts at its average use over the last window."""
    if not 1 <= window_days <= 3650:
        raise InvalidInput("window_days must be between 1 and 3650.")
    registry.get_district(session, district_id)
    since = utcnow() - timedelta(days=window_days)
    on_hand = {
        (row.depot_id, row.item_id): int(row.total)
        for row in session.execute(
            select(
                col(StockBalance.depot_id),
                col(StockBalance.item_id),
                func.sum(col(StockBalance.quantity)).label("total"),
            )
            .join(Depot, col(Depot.id) == col(StockBalance.depot_id))
            .where(col(Depot.district_id) == district_id, col(Depot.kind) != "in_transit")
            .group_by(col(StockBalance.depot_id), col(StockBalance.item_id))
        ).all()
    }
    used = {
        (row.depot_id, row.item_id): -int(row.total)
        for row in session.execute(
            select(
                col(Movement.depot_id),
                col(Movement.item_id),
                func.sum(col(Movement.quantity)).label("total"),
            )
            .join(Depot, col(Depot.id) == col(Movement.depot_id))
            .where(
                col(Depot.district_id) == district_id,
                col(Movement.kind).in_(CONSUMPTION_KINDS),
                col(Movement.occurred_at) >= since,
            )
            .group_by(col(Movement.depot_id), col(Movement.item_id))
        ).all()
    }
    depots = {d.id: d.code for d in registry.list_depots(session, district_id)}
    keys = sorted(set(on_hand) | set(used))
    item_codes = _item_codes(session, {item for _, item in keys})
    return [
        schemas.DaysOfSupply(
            depot_id=depot_id,
            depot_code=depots.get(depot_id, ""),
            item_id=item_id,
            item_code=item_codes[item_id],
            on_hand=on_hand.get((depot_id, item_id), 0),
            consumed_in_window=used.get((depot_id, item_id), 0),
            window_days=window_days,
            days_of_supply=days_of_supply(
                on_hand.get((depot_id, item_id), 0), used.get((depot_id, item_id), 0), window_days
            ),
        )
        for depot_id, item_id in keys
        if depot_id in depots
    ]


def expiring(
    session: Session, district_id: int, *, within_days: int = 30, today: date | None = None
) -> list[schemas.ExpiringLot]:
    """Lots in stock that expire within the given number of days (or already have)."""
    if not 0 <= within_days <= 3650:
        raise InvalidInput("within_days must be between 0 and 3650.")
    registry.get_district(session, district_id)
    today = today or utcnow().date()
    limit = today + timedelta(days=within_days)
    rows = session.execute(
        select(StockBalance, col(Depot.code), col(Item.code), Lot)
        .join(Depot, col(Depot.id) == col(StockBalance.depot_id))
        .join(Item, col(Item.id) == col(StockBalance.item_id))
        .join(Lot, col(Lot.id) == col(StockBalance.lot_id))
        .where(
            col(Depot.district_id) == district_id,
            col(StockBalance.quantity) > 0,
            col(Lot.expiry_date).is_not(None),
            col(Lot.expiry_date) <= limit,
        )
        .order_by(col(Lot.expiry_date), col(Depot.code), col(Item.code))
    ).all()
    return [
        schemas.ExpiringLot(
            depot_id=balance.depot_id,
            depot_code=depot_code,
            item_id=balance.item_id,
            item_code=item_code,
            lot_number=lot.lot_number,
            expiry_date=lot.expiry_date,
            days_left=(lot.expiry_date - today).days,
            quantity=balance.quantity,
        )
        for balance, depot_code, item_code, lot in rows
        if lot.expiry_date is not None
    ]


def below_reorder(session: Session, district_id: int) -> list[schemas.BelowReorder]:
    """Depot × item pairs whose on-hand stock is under their reorder level."""
    registry.get_district(session, district_id)
    on_hand = (
        select(
            col(StockBalance.depot_id),
            col(StockBalance.item_id),
            func.sum(col(StockBalance.quantity)).label("total"),
        )
        .group_by(col(StockBalance.depot_id), col(StockBalance.item_id))
        .subquery()
    )
    rows = session.execute(
        select(ReorderLevel, col(Depot.code), col(Item.code), func.coalesce(on_hand.c.total, 0))
        .join(Depot, col(Depot.id) == col(ReorderLevel.depot_id))
        .join(Item, col(Item.id) == col(ReorderLevel.item_id))
        .outerjoin(
            on_hand,
            (on_hand.c.depot_id == col(ReorderLevel.depot_id))
            & (on_hand.c.item_id == col(ReorderLevel.item_id)),
        )
        .where(col(Depot.district_id) == district_id)
        .order_by(col(Depot.code), col(Item.code))
    ).all()
    return [
        schemas.BelowReorder(
            depot_id=level.depot_id,
            depot_code=depot_code,
            item_id=level.item_id,
            item_code=item_code,
            on_hand=int(total),
            reorder_level=level.reorder_level,
            shortfall=level.reorder_level - int(total),
        )
        for level, depot_code, item_code, total in rows
        if int(total) < level.reorder_level
    ]


def _item_codes(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        row.id: row.code
        for row in session.execute(
            select(col(Item.id), col(Item.code)).where(col(Item.id).in_(ids))
        ).all()
    }

"""Consumption history for forecasting: daily issued quantities, as a long frame."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session, col

from inventory.models import Community, Depot, Item, Movement

CONSUMPTION_KINDS = ("issue", "dispatch")


def daily_issue_history(
    session: Session, district_id: int, *, since: datetime | None = None
) -> pd.DataFrame:
    """Daily consumption per community × item, in the forecasting convention.

    Columns: `unique_id` ("<community code>/<item code>"), `community_id`, `item_id`,
    `ds` (a date, midnight UTC), `y` (units issued that day, ≥ 0). Days without issues are
    not filled in here; the forecaster decides how to treat gaps. District-level depots
    (no community) are reported under the community code "DISTRICT".
    """
    day = func.date(col(Movement.occurred_at))
    query = (
        select(
            col(Community.code),
            col(Depot.community_id),
            col(Item.code),
            col(Movement.item_id),
            day.label("day"),
            (-func.sum(col(Movement.quantity))).label("y"),
        )
        .join(Depot, col(Depot.id) == col(Movement.depot_id))
        .join(Item, col(Item.id) == col(Movement.item_id))
        .outerjoin(Community, col(Community.id) == col(Depot.community_id))
        .where(col(Depot.district_id) == district_id, col(Movement.kind).in_(CONSUMPTION_KINDS))
        .group_by(
            col(Community.code), col(Depot.community_id), col(Item.code), col(Movement.item_id), day
        )
        .order_by(col(Community.code), col(Item.code), day)
    )
    if since is not None:
        query = query.where(col(Movement.occurred_at) >= since)
    rows = session.execute(query).all()
    frame = pd.DataFrame(
        [
            {
                "unique_id": f"{community or 'DISTRICT'}/{item_code}",
                "community_id": community_id,
                "item_id": item_id,
                "ds": pd.Timestamp(str(day_value)),
                "y": int(y),
            }
            for community, community_id, item_code, item_id, day_value, y in rows
        ],
        columns=["unique_id", "community_id", "item_id", "ds", "y"],
    )
    return frame

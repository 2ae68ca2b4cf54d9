"""Consumption history for forecasting: daily issued quantities, as a long frame."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

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
    day = func.date(Movement.occurred_at)
    query = (
        select(
            Community.code,
            Depot.community_id,
            Item.code,
            Movement.item_id,
            day.label("day"),
            (-func.sum(Movement.quantity)).label("y"),
        )
        .join(Depot, Depot.id == Movement.depot_id)  # type: ignore[arg-type]
        .join(Item, Item.id == Movement.item_id)  # type: ignore[arg-type]
        .outerjoin(Community, Community.id == Depot.community_id)  # type: ignore[arg-type]
        .where(Depot.district_id == district_id, Movement.kind.in_(CONSUMPTION_KINDS))  # type: ignore[arg-type, attr-defined]
        .group_by(Community.code, Depot.community_id, Item.code, Movement.item_id, day)
        .order_by(Community.code, Item.code, day)
    )
    if since is not None:
        query = query.where(Movement.occurred_at >= since)  # type: ignore[arg-type, operator]
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

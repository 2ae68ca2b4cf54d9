"""Handing supplies out to residents at a receiving depot (发放登记).

A distribution takes the stock off the depot's books (an `issue` movement, lots
first-expired-first-out unless one is named) and records whom it served: a group of the
community (everyone, or one vulnerable group), how many households and persons. Residents
are counted, never named. More than the depot holds is refused and nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from core.errors import Conflict
from inventory import registry, schemas
from inventory.models import RECEIVING_KINDS, Depot, Distribution
from inventory.movements import lot_id_of, meta_of
from inventory.planner import Op
from inventory.stock import apply


def record_distribution(
    session: Session, data: schemas.DistributionCreate, *, actor: str
) -> schemas.DistributionPublic:
    depot = registry.get_depot(session, data.depot_id)
    if depot.kind not in RECEIVING_KINDS:
        raise Conflict(
            f"Depot {depot.code} is not a community depot or a distribution point; supplies "
            "are handed out only there."
        )
    item = registry.get_item(session, data.item_id)
    lot_id = lot_id_of(session, item, data.lot_number) if data.lot_number else None
    op = Op("issue", depot.id or 0, item.id or 0, data.quantity, lot_id=lot_id, item_code=item.code)
    meta = meta_of(data, f"distribution to {data.persons} person(s), {data.served_group}")
    movements = apply(session, [op], actor=actor, meta=[meta])
    row = Distribution(
        depot_id=depot.id or 0,
        item_id=item.id or 0,
        quantity=data.quantity,
        served_group=data.served_group,
        households=data.households,
        persons=data.persons,
        note=data.reason,
        action_id=movements[0].action_id,
        distributed_at=movements[0].occurred_at,
        recorded_by=actor,
    )
    session.add(row)
    session.flush()
    return schemas.DistributionPublic.model_validate(row)


def list_distributions(
    session: Session,
    *,
    depot_ids: Sequence[int] | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[schemas.DistributionPublic]:
    query = select(Distribution)
    if depot_ids is not None:
        query = query.where(col(Distribution.depot_id).in_(depot_ids))
    if since is not None:
        query = query.where(col(Distribution.distributed_at) >= since)
    query = query.order_by(col(Distribution.distributed_at).desc(), col(Distribution.id).desc())
    rows = session.execute(query.limit(limit)).scalars()
    return [schemas.DistributionPublic.model_validate(r) for r in rows]


def handed_out(session: Session, district_id: int) -> dict[tuple[int, int], int]:
    """(community_id, item_id) → units handed out at the district's receiving depots."""
    rows = session.execute(
        select(col(Depot.community_id), col(Distribution.item_id), func.sum(Distribution.quantity))
        .join(Depot, col(Depot.id) == col(Distribution.depot_id))
        .where(col(Depot.district_id) == district_id, col(Depot.community_id).is_not(None))
        .group_by(col(Depot.community_id), col(Distribution.item_id))
    ).all()
    return {(int(c), int(i)): int(q) for c, i, q in rows}

"""Stock on the road: into a district's in-transit depot on dispatch, out of it on receipt.

Ordinary movements refuse the in-transit depot (`inventory.movements`), so these are the only
ways stock enters or leaves it. Each call is one action in the caller's transaction: the lines
go through the same journal planner and locks as every other movement (a source short of stock
refuses the whole call), and the legs of each move are recorded as `dispatch` lines (− at the
depot the stock leaves, + at the depot it reaches, each naming the other as counterpart).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.errors import InvalidInput
from inventory import registry
from inventory.models import Depot, Lot, Movement
from inventory.planner import Op
from inventory.stock import OpMeta, apply

TRANSIT_KIND = "in_transit"


@dataclass(frozen=True)
class TransitMove:
    """`quantity` of one lot between `depot_id` and the in-transit depot."""

    depot_id: int
    item_id: int
    lot_id: int
    quantity: int
    reason: str | None = None


def transit_depot(session: Session, district_id: int) -> Depot:
    """The district's in-transit depot, created on first use (one per district)."""
    district = registry.get_district(session, district_id)
    found = _find_transit(session, district_id)
    if found is not None:
        return found
    depot = Depot(
        district_id=district_id,
        code=f"TRANSIT-{district.code}"[:32],
        name_zh=f"{district.name_zh} 在途",
        name_en=f"{district.name_en} in transit",
        kind=TRANSIT_KIND,
        latitude=0.0,
        longitude=0.0,
    )
    try:
        with session.begin_nested():
            session.add(depot)
            session.flush()
    except IntegrityError:
        # Another transaction created it first; theirs is the one.
        again = _find_transit(session, district_id)
        if again is None:
            raise
        return again
    return depot


def _find_transit(session: Session, district_id: int) -> Depot | None:
    query = select(Depot).where(
        col(Depot.district_id) == district_id, col(Depot.kind) == TRANSIT_KIND
    )
    found: Depot | None = session.execute(query.order_by(col(Depot.id))).scalars().first()
    return found


def send(
    session: Session,
    moves: Sequence[TransitMove],
    *,
    transit_depot_id: int,
    actor: str,
    reference: str,
) -> str:
    """Move each lot from its depot into transit as one action; returns the action id."""
    ops = [
        Op("transfer", m.depot_id, m.item_id, m.quantity, m.lot_id, to_depot_id=transit_depot_id)
        for m in moves
    ]
    meta = [OpMeta(reason=m.reason, reference=reference) for m in moves]
    return _apply_as_dispatch(session, ops, meta, actor=actor)


def deliver(
    session: Session,
    moves: Sequence[TransitMove],
    losses: Sequence[TransitMove],
    *,
    transit_depot_id: int,
    actor: str,
    reference: str,
) -> str:
    """Move lots from transit into their receiving depots and write off what was lost on
    the way (each loss with its reason), as one action; returns the action id."""
    if any(not loss.reason for loss in losses):
        raise InvalidInput("A loss in transit needs its reason.")
    ops = [
        Op("transfer", transit_depot_id, m.item_id, m.quantity, m.lot_id, to_depot_id=m.depot_id)
        for m in moves
    ]
    ops += [Op("write_off", transit_depot_id, x.item_id, x.quantity, x.lot_id) for x in losses]
    meta = [OpMeta(reason=m.reason, reference=reference) for m in (*moves, *losses)]
    return _apply_as_dispatch(session, ops, meta, actor=actor)


def _apply_as_dispatch(
    session: Session, ops: Sequence[Op], meta: Sequence[OpMeta], *, actor: str
) -> str:
    if not ops:
        raise InvalidInput("Nothing to move: no lines were given.")
    action_id = str(uuid.uuid4())
    apply(session, ops, actor=actor, meta=meta, action_id=action_id, return_rows=False)
    # The planner writes a move between two depots as transfer out/in; within this same
    # transaction those lines are labelled as what they are, the legs of a dispatch.
    session.execute(
        update(Movement)
        .where(
            col(Movement.action_id) == action_id,
            col(Movement.kind).in_(("transfer_out", "transfer_in")),
        )
        .values(kind="dispatch")
    )
    return action_id


def lot_numbers(session: Session, lot_ids: Sequence[int]) -> dict[int, str]:
    """Lot id → lot number, for manifests and route sheets that name what they carry."""
    if not lot_ids:
        return {}
    rows = session.execute(
        select(col(Lot.id), col(Lot.lot_number)).where(col(Lot.id).in_(set(lot_ids)))
    ).all()
    return {row.id: row.lot_number for row in rows}

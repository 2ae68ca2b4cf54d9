"""Where each community receives supplies: its community depot, else a distribution point.

A community without a depot of its own gets a distribution point (发放点): a village
committee, school or shelter, registered by the coordinator or, when a plan sends it
something, created at the community's location (`receiving_depots(..., create=True)`).
Dispatch routes to it like to a depot, and its stock is what is physically left there.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session, col

from inventory import registry, schemas
from inventory.models import RECEIVING_KINDS, Depot

#: The code suffix of a point created for a plan (a long community code is cut to fit).
AUTO_SUFFIX = "-DP"


def create_point(session: Session, community_id: int, data: schemas.PointCreate) -> Depot:
    """Register a distribution point of a community (409 on a taken code)."""
    community = registry.get_community(session, community_id)
    depot = schemas.DepotCreate(
        district_id=community.district_id,
        community_id=community_id,
        code=data.code,
        name_zh=data.name_zh,
        name_en=data.name_en,
        kind="distribution_point",
        latitude=community.latitude if data.latitude is None else data.latitude,
        longitude=community.longitude if data.longitude is None else data.longitude,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
    )
    return registry.create_depot(session, depot)


def community_receiving(session: Session, community_id: int) -> list[Depot]:
    """A community's active community depots and distribution points."""
    query = select(Depot).where(
        col(Depot.community_id) == community_id,
        col(Depot.kind).in_(RECEIVING_KINDS),
        col(Depot.active).is_(True),
    )
    return list(session.execute(query.order_by(col(Depot.code))).scalars())


def list_points(session: Session, district_id: int) -> list[Depot]:
    return [d for d in registry.list_depots(session, district_id) if d.kind in RECEIVING_KINDS]


def receiving_depots(
    session: Session, district_id: int, communities: Iterable[int] = (), *, create: bool = False
) -> dict[int, int]:
    """Each community's receiving depot: its first active community depot by code, else its
    first active distribution point. With `create`, each of `communities` that has neither
    gets a distribution point at its location."""
    out: dict[int, int] = {}
    depots = sorted(
        (d for d in registry.list_depots(session, district_id) if d.active),
        key=lambda d: (RECEIVING_KINDS.index(d.kind) if d.kind in RECEIVING_KINDS else 9, d.code),
    )
    for d in depots:
        if d.kind in RECEIVING_KINDS and d.community_id is not None:
            out.setdefault(d.community_id, d.id or 0)
    if create:
        for community_id in sorted(set(communities) - set(out)):
            out[community_id] = _auto_point(session, community_id).id or 0
    return out


def _auto_point(session: Session, community_id: int) -> Depot:
    community = registry.get_community(session, community_id)
    code = community.code[: 32 - len(AUTO_SUFFIX)] + AUTO_SUFFIX
    taken = session.execute(select(Depot).where(col(Depot.code) == code)).scalar_one_or_none()
    if taken is not None:
        code = (
            f"{community.code[: 32 - len(AUTO_SUFFIX) - 4]}{AUTO_SUFFIX}{community_id % 1000:03d}"
        )
    return registry.create_depot(
        session,
        schemas.DepotCreate(
            district_id=community.district_id,
            community_id=community_id,
            code=code,
            name_zh=f"{community.name_zh}发放点"[:200],
            name_en=f"{community.name_en} distribution point"[:200],
            kind="distribution_point",
            latitude=community.latitude,
            longitude=community.longitude,
        ),
    )

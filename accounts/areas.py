"""Areas: depot managers change only their depots, community workers only their community's
receiving depots (community depot, distribution points), coordinators only their district's."""

from __future__ import annotations

from sqlmodel import Session

from accounts.service import Principal
from core.errors import NotPermitted
from inventory import service as inventory

SCOPED_TO_DEPOTS = ("depot_manager", "community_worker")


def check_depot(session: Session, who: Principal, depot_id: int) -> None:
    """Refuse a change to `depot_id` outside the caller's scope (404 first if it is unknown)."""
    depot = inventory.get_depot(session, depot_id)
    if who.role == "admin":
        return
    if who.role in SCOPED_TO_DEPOTS and depot_id in who.depot_ids:
        return
    if who.role == "coordinator" and depot.district_id == who.district_id:
        return
    raise NotPermitted(f"You may not change the stock of depot {depot.code}.")


def check_depot_read(session: Session, who: Principal, depot_id: int) -> None:
    """Refuse a community worker reading what another community's depot handed out."""
    depot = inventory.get_depot(session, depot_id)
    if who.role == "community_worker" and depot_id not in who.depot_ids:
        raise NotPermitted(f"You may not read depot {depot.code}.")


def check_district(who: Principal, district_id: int) -> None:
    if who.role == "admin" or (who.role == "coordinator" and who.district_id == district_id):
        return
    raise NotPermitted(f"You may not change district {district_id}.")


def allowed_depots(session: Session, who: Principal) -> set[int] | None:
    """The depots the caller may change; None means all."""
    if who.role == "admin":
        return None
    if who.role in SCOPED_TO_DEPOTS:
        return set(who.depot_ids)
    if who.role == "coordinator" and who.district_id is not None:
        return {d.id for d in inventory.list_depots(session, who.district_id) if d.id is not None}
    return set()


def check_district_read(session: Session, who: Principal, district_id: int) -> None:
    """Refuse reading what only a district's own people see (404 first if it is unknown).

    Roles without a district (procurement, auditor, administrator) read every district; a
    coordinator reads their own, a depot manager the district of one of their depots."""
    inventory.get_district(session, district_id)
    if who.role in ("admin", "auditor", "procurement"):
        return
    if who.role == "coordinator" and who.district_id == district_id:
        return
    if who.role == "community_worker" and who.district_id == district_id:
        return
    if who.role == "depot_manager" and any(
        inventory.get_depot(session, depot_id).district_id == district_id
        for depot_id in who.depot_ids
    ):
        return
    raise NotPermitted(f"You may not read district {district_id}.")

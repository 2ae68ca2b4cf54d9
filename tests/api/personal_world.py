"""A world to test personal data against: two districts, people of every role, and two
suppliers each holding an agreement reserve for one of the districts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from accounts import service as users
from accounts.models import AccessLog
from suppliers import schemas as supplier_schemas
from suppliers import service as suppliers
from tests.inventory.factories import Small, small_district
from tests.suppliers.helpers import contract_body, supplier_body

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class World:
    """District `d` (coordinator, depot manager of depot A, a worker of community 0), a
    second district X with its own coordinator, and two suppliers: one holding an
    agreement reserve for `d`, the other only for X."""

    d: Small
    x: Small
    agreed_id: int
    elsewhere_id: int


def build_world(session: Session) -> World:
    d = small_district(session)
    x = small_district(session, suffix="X")
    ids = []
    for n, district in ((0, d), (1, x)):
        body = supplier_body(n, contact_email=f"sales{n}@example.cn")
        made = suppliers.create_supplier(session, supplier_schemas.SupplierCreate(**body))
        contract = contract_body(
            made.id or 0, district.district_id, district.tent_id, number=f"AG-{n}"
        )
        suppliers.create_contract(
            session, supplier_schemas.ContractCreate(**contract), actor="setup"
        )
        ids.append(made.id or 0)
    people: dict[str, dict[str, Any]] = {
        "admin": {"role": "admin"},
        "auditor": {"role": "auditor"},
        "procurement": {"role": "procurement"},
        "depot_manager": {"role": "depot_manager", "depot_ids": [d.depot_a_id]},
        "coordinator": {"role": "coordinator", "district_id": d.district_id},
        "coordinator_x": {"role": "coordinator", "district_id": x.district_id},
        "community_worker": {"role": "community_worker", "community_id": d.community_ids[0]},
    }
    for username, scope in people.items():
        users.create_user(session, username=username, password=PASSWORD, **scope)
    session.flush()
    return World(d, x, ids[0], ids[1])


PEOPLE = (
    "admin",
    "auditor",
    "procurement",
    "depot_manager",
    "coordinator",
    "coordinator_x",
    "community_worker",
)


def groups_shown_to(username: str, w: World) -> set[int]:
    """The communities whose vulnerable groups `username`'s work needs."""
    return {
        "admin": {*w.d.community_ids, *w.x.community_ids},
        "coordinator": set(w.d.community_ids),
        "coordinator_x": set(w.x.community_ids),
        "community_worker": {w.d.community_ids[0]},
    }.get(username, set())


def contacts_shown_to(username: str, w: World) -> set[int]:
    """The suppliers whose contact person `username`'s work needs."""
    return {
        "admin": {w.agreed_id, w.elsewhere_id},
        "procurement": {w.agreed_id, w.elsewhere_id},
        "coordinator": {w.agreed_id},
        "coordinator_x": {w.elsewhere_id},
    }.get(username, set())


def log_rows(session: Session) -> list[AccessLog]:
    return list(session.execute(select(AccessLog).order_by(col(AccessLog.id))).scalars())

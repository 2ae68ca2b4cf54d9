"""Personal data by need: the one rule deciding who is shown it, the answers that leave it
out for everyone else, and the log of every answer or page that showed it.

Two kinds are personal here:

* `community_groups` — a community's vulnerable-group counts (elderly 65+, children under
  5, people with disabilities, chronically ill). In a small community a count is close to
  naming the households. They are shown to the coordinators of the community's district
  (who forecast, allocate and approve from them), to the community's own workers (who hand
  out to those groups) and to administrators. Depot managers, procurement and auditors
  see the community's population and no group: stock levels, agreement reserves and the
  ledger do not need them, and the allocation and forecast read the counts from the
  database, never from an answer.
* `supplier_contacts` — a supplier's contact person, phone and e-mail. Procurement, who keep
  the registry, and administrators see them; so do the coordinators of a district the
  supplier holds an agreement reserve for, who must be able to call the supplier when
  they call on that reserve in a crisis. Nobody else needs to phone a supplier.

The roles come from the role matrix (`personal.groups`, `personal.contacts`), the limits
by owner from `readable`. Every answer that shows personal data to someone is logged
(`ServedLog`), with who, when, what kind, whose records, the route and the client address.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Depends, Request
from sqlmodel import Session

from accounts import roles
from accounts.access_log import Kind
from accounts.models import AccessLog
from accounts.service import Principal
from api.deps import SessionDep, UnitsDep, request_reads_only
from core.db import UnitsOfWork
from inventory import service as inventory
from inventory.models import Community
from inventory.schemas import CommunityPublic
from suppliers import service as suppliers
from suppliers.schemas import SupplierPublic

PERMISSION: Final[dict[str, str]] = {
    "community_groups": "personal.groups",
    "supplier_contacts": "personal.contacts",
}
GROUP_FIELDS: Final = (
    "elderly_65_plus",
    "children_under_5",
    "people_with_disabilities",
    "chronically_ill",
)
CONTACT_FIELDS: Final = ("contact_name", "contact_phone", "contact_email")


def readable(session: Session, who: Principal, kind: Kind, owner_ids: Iterable[int]) -> set[int]:
    """Of the records `owner_ids` (communities or suppliers, by `kind`), those whose personal
    data of `kind` the caller may be shown."""
    ids = set(owner_ids)
    if not ids or not roles.allowed(who.role, PERMISSION[kind]):
        return set()
    if who.role == "admin":
        return ids
    if kind == "community_groups":
        if who.role == "community_worker":
            return ids & {who.community_id} if who.community_id is not None else set()
        if who.role == "coordinator" and who.district_id is not None:
            return {i for i in ids if _district_of(session, i) == who.district_id}
        return set()
    if who.role == "procurement":
        return ids
    if who.role == "coordinator" and who.district_id is not None:
        agreed = suppliers.list_contracts(session, district_id=who.district_id)
        return ids & {c.supplier_id for c in agreed}
    return set()


def may_read_personal(session: Session, who: Principal, kind: Kind, owner_id: int) -> bool:
    """May the caller be shown the personal data of `kind` of record `owner_id`?"""
    return owner_id in readable(session, who, kind, [owner_id])


def _district_of(session: Session, community_id: int) -> int:
    return inventory.get_community(session, community_id).district_id


# --- the log ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServedLog:
    """Records, for one request, the personal data its answer shows.

    A write request records in the request's transaction: the row commits with the
    change, or neither does. A reading request's transaction may not write (`core.db.reading`), and
    on SQLite turning it into a writer could fail on a snapshot that another writer has
    since moved past; so it records in a short unit of work of its own, committed before
    the answer is sent. If that fails the request fails, and nothing personal is served
    unlogged; a row whose answer then never arrives errs on the side of accountability.
    """

    request: Request
    session: Session
    units: UnitsOfWork

    def record(self, who: Principal, kind: Kind, ids: Iterable[int]) -> None:
        shown = sorted(set(ids))
        if not shown:
            return
        row = AccessLog(
            username=who.username,
            role=who.role,
            kind=kind,
            record_ids=json.dumps(shown),
            route=route_of(self.request),
            client=client_of(self.request),
        )
        if request_reads_only(self.request):
            with self.units.writing() as unit:
                unit.add(row)
        else:
            self.session.add(row)
            self.session.flush()


def route_of(request: Request) -> str:
    """The route that answered: method and path template (`GET /web/suppliers/{supplier_id}`)."""
    route = request.scope.get("route")
    template = getattr(route, "path", None) or request.url.path
    return f"{request.method} {request.scope.get('root_path', '')}{template}"[:300]


def client_of(request: Request) -> str:
    """The client's address, as the server sees it (through a trusted proxy if one is set)."""
    return (request.client.host if request.client else "unknown")[:100]


def served_log(request: Request, session: SessionDep, units: UnitsDep) -> ServedLog:
    return ServedLog(request, session, units)


ServedLogDep = Annotated[ServedLog, Depends(served_log)]


# --- answers ------------------------------------------------------------------------------


def community_public(community: Community, *, groups: bool) -> CommunityPublic:
    """A community as the API shows it: with its vulnerable groups only if `groups`."""
    answer = CommunityPublic.model_validate(community)
    return answer if groups else answer.model_copy(update=dict.fromkeys(GROUP_FIELDS))


def communities_public(
    session: Session, who: Principal, found: Sequence[Community], log: ServedLog
) -> list[CommunityPublic]:
    """`found` as the caller may see them; the groups shown are logged."""
    shown = readable(session, who, "community_groups", (c.id or 0 for c in found))
    answers = [community_public(c, groups=c.id in shown) for c in found]
    log.record(who, "community_groups", shown)
    return answers


def suppliers_public(
    session: Session, who: Principal, found: Sequence[SupplierPublic], log: ServedLog
) -> list[SupplierPublic]:
    """`found` as the caller may see them; the contacts shown are logged."""
    with_contact = (s.id for s in found if any(getattr(s, f) for f in CONTACT_FIELDS))
    shown = readable(session, who, "supplier_contacts", with_contact)
    answers = [
        s if s.id in shown else s.model_copy(update=dict.fromkeys(CONTACT_FIELDS)) for s in found
    ]
    log.record(who, "supplier_contacts", shown)
    return answers

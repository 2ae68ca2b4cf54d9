"""The dispatch use cases, as the API and the command line call them.

Every function takes the caller's session and never commits, except `compute_routes`:
routing is CPU-bound and may take its whole time limit, so it opens its own units of work
and solves with none open (`core.solves`): the plan is read in a read-only one, the routes
solved outside any transaction, and stored in a short writing one that refuses if the plan
changed meanwhile. Call it (and `create_routes`, which does all three in the caller's
session) from a worker thread (a sync route), never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session

from core.db import UnitsOfWork
from core.solves import Once, prepare_solve_store
from dispatch import balance, routes
from dispatch.manifests import (
    approve_routes,
    dispatch_wave,
    get_manifest,
    list_manifests,
    manifest_document,
    manifest_public,
    manifests_for_depots,
)
from dispatch.matrix import (
    export_travel_matrix,
    import_travel_matrix,
    remove_travel_matrix,
    travel_matrix,
)
from dispatch.models import RoutePlan
from dispatch.orders import confirm_order, get_order, issue_orders, list_orders, order_public
from dispatch.receipts import DEFAULT_GRACE_MINUTES, overdue, receive
from dispatch.routes import create_routes, get_routes, get_trip, list_routes, routes_public
from dispatch.schemas import PlanBalancePublic, RoutesCreate
from dispatch.travel import OsrmFetch
from dispatch.vehicles import create_vehicle, get_vehicle, list_vehicles, update_vehicle
from dispatch.views import map_svg, route_sheet, sheet_html
from inventory import service as inventory
from ledger.keys import LogSigner
from plans import service as plans
from plans.models import AllocationPlanRow

R = TypeVar("R")
A = TypeVar("A")


def plan_balance(session: Session, plan_id: int) -> PlanBalancePublic:
    """Where every allocated unit of the plan went, adding up exactly."""
    return balance.public(plan_id, balance.balance(session, plan_id))


def approve_plan(
    session: Session, plan_id: int, signer: LogSigner, *, actor: str, now: datetime
) -> AllocationPlanRow:
    """Approve a draft plan and make it reachable, in one transaction: every community it
    sends to gets a receiving depot (a distribution point where it has none), and each
    agreement line becomes a signed delivery order to its supplier."""
    row = plans.approve(session, plan_id, actor=actor, now=now)
    communities = {x.community_id for x in plans.plan_public(session, row).lines}
    inventory.receiving_depots(session, row.district_id, communities, create=True)
    issue_orders(session, plan_id, row.district_id, signer, actor=actor, now=now)
    return row


def compute_routes(
    units: UnitsOfWork,
    plan_id: int,
    data: RoutesCreate,
    *,
    actor: str,
    now: datetime,
    time_limit_s: float,
    osrm: OsrmFetch | None,
    answer: Callable[[Session, RoutePlan], R],
    once: Once[R, A],
    workers: int = 1,
) -> A:
    """Route an approved plan with no transaction open during the solve; `answer` turns the
    stored draft into what the caller answers (in the storing transaction), `once` runs it
    at most once per key (an earlier answer is returned without solving)."""
    return prepare_solve_store(
        units,
        prepare=lambda session: routes.prepare(session, plan_id, data, now=now),
        solve=lambda prepared: routes.solve(
            prepared, time_limit_s=time_limit_s, osrm=osrm, workers=workers
        ),
        store=lambda session, prepared, solved: answer(
            session, routes.store(session, prepared, solved, actor)
        ),
        once=once,
    )


__all__ = [
    "DEFAULT_GRACE_MINUTES",
    "approve_plan",
    "approve_routes",
    "compute_routes",
    "confirm_order",
    "create_routes",
    "create_vehicle",
    "dispatch_wave",
    "export_travel_matrix",
    "get_manifest",
    "get_order",
    "get_routes",
    "get_trip",
    "get_vehicle",
    "import_travel_matrix",
    "issue_orders",
    "list_manifests",
    "list_orders",
    "list_routes",
    "list_vehicles",
    "manifest_document",
    "manifest_public",
    "manifests_for_depots",
    "map_svg",
    "order_public",
    "overdue",
    "plan_balance",
    "receive",
    "remove_travel_matrix",
    "route_sheet",
    "routes_public",
    "sheet_html",
    "travel_matrix",
    "update_vehicle",
]

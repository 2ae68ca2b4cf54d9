"""Coordinator pages: the district's allocation plans; one plan with each community's
coverage and the reasons the allocation gives, approving it; its routes drawn on the
district map with the stops in order and their arrival times; computing routes, approving
and dispatching them; each trip's route sheet and map.

Every change is the service call the API makes (`plans.service`,
`dispatch.service`), run once per form shown (`once`) inside a savepoint: a
refusal is shown on the plan's page and changes nothing. Routing is CPU-bound, so these
routes are plain `def` (FastAPI runs them in its worker threads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from accounts import areas
from accounts.service import Principal
from api.deps import SessionDep, SettingsDep, UnitsDep, end_reads, reads_only
from api.routers.dispatch import OsrmDep
from api.routers.ledger import LedgerSignerDep
from api.web import auth, once, route_map
from api.web.forms import FormFields, Outcome, attempt, refusal
from api.web.pages_district import district_of
from api.web.render import language, render
from api.web.solves import PageOnce
from core.clock import utcnow
from core.errors import DomainError, InvalidInput
from core.inputs import Id
from dispatch import schemas as dispatch_schemas
from dispatch import service as dispatch
from inventory import service as inventory
from inventory.models import Community, Depot, Item
from ledger import keys
from plans import schemas as plan_schemas
from plans import service as plans
from suppliers import service as suppliers

router = APIRouter(prefix="/plans")

#: The allocation's reason codes, as the page names them (translated in `i18n`).
REASONS = {
    "all_met": "All demand met",
    "stock_limit": "Not enough stock by the deadline",
    "priority_first": "Priority groups served first",
    "floor": "Depot keeps its safety floor",
    "lead_time": "Supplier lead time past the deadline",
    "expiry": "Stock expires before the deadline",
    "locked": "Locked by the coordinator",
}
#: Why a plan line is not on any trip.
LEFT_OUT = {
    "at_destination": "Already at the community's depot",
    "no_depot": "The community has no receiving depot",
    "no_vehicle": "No vehicle starts at this depot",
    "unit_too_large": "A unit is larger than any vehicle",
    "fleet_capacity": "The fleet has no room for it",
    "fleet_time": "The fleet's shifts ran out",
    "search_limit": "The route search ran out of time",
    "window_unreachable": "No vehicle reaches it by its deadline",
}
DONE = {
    "approved": "The plan is approved; compute its routes next.",
    "routed": "Routes computed: review them, then approve and dispatch.",
    "dispatched": "Dispatched: the manifests are on their way.",
    "wave": "The wave is dispatched: its manifests are on their way.",
}
#: The balance's buckets, in the order the page shows them.
BALANCE = (
    ("dispatched", "Dispatched"),
    ("scheduled", "Scheduled in a later wave"),
    ("by_supplier", "Called on from suppliers"),
    ("at_destination", "Already at the community"),
    ("left", "Left out"),
    ("pending", "Not routed yet"),
)
TRAVEL = {
    "matrix": "the district's travel table",
    "osrm": "the road network (OSRM)",
    "estimate": "an estimate: straight-line distance × 1.3 at each vehicle's speed",
}
TIERS = {"priority": "Priority groups", "general": "General population"}
MAX_DELAY_H = 7 * 24


@dataclass(frozen=True)
class Names:
    """What the page calls the district's things, by id."""

    communities: dict[int, Community]
    depots: dict[int, Depot]
    items: dict[int, Item]
    vehicles: dict[int, str]
    contracts: dict[int, str]
    lots: dict[int, str]

    @classmethod
    def of(cls, session: Session, district_id: int, lot_ids: list[int]) -> Names:
        return cls(
            communities={c.id or 0: c for c in inventory.list_communities(session, district_id)},
            depots={d.id or 0: d for d in inventory.list_depots(session, district_id)},
            items={i.id or 0: i for i in inventory.list_items(session)},
            vehicles={v.id or 0: v.code for v in dispatch.list_vehicles(session, district_id)},
            contracts={
                c.id or 0: c.number
                for c in suppliers.list_contracts(session, district_id=district_id)
            },
            lots=inventory.lot_numbers(session, lot_ids),
        )


def _plan_in_scope(session: Session, who: Principal, plan_id: int) -> plan_schemas.PlanPublic:
    row = plans.get_plan(session, plan_id)
    areas.check_district(who, row.district_id)
    return plans.plan_public(session, row)


@router.get("", response_class=HTMLResponse)
def plans_page(request: Request, session: SessionDep, who: auth.PlansPage) -> Response:
    """The district's plans, newest first, with their coverage and routing state."""
    district_id = district_of(session, who)
    rows = []
    for p in reversed(plans.list_plans(session, district_id)):
        routes = dispatch.list_routes(session, p.id or 0)
        rows.append(
            {
                "plan": p,
                "scenario": plans.get_scenario(session, p.scenario_id),
                "coverage": _share(p.summary.get("delivered", 0), p.summary.get("demanded", 0)),
                "routes": len(routes),
                "dispatched": any(r.status == "approved" for r in routes),
            }
        )
    context = {"district": inventory.get_district(session, district_id), "rows": rows}
    return render(request, "plans.html", context, who=who)


@router.get("/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, session: SessionDep, who: auth.PlansPage, plan_id: Id) -> Response:
    return _plan_page(request, session, who, plan_id)


def _plan_page(
    request: Request,
    session: Session,
    who: Principal,
    plan_id: int,
    outcome: Outcome[Any] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    outcome = outcome or Outcome()
    plan = _plan_in_scope(session, who, plan_id)
    routes = [dispatch.routes_public(session, r) for r in dispatch.list_routes(session, plan_id)]
    lot_ids = [x.lot_id for x in plan.lines if x.lot_id is not None]
    names = Names.of(session, plan.district_id, lot_ids)
    lang = language(request)
    context = {
        "plan": plan,
        "scenario": plans.get_scenario(session, plan.scenario_id),
        "coverage": _share(plan.summary.get("delivered", 0), plan.summary.get("demanded", 0)),
        "communities": _communities(plan, names),
        "route_plans": [_route_plan(session, r, names, lang) for r in routes],
        "balance": dispatch.plan_balance(session, plan_id),
        "balance_rows": BALANCE,
        "left_out_labels": LEFT_OUT,
        "orders": [
            {
                "order": o,
                "item": names.items.get(o.item_id),
                "depot": names.depots.get(o.destination_depot_id),
                "supplier": suppliers.get_supplier(session, o.supplier_id).legal_name,
            }
            for o in dispatch.list_orders(session, plan_id=plan_id)
        ],
        "dispatched": any(r.status == "approved" for r in routes),
        "tiers": TIERS,
        "travel": TRAVEL,
        "errors": outcome.errors,
        "message": outcome.message,
        "values": values or {},
        "once_field": once.FIELD,
        "once_key": once.new_key(),
        "done": DONE.get(request.query_params.get("done") or ""),
    }
    return render(request, "plan.html", context, who=who, status_code=outcome.status)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _communities(plan: plan_schemas.PlanPublic, names: Names) -> list[dict[str, Any]]:
    """Per community: coverage by item and tier, the reasons, and the lines that serve it."""
    by_code = {c.code: c for c in names.communities.values()}
    out = []
    for report in plan.communities:
        community = by_code.get(report["community"])
        cid = community.id if community else None
        fills = [f for f in plan.fills if f.community_id == cid]
        lines = [x for x in plan.lines if x.community_id == cid]
        out.append(
            {
                "community": community,
                "code": report["community"],
                "summary": report["summary"],
                "coverage": _share(sum(f.delivered for f in fills), sum(f.demanded for f in fills)),
                "fills": [
                    {
                        "item": names.items.get(f.item_id),
                        "tier": f.tier,
                        "demanded": f.demanded,
                        "delivered": f.delivered,
                        "share": _share(f.delivered, f.demanded),
                    }
                    for f in sorted(fills, key=lambda f: (f.item_id, f.tier != "priority"))
                ],
                "reasons": [
                    {"label": REASONS.get(r["code"], r["code"]), **r} for r in report["reasons"]
                ],
                "lines": [
                    {
                        "source": _source(x, names),
                        "item": names.items.get(x.item_id),
                        "lot": names.lots.get(x.lot_id or 0),
                        "quantity": x.quantity,
                        "locked": x.locked,
                    }
                    for x in lines
                ],
            }
        )
    return out


def _source(line: plan_schemas.LinePublic, names: Names) -> str:
    if line.depot_id is not None:
        depot = names.depots.get(line.depot_id)
        return depot.code if depot else f"#{line.depot_id}"
    return names.contracts.get(line.agreement_id or 0, line.source)


def _route_plan(
    session: Session, routes: dispatch_schemas.RoutePlanPublic, names: Names, lang: str
) -> dict[str, Any]:
    """One route plan: its trips with stops in order, the map, left-out lines, manifests."""
    manifests = {
        m.trip_id: dispatch.manifest_public(session, m)
        for m in dispatch.list_manifests(session, routes.id)
    }
    lots = inventory.lot_numbers(
        session, [c.lot_id for t in routes.trips for s in t.stops for c in s.lines]
    )

    def depot(depot_id: int) -> Depot | None:
        return names.depots.get(depot_id)

    def where(d: Depot | None) -> tuple[float, float]:
        return (d.latitude, d.longitude) if d else (0.0, 0.0)

    trips = []
    drawn = []
    for n, t in enumerate(routes.trips):
        stops = []
        for number, s in enumerate(t.stops, start=1):
            community = names.communities.get(s.community_id)
            stops.append(
                {
                    "number": number,
                    "community": community,
                    "depot": depot(s.depot_id),
                    "arrival_at": s.arrival_at,
                    "weight_kg": s.weight_g / 1000,
                    "cargo": [
                        {
                            "item": names.items.get(c.item_id),
                            "lot": lots.get(c.lot_id, ""),
                            "quantity": c.quantity,
                        }
                        for c in s.lines
                    ],
                }
            )
        vehicle = names.vehicles.get(t.vehicle_id, f"#{t.vehicle_id}")
        label = f"{vehicle} · {t.trip}"
        trips.append(
            {
                "trip": t,
                "label": label,
                "colour": route_map.colour(n),
                "vehicle": vehicle,
                "source": depot(t.source_depot_id),
                "end": depot(t.end_depot_id),
                "stops": stops,
                "manifest": manifests.get(t.id),
            }
        )
        drawn.append(
            route_map.Trip(
                label,
                where(depot(t.source_depot_id)),
                tuple(
                    (c.latitude, c.longitude)
                    for s in t.stops
                    if (c := names.communities.get(s.community_id)) is not None
                ),
                where(depot(t.end_depot_id)),
            )
        )
    places = [
        route_map.Place("depot", d.code, d.latitude, d.longitude) for d in names.depots.values()
    ] + [
        route_map.Place(
            "community", c.name_zh if lang == "zh-CN" else c.name_en, c.latitude, c.longitude
        )
        for c in names.communities.values()
    ]
    left_out = [
        {
            "reason": LEFT_OUT.get(x.reason, x.reason),
            "code": x.reason,
            "detail": x.detail,
            "source": depot(x.source_depot_id),
            "community": names.communities.get(x.community_id),
            "cargo": [
                {"item": names.items.get(c.item_id), "quantity": c.quantity} for c in x.lines
            ],
        }
        for x in routes.left_out
    ]
    return {
        "routes": routes,
        "trips": trips,
        "left_out": left_out,
        "stranded": [x for x in left_out if x["code"] != "at_destination"],
        "map_svg": route_map.svg(
            places, drawn, title=f"Routes {routes.id}", ident=f"routes-{routes.id}"
        ),
        "manifests": list(manifests.values()),
        "waves": _waves(routes),
    }


def _waves(routes: dispatch_schemas.RoutePlanPublic) -> list[dict[str, Any]]:
    """Each wave of the routes: its trips, first departure, whether it is dispatched, and
    whether it is the next one to dispatch."""
    numbers = sorted({t.wave for t in routes.trips})
    out = []
    for n in numbers:
        trips = [t for t in routes.trips if t.wave == n]
        out.append(
            {
                "number": n,
                "trips": len(trips),
                "departs_at": min(t.starts_at for t in trips),
                "dispatched": all(t.dispatched for t in trips),
            }
        )
    upcoming = [w for w in out if not w["dispatched"]]
    if routes.status == "approved" and upcoming:
        upcoming[0]["next"] = True
    return out


# --- changes ------------------------------------------------------------------------------


def _done(
    request: Request,
    session: Session,
    who: Principal,
    plan_id: int,
    form: dict[str, str],
    change: Any,
) -> Response:
    """Run `change` once (it answers where to go next); a refusal redraws the plan's page."""
    outcome = attempt(
        session,
        lambda: once.run(
            session, actor=who.username, path=request.url.path, form=form, action=change
        ),
    )
    if not outcome.ok or outcome.result is None:
        return _plan_page(request, session, who, plan_id, outcome, form)
    return RedirectResponse(outcome.result, status_code=303)


@router.post("/{plan_id}/approve", response_class=HTMLResponse)
def approve_plan(
    request: Request,
    session: SessionDep,
    who: auth.PlansPage,
    _csrf: auth.Csrf,
    form: FormFields,
    plan_id: Id,
    signer: LedgerSignerDep,
) -> Response:
    """Approve the draft allocation: it becomes fixed and ready for routing, and its
    agreement lines become delivery orders to their suppliers."""
    _plan_in_scope(session, who, plan_id)

    def change() -> str:
        dispatch.approve_plan(session, plan_id, signer, actor=who.username, now=utcnow())
        return f"/web/plans/{plan_id}?done=approved#routes"

    return _done(request, session, who, plan_id, form, change)


@router.post("/{plan_id}/routes", response_class=HTMLResponse)
@reads_only
def compute_routes(
    request: Request,
    session: SessionDep,
    units: UnitsDep,
    settings: SettingsDep,
    who: auth.PlansPage,
    _csrf: auth.Csrf,
    form: FormFields,
    osrm: OsrmDep,
    plan_id: Id,
) -> Response:
    """Route the approved plan with the district's vehicles, leaving in `delay_h` hours;
    travel from the district's table, else the OSRM server of the settings, else the
    estimate (as the API routes, with no transaction open while solving)."""
    _plan_in_scope(session, who, plan_id)
    text = form.get("delay_h", "").strip() or "0"
    if not text.isdigit() or int(text) > MAX_DELAY_H:
        outcome: Outcome[Any] = Outcome(
            errors={"delay_h": "Enter whole hours from 0 to 168."}, status=422
        )
        return _plan_page(request, session, who, plan_id, outcome, form)
    now = utcnow()
    data = dispatch_schemas.RoutesCreate(departs_at=now + timedelta(hours=int(text)))
    end_reads(session)
    try:
        location = dispatch.compute_routes(
            units,
            plan_id,
            data,
            actor=who.username,
            now=now,
            time_limit_s=settings.routing_time_limit_s,
            workers=settings.routing_workers,
            osrm=osrm,
            answer=lambda _, made: f"/web/plans/{plan_id}?done=routed#routes-{made.id}",
            once=PageOnce(who.username, request.url.path, form),
        )
    except DomainError as exc:
        return _plan_page(request, session, who, plan_id, refusal(exc), form)
    return RedirectResponse(location, status_code=303)


@router.post("/routes/{route_plan_id}/dispatch", response_class=HTMLResponse)
def dispatch_routes(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: auth.PlansPage,
    _csrf: auth.Csrf,
    form: FormFields,
    route_plan_id: Id,
) -> Response:
    """Approve the routes and dispatch: per trip a manifest, its stock into transit, a
    signed `dispatch.sent` entry, all or nothing."""
    routes = dispatch.get_routes(session, route_plan_id)
    areas.check_district(who, routes.district_id)
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)

    def change() -> str:
        dispatch.approve_routes(session, route_plan_id, signer, actor=who.username, now=utcnow())
        return f"/web/plans/{routes.plan_id}?done=dispatched#routes-{route_plan_id}"

    return _done(request, session, who, routes.plan_id, form, change)


@router.post("/routes/{route_plan_id}/waves/{wave}", response_class=HTMLResponse)
def dispatch_wave(
    request: Request,
    session: SessionDep,
    who: auth.PlansPage,
    _csrf: auth.Csrf,
    form: FormFields,
    route_plan_id: Id,
    wave: Annotated[int, Path(ge=1, le=1000)],
    signer: LedgerSignerDep,
) -> Response:
    """Dispatch a later wave when its day comes: manifests, stock into transit, ledger."""
    routes = dispatch.get_routes(session, route_plan_id)
    areas.check_district(who, routes.district_id)

    def change() -> str:
        dispatch.dispatch_wave(
            session, route_plan_id, wave, signer, actor=who.username, now=utcnow()
        )
        return f"/web/plans/{routes.plan_id}?done=wave#routes-{route_plan_id}"

    return _done(request, session, who, routes.plan_id, form, change)


# --- route sheets and maps ----------------------------------------------------------------


@router.get("/trips/{trip_id}/sheet", response_class=HTMLResponse)
def route_sheet(
    request: Request,
    session: SessionDep,
    who: auth.Anyone,
    trip_id: Id,
    tz: Annotated[str, Query(max_length=64)] = "UTC",
) -> Response:
    """The driver's printable sheet, in the page's language and the browser's time zone."""
    if tz not in available_timezones():
        raise InvalidInput(f"{tz!r} is not a known time zone (e.g. Asia/Shanghai).")
    lang: Literal["zh", "en"] = "zh" if language(request) == "zh-CN" else "en"
    return HTMLResponse(dispatch.sheet_html(session, trip_id, lang=lang, zone=tz))


@router.get("/trips/{trip_id}/map.svg")
def trip_map(session: SessionDep, who: auth.Anyone, trip_id: Id) -> Response:
    return Response(dispatch.map_svg(session, trip_id), media_type="image/svg+xml")

"""Coordinator pages: the district map by days of supply, the district's alerts (each with
what to do and a link to the page that does it; acknowledging one), the active scenario
and its latest forecast with a fan chart, the allocation plan with each community's
reason, and approving it. Acknowledging and approving run once per form shown
(`api.web.once`): each form drawn carries its own one-time key."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from accounts import areas
from accounts.service import Principal
from alerts import service as alerts
from alerts.texts import KIND_LABELS
from api.deps import SessionDep, SettingsDep
from api.routers.ledger import LedgerSignerDep
from api.security import personal
from api.web import auth, district_map, once
from api.web.forms import FormFields, Outcome, attempt, parse
from api.web.render import render
from core.clock import utcnow
from core.errors import Conflict, InvalidInput
from core.inputs import Id
from core.settings import Settings
from dispatch import service as dispatch
from inventory import schemas
from inventory import service as inventory
from plans import service as plans

router = APIRouter(prefix="/district")

ALERT_KEY_MAX = 200


def district_of(session: Session, who: Principal) -> int:
    """The coordinator's district; an administrator sees the first one."""
    if who.district_id is not None:
        return who.district_id
    districts = inventory.list_districts(session)
    if not districts or districts[0].id is None:
        raise InvalidInput("There is no district yet.")
    return districts[0].id


def map_points(session: Session, district_id: int, item_id: int | None) -> list[district_map.Point]:
    """Depots by their own days of supply; communities by the stock of their depots."""
    depots = inventory.list_depots(session, district_id)
    on_hand: dict[int, int] = defaultdict(int)
    used: dict[int, int] = defaultdict(int)
    window = 30
    for row in inventory.supply_days(session, district_id, window_days=window):
        if row.item_id == item_id:
            on_hand[row.depot_id] += row.on_hand
            used[row.depot_id] += row.consumed_in_window

    def days(held: int, consumed: int) -> float | None:
        return held / (consumed / window) if consumed else None

    points = []
    community_of: dict[int, list[int]] = defaultdict(list)
    for d in depots:
        if d.id is None or d.kind == "in_transit":
            continue
        if d.community_id is not None:
            community_of[d.community_id].append(d.id)
        points.append(
            district_map.Point(
                "depot", d.code, d.latitude, d.longitude, days(on_hand[d.id], used[d.id])
            )
        )
    for c in inventory.list_communities(session, district_id):
        ids = community_of.get(c.id or 0, [])
        held, consumed = sum(on_hand[i] for i in ids), sum(used[i] for i in ids)
        points.append(
            district_map.Point("community", c.code, c.latitude, c.longitude, days(held, consumed))
        )
    return points


def _map_context(session: Session, district_id: int, item_id: int | None) -> dict[str, Any]:
    items = sorted(inventory.list_items(session), key=lambda i: i.code)
    if item_id is None and items:
        item_id = items[0].id
    return {
        "items": items,
        "item_id": item_id,
        "map_svg": district_map.svg(
            map_points(session, district_id, item_id), title="Days of supply"
        ),
        "bands": district_map.BANDS,
        "no_data": district_map.NO_DATA,
    }


def _forecast(session: Session, district_id: int) -> dict[str, Any]:
    scenario = plans.active_scenario(session, district_id)
    if scenario is None or scenario.id is None:
        return {"scenario": None, "run": None}
    try:
        run = plans.latest_run(session, district_id, scenario.id)
    except Conflict:
        return {"scenario": scenario, "run": None}
    first = next(iter(plans.rows(session, run.id or 0)), None)
    chart = None
    if first is not None:
        chart = f"/web/district/forecasts/{run.id}/fan-chart.svg?item_id={first.item_id}"
        if first.community_id is not None:
            chart += f"&community_id={first.community_id}"
    return {"scenario": scenario, "run": run, "chart": chart}


def _alerts_context(session: Session, settings: Settings, district_id: int) -> dict[str, Any]:
    """The district's alerts as they stand: the urgent ones, and those for information."""
    found = alerts.current(session, district_id, now=utcnow(), cfg=alerts.config(settings))
    return {
        "alerts": [c for c in found if c.alert.severity != "info"],
        "alerts_info": [c for c in found if c.alert.severity == "info"],
        "alert_kinds": KIND_LABELS,
    }


@router.get("", response_class=HTMLResponse)
def district_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: auth.PlansPage,
    log: personal.ServedLogDep,
    item_id: Id | None = None,
) -> Response:
    district_id = district_of(session, who)
    communities = inventory.list_communities(session, district_id)
    plan_rows = plans.list_plans(session, district_id)
    plan = plans.plan_public(session, plan_rows[-1]) if plan_rows else None
    context = {
        "district": inventory.get_district(session, district_id),
        **_alerts_context(session, settings, district_id),
        "plan": plan,
        "balance": dispatch.plan_balance(session, plan.id)
        if plan and plan.status == "approved"
        else None,
        "communities": {c.code: c for c in communities},
        "community_rows": personal.communities_public(session, who, communities, log),
        **_map_context(session, district_id, item_id),
        **_forecast(session, district_id),
        "once_field": once.FIELD,
        "new_once_key": once.new_key,
        **_points_context(session, district_id),
        "errors": {},
        "values": {},
        "message": None,
    }
    return render(request, "district.html", context, who=who)


def _points_context(session: Session, district_id: int) -> dict[str, Any]:
    """Each community with its receiving depots (community depot, distribution points)."""
    receiving = inventory.list_points(session, district_id)
    return {
        "receiving": [
            {"community": c, "depots": [d for d in receiving if d.community_id == c.id]}
            for c in inventory.list_communities(session, district_id)
        ]
    }


@router.post("/points", response_class=HTMLResponse)
def register_point(
    request: Request,
    session: SessionDep,
    who: auth.PlansPage,
    _csrf: auth.Csrf,
    form: FormFields,
) -> Response:
    """Register a distribution point for one of the district's communities, once per form
    shown; a problem shows the form again with the reason next to its field."""
    district_id = district_of(session, who)
    text = form.get("community_id", "").strip()
    community_id = int(text) if text.isdigit() else 0
    outcome: Outcome[Any] = parse(schemas.PointCreate, form, ints=frozenset())
    if community_id not in {c.id for c in inventory.list_communities(session, district_id)}:
        outcome = Outcome(errors={"community_id": "Choose a community."}, status=422)
    data = outcome.result
    if data is not None:

        def change() -> str:
            inventory.create_point(session, community_id, data)
            return "/web/district?done=point#points"

        outcome = attempt(
            session,
            lambda: once.run(
                session, actor=who.username, path=request.url.path, form=form, action=change
            ),
        )
    if outcome.ok and outcome.result is not None:
        return RedirectResponse(outcome.result, status_code=303)
    context = {
        "district": inventory.get_district(session, district_id),
        **_points_context(session, district_id),
        "errors": outcome.errors,
        "message": outcome.message,
        "values": form,
        "once_field": once.FIELD,
        "new_once_key": once.new_key,
    }
    return render(request, "points.html", context, who=who, status_code=outcome.status)


@router.get("/map", response_class=HTMLResponse)
def map_part(
    request: Request, session: SessionDep, who: auth.PlansPage, item_id: Id | None = None
) -> Response:
    """The map alone, for the item picker to swap in place."""
    context = _map_context(session, district_of(session, who), item_id)
    return render(request, "district_map.html", context, who=who)


@router.get("/forecasts/{run_id}/fan-chart.svg")
def fan_chart(
    session: SessionDep,
    who: auth.PlansPage,
    run_id: Id,
    item_id: Id,
    community_id: Id | None = None,
) -> Response:
    run = plans.get_run(session, run_id)
    areas.check_district(who, run.district_id)
    chart = plans.fan_chart(session, run_id, community_id=community_id, item_id=item_id)
    return Response(chart.svg, media_type="image/svg+xml")


@router.post("/plans/{plan_id}/approve")
def approve(
    request: Request,
    session: SessionDep,
    who: auth.PlansPage,
    _csrf: auth.Csrf,
    form: FormFields,
    plan_id: Id,
    signer: LedgerSignerDep,
) -> Response:
    """Approve the draft plan; a refusal is shown on the page and changes nothing."""
    areas.check_district(who, plans.get_plan(session, plan_id).district_id)

    def change() -> str:
        dispatch.approve_plan(session, plan_id, signer, actor=who.username, now=utcnow())
        return "/web/district#plan"

    outcome = attempt(
        session,
        lambda: once.run(
            session, actor=who.username, path=request.url.path, form=form, action=change
        ),
    )
    if not outcome.ok:
        return render(
            request,
            "error.html",
            {"title": "The plan was not approved", "detail": outcome.message or ""},
            who=who,
            status_code=outcome.status,
        )
    return RedirectResponse(outcome.result or "/web/district#plan", status_code=303)


@router.post("/alerts/acknowledge")
def acknowledge_alert(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: auth.PlansPage,
    _csrf: auth.Csrf,
    form: FormFields,
    key: Annotated[str | None, Form()] = None,
) -> Response:
    """Acknowledge one of the district's alerts (recorded first if the schedule has not
    recorded it yet); a refusal is shown and changes nothing."""
    district_id = district_of(session, who)
    if not key or len(key) > ALERT_KEY_MAX:
        return render(
            request,
            "error.html",
            {"title": "The alert was not acknowledged", "detail": "The form names no alert."},
            who=who,
            status_code=422,
        )
    cfg = alerts.config(settings)

    def change() -> str:
        alerts.acknowledge_key(session, district_id, key, actor=who.username, now=utcnow(), cfg=cfg)
        return "/web/district#alerts"

    outcome = attempt(
        session,
        lambda: once.run(
            session, actor=who.username, path=request.url.path, form=form, action=change
        ),
    )
    if not outcome.ok:
        return render(
            request,
            "error.html",
            {"title": "The alert was not acknowledged", "detail": outcome.message or ""},
            who=who,
            status_code=outcome.status,
        )
    return RedirectResponse(outcome.result or "/web/district#alerts", status_code=303)

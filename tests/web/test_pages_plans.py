"""Coordinator plan pages: the plan with each community's reasons, approving it, computing
routes, approving and dispatching them; refusals shown on the page and changing nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from accounts import service as users
from api.web.messages import translate_message
from core.clock import utcnow
from core.settings import Settings
from dispatch import service as dispatch
from dispatch.models import Manifest
from inventory.models import Movement
from plans import service as plans
from tests.inventory.factories import Small, small_district
from tests.plans.helpers import district_with_history
from tests.web.conftest import PASSWORD, csrf_of, sign_in
from tests.web.flows import (
    approved_plan,
    balance,
    draft_plan,
    fast_settings,
    routed,
    snapshot,
)

ONCE = re.compile(r'name="once" value="([^"]+)"')


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return fast_settings(tmp_path)


@pytest.fixture
def d(session: Session) -> Small:
    return district_with_history(session)


def form_of(web: TestClient, page: str) -> dict[str, str]:
    """The CSRF token and one-time key of a page's first changing form."""
    text = web.get(page).text
    found = ONCE.search(text)
    assert found, f"no one-time key on {page}"
    return {"csrf": csrf_of(web, page), "once": found.group(1)}


def test_a_plan_shows_each_communitys_coverage_and_reasons(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    plan_id = draft_plan(session, d)
    plan = plans.plan_public(session, plans.get_plan(session, plan_id))
    sign_in(web, "coordinator")
    listing = web.get("/web/plans")
    assert listing.status_code == 200
    assert f'href="/web/plans/{plan_id}"' in listing.text
    page = web.get(f"/web/plans/{plan_id}")
    assert page.status_code == 200, page.text
    for report in plan.communities:
        assert translate_message(report["summary"], "zh-CN") in page.text
        for reason in report["reasons"]:
            assert translate_message(reason["text"], "zh-CN") in page.text
    assert "东湖社区" in page.text
    assert "西岭社区" in page.text
    assert f'action="/web/plans/{plan_id}/approve"' in page.text
    assert "请先批准方案" in page.text  # no routing before approval


@pytest.mark.parametrize("role", ["depot_manager", "procurement", "auditor"])
def test_other_roles_may_not_open_or_change_plans(
    web: TestClient, session: Session, d: Small, people: dict[str, str], role: str
) -> None:
    plan_id = draft_plan(session, d)
    sign_in(web, role)
    assert web.get("/web/plans").status_code == 403
    assert web.get(f"/web/plans/{plan_id}").status_code == 403
    answer = web.post(f"/web/plans/{plan_id}/approve", data={"csrf": csrf_of(web, "/web/audit")})
    assert answer.status_code == 403
    session.expire_all()
    assert plans.get_plan(session, plan_id).status == "draft"


def test_a_coordinator_of_another_district_is_refused(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    plan_id = draft_plan(session, d)
    other = small_district(session, "-X")
    users.create_user(
        session,
        username="elsewhere",
        password=PASSWORD,
        role="coordinator",
        district_id=other.district_id,
    )
    sign_in(web, "elsewhere")
    assert web.get(f"/web/plans/{plan_id}").status_code == 403
    answer = web.post(f"/web/plans/{plan_id}/approve", data={"csrf": csrf_of(web, "/web/plans")})
    assert answer.status_code == 403
    session.expire_all()
    assert plans.get_plan(session, plan_id).status == "draft"
    assert f"/web/plans/{plan_id}" not in web.get("/web/plans").text


def test_approving_through_the_page_runs_once_per_form(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    plan_id = draft_plan(session, d)
    sign_in(web, "coordinator")
    form = form_of(web, f"/web/plans/{plan_id}")
    first = web.post(f"/web/plans/{plan_id}/approve", data=form)
    assert first.status_code == 303, first.text
    assert first.headers["location"] == f"/web/plans/{plan_id}?done=approved#routes"
    session.expire_all()
    row = plans.get_plan(session, plan_id)
    assert (row.status, row.approved_by) == ("approved", "coordinator")
    again = web.post(f"/web/plans/{plan_id}/approve", data=form)  # a double click
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    fresh = form_of(web, f"/web/plans/{plan_id}")  # a new form: the service refuses it
    refused = web.post(f"/web/plans/{plan_id}/approve", data=fresh)
    assert refused.status_code == 409
    assert "已批准的方案不能修改" in refused.text
    assert 'role="alert"' in refused.text


def test_routes_cannot_be_computed_for_a_draft_and_bad_hours_are_refused(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    plan_id = draft_plan(session, d)
    sign_in(web, "coordinator")
    before = snapshot(session)
    form = form_of(web, f"/web/plans/{plan_id}")
    answer = web.post(f"/web/plans/{plan_id}/routes", data={**form, "delay_h": "0"})
    assert answer.status_code == 409
    assert "请先批准再计算路线" in answer.text
    plans.approve(session, plan_id, actor="t", now=utcnow())
    for bad in ("soon", "-1", "900"):
        form = form_of(web, f"/web/plans/{plan_id}")
        answer = web.post(f"/web/plans/{plan_id}/routes", data={**form, "delay_h": bad})
        assert answer.status_code == 422
        assert 'id="e-delay_h"' in answer.text
        assert "0 到 168" in answer.text
    form = form_of(web, f"/web/plans/{plan_id}")  # leaving after the plan's 48 h deadline
    answer = web.post(f"/web/plans/{plan_id}/routes", data={**form, "delay_h": "100"})
    assert answer.status_code == 409
    assert "截止时间" in answer.text
    assert snapshot(session) == before


def test_routes_through_the_page_show_trips_on_the_map_with_stops_in_order(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    plan_id = approved_plan(session, d)
    sign_in(web, "coordinator")
    form = form_of(web, f"/web/plans/{plan_id}")
    answer = web.post(f"/web/plans/{plan_id}/routes", data={**form, "delay_h": "2"})
    assert answer.status_code == 303, answer.text
    [row] = dispatch.list_routes(session, plan_id)
    routes = dispatch.routes_public(session, row)
    assert routes.status == "draft"
    assert routes.trips
    assert routes.departs_at > row.created_at  # two hours from now
    page = web.get(f"/web/plans/{plan_id}")
    assert page.status_code == 200
    text = page.text
    assert f'id="routes-{row.id}"' in text
    assert "估算" in text  # no travel table nor OSRM: the estimate, said so
    assert text.count("<polyline") == len(routes.trips)  # one line per trip on the map
    for trip in routes.trips:
        assert f'href="/web/plans/trips/{trip.id}/sheet"' in text
        arrivals = [text.index(s.arrival_at.isoformat()) for s in trip.stops]
        assert arrivals == sorted(arrivals)  # stops listed in driving order
    assert f'action="/web/plans/routes/{row.id}/dispatch"' in text
    sheet = web.get(f"/web/plans/trips/{routes.trips[0].id}/sheet", params={"tz": "Asia/Shanghai"})
    assert sheet.status_code == 200
    assert "配送路线单" in sheet.text
    assert "Asia/Shanghai" in sheet.text
    assert web.get(f"/web/plans/trips/{routes.trips[0].id}/sheet?tz=Mars/Base").status_code == 422
    svg = web.get(f"/web/plans/trips/{routes.trips[0].id}/map.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")


def test_dispatch_through_the_page_makes_manifests_and_moves_stock_into_transit(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    plan_id, route_plan_id = routed(session, d)
    routes = dispatch.routes_public(session, dispatch.get_routes(session, route_plan_id))
    warehouse = balance(session, d.warehouse_id)
    sign_in(web, "coordinator")
    form = form_of(web, f"/web/plans/{plan_id}")
    answer = web.post(f"/web/plans/routes/{route_plan_id}/dispatch", data=form)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith(f"/web/plans/{plan_id}?done=dispatched")
    session.expire_all()
    assert dispatch.get_routes(session, route_plan_id).status == "approved"
    manifests = list(dispatch.list_manifests(session, route_plan_id))
    first = [t for t in routes.trips if t.wave == 1]  # later waves go on their day
    assert sorted(m.trip_id for m in manifests) == sorted(t.id for t in first)
    assert {m.status for m in manifests} == {"in_transit"}
    assert {m.dispatched_by for m in manifests} == {"coordinator"}
    carried = sum(c.quantity for t in first for s in t.stops for c in s.lines)
    transit = manifests[0].transit_depot_id
    assert balance(session, transit) == carried
    from_warehouse = sum(
        c.quantity
        for t in first
        if t.source_depot_id == d.warehouse_id
        for s in t.stops
        for c in s.lines
    )
    assert balance(session, d.warehouse_id) == warehouse - from_warehouse
    kinds = session.execute(
        select(col(Movement.kind)).where(col(Movement.action_id) == manifests[0].dispatch_action_id)
    ).scalars()
    assert set(kinds) == {"dispatch"}
    page = web.get(f"/web/plans/{plan_id}").text
    for m in manifests:
        assert f"#{m.id}" in page
    assert f'/web/plans/routes/{route_plan_id}/dispatch"' not in page  # nothing left to send

    before = snapshot(session)
    again = web.post(f"/web/plans/routes/{route_plan_id}/dispatch", data=form)  # replay
    assert again.status_code == 303
    fresh = {"csrf": form["csrf"], "once": "a-new-form"}
    refused = web.post(f"/web/plans/routes/{route_plan_id}/dispatch", data=fresh)
    assert refused.status_code == 409
    assert "已批准并发运" in refused.text
    assert snapshot(session) == before
    assert session.execute(select(Manifest)).scalars().all()

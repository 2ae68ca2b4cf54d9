"""Pages show personal data by need, log every page that shows it, and the access log is a
tab of the ledger page for auditors and administrators."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.api.personal_world import World, build_world, log_rows
from tests.web.conftest import sign_in

ELDERLY = "65 岁以上老人"  # the label of the first vulnerable group, in Chinese


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def test_the_depot_page_shows_a_community_worker_their_communitys_groups_and_logs_it(
    web: TestClient, session: Session, world: World
) -> None:
    sign_in(web, "community_worker")
    page = web.get("/web/depot")
    assert page.status_code == 200
    assert "东湖社区" in page.text
    assert ELDERLY in page.text
    assert "每次查看均有记录" in page.text
    (row,) = log_rows(session)
    assert (row.username, row.role, row.kind, row.route) == (
        "community_worker",
        "community_worker",
        "community_groups",
        "GET /web/depot",
    )
    assert json.loads(row.record_ids) == [world.d.community_ids[0]]


def test_the_depot_page_shows_a_depot_manager_the_population_only(
    web: TestClient, session: Session, world: World
) -> None:
    sign_in(web, "depot_manager")
    page = web.get(f"/web/depot?depot_id={world.d.depot_a_id}")
    assert page.status_code == 200
    assert "东湖社区" in page.text
    assert "5,000" in page.text  # the population
    assert ELDERLY not in page.text
    assert log_rows(session) == []


def test_the_district_page_shows_the_coordinator_each_communitys_groups_and_logs_it(
    web: TestClient, session: Session, world: World
) -> None:
    sign_in(web, "coordinator")
    page = web.get("/web/district")
    assert page.status_code == 200
    assert 'id="communities"' in page.text
    assert page.text.count('<td class="num">800</td>') == 2
    (row,) = log_rows(session)
    assert (row.username, row.kind, row.route) == (
        "coordinator",
        "community_groups",
        "GET /web/district",
    )
    assert json.loads(row.record_ids) == sorted(world.d.community_ids)


def test_the_supplier_page_shows_procurement_the_contact_and_logs_it(
    web: TestClient, session: Session, world: World
) -> None:
    sign_in(web, "procurement")
    page = web.get(f"/web/suppliers/{world.agreed_id}")
    assert page.status_code == 200
    assert "Li Wei" in page.text
    assert 'href="tel:+862755550100"' in page.text
    assert "mailto:sales0@example.cn" in page.text
    (row,) = log_rows(session)
    assert (row.username, row.kind, row.route, json.loads(row.record_ids)) == (
        "procurement",
        "supplier_contacts",
        "GET /web/suppliers/{supplier_id}",
        [world.agreed_id],
    )


def test_a_page_refused_to_a_role_shows_and_logs_nothing(
    web: TestClient, session: Session, world: World
) -> None:
    sign_in(web, "coordinator")
    page = web.get(f"/web/suppliers/{world.agreed_id}")
    assert page.status_code == 403
    assert "Li Wei" not in page.text
    assert log_rows(session) == []


def test_the_access_log_is_a_tab_of_the_ledger_page_for_auditors(
    web: TestClient, session: Session, world: World
) -> None:
    sign_in(web, "coordinator")
    assert web.get("/web/district").status_code == 200
    web.cookies.clear()
    sign_in(web, "auditor")
    ledger = web.get("/web/audit")
    assert 'href="/web/audit/access-log"' in ledger.text
    page = web.get("/web/audit/access-log")
    assert page.status_code == 200
    assert "个人信息查看记录" in page.text
    assert "<strong>coordinator</strong>" in page.text
    assert "GET /web/district" in page.text
    assert "社区弱势群体人数" in page.text
    assert 'name="viewport"' in page.text  # laid out for a phone like every page
    only = web.get("/web/audit/access-log?kind=supplier_contacts")
    assert "GET /web/district" not in only.text
    assert "没有符合条件的个人信息查看记录" in only.text
    bad = web.get("/web/audit/access-log?since=yesterday")
    assert bad.status_code == 422
    assert "日期格式为 年-月-日" in bad.text


def test_the_access_log_page_is_refused_to_other_roles(web: TestClient, world: World) -> None:
    sign_in(web, "depot_manager")
    assert 'href="/web/audit/access-log"' not in web.get("/web/audit").text
    assert web.get("/web/audit/access-log").status_code == 403

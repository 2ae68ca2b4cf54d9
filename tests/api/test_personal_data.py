"""Personal data by need: which role is shown a community's vulnerable groups and a
supplier's contact person, the log of every answer that showed them, and who reads it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from accounts import service as users
from accounts.models import AccessLog
from api.app import create_app
from api.security import personal
from core.clock import utcnow
from core.db import session_scope
from core.settings import Settings, get_settings
from tests.api.personal_world import (
    PEOPLE,
    World,
    build_world,
    contacts_shown_to,
    groups_shown_to,
    log_rows,
)
from tests.api.test_auth import token_for

GROUPS = ("elderly_65_plus", "children_under_5", "people_with_disabilities", "chronically_ill")
CONTACTS = ("contact_name", "contact_phone", "contact_email")


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


# --- who is shown what --------------------------------------------------------------------


def test_each_role_sees_vulnerable_groups_only_of_the_communities_its_work_needs(
    anonymous_client: TestClient, world: World
) -> None:
    for username in PEOPLE:
        headers = token_for(anonymous_client, username)
        answer = anonymous_client.get("/communities", headers=headers)
        assert answer.status_code == 200, answer.text
        rows = {c["id"]: c for c in answer.json()}
        assert set(rows) == {*world.d.community_ids, *world.x.community_ids}
        shown = groups_shown_to(username, world)
        for community_id, row in rows.items():
            assert row["population"] >= 5000  # the aggregate every role plans with
            groups = [row[g] for g in GROUPS]
            if community_id in shown:
                assert groups == [800, 250, 300, 700], (username, community_id)
            else:
                assert groups == [None] * 4, (username, community_id)


def test_each_role_sees_supplier_contacts_only_where_its_work_needs_them(
    anonymous_client: TestClient, world: World
) -> None:
    for username in PEOPLE:
        headers = token_for(anonymous_client, username)
        listed = anonymous_client.get("/suppliers", headers=headers)
        assert listed.status_code == 200, listed.text
        shown = contacts_shown_to(username, world)
        one_by_one = [
            anonymous_client.get(f"/suppliers/{s}", headers=headers).json()
            for s in (world.agreed_id, world.elsewhere_id)
        ]
        for row in [*listed.json(), *one_by_one]:
            assert row["legal_name"].startswith("Hexi Medical Supplies")
            contact = [row[f] for f in CONTACTS]
            if row["id"] in shown:
                assert contact[:2] == ["Li Wei", "+86 27 5555 0100"], (username, row["id"])
                assert contact[2].endswith("@example.cn")
            else:
                assert contact == [None] * 3, (username, row["id"])


def test_the_rule_decides_one_record_as_it_decides_a_list(session: Session, world: World) -> None:
    who_is = {u.username: u for u in users.list_users(session)}
    community, supplier = world.d.community_ids[1], world.agreed_id
    for username in PEOPLE:
        who = users.principal_of(session, who_is[username])
        groups = personal.may_read_personal(session, who, "community_groups", community)
        contacts = personal.may_read_personal(session, who, "supplier_contacts", supplier)
        assert groups == (community in groups_shown_to(username, world)), username
        assert contacts == (supplier in contacts_shown_to(username, world)), username


def test_the_openapi_document_says_the_personal_fields_may_be_null(
    anonymous_client: TestClient,
) -> None:
    components = anonymous_client.get("/openapi.json").json()["components"]["schemas"]
    for schema, fields in (("CommunityPublic", GROUPS), ("SupplierPublic", CONTACTS)):
        for name in fields:
            field = components[schema]["properties"][name]
            assert {"type": "null"} in field["anyOf"], (schema, name)
            assert "logged" in field["description"]
    assert "AccessLogPage" in components


# --- the log of what was shown ------------------------------------------------------------


def test_a_permitted_read_is_logged_with_who_when_what_which_route_and_where(
    anonymous_client: TestClient, session: Session, world: World
) -> None:
    before = utcnow()
    coordinator = token_for(anonymous_client, "coordinator")
    assert anonymous_client.get("/communities", headers=coordinator).status_code == 200
    procurement = token_for(anonymous_client, "procurement")
    answer = anonymous_client.get(f"/suppliers/{world.agreed_id}", headers=procurement)
    assert answer.status_code == 200

    groups, contacts = log_rows(session)
    assert (groups.username, groups.role, groups.kind) == (
        "coordinator",
        "coordinator",
        "community_groups",
    )
    assert json.loads(groups.record_ids) == sorted(world.d.community_ids)
    assert groups.route == "GET /communities"
    assert groups.client == "testclient"
    assert before - timedelta(seconds=1) <= groups.at <= utcnow()
    assert (contacts.username, contacts.role, contacts.kind) == (
        "procurement",
        "procurement",
        "supplier_contacts",
    )
    assert json.loads(contacts.record_ids) == [world.agreed_id]
    assert contacts.route == "GET /suppliers/{supplier_id}"


def test_an_answer_without_personal_data_is_not_logged(
    anonymous_client: TestClient, session: Session, world: World
) -> None:
    for username in ("depot_manager", "auditor", "procurement"):
        headers = token_for(anonymous_client, username)
        assert anonymous_client.get("/communities", headers=headers).status_code == 200
    for username in ("depot_manager", "auditor", "community_worker"):
        headers = token_for(anonymous_client, username)
        assert anonymous_client.get("/suppliers", headers=headers).status_code == 200
    # another district's communities, a supplier without an agreement in one's district
    coordinator = token_for(anonymous_client, "coordinator")
    path = f"/communities?district_id={world.x.district_id}"
    assert anonymous_client.get(path, headers=coordinator).status_code == 200
    path = f"/suppliers/{world.elsewhere_id}"
    assert anonymous_client.get(path, headers=coordinator).status_code == 200
    # refused outright
    refused = anonymous_client.post(
        "/communities",
        json={
            "district_id": world.x.district_id,
            "code": "NEW",
            "name_zh": "新",
            "name_en": "New",
            "population": 10,
            "elderly_65_plus": 1,
            "latitude": 30.5,
            "longitude": 114.3,
        },
        headers=coordinator,
    )
    assert refused.status_code == 403
    assert log_rows(session) == []


def test_a_write_that_answers_with_personal_data_logs_it_in_its_own_transaction(
    anonymous_client: TestClient, session: Session, world: World
) -> None:
    body = {
        "district_id": world.d.district_id,
        "code": "C9",
        "name_zh": "南湖社区",
        "name_en": "Nanhu",
        "population": 1200,
        "elderly_65_plus": 200,
        "latitude": 30.5,
        "longitude": 114.3,
    }
    headers = token_for(anonymous_client, "coordinator") | {"Idempotency-Key": "c9"}
    made = anonymous_client.post("/communities", json=body, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["elderly_65_plus"] == 200
    (row,) = log_rows(session)
    assert (row.kind, row.route, json.loads(row.record_ids)) == (
        "community_groups",
        "POST /communities",
        [made.json()["id"]],
    )
    # a refused write rolls back with its log row: a duplicate code
    again = anonymous_client.post(
        "/communities", json=body, headers=token_for(anonymous_client, "coordinator")
    )
    assert again.status_code == 409
    assert len(log_rows(session)) == 1


def test_a_read_is_logged_and_committed_outside_the_read_only_transaction(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    """The served app as in production (no test session): a GET's transaction may not
    write, so its log row is committed by a short unit of work of its own."""
    with session_scope(fresh_engine) as session:
        world = build_world(session)
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url="sqlite://",
        token_secret=SecretStr("test-secret-" + "x" * 40),
    )
    with TestClient(create_app(settings, fresh_engine)) as client:
        worker = token_for(client, "community_worker")
        answer = client.get("/communities", headers=worker)
        assert answer.status_code == 200
        assert answer.json()[0]["elderly_65_plus"] == 800
    with Session(fresh_engine) as session:
        (row,) = log_rows(session)
    assert (row.username, row.kind, json.loads(row.record_ids)) == (
        "community_worker",
        "community_groups",
        [world.d.community_ids[0]],
    )


# --- reading the log ----------------------------------------------------------------------


@pytest.mark.parametrize("username", PEOPLE)
def test_the_access_log_is_read_by_admins_and_auditors_only(
    anonymous_client: TestClient, world: World, username: str
) -> None:
    answer = anonymous_client.get("/access-log", headers=token_for(anonymous_client, username))
    assert answer.status_code == (200 if username in ("admin", "auditor") else 403), answer.text


def test_the_access_log_filters_by_user_kind_and_time_and_pages_on(
    anonymous_client: TestClient, session: Session, world: World
) -> None:
    coordinator = token_for(anonymous_client, "coordinator")
    for _ in range(3):
        assert anonymous_client.get("/communities", headers=coordinator).status_code == 200
    assert anonymous_client.get("/suppliers", headers=coordinator).status_code == 200
    procurement = token_for(anonymous_client, "procurement")
    assert anonymous_client.get("/suppliers", headers=procurement).status_code == 200
    auditor = token_for(anonymous_client, "auditor")

    def read(**query: Any) -> Any:
        answer = anonymous_client.get("/access-log", params=query, headers=auditor)
        assert answer.status_code == 200, answer.text
        return answer.json()

    everything = read()
    assert len(everything["entries"]) == 5
    assert everything["next_before_id"] is None
    ids = [e["id"] for e in everything["entries"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    assert {e["username"] for e in read(user="procurement")["entries"]} == {"procurement"}
    groups = read(kind="community_groups")["entries"]
    assert len(groups) == 3
    assert {e["kind"] for e in groups} == {"community_groups"}
    assert read(since=(utcnow() + timedelta(minutes=1)).isoformat())["entries"] == []
    first = read(limit=2)
    assert len(first["entries"]) == 2
    assert first["next_before_id"] == ids[1]
    second = read(limit=2, before_id=first["next_before_id"])
    assert [e["id"] for e in second["entries"]] == ids[2:4]
    refused = anonymous_client.get(
        "/access-log", params={"since": "2026-01-01T00:00:00"}, headers=auditor
    )
    assert refused.status_code == 422  # a time without a zone
    assert anonymous_client.get("/access-log?since=0.5", headers=auditor).status_code == 422
    assert anonymous_client.get("/access-log?kind=names", headers=auditor).status_code == 422


def test_the_command_line_prints_the_access_log(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from api.cli import app as cli

    with session_scope(fresh_engine) as session:
        session.add(
            AccessLog(
                username="zhang",
                role="coordinator",
                kind="community_groups",
                record_ids="[3, 4]",
                route="GET /communities",
                client="10.0.0.7",
            )
        )
    monkeypatch.setenv("RELIEF_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        shown = runner.invoke(cli, ["access-log", "--kind", "community_groups"])
        assert shown.exit_code == 0, shown.output
        assert "zhang (coordinator)  community_groups [3,4]  GET /communities" in shown.output
        assert "from 10.0.0.7" in shown.output
        lines = runner.invoke(cli, ["access-log", "--user", "zhang", "--json"])
        assert json.loads(lines.output.splitlines()[0])["record_ids"] == [3, 4]
        nobody = runner.invoke(cli, ["access-log", "--user", "li"])
        assert "no reads of personal data match" in nobody.output
        assert runner.invoke(cli, ["access-log", "--kind", "names"]).exit_code == 2
    finally:
        get_settings.cache_clear()

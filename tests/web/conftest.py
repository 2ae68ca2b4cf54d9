"""Fixtures for the page tests: the app over HTTPS (the cookies are Secure), one user per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from accounts import service as users
from core.settings import Settings
from tests.conftest import _app
from tests.inventory.factories import Small, small_district

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@pytest.fixture
def d(session: Session) -> Small:
    return small_district(session)


@pytest.fixture
def people(session: Session, d: Small) -> dict[str, str]:
    """One user per role; the depot manager runs depot A, the coordinator the district."""
    scopes: dict[str, dict[str, Any]] = {
        "depot_manager": {"depot_ids": [d.depot_a_id]},
        "coordinator": {"district_id": d.district_id},
        "procurement": {},
        "auditor": {},
        "admin": {},
    }
    for role, scope in scopes.items():
        users.create_user(session, username=role, password=PASSWORD, role=role, **scope)
    return {role: role for role in scopes}


@pytest.fixture
def web(session: Session, engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """A browser-like client: HTTPS, cookies kept, redirects not followed."""
    app = _app(session, engine, settings)
    with TestClient(
        app, base_url="https://testserver", raise_server_exceptions=True, follow_redirects=False
    ) as client:
        yield client


def csrf_of(client: TestClient, page: str = "/web/sign-in") -> str:
    """The CSRF token of the client's browser, read from a page's form."""
    found = CSRF.search(client.get(page).text)
    assert found, f"no CSRF token on {page}"
    return found.group(1)


def sign_in(client: TestClient, username: str) -> None:
    token = csrf_of(client)
    answer = client.post(
        "/web/sign-in", data={"username": username, "password": PASSWORD, "csrf": token}
    )
    assert answer.status_code == 303, answer.text


def post(client: TestClient, path: str, data: dict[str, Any], page: str = "/web/audit") -> Any:
    """Submit a form the way the browser does, with the CSRF token of a page."""
    return client.post(path, data={**data, "csrf": csrf_of(client, page)})

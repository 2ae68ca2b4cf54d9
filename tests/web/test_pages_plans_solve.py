"""Routes computed from the plan page solve with no transaction open, once per form shown."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from core.settings import Settings
from dispatch import planning, routes
from dispatch import service as dispatch
from tests.inventory.factories import Small
from tests.plans.helpers import district_with_history
from tests.web.conftest import csrf_of, sign_in
from tests.web.flows import approved_plan, fast_settings

ONCE = re.compile(r'name="once" value="([^"]+)"')


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return fast_settings(tmp_path)


@pytest.fixture
def d(session: Session) -> Small:
    return district_with_history(session)


@pytest.fixture
def solves(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each routing solve, counted."""
    calls: list[int] = []
    real = planning.route_waves  # the function `routes` calls by that name

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(routes, "route_waves", counted)
    return calls


def test_a_routes_form_sent_twice_solves_and_stores_once(
    web: TestClient, session: Session, d: Small, people: dict[str, str], solves: list[int]
) -> None:
    plan_id = approved_plan(session, d)
    sign_in(web, "coordinator")
    page = f"/web/plans/{plan_id}"
    key = ONCE.search(web.get(page).text)
    assert key
    form = {"csrf": csrf_of(web, page), "once": key.group(1), "delay_h": "1"}
    first = web.post(f"/web/plans/{plan_id}/routes", data=form)
    again = web.post(f"/web/plans/{plan_id}/routes", data=form)
    assert first.status_code == again.status_code == 303, first.text
    assert again.headers["location"] == first.headers["location"]
    [row] = dispatch.list_routes(session, plan_id)
    assert first.headers["location"] == f"/web/plans/{plan_id}?done=routed#routes-{row.id}"
    assert len(solves) == 1
    other = web.post(f"/web/plans/{plan_id}/routes", data={**form, "delay_h": "2"})
    assert other.status_code == 409  # the same key with other values: refused on the page
    assert f'action="/web/plans/{plan_id}/routes"' in other.text  # the plan page, redrawn
    assert len(solves) == 1
    assert len(dispatch.list_routes(session, plan_id)) == 1

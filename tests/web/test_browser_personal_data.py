"""In a real headless Chromium, on a phone: a community worker sees their community's
vulnerable groups on their depot page, and an auditor finds that view on the access log tab
of the ledger page; axe-core finds no serious violation and nothing is wider than the screen.

Needs `scripts/browser-deps.sh` (skipped without Chromium, failing in CI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session

from core.settings import Settings
from tests.api.personal_world import World, build_world
from tests.serve import served
from tests.web.test_browser import _axe, _sign_in, browser

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, imported for this module's tests

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def personal_site(tmp_path: Path) -> Iterator[tuple[str, World]]:
    import migrations
    from core.db import make_engine

    url = f"sqlite:///{tmp_path / 'personal.db'}"
    migrations.upgrade(url)
    engine: Engine = make_engine(url)
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=url,
        token_secret=SecretStr("e2e-secret-" + "x" * 40),
    )
    with Session(engine) as session, session.begin():
        world = build_world(session)
    with served(engine, settings) as base:
        yield base, world
    engine.dispose()


def _fits(page: Any) -> bool:
    width: int = page.evaluate("() => document.documentElement.scrollWidth")
    return width <= PHONE["width"]


def test_an_auditor_reads_on_a_phone_who_saw_a_communitys_groups(
    browser: Any, personal_site: tuple[str, World], tmp_path: Path
) -> None:
    base, _ = personal_site
    worker = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = worker.new_page()
    _sign_in(page, base, "community_worker")
    assert page.url.endswith("/web/depot")
    assert "65 岁以上老人" in page.inner_text("main")
    assert _axe(page) == []
    assert _fits(page)
    worker.close()

    auditor = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = auditor.new_page()
    _sign_in(page, base, "auditor")
    assert page.url.endswith("/web/audit")
    page.get_by_role("link", name="个人信息查看记录").click()
    page.wait_for_load_state()
    assert page.url.endswith("/web/audit/access-log")
    page.select_option("#f-kind", "community_groups")
    page.click("button.primary")
    page.wait_for_load_state()
    entry = page.locator("ol.log > li").first
    assert "community_worker" in entry.inner_text()
    assert "GET /web/depot" in entry.inner_text()
    assert _axe(page) == []
    assert _fits(page)
    page.screenshot(path=str(tmp_path / "access-log.png"), full_page=True)
    auditor.close()

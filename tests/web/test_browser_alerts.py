"""In a real headless Chromium: a coordinator reads the district's alerts on a phone and
acknowledges one; the database records it and axe-core finds no serious violation.

Needs `scripts/browser-deps.sh` (skipped without Chromium, failing in CI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session

from accounts import service as users
from core.settings import Settings
from tests.alerts.helpers import Troubled, stored, troubled_district
from tests.serve import served
from tests.web.conftest import PASSWORD
from tests.web.test_browser import _axe, _sign_in, browser

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, imported for this module's tests


@pytest.fixture
def alert_site(tmp_path: Path) -> Iterator[tuple[str, Engine, Troubled]]:
    import migrations
    from core.db import make_engine

    url = f"sqlite:///{tmp_path / 'alerts.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=url,
        token_secret=SecretStr("e2e-secret-" + "x" * 40),
    )
    with Session(engine) as session, session.begin():
        t = troubled_district(session, settings.data_dir / "documents")
        users.create_user(
            session,
            username="coordinator",
            password=PASSWORD,
            role="coordinator",
            district_id=t.d.district_id,
        )
    with served(engine, settings) as base:
        yield base, engine, t
    engine.dispose()


def test_a_coordinator_acknowledges_an_alert_on_a_phone(
    browser: Any, alert_site: tuple[str, Engine, Troubled], tmp_path: Path
) -> None:
    base, engine, t = alert_site
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    _sign_in(page, base, "coordinator")
    page.goto(f"{base}/web/district#alerts")
    key = f"agreement_unchecked:contract={t.contract_id}"
    row = page.locator(f'tr[data-key="{key}"]')
    assert "never spot-checked" in row.inner_text()
    assert row.get_by_role("link").get_attribute("href") == f"/web/suppliers/{t.supplier_id}"
    assert _axe(page) == []
    page.screenshot(path=str(tmp_path / "district-alerts.png"), full_page=True)

    row.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state()
    assert page.url.endswith("/web/district#alerts")
    assert "coordinator" in page.locator(f'tr[data-key="{key}"]').inner_text()
    with Session(engine) as session:
        acknowledged = {r.key: r.acknowledged_by for r in stored(session, t.d.district_id)}
    assert acknowledged[key] == "coordinator"
    assert sum(1 for who in acknowledged.values() if who) == 1
    context.close()

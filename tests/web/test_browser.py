"""End to end in a real headless Chromium (Debian's `chromium`, driven by Playwright):
each role signs in and does its main task through the pages; the database is checked and
axe-core must find no serious or critical accessibility violation.

Needs `scripts/browser-deps.sh`. Without Chromium these tests skip, except in CI
(`CI=true`) where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from api.security import service as users
from core.settings import Settings
from inventory import schemas
from inventory import service as inventory
from ledger import keys
from ledger import service as ledger
from tests.inventory.factories import Small, small_district
from tests.serve import served
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("RELIEF_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM}"
    if not AXE.exists():
        return f"axe-core not installed ({AXE.name} missing under tests/web/node_modules)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = _missing()
    if problem is not None:
        message = problem + "; run scripts/browser-deps.sh"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (required in CI)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Engine, Small]]:
    """The app on a free loopback port over a fresh SQLite database with one user per role."""
    import migrations
    from core.db import make_engine

    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    from pydantic import SecretStr

    settings = Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=url,
        token_secret=SecretStr("e2e-secret-" + "x" * 40),
    )
    with Session(engine) as session, session.begin():
        d = small_district(session)
        inventory.receive(
            session,
            schemas.ReceiptCreate(
                depot_id=d.depot_a_id, item_id=d.tent_id, lot_number="T-0", quantity=12
            ),
            actor="seed",
        )
        users.create_user(
            session,
            username="manager",
            password=PASSWORD,
            role="depot_manager",
            depot_ids=[d.depot_a_id],
        )
        users.create_user(session, username="auditor", password=PASSWORD, role="auditor")
        signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
        ledger.append(session, signer, kind="test.seed", actor="seed", payload={"n": 1})
    with served(engine, settings) as base:
        yield base, engine, d
    engine.dispose()


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/web/sign-in")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state()


def _axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_a_depot_manager_records_a_receipt_on_a_phone(
    browser: Any, site: Any, tmp_path: Path
) -> None:
    base, engine, d = site
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, base, "manager")
    assert page.url.endswith("/web/depot")
    page.screenshot(path=str(tmp_path / "depot-stock.png"), full_page=True)
    assert _axe(page) == []
    page.goto(f"{base}/web/depot/{d.depot_a_id}/move?kind=receipt")
    page.select_option("#f-item_id", str(d.water_id))
    page.fill("#f-quantity", "30")
    page.fill("#f-lot_number", "W-E2E")
    page.click("button.primary")  # no expiry date: refused on the page
    assert page.locator("[role=alert]").count() == 1
    page.screenshot(path=str(tmp_path / "receipt-refused.png"), full_page=True)
    assert _axe(page) == []
    page.fill("#f-expiry_date", "2031-05-01")
    page.click("button.primary")
    page.wait_for_url(f"{base}/web/depot?depot_id={d.depot_a_id}&done=receipt")
    assert "W-E2E" in page.content()
    page.screenshot(path=str(tmp_path / "receipt-done.png"), full_page=True)
    with Session(engine) as session:
        lots = {
            b.lot_number: b.quantity
            for b in inventory.list_balances(session, depot_ids=[d.depot_a_id])
        }
    assert lots == {"T-0": 12, "W-E2E": 30}
    context.close()


def test_an_auditor_looks_up_an_entry_and_downloads_the_export(
    browser: Any, site: Any, tmp_path: Path
) -> None:
    base, _, _ = site
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    _sign_in(page, base, "auditor")
    assert page.url.endswith("/web/audit")
    page.fill("#f-seq", "0")
    page.click("form.card button.primary")
    page.wait_for_load_state()
    assert "Inclusion proof" in page.content()
    assert "test.seed" in page.content()
    page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)
    assert _axe(page) == []
    with page.expect_download() as download:
        page.click("text=Download the export")
    saved = tmp_path / "ledger.jsonl"
    download.value.save_as(saved)
    assert saved.read_bytes().count(b"\n") >= 2
    context.close()

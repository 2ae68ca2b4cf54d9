"""End to end in a real headless Chromium (Debian's `chromium`, driven by Playwright):
each role signs in and does its main task through the pages; the database is checked and
axe-core must find no serious or critical accessibility violation.

Needs `scripts/browser-deps.sh`. Without Chromium these tests skip, except in CI
(`CI=true`) where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from accounts import service as users
from core.clock import utcnow
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
    # Evaluated rather than added as a <script>: the pages' policy refuses inline script.
    page.evaluate(AXE.read_text())
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


# --- plans, dispatch, receipt and spot checks ----------------------------------------------


@pytest.fixture
def planning_site(tmp_path: Path) -> Iterator[tuple[str, Engine, Small, Settings]]:
    """The app over a fresh SQLite database: a district with a month of history, a
    coordinator, the manager of depot A, a procurement officer and a supplier with an
    agreement reserve. Solver time limits are small."""
    import migrations
    from core.db import make_engine
    from tests.plans.helpers import district_with_history
    from tests.web.flows import fast_settings, supplier_with_reserve

    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    settings = fast_settings(tmp_path).model_copy(update={"database_url": url})
    with Session(engine) as session, session.begin():
        d = district_with_history(session)
        supplier_with_reserve(session, d)
        for username, role, scope in (
            ("coordinator", "coordinator", {"district_id": d.district_id}),
            ("manager", "depot_manager", {"depot_ids": [d.depot_a_id]}),
            ("buyer", "procurement", {}),
        ):
            users.create_user(session, username=username, password=PASSWORD, role=role, **scope)
    with served(engine, settings) as base:
        yield base, engine, d, settings
    engine.dispose()


def test_a_coordinator_approves_routes_and_dispatches_a_plan(
    browser: Any, planning_site: Any, tmp_path: Path
) -> None:
    from dispatch import service as dispatch
    from plans import service as plans
    from tests.web.flows import balance, draft_plan, fleet

    base, engine, d, _ = planning_site
    with Session(engine) as session, session.begin():
        plan_id = draft_plan(session, d)
        fleet(session, d)
        warehouse = balance(session, d.warehouse_id)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, base, "coordinator")
    page.goto(f"{base}/web/plans")
    page.click(f'a[href="/web/plans/{plan_id}"]')
    page.wait_for_url(f"{base}/web/plans/{plan_id}")
    assert "东湖社区" in page.content()
    assert _axe(page) == []
    page.screenshot(path=str(tmp_path / "plan-draft.png"), full_page=True)
    page.click(f'form[action="/web/plans/{plan_id}/approve"] button')
    page.wait_for_url(f"{base}/web/plans/{plan_id}?done=approved#routes")
    page.fill("#f-delay_h", "1")
    page.click(f'form[action="/web/plans/{plan_id}/routes"] button')
    page.wait_for_url(re.compile(r".*done=routed.*"))
    assert page.locator("svg polyline").count() >= 1
    assert page.locator("ol.stops > li").count() >= 2
    assert _axe(page) == []
    page.screenshot(path=str(tmp_path / "plan-routes.png"), full_page=True)
    page.click('form[action$="/dispatch"] button')
    page.wait_for_url(re.compile(r".*done=dispatched.*"))
    assert page.locator("[role=status]").count() == 1
    assert _axe(page) == []
    page.screenshot(path=str(tmp_path / "plan-dispatched.png"), full_page=True)
    assert "每一件已分配的物资都有去向" in page.content()  # the balance adds up
    with Session(engine) as session:
        assert plans.get_plan(session, plan_id).status == "approved"
        [routes] = dispatch.list_routes(session, plan_id)
        assert (routes.status, routes.approved_by) == ("approved", "coordinator")
        manifests = dispatch.list_manifests(session, routes.id or 0)
        trips = dispatch.routes_public(session, routes).trips
        first = [t for t in trips if t.wave == 1]
        assert len(manifests) == len(first) > 0  # the first wave goes on approval
        assert {m.status for m in manifests} == {"in_transit"}
        carried = sum(c.quantity for t in first for s in t.stops for c in s.lines)
        assert balance(session, manifests[0].transit_depot_id) == carried
        assert balance(session, d.warehouse_id) < warehouse
        later = sorted({t.wave for t in trips} - {1})
    assert later, "ten days of flood demand make more than one wave"
    page.click(f'form[action$="/waves/{later[0]}"] button')
    page.wait_for_url(re.compile(r".*done=wave.*"))
    assert _axe(page) == []
    with Session(engine) as session:
        sent = dispatch.list_manifests(session, routes.id or 0)
        assert len(sent) == len([t for t in trips if t.wave in (1, later[0])])
    context.close()


def test_a_depot_manager_confirms_a_dispatch_on_a_phone(
    browser: Any, planning_site: Any, tmp_path: Path
) -> None:
    from dispatch.models import ManifestLine
    from tests.web.flows import balance, dispatched, lines_to

    base, engine, d, settings = planning_site
    with Session(engine) as session, session.begin():
        sent = dispatched(session, d, settings)
        manifest = next(m for m in sent if len(lines_to(session, m, d.depot_a_id)) >= 2)
        lines = [x.id for x in lines_to(session, manifest, d.depot_a_id)]
        quantities = {x.id: x.quantity for x in lines_to(session, manifest, d.depot_a_id)}
        at_a = balance(session, d.depot_a_id)
        in_transit = balance(session, manifest.transit_depot_id)
        manifest_id, transit = manifest.id, manifest.transit_depot_id
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, base, "manager")
    page.goto(f"{base}/web/receipts")
    assert _axe(page) == []
    page.screenshot(path=str(tmp_path / "incoming.png"), full_page=True)
    page.click(f'a[href="/web/receipts/{manifest_id}/{d.depot_a_id}"]')
    page.wait_for_url(f"{base}/web/receipts/{manifest_id}/{d.depot_a_id}")
    short = lines[0]
    page.check(f'input[name="outcome-{short}"][value="short"]')
    page.fill(f"#f-quantity-{short}", str(quantities[short] - 4))
    page.click("button.primary")  # no reason given: refused, next to its line
    page.wait_for_load_state()
    assert page.locator("[role=alert]").count() == 1
    assert page.locator(f"#e-note-{short}").count() == 1
    assert _axe(page) == []
    page.screenshot(path=str(tmp_path / "receipt-refused.png"), full_page=True)
    with Session(engine) as session:
        assert balance(session, d.depot_a_id) == at_a  # nothing changed
    page.fill(f"#f-note-{short}", "四箱在途中丢失")
    page.click("button.primary")
    page.wait_for_url(f"{base}/web/receipts?done={manifest_id}")
    assert page.locator("[role=status]").count() == 1
    assert _axe(page) == []
    page.screenshot(path=str(tmp_path / "receipt-done.png"), full_page=True)
    with Session(engine) as session:
        got = {i: session.get_one(ManifestLine, i) for i in lines}
        assert got[short].outcome == "short"
        assert got[short].received_quantity == quantities[short] - 4
        assert got[short].note == "四箱在途中丢失"
        assert {got[i].outcome for i in lines[1:]} == {"received"}
        total = sum(quantities.values())
        assert balance(session, d.depot_a_id) == at_a + total - 4
        assert balance(session, transit) == in_transit - total
    context.close()


def test_procurement_records_a_spot_check_and_a_decision(
    browser: Any, planning_site: Any, tmp_path: Path
) -> None:
    from ledger import service as ledger
    from suppliers import service as suppliers

    base, engine, _, _ = planning_site
    with Session(engine) as session:
        [supplier] = suppliers.list_suppliers(session)
        [contract] = suppliers.list_contracts(session, supplier_id=supplier.id)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    _sign_in(page, base, "buyer")
    assert page.url.endswith("/web/suppliers")
    page.click(f'a[href="/web/suppliers/{supplier.id}"]')
    page.wait_for_url(f"{base}/web/suppliers/{supplier.id}")
    assert _axe(page) == []
    page.fill(f"#f-found-{contract.id}", "lots")  # not a number: refused
    page.click(f"#contract-{contract.id} button.primary")
    page.wait_for_load_state()
    assert page.locator(f"#e-found-{contract.id}").count() == 1
    assert _axe(page) == []
    page.fill(f"#f-found-{contract.id}", "4800")
    page.fill(f"#f-note-{contract.id}", "pallets counted in hall 2")
    page.click(f"#contract-{contract.id} button.primary")
    page.wait_for_url(re.compile(r".*done=spot-check.*"))
    assert "4,800" in page.content()
    page.select_option("#f-to_status", "under_review")
    page.fill("#f-reason", "licence received, reviewing")
    page.click("text=Record the decision")
    page.wait_for_url(re.compile(r".*done=decision.*"))
    assert _axe(page) == []
    page.screenshot(path=str(tmp_path / "supplier.png"), full_page=True)
    with Session(engine) as session:
        [check] = suppliers.list_spot_checks(session, contract.id or 0)
        assert (check.found, check.checked_by, check.note) == (
            4800,
            "buyer",
            "pallets counted in hall 2",
        )
        assert ledger.get_entry(session, check.ledger_seq).payload["found"] == 4800
        assert suppliers.get_supplier(session, supplier.id or 0).status == "under_review"
        [decision] = suppliers.decisions(session, supplier.id or 0)
        assert decision.decided_by == "buyer"
    context.close()


def test_a_community_worker_hands_out_and_confirms_a_supplier_delivery_on_a_phone(
    browser: Any, planning_site: Any, tmp_path: Path
) -> None:
    from dispatch import service as dispatch
    from tests.web.flows import draft_plan, qualified_reserve

    base, engine, d, settings = planning_site
    with Session(engine) as session, session.begin():
        from suppliers import service as suppliers

        [supplier] = suppliers.list_suppliers(session)
        qualified_reserve(session, d, settings, supplier.id)
        plan_id = draft_plan(session, d)
        signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
        dispatch.approve_plan(session, plan_id, signer, actor="coordinator", now=utcnow())
        first = dispatch.list_orders(session, plan_id=plan_id)[0]
        order = dispatch.order_public(first)  # plain data, for after the session
        depot_id = order.destination_depot_id
        users.create_user(
            session,
            username="wang.fang",
            password=PASSWORD,
            role="community_worker",
            community_id=order.community_id,
        )
        stock = max(
            inventory.list_balances(session, depot_ids=[depot_id]), key=lambda b: b.quantity
        )
        item_id, held = stock.item_id, stock.quantity
    assert held >= 3
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, base, "wang.fang")
    assert page.url.endswith("/web/depot")
    assert _axe(page) == []
    # hand out three tents to elderly residents (发放登记)
    page.goto(f"{base}/web/depot/{depot_id}/move?kind=receipt")
    page.click("a[href='?kind=distribution']")
    page.wait_for_url(re.compile(r".*kind=distribution"))
    page.select_option("#f-item_id", str(item_id))
    page.fill("#f-quantity", "3")
    page.select_option("#f-served_group", "elderly")
    page.click("button.primary")  # no persons given: refused on the page
    assert page.locator("#e-persons").count() == 1
    page.screenshot(path=str(tmp_path / "hand-out.png"), full_page=True)
    assert _axe(page) == []
    page.fill("#f-persons", "3")
    page.fill("#f-households", "2")
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*done=distribution"))
    assert "已保存：发放登记" in page.content()
    # confirm the supplier's delivery, 10 units rejected on quality
    page.goto(f"{base}/web/deliveries")
    assert "供应商送货" in page.content()
    assert _axe(page) == []
    page.click(f"a[href='/web/deliveries/{order.id}']")
    page.wait_for_url(f"{base}/web/deliveries/{order.id}")
    page.fill("#f-accepted_quantity", str(order.quantity - 10))
    page.fill("#f-rejected_quantity", "10")
    page.fill("#f-lot_number", "AG-E2E")
    page.fill("#f-expiry_date", "2031-05-01")
    page.screenshot(path=str(tmp_path / "delivery.png"), full_page=True)
    assert _axe(page) == []
    page.click("button.primary")
    page.wait_for_url(f"{base}/web/deliveries?done={order.id}")
    assert page.locator("[role=status]").count() == 1
    with Session(engine) as session:
        [given] = inventory.list_distributions(session, depot_ids=[depot_id])
        assert given.item_id == item_id
        issued = inventory.list_movements(session, action_id=given.action_id)
        assert [(m.kind, m.depot_id, m.quantity) for m in issued] == [("issue", depot_id, -3)]
        accepted = inventory.list_balances(session, depot_ids=[depot_id], item_id=order.item_id)
        assert {b.lot_number: b.quantity for b in accepted}["AG-E2E"] == order.quantity - 10
        assert (given.served_group, given.persons, given.households) == ("elderly", 3, 2)
        done = dispatch.get_order(session, order.id)
        assert (done.status, done.accepted_quantity, done.rejected_quantity) == (
            "delivered",
            order.quantity - 10,
            10,
        )
        assert done.confirmed_by == "wang.fang"
    context.close()

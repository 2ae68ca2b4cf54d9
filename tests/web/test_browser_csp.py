"""In a real headless Chromium, under the Content-Security-Policy the app sends: the main
pages report no violation, htmx still swaps the district map, the route sheet's inline
stylesheet applies by its hash, and the API documentation (Swagger UI and ReDoc, from our
own static files) renders the document under its policy, asking nothing of another host.

Needs `scripts/browser-deps.sh` (skipped without Chromium, failing in CI)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from tests.waits import WAIT_S
from tests.web.test_browser import _sign_in, browser, planning_site, site

pytestmark = pytest.mark.browser
WAIT_MS = WAIT_S * 1000
__all__ = ["browser", "planning_site", "site"]  # the fixtures, imported for this module's tests

# Runs in every document before its own scripts; the browser reports each refusal here.
WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolation(`${e.effectiveDirective} blocked ${e.blockedURI} in ${e.documentURI}`);
});
"""


def _watched(browser: Any, **options: Any) -> tuple[Any, list[str]]:
    """A browser context that collects every policy violation, from events and console."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    seen: list[str] = []

    def report(text: str) -> None:
        seen.append(text)

    def console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    context.expose_function("cspViolation", report)
    context.add_init_script(WATCH)

    context.on("console", console)
    return context, seen


def _settle(page: Any, until: Callable[[], bool] = lambda: False, seconds: float = 1.0) -> None:
    """Give late reports (events are delivered asynchronously) time to arrive."""
    deadline = time.monotonic() + seconds
    while not until() and time.monotonic() < deadline:
        page.wait_for_timeout(50)


def test_the_main_pages_run_under_the_policy_without_a_violation(
    browser: Any, planning_site: Any
) -> None:
    from tests.web.flows import routed

    base, engine, d, _ = planning_site
    with Session(engine) as session, session.begin():
        plan_id, _ = routed(session, d)
    context, seen = _watched(browser, locale="en-GB")
    page = context.new_page()

    # The watch works: an inline script is refused and reported.
    page.goto(f"{base}/web/sign-in")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.head.append(s); }"
    )
    _settle(page, until=lambda: bool(seen))
    assert page.evaluate("window.ran") is None
    assert seen
    assert "script-src" in seen[0]
    seen.clear()

    _sign_in(page, base, "coordinator")
    page.goto(f"{base}/web/district")
    assert page.locator("#map > svg circle").count() >= 1
    swatch = page.locator(".legend .swatch").first.bounding_box()
    assert swatch is not None
    assert swatch["width"] < 30  # a swatch, not a map-wide box
    chart = page.locator("figure.chart img").get_attribute("src")
    assert chart
    assert page.evaluate("document.querySelector('figure.chart img').naturalWidth") > 0

    # htmx swaps the map when another item is chosen (a request, then a new #map).
    page.evaluate("document.getElementById('map').dataset.before = 'yes'")
    options = page.locator("#f-item option").all()
    assert len(options) >= 2
    other = next(o.get_attribute("value") for o in options if o.get_attribute("selected") is None)
    with page.expect_response(lambda r: "/web/district/map" in r.url) as answer:
        page.select_option("#f-item", other)
    assert answer.value.status == 200
    page.wait_for_selector("#map:not([data-before])")
    assert page.locator("#map > svg").count() == 1

    page.goto(f"{base}/web/plans")
    page.goto(f"{base}/web/plans/{plan_id}")
    assert page.locator("figure.map > svg polyline").count() >= 1
    assert page.locator(".trip-swatch rect").count() >= 2
    sheet = page.locator("a[data-zone]").first.get_attribute("href")
    trip_map = page.locator("a[href$='/map.svg']").first.get_attribute("href")

    # The route sheet's inline stylesheet is allowed by its hash: its 1.5 cm margin applies.
    page.goto(f"{base}{sheet}")
    margin = page.evaluate("getComputedStyle(document.body).marginLeft")
    assert abs(float(margin.removesuffix("px")) - 56.69) < 1

    # Our SVG images opened on their own (the fan chart styles its shapes inline).
    page.goto(f"{base}{chart}")
    page.goto(f"{base}{trip_map}")

    _settle(page)
    assert seen == []
    context.close()


def test_the_api_documentation_renders_from_our_own_files(browser: Any, site: Any) -> None:
    base, _, _ = site
    context, seen = _watched(browser)
    elsewhere: list[str] = []

    def outside(route: Any) -> None:
        elsewhere.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(base), outside)
    page = context.new_page()
    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock", timeout=WAIT_MS)
    assert page.locator(".opblock").count() > 50  # every operation of the document
    page.goto(f"{base}/redoc")
    page.wait_for_selector("[data-section-id]", timeout=WAIT_MS)
    assert page.locator("[data-section-id]").count() > 50
    _settle(page)
    assert seen == []
    assert elsewhere == []
    context.close()

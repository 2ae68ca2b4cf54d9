"""Security headers on every answer (API, problems, pages, static files, redirects, errors),
HSTS only over HTTPS, the relaxed policies only where they are needed, and no template or
SVG builder that the Content-Security-Policy would refuse."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.routing import Mount

from api import headers
from api.docs import DOCS_URL, REDOC_URL
from api.headers import CONTENT_SECURITY_POLICY, DOCS_POLICIES, HSTS, SVG_POLICY
from core.settings import Settings
from dispatch.sheet import render_html
from tests.conftest import _app
from tests.dispatch.test_sheet import sheet
from tests.web.conftest import sign_in

WEB = Path(headers.__file__).resolve().parent / "web"
FIXED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _web_app(app: FastAPI) -> FastAPI:
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/web")
    assert isinstance(mount.app, FastAPI)
    return mount.app


@pytest.fixture
def app(session: Session, engine: Engine, settings: Settings) -> FastAPI:
    """The app with a few routes of the test's own: one that fails, one that sets a header."""
    app = _app(session, engine, settings)

    def fails() -> None:
        raise RuntimeError("a bug")

    def framed() -> Response:
        return Response("ok", headers={"X-Frame-Options": "SAMEORIGIN"})

    app.add_api_route("/test-fails", fails)
    app.add_api_route("/test-framed", framed)
    _web_app(app).add_api_route("/test-fails", fails)
    return app


@pytest.fixture
def plain(app: FastAPI) -> Iterator[TestClient]:
    """A client over plain HTTP that shows server errors as the answers they become."""
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


@pytest.fixture
def secure(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(
        app, base_url="https://testserver", raise_server_exceptions=False, follow_redirects=False
    ) as client:
        yield client


ANSWERS = [
    pytest.param("/health", 200, "application/json", id="api"),
    pytest.param("/no-such-thing", 404, "application/problem+json", id="problem"),
    pytest.param("/test-fails", 500, "application/problem+json", id="api-error"),
    pytest.param("/web/sign-in", 200, "text/html", id="page"),
    pytest.param("/web/test-fails", 500, "text/plain", id="page-error"),
    pytest.param("/web/static/app.css", 200, "text/css", id="static"),
    pytest.param("/web/static/htmx.min.js", 200, "text/javascript", id="script"),
    pytest.param("/web/district", 303, None, id="redirect"),
    pytest.param("/web/x%1b", 422, "application/problem+json", id="refused-address"),
]


@pytest.mark.parametrize(("path", "status", "media"), ANSWERS)
def test_every_answer_carries_the_security_headers(
    plain: TestClient, path: str, status: int, media: str | None
) -> None:
    answer = plain.get(path)
    assert answer.status_code == status
    if media:
        assert answer.headers["content-type"].startswith(media)
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    for name, value in FIXED.items():
        assert answer.headers.get_list(name) == [value]


def test_a_signed_in_page_carries_them_too(web: TestClient, people: dict[str, str]) -> None:
    sign_in(web, "coordinator")
    answer = web.get("/web/district")
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["strict-transport-security"] == HSTS


@pytest.mark.parametrize(("path", "status", "media"), ANSWERS)
def test_hsts_goes_only_over_https(
    plain: TestClient, secure: TestClient, path: str, status: int, media: str | None
) -> None:
    assert "strict-transport-security" not in plain.get(path).headers
    answer = secure.get(path)
    assert answer.status_code == status
    assert answer.headers.get_list("strict-transport-security") == [HSTS]


@pytest.mark.parametrize(("client", "hsts"), [("127.0.0.1", True), ("10.9.9.9", False)])
def test_hsts_follows_the_scheme_a_trusted_proxy_names(
    session: Session, engine: Engine, settings: Settings, client: str, hsts: bool
) -> None:
    behind = settings.model_copy(update={"trusted_proxies": ["127.0.0.1"]})
    app = _app(session, engine, behind)
    with TestClient(app, client=(client, 40000)) as browser:
        answer = browser.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert answer.status_code == 200
    assert ("strict-transport-security" in answer.headers) is hsts


def test_a_header_the_route_set_is_kept(plain: TestClient) -> None:
    answer = plain.get("/test-framed")
    assert answer.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_our_policy_runs_only_our_own_files() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["img-src"] == "'self' data:"
    assert re.fullmatch(r"'self' 'sha256-[A-Za-z0-9+/]+=*'", directives["style-src"])
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY


def test_the_route_sheet_stylesheet_is_allowed_by_its_hash() -> None:
    html = render_html(sheet())
    [style] = re.findall(r"<style>(.*?)</style>", html, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in CONTENT_SECURITY_POLICY


def test_an_svg_image_may_style_its_shapes_but_never_run_script() -> None:
    svg = headers.security_headers({"path": "/x.svg"}, "image/svg+xml")
    assert svg["Content-Security-Policy"] == SVG_POLICY
    assert "script-src 'self';" in SVG_POLICY
    assert "style-src 'self' 'unsafe-inline';" in SVG_POLICY
    html = headers.security_headers({"path": "/x.svg"}, "text/html; charset=utf-8")
    assert html["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_the_docs_policies_are_for_our_documentation_pages(app: FastAPI) -> None:
    assert set(DOCS_POLICIES) == {DOCS_URL, REDOC_URL}
    assert app.docs_url is None  # FastAPI's own pages load from a CDN
    assert app.redoc_url is None


@pytest.mark.parametrize("path", [DOCS_URL, REDOC_URL])
def test_the_docs_load_only_our_own_files_without_inline_script(
    plain: TestClient, path: str
) -> None:
    answer = plain.get(path)
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert policy == DOCS_POLICIES[path]
    assert "https://" not in policy
    assert answer.headers["x-frame-options"] == "DENY"
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["script-src"] == "'self'"
    assert "frame-ancestors 'none'" in policy
    assert re.search(r"<script\b(?![^>]*\bsrc=)", answer.text) is None  # no inline script
    scripts = re.findall(r'<script src="([^"]+)"', answer.text)
    styles = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', answer.text)
    assert scripts
    for url in scripts + styles:
        assert url.startswith("/web/static/docs/"), url
        served = plain.get(url)
        assert served.status_code == 200, url
        assert len(served.content) > 1000 or url.endswith("swagger-init.js"), url


def test_the_docs_relaxation_stays_on_the_docs(plain: TestClient) -> None:
    for path in ("/docs/", "/docsx", "/web/docs", "/openapi.json"):
        answer = plain.get(path)
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path


# --- what the pages are made of -------------------------------------------------------------

TEMPLATES = sorted((WEB / "templates").glob("*.html"))
BUILDERS = sorted(WEB.glob("*.py"))
REFUSED = {
    "an inline script": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>|<script\b[^>]*>[^<\s]"),
    "an event handler attribute": re.compile(r"<[^>]+\s(on[a-z]+)\s*=", re.IGNORECASE),
    "a style attribute": re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE),
    "a style element": re.compile(r"<style\b", re.IGNORECASE),
    "a javascript: address": re.compile(r"javascript:", re.IGNORECASE),
    "an htmx handler": re.compile(r"\shx-on\b|\shx-vars\b|js:", re.IGNORECASE),
}


def test_the_scan_finds_what_it_looks_for() -> None:
    samples = {
        "an inline script": "<script>alert(1)</script>",
        "an event handler attribute": '<button onclick="go()">',
        "a style attribute": '<span class="x" style="color: red">',
        "a style element": "<style>p {}</style>",
        "a javascript: address": '<a href="javascript:go()">',
        "an htmx handler": '<div hx-on:click="go()">',
    }
    for what, sample in samples.items():
        assert REFUSED[what].search(sample), what
    allowed = '<script src="/web/static/htmx.min.js" defer></script><svg><rect fill="#fff"/>'
    assert not any(p.search(allowed) for p in REFUSED.values())


@pytest.mark.parametrize("source", TEMPLATES + BUILDERS, ids=lambda p: p.name)
def test_no_page_source_holds_what_the_policy_refuses(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    found = [what for what, pattern in REFUSED.items() if pattern.search(text)]
    assert found == [], f"{source.name}: {', '.join(found)}"


def test_htmx_adds_no_style_element_and_evaluates_nothing() -> None:
    base = (WEB / "templates" / "base.html").read_text(encoding="utf-8")
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", base)
    assert config, "base.html configures htmx"
    assert json.loads(config.group(1)) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
    }
    assert base.index('name="htmx-config"') < base.index("htmx.min.js")

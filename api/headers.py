"""Security headers on every HTTP answer: API JSON, problems, pages, static files, redirects.

The pages run only our own script and style files: no inline script, no `on*=` handler, no
`style` attribute. A header a route has already set is kept as it is.

Two kinds of answer get a relaxed Content-Security-Policy, each for a reason of its own:

- The interactive API documentation (`/docs`, `/redoc`, `api/docs.py`) runs Swagger UI and
  ReDoc from our own static files: no inline script on either, but ReDoc writes its styles
  as inline `<style>` elements and searches in a worker it starts from a `blob:` address,
  so its page allows those two. Nothing on any page comes from a CDN.
- SVG images (the forecast's fan chart, drawn by matplotlib) style their shapes with
  `style` attributes, so an SVG opened on its own may use inline style; it still runs no
  script.

Strict-Transport-Security goes only on answers to requests that came over HTTPS (a trusted
proxy in front may say so through `X-Forwarded-Proto`); sent over plain HTTP it would mean
nothing, and on a development server it would pin the name to HTTPS for a year.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dispatch.sheet import STYLE as SHEET_STYLE


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def policy(**directives: str) -> str:
    """A Content-Security-Policy: ours, with the given directives added to or replacing its
    own (a `_` in a keyword argument's name stands for `-`)."""
    merged = {**BASE, **{name.replace("_", "-"): value for name, value in directives.items()}}
    return "; ".join(f"{name} {value}" for name, value in merged.items())


BASE: Mapping[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    # The route sheet is a self-contained printable page (the command line writes it to a
    # file too), so its one stylesheet stays inline, allowed by its hash alone.
    "style-src": f"'self' {_sha256(SHEET_STYLE)}",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

CONTENT_SECURITY_POLICY = policy()
SVG_POLICY = policy(style_src="'self' 'unsafe-inline'")

#: The documentation pages (`api.docs`) and the policy each needs.
DOCS_POLICIES: Mapping[str, str] = {
    "/docs": policy(),
    "/redoc": policy(style_src="'self' 'unsafe-inline'", worker_src="'self' blob:"),
}

HSTS = "max-age=31536000; includeSubDomains"

FIXED: Mapping[str, str] = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Nothing of ours needs a referrer elsewhere, and our addresses carry record ids.
    "Referrer-Policy": "same-origin",
}


def security_headers(scope: Scope, content_type: str = "") -> dict[str, str]:
    """The headers an answer to this request gets, given the answer's content type."""
    path = scope.get("path", "")
    if path in DOCS_POLICIES:
        csp = DOCS_POLICIES[path]
    elif content_type.split(";")[0].strip().lower() == "image/svg+xml":
        csp = SVG_POLICY
    else:
        csp = CONTENT_SECURITY_POLICY
    headers = {"Content-Security-Policy": csp, **FIXED}
    if scope.get("scheme") == "https":
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeaders:
    """Add the security headers to every HTTP answer, keeping any a route already set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in security_headers(scope, headers.get("content-type", "")).items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

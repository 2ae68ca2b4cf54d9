"""Rendering pages: the Jinja2 environment, the language of the request, the common context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from accounts.service import Principal
from api.web import auth
from api.web.i18n import LANGUAGES
from api.web.messages import say, translate_errors
from core.clock import utcnow

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

# The pages each role sees in the navigation: (path, label, permission).
NAV: tuple[tuple[str, str, str], ...] = (
    ("/web/depot", "My depots", "stock.write"),
    ("/web/receipts", "Incoming dispatches", "stock.write"),
    ("/web/deliveries", "Supplier deliveries", "stock.write"),
    ("/web/district", "District", "plans.write"),
    ("/web/plans", "Plans", "plans.write"),
    ("/web/suppliers", "Suppliers", "suppliers.write"),
    ("/web/audit", "Ledger", "read"),
)


def language(request: Request) -> str:
    """The cookie's language, else the browser's first choice we have, else Chinese."""
    chosen = request.cookies.get(auth.LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    accept = request.headers.get("accept-language", "").lower()
    if accept.startswith("en"):
        return "en"
    return "zh-CN"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    who: Principal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page with the layout's context: language, translator, user, navigation, CSRF token."""
    from accounts import roles

    lang = language(request)
    full: dict[str, Any] = {
        "lang": lang,
        "_": lambda text, **kw: say(lang, text, **kw),
        "who": who,
        "nav": [(p, label) for p, label, perm in NAV if who and roles.allowed(who.role, perm)],
        "csrf": auth.csrf_token(request),
        "csrf_field": auth.CSRF_FIELD,
        "today": utcnow().date(),
        "path": request.url.path,
    }
    full.update(context or {})
    # Form messages reach the `field` macro, which has no translator: translate them here.
    if isinstance(full.get("errors"), dict):
        full["errors"] = translate_errors(full["errors"], lang)
    response = templates.TemplateResponse(request, template, full, status_code=status_code)
    new_nonce = getattr(request.state, "new_nonce", None)
    if new_nonce:
        auth.set_cookie(response, auth.NONCE_COOKIE, new_nonce, max_age=None)
    return response

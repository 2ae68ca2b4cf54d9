"""Signing in and out, the language switch, and the home page of each role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts.secrets import issue_access_token
from accounts.service import TooManyAttempts, authenticate
from api.deps import SessionDep, SettingsDep
from api.web import auth
from api.web.i18n import LANGUAGES
from api.web.render import render

router = APIRouter()

HOME_OF = {
    "depot_manager": "/web/depot",
    "community_worker": "/web/depot",
    "coordinator": "/web/district",
    "procurement": "/web/suppliers",
    "auditor": "/web/audit",
}


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, who: auth.MaybeUser) -> Response:
    if who is not None:
        return RedirectResponse("/web/", status_code=303)
    return render(request, "sign_in.html", {"username": "", "error": None})


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _csrf: auth.Csrf,
    username: Annotated[str, Form(max_length=150)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Check the password (throttled like the API) and set the sign-in cookie."""
    client = request.client.host if request.client else "unknown"
    try:
        user = authenticate(session, username, password, client=client)
    except TooManyAttempts as exc:
        context = {"username": username, "error": "Too many failed sign-ins; wait and try again."}
        return render(request, "sign_in.html", context | {"detail": exc.detail}, status_code=429)
    if user is None:
        context = {"username": username, "error": "Wrong username or password."}
        return render(request, "sign_in.html", context, status_code=401)
    token = issue_access_token(
        auth.token_secret(request),
        username=user.username,
        token_version=user.token_version,
        ttl=settings.token_ttl,
    )
    response = RedirectResponse(HOME_OF.get(user.role, "/web/"), status_code=303)
    auth.set_cookie(
        response, auth.SESSION_COOKIE, token, max_age=int(settings.token_ttl.total_seconds())
    )
    return response


@router.post("/sign-out")
def sign_out(_csrf: auth.Csrf) -> Response:
    response = RedirectResponse("/web/sign-in", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/web", secure=True, httponly=True)
    return response


@router.post("/language")
def switch_language(
    _csrf: auth.Csrf,
    lang: Annotated[str, Form()],
    back: Annotated[str, Form()] = "/web/",
) -> Response:
    """Remember the chosen language for a year and go back to the page it was chosen on."""
    target = back if back.startswith("/web/") and "//" not in back else "/web/"
    response = RedirectResponse(target, status_code=303)
    if lang in LANGUAGES:
        auth.set_cookie(response, auth.LANG_COOKIE, lang, max_age=365 * 24 * 3600)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: auth.Anyone) -> Response:
    """The administrator's overview; the other roles go straight to their own page."""
    if who.role in HOME_OF:
        return RedirectResponse(HOME_OF[who.role], status_code=303)
    return render(request, "home.html", who=who)

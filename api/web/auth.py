"""The browser's sign-in cookie, CSRF tokens and the role check every page makes.

The cookie holds the same short-lived sign-in token the API hands out
(`issue_access_token`) and is checked by the same code (`resolve_access_token`), so a
disabled user or a password reset signs the browser out too. It is Secure, HttpOnly and
SameSite=Lax. Forms that change something carry a CSRF token: an HMAC, under the token
secret, of a random nonce kept in its own HttpOnly cookie (double submit, signed).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response

from accounts import roles
from accounts.service import Principal, resolve_access_token
from api.deps import SessionDep
from core.errors import InvalidInput, NotAuthenticated
from core.inputs import first_control

SESSION_COOKIE = "relief_session"
NONCE_COOKIE = "relief_csrf"
LANG_COOKIE = "relief_lang"
CSRF_FIELD = "csrf"


class SignInRequired(Exception):
    """Raised by a page without a valid sign-in cookie; answered with a redirect."""


class WrongRole(Exception):
    """Raised by a page the signed-in role may not use; answered with a 403 page."""

    def __init__(self, who: Principal, permission: str) -> None:
        super().__init__(permission)
        self.who = who
        self.permission = permission


class BadCsrf(Exception):
    """A form arrived without the CSRF token of this browser; answered with a 403 page."""


def token_secret(request: Request) -> str:
    secret: str = request.app.state.token_secret
    return secret


def set_cookie(response: Response, name: str, value: str, *, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, secure=True, samesite="lax", path="/web"
    )


def nonce_of(request: Request) -> str:
    """This browser's CSRF nonce; a fresh one is made (and set by `render`) when missing."""
    nonce = request.cookies.get(NONCE_COOKIE)
    if not nonce or len(nonce) > 100:
        nonce = getattr(request.state, "new_nonce", None) or secrets.token_urlsafe(24)
        request.state.new_nonce = nonce
    return nonce


def csrf_token(request: Request) -> str:
    nonce = nonce_of(request).encode()
    return hmac.new(token_secret(request).encode(), b"csrf:" + nonce, hashlib.sha256).hexdigest()


async def check_csrf(request: Request) -> None:
    """A dependency for every POST page: the form's token must match this browser's nonce."""
    form = await request.form()
    problem = first_control({k: v for k, v in form.items() if isinstance(v, str)})
    if problem:
        raise InvalidInput(f"The form was not accepted: {problem}.")
    given = form.get(CSRF_FIELD)
    if not request.cookies.get(NONCE_COOKIE) or not isinstance(given, str):
        raise BadCsrf
    if not hmac.compare_digest(given, csrf_token(request)):
        raise BadCsrf


def signed_in(request: Request, session: SessionDep) -> Principal | None:
    """The user of the sign-in cookie, or None when there is none or it is no longer valid."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return resolve_access_token(session, token_secret(request), token)
    except NotAuthenticated:
        return None


MaybeUser = Annotated[Principal | None, Depends(signed_in)]


def page_for(permission: str) -> object:
    """A dependency: the signed-in user if the role matrix allows `permission`.

    No (valid) cookie redirects to the sign-in page; a role without the permission gets 403.
    """
    if permission not in roles.MATRIX:
        raise KeyError(permission)

    def check(who: MaybeUser) -> Principal:
        if who is None:
            raise SignInRequired
        if not roles.allowed(who.role, permission):
            raise WrongRole(who, permission)
        return who

    return Depends(check)


Csrf = Annotated[None, Depends(check_csrf)]
Anyone = Annotated[Principal, page_for("read")]
StockPage = Annotated[Principal, page_for("stock.write")]
PlansPage = Annotated[Principal, page_for("plans.write")]
SuppliersPage = Annotated[Principal, page_for("suppliers.write")]
AccessLogPage = Annotated[Principal, page_for("access_log.read")]

"""Authentication and authorisation dependencies for the routes."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from accounts import roles
from accounts.secrets import API_TOKEN_PREFIX
from accounts.service import Principal, resolve_access_token, resolve_api_token
from api.deps import SessionDep
from core.errors import NotAuthenticated, NotPermitted

oauth2 = OAuth2PasswordBearer(tokenUrl="auth/token", auto_error=False)


def current_principal(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2)]
) -> Principal:
    """The caller, from a bearer sign-in token or API token; 401 without a valid one."""
    if not token:
        raise NotAuthenticated("Sign in first: send 'Authorization: Bearer <token>'.")
    if token.startswith(API_TOKEN_PREFIX):
        return resolve_api_token(session, token)
    secret: str = request.app.state.token_secret
    return resolve_access_token(session, secret, token)


@cache
def require(permission: str) -> Callable[..., Principal]:
    """A dependency that lets through the roles the matrix allows `permission`, else 403."""
    if permission not in roles.MATRIX:
        raise KeyError(permission)

    def check(who: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not roles.allowed(who.role, permission):
            raise NotPermitted(
                f"The role {who.role} may not do this ({permission}).",
                extra={"permission": permission},
            )
        return who

    check.permission = permission  # type: ignore[attr-defined]  # read by the role-matrix test
    check.__name__ = f"require_{permission.replace('.', '_')}"
    return check


Reader = Annotated[Principal, Depends(require("read"))]
StockWriter = Annotated[Principal, Depends(require("stock.write"))]
RegistryWriter = Annotated[Principal, Depends(require("registry.write"))]
DistrictCreator = Annotated[Principal, Depends(require("district.create"))]
SupplierWriter = Annotated[Principal, Depends(require("suppliers.write"))]
PlanWriter = Annotated[Principal, Depends(require("plans.write"))]
UserManager = Annotated[Principal, Depends(require("users.manage"))]
TokenOwner = Annotated[Principal, Depends(require("tokens.own"))]
AccessLogReader = Annotated[Principal, Depends(require("access_log.read"))]

"""Signing in, the caller's own identity and tokens, and user management for administrators."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field

from accounts import service as users
from accounts.models import ApiToken
from accounts.secrets import issue_access_token
from api.deps import SessionDep
from api.problems import problem
from api.security.deps import TokenOwner, UserManager
from api.writes import IdempotencyKey, KeyDep, payload_of
from core.errors import NotAuthenticated, NotPermitted
from core.inputs import Id, Strict

router = APIRouter(tags=["auth"])


class TokenAnswer(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105  (the OAuth2 token type, not a secret)
    expires_in: int


class Me(BaseModel):
    username: str
    role: str
    district_id: int | None
    depot_ids: list[int]
    community_id: int | None = None
    via: str


class UserCreate(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)
    role: str
    full_name: str = Field(default="", max_length=200)
    district_id: Id | None = None
    depot_ids: list[Id] = Field(default_factory=list, max_length=1000)
    community_id: Id | None = None


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str
    role: str
    district_id: int | None
    active: bool
    created_at: datetime


class ApiTokenCreate(Strict):
    name: str = Field(min_length=1, max_length=120)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiTokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenPublic):
    token: str | None = Field(
        description="Shown once; only its hash is kept. Null when a retry with the same "
        "Idempotency-Key replays the answer."
    )


@router.post(
    "/auth/token",
    response_model=TokenAnswer,
    responses={
        401: {"description": "Incorrect username or password"},
        429: {"description": "Locked"},
    },
)
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, session: SessionDep
) -> TokenAnswer | JSONResponse:
    """OAuth2 password flow: a short-lived bearer token for a username and password."""
    client = request.client.host if request.client else "unknown"
    user = users.authenticate(session, form.username, form.password, client=client)
    if user is None:
        # Answered, not raised, so that the transaction commits the failure count.
        failed = NotAuthenticated("Incorrect username or password.")
        return problem(
            failed.status,
            failed.title,
            failed.detail,
            type_slug=failed.type_slug,
            instance=request.url.path,
        )
    settings = request.app.state.settings
    token = issue_access_token(
        request.app.state.token_secret,
        username=user.username,
        token_version=user.token_version,
        ttl=settings.token_ttl,
    )
    return TokenAnswer(access_token=token, expires_in=int(settings.token_ttl.total_seconds()))


@router.get("/auth/me", response_model=Me)
def me(who: TokenOwner) -> Me:
    return Me(
        username=who.username,
        role=who.role,
        district_id=who.district_id,
        depot_ids=sorted(who.depot_ids),
        community_id=who.community_id,
        via=who.via,
    )


@router.post("/auth/api-tokens", response_model=ApiTokenCreated, status_code=201)
def create_api_token(
    data: ApiTokenCreate,
    session: SessionDep,
    who: TokenOwner,
    key: KeyDep,
) -> JSONResponse:
    """A new API token for the signed-in person; a machine's token cannot mint others.

    A retry with the same Idempotency-Key answers with the token's record but not the token
    itself: it is shown once and never stored.
    """
    if who.via == "api-token":
        raise NotPermitted("API tokens are made by a signed-in person, not by another token.")

    def make() -> ApiTokenCreated:
        user = users.get_user(session, who.username)
        row, token = users.create_api_token(
            session, user, name=data.name, expires_in_days=data.expires_in_days
        )
        return ApiTokenCreated(**ApiTokenPublic.model_validate(row).model_dump(), token=token)

    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=make,
        redact=lambda body: {**body, "token": None},
    )


@router.get("/auth/api-tokens", response_model=list[ApiTokenPublic])
def list_api_tokens(session: SessionDep, who: TokenOwner) -> Sequence[ApiToken]:
    return users.list_api_tokens(session, who.user_id)


@router.delete("/auth/api-tokens/{token_id}", response_model=ApiTokenPublic)
def revoke_api_token(
    token_id: Id,
    session: SessionDep,
    who: TokenOwner,
    key: IdempotencyKey = None,
) -> ApiToken:
    """Revoke a token (idempotent by nature: revoking again answers the same record)."""
    del key  # accepted like on every write; the answer does not depend on it
    owner = None if who.role == "admin" else who.user_id
    return users.revoke_api_token(session, token_id, owner_id=owner)


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(
    data: UserCreate,
    session: SessionDep,
    who: UserManager,
    key: KeyDep,
) -> JSONResponse:
    # The fingerprint leaves the password out: a fast hash of it must never be stored.
    return key.run(
        session,
        who.username,
        payload=data.model_dump_json(exclude={"password"}).encode(),
        action=lambda: UserPublic.model_validate(users.create_user(session, **data.model_dump())),
    )


@router.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep, who: UserManager) -> list[UserPublic]:
    return [UserPublic.model_validate(u) for u in users.list_users(session)]


@router.post("/users/{username}/disable", response_model=UserPublic)
def disable_user(
    username: str,
    session: SessionDep,
    who: UserManager,
    key: KeyDep,
) -> JSONResponse:
    return key.run(
        session,
        who.username,
        payload=b"",
        action=lambda: UserPublic.model_validate(users.disable_user(session, username)),
        status_code=200,
    )

"""Passwords (Argon2id) and tokens: short-lived signed sign-in tokens, hashed API tokens."""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.clock import utcnow
from core.errors import NotAuthenticated

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

ALGORITHM = "HS256"
ISSUER = "relief-reserve"
AUDIENCE = "relief-reserve-api"
API_TOKEN_PREFIX = "rr_"  # noqa: S105  (a marker, not a secret)
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant work whether or not there is a hash to check against."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, username: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    if username.lower() in password.lower():
        return "a password must not contain the username"
    if len(set(password)) < 4:
        return "a password needs more different characters"
    return None


@dataclass(frozen=True)
class AccessClaims:
    username: str
    token_version: int


def issue_access_token(
    secret: str, *, username: str, token_version: int, ttl: timedelta, now: datetime | None = None
) -> str:
    now = now or utcnow()
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": username,
        "ver": token_version,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_access_token(secret: str, token: str) -> AccessClaims:
    """Refuse anything but an unexpired HS256 token of ours (no `alg: none`, no RS/HS swap)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("The sign-in token has expired; sign in again.") from exc
    except jwt.PyJWTError as exc:
        raise NotAuthenticated("The sign-in token is not valid.") from exc
    version = claims.get("ver")
    if not isinstance(claims.get("sub"), str) or not isinstance(version, int):
        raise NotAuthenticated("The sign-in token is not valid.")
    return AccessClaims(claims["sub"], version)


def new_api_token() -> tuple[str, str, str]:
    """A fresh API token: (the token to show once, its lookup prefix, its SHA-256)."""
    prefix = secrets.token_hex(4)
    token = f"{API_TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, hash_api_token(token)


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_or_create_secret(path: Path) -> str:
    """The token-signing secret kept in the data folder, created with owner-only permissions."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise PermissionError(f"{path} must be readable by its owner only (chmod 600)")
    value = path.read_text().strip()
    if len(value) < 32:
        raise PermissionError(f"{path} holds no usable secret (32+ characters); delete it")
    return value

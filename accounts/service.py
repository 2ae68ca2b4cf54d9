"""Users and tokens: create, disable, reset, sign in (with throttling), resolve a bearer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from accounts import secrets
from accounts.models import ROLES, ApiToken, LoginThrottle, User, UserDepot
from core.clock import utcnow
from core.errors import Conflict, DomainError, InvalidInput, NotAuthenticated, NotFound
from core.inputs import first_control
from inventory import service as inventory

#: Failed sign-ins for one username from one address before each further one is delayed.
MAX_FAILURES = 3
#: Failed sign-ins from one address, whatever the usernames, before delays (spraying).
MAX_FAILURES_PER_ADDRESS = 30
#: The first delay; each further failure doubles it, up to LOCK_FOR.
FIRST_DELAY = timedelta(seconds=2)
LOCK_FOR = timedelta(minutes=15)
#: Failures are forgotten when none came for this long (and no delay is running).
WINDOW = timedelta(hours=1)


class TooManyAttempts(DomainError):
    status = 429
    title = "Too many attempts"
    type_slug = "too-many-attempts"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as routes and services see it."""

    user_id: int
    username: str
    role: str
    district_id: int | None
    depot_ids: frozenset[int]
    via: str = "password"  # or "api-token"
    community_id: int | None = None


def principal_of(session: Session, user: User, via: str = "password") -> Principal:
    """The caller as routes see it. A community worker's depots are their community's
    receiving depots as they are now (a distribution point made for a plan included)."""
    if user.role == "community_worker" and user.community_id is not None:
        depots = {d.id or 0 for d in inventory.community_receiving(session, user.community_id)}
    else:
        depots = set(
            session.execute(
                select(col(UserDepot.depot_id)).where(col(UserDepot.user_id) == user.id)
            ).scalars()
        )
    return Principal(
        user.id or 0,
        user.username,
        user.role,
        user.district_id,
        frozenset(depots),
        via,
        user.community_id,
    )


def get_user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(col(User.username) == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"User {username} does not exist.")
    found: User = user
    return found


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    district_id: int | None = None,
    depot_ids: Sequence[int] = (),
    community_id: int | None = None,
) -> User:
    username = username.strip()
    if (
        not username
        or len(username) > 64
        or not username.replace(".", "").replace("-", "").replace("_", "").isalnum()
    ):
        raise InvalidInput("A username is 1 to 64 letters, digits, '.', '-' or '_'.")
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}; one of {', '.join(ROLES)}.")
    problem = secrets.password_problem(password, username)
    if problem:
        raise InvalidInput(problem[0].upper() + problem[1:] + ".")
    if role == "depot_manager" and not depot_ids:
        raise InvalidInput("A depot manager needs at least one depot.")
    if role != "depot_manager" and depot_ids:
        raise InvalidInput("Only depot managers are scoped to depots.")
    if role == "coordinator" and district_id is None:
        raise InvalidInput("A coordinator needs a district.")
    if (role == "community_worker") != (community_id is not None):
        raise InvalidInput("A community worker, and only a community worker, has a community.")
    if community_id is not None:
        district_id = inventory.get_community(session, community_id).district_id
    if district_id is not None:
        inventory.get_district(session, district_id)
    for depot_id in depot_ids:
        inventory.get_depot(session, depot_id)
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        district_id=district_id,
        community_id=community_id,
        password_hash=secrets.hash_password(password),
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"User {username} already exists.") from exc
    session.add_all(UserDepot(user_id=user.id or 0, depot_id=d) for d in sorted(set(depot_ids)))
    session.flush()
    return user


def list_users(session: Session) -> Sequence[User]:
    return session.execute(select(User).order_by(col(User.username))).scalars().all()


def disable_user(session: Session, username: str) -> User:
    """Disable a user; the last active administrator cannot be (nobody could sign in to
    manage users any more). The active administrators are locked while counted, so two
    administrators disabling each other at once cannot both succeed."""
    user = get_user(session, username)
    if user.role == "admin" and user.active:
        admins = session.execute(
            select(col(User.id))
            .where(col(User.role) == "admin", col(User.active).is_(True))
            .with_for_update()
        ).scalars()
        if set(admins) <= {user.id}:
            raise Conflict(
                f"{username} is the last active administrator and cannot be disabled; "
                "create another administrator first.",
                extra={"reason": "last_admin"},
            )
    user.active = False
    user.token_version += 1
    _revoke_all_api_tokens(session, user)
    return user


def _revoke_all_api_tokens(session: Session, user: User) -> None:
    session.execute(
        update(ApiToken)
        .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    session.flush()


def reset_password(session: Session, username: str, password: str) -> User:
    user = get_user(session, username)
    problem = secrets.password_problem(password, username)
    if problem:
        raise InvalidInput(problem[0].upper() + problem[1:] + ".")
    user.password_hash = secrets.hash_password(password)
    user.token_version += 1
    _revoke_all_api_tokens(session, user)  # a reset is often a response to a leak
    session.execute(
        delete(LoginThrottle).where(
            col(LoginThrottle.key).startswith("pair:"),
            col(LoginThrottle.key).endswith(f"|{username.lower()}", autoescape=True),
        )
    )
    session.flush()
    return user


# --- signing in ---------------------------------------------------------------------------


def _throttle(session: Session, key: str, now: datetime) -> LoginThrottle:
    """The throttle row of `key`, created if new and locked until the transaction ends.

    Parallel sign-ins for one username queue here, so none of their failures is lost.
    """
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        module.insert(LoginThrottle)
        .values(key=key, failures=0, window_start=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row: LoginThrottle = session.execute(
        select(LoginThrottle).where(col(LoginThrottle.key) == key).with_for_update()
    ).scalar_one()
    if now - row.window_start > WINDOW and (row.locked_until is None or row.locked_until <= now):
        row.failures = 0
        row.window_start = now
        row.locked_until = None
    return row


def _delay(failures: int, free: int) -> timedelta | None:
    """How long to refuse after `failures` failures, `free` of them without a delay."""
    if failures < free:
        return None
    return min(FIRST_DELAY * (1 << min(failures - free, 30)), LOCK_FOR)


def authenticate(session: Session, username: str, password: str, *, client: str) -> User | None:
    """Check a username and password; None when they do not match.

    Unknown users and wrong passwords are answered alike, in the same time, and throttled
    alike. The throttle keys on the username *and* the client address together: after
    MAX_FAILURES failures from one address at one username, each further attempt from there
    waits a delay that doubles up to LOCK_FOR, while the same username from any other
    address signs in as before, so nobody can lock a real user out by guessing at their
    name. An address that fails at many usernames (MAX_FAILURES_PER_ADDRESS) is delayed the
    same way, at every username. `client` is the caller's address as a trusted proxy gives
    it (`RELIEF_TRUSTED_PROXIES`), never a header anyone can send. The caller commits the
    failure count even when sign-in fails.
    """
    problem = first_control([username, password, client])
    if problem:
        raise InvalidInput(f"The username or password was not accepted: {problem}.")
    now = utcnow()
    name = username.strip().lower()[:100]
    by_pair = _throttle(session, f"pair:{client[:60]}|{name}", now)
    by_client = _throttle(session, f"client:{client[:150]}", now)
    for row in (by_pair, by_client):
        if row.locked_until is not None and row.locked_until > now:
            seconds = max(1, int((row.locked_until - now).total_seconds() + 0.999))
            raise TooManyAttempts(
                f"Too many failed sign-ins; try again in {_wait_text(seconds)}.",
                extra={"retry_after_s": seconds},
            )
    user = session.execute(
        select(User).where(col(User.username) == username.strip())
    ).scalar_one_or_none()
    ok = secrets.verify_password(password, user.password_hash if user else None)
    if ok and user is not None and user.active:
        by_pair.failures = 0
        by_pair.locked_until = None
        session.flush()
        signed_in: User = user
        return signed_in
    by_pair.failures += 1
    by_client.failures += 1
    for row, free in ((by_pair, MAX_FAILURES), (by_client, MAX_FAILURES_PER_ADDRESS)):
        row.window_start = now  # the window runs from the latest failure
        delay = _delay(row.failures, free)
        if delay is not None:
            row.locked_until = now + delay
    session.flush()
    return None


def _wait_text(seconds: int) -> str:
    return f"{seconds} second(s)" if seconds < 120 else f"{seconds // 60} minute(s)"


def resolve_access_token(session: Session, secret: str, token: str) -> Principal:
    claims = secrets.read_access_token(secret, token)
    user = session.execute(
        select(User).where(col(User.username) == claims.username)
    ).scalar_one_or_none()
    if user is None or not user.active or user.token_version != claims.token_version:
        raise NotAuthenticated("The sign-in token is no longer valid; sign in again.")
    return principal_of(session, user)


# --- API tokens ---------------------------------------------------------------------------


def create_api_token(
    session: Session, user: User, *, name: str, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    if not name.strip() or len(name) > 120:
        raise InvalidInput("A token needs a name of 1 to 120 characters.")
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise InvalidInput("expires_in_days must be between 1 and 3650.")
    token, prefix, digest = secrets.new_api_token()
    row = ApiToken(
        user_id=user.id or 0,
        name=name.strip(),
        prefix=prefix,
        token_hash=digest,
        expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(row)
    session.flush()
    return row, token


def list_api_tokens(session: Session, user_id: int | None = None) -> Sequence[ApiToken]:
    query = select(ApiToken).order_by(col(ApiToken.id))
    if user_id is not None:
        query = query.where(col(ApiToken.user_id) == user_id)
    return session.execute(query).scalars().all()


def revoke_api_token(session: Session, token_id: int, *, owner_id: int | None = None) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or (owner_id is not None and row.user_id != owner_id):
        raise NotFound(f"Token {token_id} does not exist.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    return row


def resolve_api_token(session: Session, token: str) -> Principal:
    row = session.execute(
        select(ApiToken).where(col(ApiToken.token_hash) == secrets.hash_api_token(token))
    ).scalar_one_or_none()
    now = utcnow()
    if (
        row is None
        or row.revoked_at is not None
        or (row.expires_at is not None and row.expires_at <= now)
    ):
        raise NotAuthenticated("The API token is not valid, has expired or was revoked.")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotAuthenticated("The API token's user is disabled.")
    return principal_of(session, user, via="api-token")

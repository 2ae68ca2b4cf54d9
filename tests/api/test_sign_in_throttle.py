"""Sign-in throttling that slows a guesser without handing anyone a lock-out: per username
and address together, with delays that double; the client address from X-Forwarded-For only
through a configured trusted proxy. Also: the last administrator cannot be disabled."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from accounts import service as users
from core.clock import utcnow
from core.settings import Settings
from tests.conftest import _app

PASSWORD = "correct horse battery"
WRONG = "wrong password!!"


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(users, "utcnow", clock)
    return clock


@pytest.fixture
def people(session: Session) -> None:
    for name, role in (("auditor", "auditor"), ("admin", "admin")):
        users.create_user(session, username=name, password=PASSWORD, role=role)


def _from(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(address, 40000))


@pytest.fixture
def app(session: Session, engine: Engine, settings: Settings) -> FastAPI:
    return _app(session, engine, settings)


def _token(client: TestClient, username: str, password: str, **headers: str) -> int:
    answer = client.post(
        "/auth/token", data={"username": username, "password": password}, headers=headers
    )
    status: int = answer.status_code
    return status


def test_a_guesser_is_delayed_but_the_user_signs_in_from_elsewhere(
    app: FastAPI, people: None, clock: Clock
) -> None:
    attacker, user = _from(app, "203.0.113.66"), _from(app, "198.51.100.10")
    for _ in range(users.MAX_FAILURES):
        assert _token(attacker, "auditor", WRONG) == 401
    refused = attacker.post("/auth/token", data={"username": "auditor", "password": PASSWORD})
    assert refused.status_code == 429  # even the right password waits its turn there
    assert int(refused.headers["Retry-After"]) >= 1
    assert _token(user, "auditor", PASSWORD) == 200  # the real user is not locked out
    assert _token(attacker, "admin", PASSWORD) == 200  # nor other users from that address


def test_the_delays_double_up_to_the_cap(app: FastAPI, people: None, clock: Clock) -> None:
    attacker = _from(app, "203.0.113.66")
    waits = []
    for _ in range(users.MAX_FAILURES + 12):
        answer = attacker.post("/auth/token", data={"username": "auditor", "password": WRONG})
        assert answer.status_code == 401
        refused = attacker.post("/auth/token", data={"username": "auditor", "password": WRONG})
        if refused.status_code == 429:
            waits.append(int(refused.headers["Retry-After"]))
            clock.now += timedelta(seconds=waits[-1])
    first = int(users.FIRST_DELAY.total_seconds())
    cap = int(users.LOCK_FOR.total_seconds())
    assert waits[:4] == [first, 2 * first, 4 * first, 8 * first]
    assert waits[-1] == cap
    assert all(a <= b for a, b in itertools.pairwise(waits))
    # a success from that address at that username starts over
    clock.now += users.LOCK_FOR
    assert _token(attacker, "auditor", PASSWORD) == 200
    assert _token(attacker, "auditor", WRONG) == 401
    assert _token(attacker, "auditor", PASSWORD) == 200


def test_a_sprayer_is_delayed_at_every_username(app: FastAPI, people: None, clock: Clock) -> None:
    sprayer, user = _from(app, "203.0.113.66"), _from(app, "198.51.100.10")
    for n in range(users.MAX_FAILURES_PER_ADDRESS):
        assert _token(sprayer, f"user{n}", WRONG) == 401
    assert _token(sprayer, "auditor", PASSWORD) == 429
    assert _token(user, "auditor", PASSWORD) == 200


def test_unknown_users_are_throttled_like_known_ones(
    app: FastAPI, people: None, clock: Clock
) -> None:
    attacker = _from(app, "203.0.113.66")
    for username in ("auditor", "ghost"):
        for _ in range(users.MAX_FAILURES):
            assert _token(attacker, username, WRONG) == 401
        assert _token(attacker, username, WRONG) == 429


def test_forwarded_for_is_ignored_without_a_trusted_proxy(
    app: FastAPI, people: None, clock: Clock
) -> None:
    """Otherwise an attacker would pick a new address per guess, or lock out another's."""
    attacker = _from(app, "203.0.113.66")
    for n in range(users.MAX_FAILURES):
        assert _token(attacker, "auditor", WRONG, **{"X-Forwarded-For": f"10.9.9.{n}"}) == 401
    assert _token(attacker, "auditor", PASSWORD, **{"X-Forwarded-For": "10.9.9.200"}) == 429


@pytest.fixture
def proxied(session: Session, engine: Engine, settings: Settings) -> FastAPI:
    return _app(session, engine, settings.model_copy(update={"trusted_proxies": ["10.0.0.0/24"]}))


def test_behind_a_trusted_proxy_each_client_is_throttled_apart(
    proxied: FastAPI, people: None, clock: Clock
) -> None:
    proxy = _from(proxied, "10.0.0.5")
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    for _ in range(users.MAX_FAILURES):
        assert _token(proxy, "auditor", WRONG, **attacker) == 401
    assert _token(proxy, "auditor", PASSWORD, **attacker) == 429
    # the same proxy carries the real user, from their own address: not locked out
    assert _token(proxy, "auditor", PASSWORD, **{"X-Forwarded-For": "198.51.100.10"}) == 200
    # a client that is not a trusted proxy cannot pretend to be one
    outsider = _from(proxied, "203.0.113.66")
    assert _token(outsider, "auditor", PASSWORD, **{"X-Forwarded-For": "198.51.100.99"}) == 429


def test_the_trusted_proxy_setting_is_checked() -> None:
    assert Settings(trusted_proxies="10.0.0.1, 192.168.0.0/16").trusted_proxies == [
        "10.0.0.1",
        "192.168.0.0/16",
    ]
    with pytest.raises(ValueError, match="not an IP address"):
        Settings(trusted_proxies="proxy.example")


def test_a_password_reset_clears_the_throttle(
    app: FastAPI, session: Session, people: None, clock: Clock
) -> None:
    attacker = _from(app, "203.0.113.66")
    for _ in range(users.MAX_FAILURES):
        _token(attacker, "auditor", WRONG)
    users.reset_password(session, "auditor", "a brand new long password")
    assert _token(attacker, "auditor", "a brand new long password") == 200


# --- the last administrator ---------------------------------------------------------------


def test_the_last_active_admin_cannot_be_disabled(client: TestClient, session: Session) -> None:
    users.create_user(session, username="root", password=PASSWORD, role="admin")
    refused = client.post("/users/root/disable")
    assert refused.status_code == 409, refused.text
    assert refused.json()["reason"] == "last_admin"
    assert "last active administrator" in refused.json()["detail"]
    assert users.get_user(session, "root").active
    users.create_user(session, username="second", password=PASSWORD, role="admin")
    assert client.post("/users/root/disable").status_code == 200
    assert client.post("/users/second/disable").status_code == 409
    assert users.get_user(session, "second").active


def test_the_command_line_keeps_the_last_admin_too(session: Session) -> None:
    from core.errors import Conflict

    users.create_user(session, username="root", password=PASSWORD, role="admin")
    with pytest.raises(Conflict):
        users.disable_user(session, "root")

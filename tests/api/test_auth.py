"""Users, roles and tokens: the role matrix on every route, depot scopes, token attacks."""

from __future__ import annotations

import base64
import json
import re
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlmodel import Session

from accounts import roles
from accounts import service as users
from accounts.secrets import issue_access_token, load_or_create_secret
from core.clock import utcnow
from core.settings import Settings
from inventory import service as inventory
from tests.inventory.factories import Small, small_district

PASSWORD = "correct horse battery"
UNAUTHENTICATED_OK = {
    "/auth/token",
    "/health",
    "/openapi.json",
    "/docs",
    "/redoc",
}


@pytest.fixture
def d(session: Session) -> Small:
    return small_district(session)


@pytest.fixture
def people(session: Session, d: Small) -> dict[str, str]:
    """One user per role; the depot manager runs depot A, the coordinator the district."""
    scopes: dict[str, dict[str, Any]] = {
        "depot_manager": {"depot_ids": [d.depot_a_id]},
        "coordinator": {"district_id": d.district_id},
        "procurement": {},
        "auditor": {},
        "admin": {},
    }
    for role, scope in scopes.items():
        users.create_user(session, username=role, password=PASSWORD, role=role, **scope)
    return {role: role for role in scopes}


def token_for(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/auth/token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _permission_of(dependant: Any) -> str | None:
    permission = getattr(dependant.call, "permission", None)
    if permission:
        return str(permission)
    for sub in dependant.dependencies:
        found = _permission_of(sub)
        if found:
            return found
    return None


def routes(app: Any) -> Iterator[tuple[str, str, str | None]]:
    """(method, path, permission) for every route of the app, as mounted."""
    for entry in app.router.routes:
        original = getattr(entry, "original_router", None)
        if original is None:
            for method in getattr(entry, "methods", None) or ():
                yield method, entry.path, None
            continue
        mounted = None
        for dep in entry.include_context.dependencies:
            mounted = getattr(dep.dependency, "permission", None) or mounted
        for route in original.routes:
            permission = mounted or _permission_of(route.dependant)
            for method in route.methods:
                if method != "HEAD":
                    yield method, route.path, permission


def fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "nobody" if m.group(1) == "username" else "1", path)


def call(client: TestClient, method: str, path: str, headers: dict[str, str] | None = None) -> int:
    body: dict[str, Any] = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    answer: httpx.Response = client.request(method, fill(path), headers=headers or {}, **body)
    return answer.status_code


def test_every_route_names_a_permission_of_the_matrix(anonymous_client: TestClient) -> None:
    for method, path, permission in routes(anonymous_client.app):
        if path in UNAUTHENTICATED_OK:
            continue
        assert permission in roles.MATRIX, f"{method} {path} has no permission"


def test_unauthenticated_requests_get_401_everywhere_but_sign_in_health_and_docs(
    anonymous_client: TestClient, people: dict[str, str]
) -> None:
    for method, path, _ in routes(anonymous_client.app):
        status = call(anonymous_client, method, path)
        if path in UNAUTHENTICATED_OK:
            assert status != 401, (method, path)
        else:
            assert status == 401, (method, path, status)


def test_the_role_matrix_decides_every_route(
    anonymous_client: TestClient, people: dict[str, str]
) -> None:
    headers = {role: token_for(anonymous_client, role) for role in people}
    checked = 0
    for method, path, permission in routes(anonymous_client.app):
        if permission is None:
            continue
        for role, header in headers.items():
            status = call(anonymous_client, method, path, header)
            if roles.allowed(role, permission):
                assert status not in (401, 403), (method, path, role, status)
            else:
                assert status == 403, (method, path, role, status)
            checked += 1
    assert checked > 5 * 30


def test_depot_managers_change_only_their_own_depots(
    anonymous_client: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    manager = token_for(anonymous_client, "depot_manager")
    body = {"item_id": d.tent_id, "lot_number": "T-1", "quantity": 5}
    own = anonymous_client.post(
        "/movements/receipts", json={**body, "depot_id": d.depot_a_id}, headers=manager
    )
    assert own.status_code == 201, own.text
    assert own.json()["movements"][0]["actor"] == "depot_manager"
    other = anonymous_client.post(
        "/movements/receipts", json={**body, "depot_id": d.depot_b_id}, headers=manager
    )
    assert other.status_code == 403
    assert inventory.list_balances(session, depot_ids=[d.depot_b_id]) == []
    # a transfer out of another depot, a count of another depot, an import naming it
    moved = anonymous_client.post(
        "/movements/transfers",
        json={
            "from_depot_id": d.depot_b_id,
            "to_depot_id": d.depot_a_id,
            "item_id": d.tent_id,
            "quantity": 1,
        },
        headers=manager,
    )
    assert moved.status_code == 403
    assert (
        anonymous_client.post(
            "/counts", json={"depot_id": d.depot_b_id}, headers=manager
        ).status_code
        == 403
    )
    sheet = b"kind,depot,item,lot,quantity\nreceipt,DB,TENT,T-2,5\n"
    imported = anonymous_client.post(
        "/imports/movements", files={"file": ("x.csv", sheet)}, headers=manager
    )
    assert imported.status_code == 422
    assert "you may not change depot 'DB'" in imported.text


def test_nobody_can_claim_to_be_someone_else(
    anonymous_client: TestClient, d: Small, people: dict[str, str]
) -> None:
    manager = token_for(anonymous_client, "depot_manager")
    body = {
        "depot_id": d.depot_a_id,
        "item_id": d.tent_id,
        "lot_number": "T-1",
        "quantity": 5,
        "actor": "admin",
    }
    assert (
        anonymous_client.post("/movements/receipts", json=body, headers=manager).status_code == 422
    )


def test_coordinators_stay_in_their_district(
    anonymous_client: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    other = small_district(session, suffix="X")
    coordinator = token_for(anonymous_client, "coordinator")
    body = {"item_id": d.tent_id, "lot_number": "T-1", "quantity": 5}
    assert (
        anonymous_client.post(
            "/movements/receipts", json={**body, "depot_id": d.depot_b_id}, headers=coordinator
        ).status_code
        == 201
    )
    assert (
        anonymous_client.post(
            "/movements/receipts", json={**body, "depot_id": other.depot_a_id}, headers=coordinator
        ).status_code
        == 403
    )


# --- tokens ---------------------------------------------------------------------------------


def _forge(claims: dict[str, Any], header: dict[str, Any], signature: bytes = b"") -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)]
    )


def _claims(username: str = "admin", **change: Any) -> dict[str, Any]:
    now = int(utcnow().timestamp())
    claims = {
        "iss": "relief-reserve",
        "aud": "relief-reserve-api",
        "sub": username,
        "ver": 0,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(change)
    return claims


def test_bad_tokens_are_refused(
    anonymous_client: TestClient, settings: Settings, people: dict[str, str]
) -> None:
    secret = settings.token_secret.get_secret_value()  # type: ignore[union-attr]
    good = issue_access_token(secret, username="admin", token_version=0, ttl=timedelta(minutes=5))
    assert (
        anonymous_client.get("/auth/me", headers={"Authorization": f"Bearer {good}"}).status_code
        == 200
    )

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    head, _body, sig = good.split(".")
    tampered_body = (
        base64.urlsafe_b64encode(
            json.dumps(_claims(role="x", sub="admin", ver=0, extra=1)).encode()
        )
        .rstrip(b"=")
        .decode()
    )
    bad_tokens = {
        "expired": issue_access_token(
            secret, username="admin", token_version=0, ttl=timedelta(seconds=-10)
        ),
        "alg-none": _forge(_claims(), {"alg": "none", "typ": "JWT"}),
        "alg-none-with-dot": _forge(_claims(), {"alg": "none", "typ": "JWT"}) + ".",
        "rs256-signed": jwt.encode(_claims(), private, algorithm="RS256"),
        # HS/RS confusion: HMAC keyed with the public key, as a confused verifier would accept
        "hs256-with-public-key": _forge(
            _claims(),
            {"alg": "HS256", "typ": "JWT"},
            __import__("hmac").new(public_pem, b"x", "sha256").digest(),
        ),
        "wrong-secret": jwt.encode(_claims(), "another-secret-" + "y" * 40, algorithm="HS256"),
        "tampered-claims": f"{head}.{tampered_body}.{sig}",
        "wrong-audience": jwt.encode(_claims(aud="someone-else"), secret, algorithm="HS256"),
        "no-expiry": jwt.encode(
            {k: v for k, v in _claims().items() if k != "exp"}, secret, algorithm="HS256"
        ),
        "unknown-user": jwt.encode(_claims("ghost"), secret, algorithm="HS256"),
        "old-version": jwt.encode(_claims(ver=-1), secret, algorithm="HS256"),
        "garbage": "not.a.token",
        "fake-api-token": "rr_deadbeef_notarealtoken",
    }
    for name, token in bad_tokens.items():
        answer = anonymous_client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, name
        assert answer.headers.get("WWW-Authenticate") == "Bearer", name
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_api_tokens_are_scoped_like_their_owner_and_revocable(
    anonymous_client: TestClient, d: Small, people: dict[str, str]
) -> None:
    manager = token_for(anonymous_client, "depot_manager")
    made = anonymous_client.post(
        "/auth/api-tokens", json={"name": "depot A scale"}, headers=manager
    )
    assert made.status_code == 201, made.text
    machine = {"Authorization": f"Bearer {made.json()['token']}"}
    body = {"item_id": d.tent_id, "lot_number": "T-1", "quantity": 5}
    assert (
        anonymous_client.post(
            "/movements/receipts", json={**body, "depot_id": d.depot_a_id}, headers=machine
        ).status_code
        == 201
    )
    assert (
        anonymous_client.post(
            "/movements/receipts", json={**body, "depot_id": d.depot_b_id}, headers=machine
        ).status_code
        == 403
    )
    listed = anonymous_client.get("/auth/api-tokens", headers=manager).json()
    assert [t["name"] for t in listed] == ["depot A scale"]
    assert "token" not in listed[0]
    assert (
        anonymous_client.delete(
            f"/auth/api-tokens/{made.json()['id']}", headers=manager
        ).status_code
        == 200
    )
    assert anonymous_client.get("/auth/me", headers=machine).status_code == 401


def test_disabling_a_user_or_resetting_a_password_ends_their_tokens(
    anonymous_client: TestClient, session: Session, people: dict[str, str]
) -> None:
    auditor = token_for(anonymous_client, "auditor")
    users.reset_password(session, "auditor", "another long password")
    assert anonymous_client.get("/auth/me", headers=auditor).status_code == 401
    manager = token_for(anonymous_client, "depot_manager")
    admin = token_for(anonymous_client, "admin")
    assert anonymous_client.post("/users/depot_manager/disable", headers=admin).status_code == 200
    assert anonymous_client.get("/auth/me", headers=manager).status_code == 401
    failed = anonymous_client.post(
        "/auth/token", data={"username": "depot_manager", "password": PASSWORD}
    )
    assert failed.status_code == 401


# --- signing in -----------------------------------------------------------------------------


def test_wrong_password_and_unknown_user_get_the_same_answer(
    anonymous_client: TestClient, people: dict[str, str]
) -> None:
    wrong = anonymous_client.post(
        "/auth/token", data={"username": "auditor", "password": "nope nope nope"}
    )
    ghost = anonymous_client.post(
        "/auth/token", data={"username": "ghost", "password": "nope nope nope"}
    )
    assert wrong.status_code == ghost.status_code == 401
    assert wrong.json()["detail"] == ghost.json()["detail"] == "Incorrect username or password."


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"password": "short"}, "at least"),
        ({"password": "planner-1-planner"}, "username"),
        ({"role": "overlord"}, "Unknown role"),
        ({"role": "depot_manager"}, "at least one depot"),
        ({"role": "coordinator"}, "needs a district"),
        ({"username": "bad name!"}, "username"),
    ],
)
def test_bad_users_are_refused(
    anonymous_client: TestClient, people: dict[str, str], change: dict[str, str], says: str
) -> None:
    admin = token_for(anonymous_client, "admin")
    body = {
        "username": "planner-1",
        "password": "a fine long password",
        "role": "auditor",
        **change,
    }
    answer = anonymous_client.post("/users", json=body, headers=admin)
    assert answer.status_code == 422, answer.text
    assert says in answer.json()["detail"]
    assert "planner-1" not in [
        u["username"] for u in anonymous_client.get("/users", headers=admin).json()
    ]


def test_duplicate_users_are_a_conflict(
    anonymous_client: TestClient, people: dict[str, str]
) -> None:
    admin = token_for(anonymous_client, "admin")
    answer = anonymous_client.post(
        "/users",
        json={"username": "auditor", "password": "a fine long password", "role": "auditor"},
        headers=admin,
    )
    assert answer.status_code == 409


def test_the_token_secret_is_generated_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "token-secret"
    first = load_or_create_secret(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == first
    assert len(first) >= 48
    path.chmod(0o644)
    with pytest.raises(PermissionError):
        load_or_create_secret(path)


def test_production_refuses_placeholder_secrets() -> None:
    from pydantic import SecretStr, ValidationError

    with pytest.raises(ValidationError, match="RELIEF_TOKEN_SECRET"):
        Settings(environment="production", token_secret=SecretStr("changeme"))
    Settings(
        environment="production",
        token_secret=SecretStr("k" * 10 + "a-real-random-secret-value-xyz"),
    )


def test_the_readme_shows_the_role_matrix_as_the_code_has_it() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert roles.markdown_table() in readme


SCOPED_WRITES = [
    pytest.param(
        "/movements/receipts",
        lambda d, depot: {
            "depot_id": depot,
            "item_id": d.tent_id,
            "lot_number": "T-1",
            "quantity": 1,
        },
        id="receipt",
    ),
    pytest.param(
        "/movements/issues",
        lambda d, depot: {"depot_id": depot, "item_id": d.tent_id, "quantity": 1},
        id="issue",
    ),
    pytest.param(
        "/movements/write-offs",
        lambda d, depot: {
            "depot_id": depot,
            "item_id": d.tent_id,
            "lot_number": "T-1",
            "quantity": 1,
            "write_off_reason": "damaged",
        },
        id="write-off",
    ),
    pytest.param(
        "/movements/transfers",
        lambda d, depot: {
            "from_depot_id": depot,
            "to_depot_id": d.warehouse_id,
            "item_id": d.tent_id,
            "quantity": 1,
        },
        id="transfer",
    ),
    pytest.param("/counts", lambda d, depot: {"depot_id": depot}, id="count"),
]


@pytest.mark.parametrize(("path", "body"), SCOPED_WRITES)
def test_each_depot_write_is_allowed_for_the_own_depot_and_refused_for_another(
    anonymous_client: TestClient,
    client: TestClient,
    session: Session,
    d: Small,
    people: dict[str, str],
    path: str,
    body: Any,
) -> None:
    for depot in (d.depot_a_id, d.depot_b_id):  # stock to work with, put there by an administrator
        client.post(
            "/movements/receipts",
            json={"depot_id": depot, "item_id": d.tent_id, "lot_number": "T-1", "quantity": 10},
        ).raise_for_status()
    manager = token_for(anonymous_client, "depot_manager")
    journal = len(inventory.list_movements(session, limit=1000))
    refused = anonymous_client.post(path, json=body(d, d.depot_b_id), headers=manager)
    assert refused.status_code == 403, refused.text
    assert len(inventory.list_movements(session, limit=1000)) == journal
    allowed = anonymous_client.post(path, json=body(d, d.depot_a_id), headers=manager)
    assert allowed.status_code == 201, allowed.text


def test_reversals_and_count_steps_follow_the_depot_of_what_they_change(
    anonymous_client: TestClient, client: TestClient, d: Small, people: dict[str, str]
) -> None:
    other = client.post(
        "/movements/receipts",
        json={"depot_id": d.depot_b_id, "item_id": d.tent_id, "lot_number": "T-1", "quantity": 10},
    ).json()
    count = client.post("/counts", json={"depot_id": d.depot_b_id}).json()
    manager = token_for(anonymous_client, "depot_manager")
    movement_id = other["movements"][0]["id"]
    assert (
        anonymous_client.post(
            f"/movements/{movement_id}/reversal", json={"reason": "x"}, headers=manager
        ).status_code
        == 403
    )
    lines = {"lines": [{"item_id": d.tent_id, "lot_number": "T-1", "counted": 1}]}
    assert (
        anonymous_client.put(
            f"/counts/{count['id']}/lines", json=lines, headers=manager
        ).status_code
        == 403
    )
    assert anonymous_client.post(f"/counts/{count['id']}/post", headers=manager).status_code == 403
    assert (
        anonymous_client.post(f"/counts/{count['id']}/cancel", headers=manager).status_code == 403
    )


def test_reversing_a_transfer_needs_scope_over_both_depots(
    anonymous_client: TestClient,
    client: TestClient,
    session: Session,
    d: Small,
    people: dict[str, str],
) -> None:
    client.post(
        "/movements/receipts",
        json={"depot_id": d.depot_a_id, "item_id": d.tent_id, "lot_number": "T-1", "quantity": 10},
    ).raise_for_status()
    manager = token_for(anonymous_client, "depot_manager")  # depot A only
    moved = anonymous_client.post(
        "/movements/transfers",
        json={
            "from_depot_id": d.depot_a_id,
            "to_depot_id": d.depot_b_id,
            "item_id": d.tent_id,
            "quantity": 4,
        },
        headers=manager,
    ).json()
    out_id = next(m["id"] for m in moved["movements"] if m["kind"] == "transfer_out")
    refused = anonymous_client.post(
        f"/movements/{out_id}/reversal", json={"reason": "x"}, headers=manager
    )
    assert refused.status_code == 403
    assert {
        b.depot_id: b.quantity for b in inventory.list_balances(session, item_id=d.tent_id)
    } == {d.depot_a_id: 6, d.depot_b_id: 4}


def test_a_password_reset_revokes_api_tokens_and_tokens_cannot_mint_tokens(
    anonymous_client: TestClient, session: Session, people: dict[str, str]
) -> None:
    manager = token_for(anonymous_client, "depot_manager")
    made = anonymous_client.post("/auth/api-tokens", json={"name": "scale"}, headers=manager).json()
    machine = {"Authorization": f"Bearer {made['token']}"}
    minted = anonymous_client.post("/auth/api-tokens", json={"name": "forever"}, headers=machine)
    assert minted.status_code == 403
    users.reset_password(session, "depot_manager", "a brand new password")
    assert anonymous_client.get("/auth/me", headers=machine).status_code == 401


def test_an_empty_secret_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "token-secret"
    path.write_text("\n")
    path.chmod(0o600)
    with pytest.raises(PermissionError, match="no usable secret"):
        load_or_create_secret(path)


def test_every_write_route_accepts_an_idempotency_key(anonymous_client: TestClient) -> None:
    spec = anonymous_client.app.openapi()  # type: ignore[attr-defined]
    missing = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "put", "patch", "delete")
        and path != "/auth/token"  # signing in changes nothing but the throttle
        and "idempotency-key" not in {p["name"].lower() for p in operation.get("parameters", [])}
    ]
    assert missing == []


def test_a_replayed_token_creation_does_not_hand_out_the_token_again(
    anonymous_client: TestClient, people: dict[str, str]
) -> None:
    manager = {**token_for(anonymous_client, "depot_manager"), "Idempotency-Key": "tok-1"}
    first = anonymous_client.post("/auth/api-tokens", json={"name": "scale"}, headers=manager)
    again = anonymous_client.post("/auth/api-tokens", json={"name": "scale"}, headers=manager)
    assert first.status_code == again.status_code == 201
    assert first.json()["token"].startswith("rr_")
    assert again.json()["token"] is None
    assert again.json()["id"] == first.json()["id"]
    listed = anonymous_client.get("/auth/api-tokens", headers=manager).json()
    assert len(listed) == 1

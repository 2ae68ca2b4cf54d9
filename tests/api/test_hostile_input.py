"""Out-of-range ids and control characters, on every route: a 404 or 422 problem, never a
server error, and nothing changed. Run on SQLite (ids up to 2^63-1) and PostgreSQL (INTEGER
ids up to 2^31-1, no NUL in text)."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from core.inputs import ID_MAX, Strict, control_message, first_control
from core.settings import Settings
from inventory import service
from tests.conftest import _app
from tests.inventory.factories import Small, small_district
from tests.web.conftest import PASSWORD, sign_in

HUGE = [ID_MAX + 1, 2**63, 2**70]


def routes(items: Any, prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every API and page route, with the prefix it is mounted at."""
    for route in items:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from routes(route.original_router.routes, prefix)
        elif hasattr(route, "app") and hasattr(route.app, "routes"):
            yield from routes(route.app.routes, prefix + route.path)


@dataclass
class _Params:
    path_params: list[Any] = field(default_factory=list)
    query_params: list[Any] = field(default_factory=list)
    body_params: list[Any] = field(default_factory=list)


def _flat(route: APIRoute) -> _Params:
    """The route's parameters with those of its dependencies (a `load_supplier`)."""
    found = _Params()
    todo: list[Dependant] = [route.dependant]
    while todo:
        dependant = todo.pop()
        found.path_params += dependant.path_params
        found.query_params += dependant.query_params
        found.body_params += dependant.body_params
        todo += dependant.dependencies
    return found


def _is_int(annotation: Any) -> bool:
    return annotation is int or int in typing.get_args(annotation)


def _sample(annotation: Any) -> str:
    """A harmless value for a path parameter that is not under test."""
    if _is_int(annotation):
        return "1"
    if typing.get_origin(annotation) is typing.Literal:
        return str(typing.get_args(annotation)[0])
    return "x"


def _path(path: str, route: APIRoute, **values: object) -> str:
    for p in _flat(route).path_params:
        path = path.replace(
            "{" + p.name + "}", str(values.get(p.name, _sample(p.field_info.annotation)))
        )
    return path


def _methods(route: APIRoute) -> list[str]:
    return sorted(m for m in route.methods or () if m != "HEAD")


def _send(client: TestClient, method: str, url: str, **params: object) -> Any:
    body: dict[str, Any] = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return client.request(method, url, params=params or None, **body)


def _all(app: FastAPI) -> list[tuple[str, APIRoute]]:
    return list(routes(app.routes))


@pytest.fixture
def d(session: Session) -> Small:
    return small_district(session)


@pytest.fixture
def pages(session: Session, engine: Engine, settings: Settings, d: Small) -> Iterator[TestClient]:
    """The pages signed in as an administrator, over HTTPS (the cookies are Secure)."""
    from accounts import service as users

    users.create_user(session, username="root", password=PASSWORD, role="admin")
    app = _app(session, engine, settings)
    with TestClient(
        app, base_url="https://testserver", raise_server_exceptions=False, follow_redirects=False
    ) as web:
        sign_in(web, "root")
        yield web


def _walk_ids(client: TestClient, prefix: str) -> list[str]:
    wrong: list[str] = []
    checked = 0
    for path, route in _all(client.app):  # type: ignore[arg-type]
        if not path.startswith(prefix) or (prefix == "" and path.startswith("/web")):
            continue
        ints = [p.name for p in _flat(route).path_params if _is_int(p.field_info.annotation)]
        queries = [p.name for p in _flat(route).query_params if _is_int(p.field_info.annotation)]
        for method in _methods(route):
            for value in HUGE:
                cases: list[tuple[str, dict[str, Any]]] = [
                    (_path(path, route, **{n: value}), {}) for n in ints
                ]
                cases += [(_path(path, route), {n: value}) for n in queries]
                for url, params in cases:
                    answer = _send(client, method, url, **params)
                    checked += 1
                    if answer.status_code not in (403, 404, 422):
                        wrong.append(f"{method} {url} {params}: {answer.status_code}")
    assert checked > 50, "the walk found too few routes"
    return wrong


def test_every_api_route_refuses_out_of_range_ids(client: TestClient, d: Small) -> None:
    assert _walk_ids(client, "") == []


def test_every_page_refuses_out_of_range_ids(pages: TestClient) -> None:
    assert _walk_ids(pages, "/web") == []


def test_every_route_refuses_control_characters_in_its_address(
    client: TestClient, d: Small
) -> None:
    wrong: list[str] = []
    for path, route in _all(client.app):  # type: ignore[arg-type]
        texts = [
            p.name
            for p in _flat(route).path_params
            if not _is_int(p.field_info.annotation)
            and typing.get_origin(p.field_info.annotation) is not typing.Literal
        ]
        for method in _methods(route):
            urls = [_path(path, route, **{n: "a%00b"}) for n in texts]
            urls += [_path(path, route) + "?note=%1B%5B2J", _path(path, route) + "?q=%00"]
            for url in urls:
                answer = client.request(method, url)
                if answer.status_code != 422 or "control characters" not in answer.text:
                    wrong.append(f"{method} {url}: {answer.status_code}")
    assert wrong == []


def _body_models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _body_models(arg)


def test_every_json_body_is_a_strict_model(client: TestClient) -> None:
    """A body model refuses unknown fields and control characters (`core.inputs.Strict`)."""
    models = {
        model
        for _, route in _all(client.app)  # type: ignore[arg-type]
        for p in _flat(route).body_params
        for model in _body_models(p.field_info.annotation)
    }
    assert len(models) > 20
    assert sorted(m.__name__ for m in models if not issubclass(m, Strict)) == []


def test_every_id_in_the_documented_bodies_and_parameters_is_bounded(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    unbounded: list[str] = []

    def integers(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if schema.get("type") == "integer":
            yield schema
        for key in ("anyOf", "oneOf", "allOf"):
            for part in schema.get(key, []):
                yield from integers(part)
        if "items" in schema:
            yield from integers(schema["items"])

    components = document["components"]["schemas"]

    def refs(schema: Any) -> Iterator[str]:
        if isinstance(schema, dict):
            if "$ref" in schema:
                yield schema["$ref"].rsplit("/", 1)[1]
            for value in schema.values():
                yield from refs(value)
        elif isinstance(schema, list):
            for value in schema:
                yield from refs(value)

    inputs: set[str] = set()
    todo = [
        name
        for methods in document["paths"].values()
        for op in methods.values()
        for name in refs(op.get("requestBody", {}))
    ]
    while todo:
        name = todo.pop()
        if name not in inputs:
            inputs.add(name)
            todo.extend(refs(components[name]))
    assert len(inputs) > 20
    for name in sorted(inputs):
        for member, prop in components[name].get("properties", {}).items():
            if member == "id" or member.endswith(("_id", "_ids")):
                for part in integers(prop):
                    if part.get("maximum", float("inf")) > ID_MAX:
                        unbounded.append(f"{name}.{member}")
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            for p in op.get("parameters", []):
                name = p["name"]
                bound = ID_MAX if name == "id" or name.endswith(("_id", "_ids")) else 2**63 - 1
                for part in integers(p["schema"]):
                    if part.get("maximum", float("inf")) > bound:
                        unbounded.append(f"{method} {path} {name}")
    assert unbounded == []


# --- end to end, on both databases --------------------------------------------------------


def test_a_huge_id_in_a_body_is_refused_and_changes_nothing(
    client: TestClient, session: Session, d: Small
) -> None:
    for value in HUGE:
        answer = client.post(
            "/movements/receipts",
            json={"depot_id": value, "item_id": d.tent_id, "lot_number": "T-1", "quantity": 5},
        )
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["loc"] == ["body", "depot_id"]
    assert client.post("/counts/72057594037927937/post").status_code == 422
    assert client.get(f"/depots/{2**31}").status_code == 422
    assert service.list_balances(session) == []


def test_a_nul_byte_in_text_is_refused_and_changes_nothing(
    client: TestClient, session: Session, d: Small
) -> None:
    received = client.post(
        "/movements/receipts",
        json={"depot_id": d.depot_a_id, "item_id": d.tent_id, "lot_number": "T-1", "quantity": 5},
    )
    assert received.status_code == 201, received.text
    before = [(b.lot_number, b.quantity) for b in service.list_balances(session)]
    cases = [
        (
            "/movements/write-offs",
            {
                "depot_id": d.depot_a_id,
                "item_id": d.tent_id,
                "lot_number": "T-1",
                "quantity": 1,
                "write_off_reason": "damaged",
                "reason": "水\u0000",
            },
        ),
        (
            "/movements/receipts",
            {
                "depot_id": d.depot_a_id,
                "item_id": d.tent_id,
                "lot_number": "T\u00002",
                "quantity": 5,
            },
        ),
        ("/districts", {"code": "D9", "name_zh": "区\u001b[2J", "name_en": "x"}),
        ("/users", {"username": "a\u0000", "password": "x" * 20, "role": "auditor"}),
    ]
    for path, body in cases:
        answer = client.post(path, json=body)
        assert answer.status_code == 422, (path, answer.text)
        assert "control characters are not allowed" in answer.text, answer.text
    assert [(b.lot_number, b.quantity) for b in service.list_balances(session)] == before


def test_a_nul_byte_in_a_sign_in_is_refused_before_any_query(anonymous_client: TestClient) -> None:
    for username, password in (("admin\u0000", "x"), ("admin", "pass\u0000word")):
        answer = anonymous_client.post(
            "/auth/token", data={"username": username, "password": password}
        )
        assert answer.status_code == 422, answer.text


def test_a_control_character_in_a_page_form_is_refused_with_a_page(pages: TestClient) -> None:
    from tests.web.conftest import csrf_of

    answer = pages.post(
        "/web/language", data={"lang": "en\u0000", "back": "/web/", "csrf": csrf_of(pages, "/web/")}
    )
    assert answer.status_code == 422
    assert "text/html" in answer.headers["content-type"]


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("水", False),
        ("line one\nline two\ttabbed\r\n", False),
        ("\u0000", True),
        ("a\u0007", True),
        ("\u001b[31m", True),
        ("\u007f", True),
        ("\u0085", True),
        (["ok", {"k": ["\u0001"]}], True),
        ({"\u0000": "key"}, True),
        (5, False),
    ],
)
def test_control_characters_are_found_anywhere_in_a_value(value: Any, refused: bool) -> None:
    assert (first_control(value) is not None) is refused


def test_the_message_names_the_character() -> None:
    assert control_message("a\u0000") == "control characters are not allowed (found U+0000)"

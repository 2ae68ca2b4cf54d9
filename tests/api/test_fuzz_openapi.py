"""Schemathesis over the whole OpenAPI document: no request may get a server error, and
every answer must be one the document declares (status, content type, body schema), for
data the document allows and for data it forbids.

* `test_generated_cases_...`: the fuzzing phase, a few generated requests an operation and
  mode, as an administrator and as a depot manager, on SQLite and PostgreSQL.
* `test_boundary_cases_...`: the coverage phase, every operation's boundary values, missing
  and mistyped fields and two methods the document does not list, as an administrator on
  PostgreSQL, the stricter database (INTEGER ids, no NUL in text); it is the costly half.

The document is the app's own (`app.openapi()`); requests go in process through the tests'
`TestClient`, so an operation's examples share one rolled-back transaction, each request a
savepoint, over a database of the module's own seeded once with a small district, stock,
a supplier and an agreement. Half the schema-valid cases are aimed at the seeded rows
(`_fold`), so requests reach real rows as well as missing ones. Derandomised, so a
failure reproduces; `pytest -m fuzz` runs it alone, `-m "not fuzz"` leaves it out.

What is not checked, and why:

* `ignored_auth`, `object_level_authorization`: the caller is set by replacing
  `current_principal`, so no request carries credentials to withhold or swap; signing in
  and scopes have their own tests, and the depot manager's runs here meet every 403.
* `use_after_free`, `ensure_resource_availability`: they follow a resource across
  requests, which only the stateful phase does; this runs one operation at a time.
* `max_response_time`: a shared CI runner's timings say nothing about the code.
* `positive_data_acceptance` accepts a 422: a schema-valid request may break a domain rule
  the document cannot state (two different depots, a known lot, a lot's expiry date). It
  still fails on any other refusal of valid data (400, 405, 415).
* `unsupported_method` on a fixed path that another path's template also matches
  (`filter_failure`).
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from pydantic import SecretStr
from schemathesis.openapi.checks import UnsupportedMethodResponse
from sqlalchemy import Engine, create_engine
from sqlmodel import Session

from accounts import service as users
from api.app import create_app
from api.security.deps import current_principal
from core.db import make_engine
from core.inputs import control_character
from core.settings import Settings
from inventory import schemas as inventory_schemas
from inventory import service as inventory
from suppliers import schemas as supplier_schemas
from suppliers import service as suppliers
from tests.conftest import BACKENDS, _new_database
from tests.inventory.factories import Small, small_district
from tests.suppliers.helpers import contract_body, supplier_body

pytestmark = pytest.mark.fuzz

PASSWORD = "correct horse battery"
ROLES = ["admin", "depot_manager"]

#: Examples per operation and mode (schema-valid, schema-violating) in the fuzzing phase;
#: RELIEF_FUZZ_EXAMPLES raises it for a deeper run than CI's.
MAX_EXAMPLES = int(os.environ.get("RELIEF_FUZZ_EXAMPLES", "4"))
#: Ids folded into 1..SEEDED hit the seeded district, its communities, depots and items.
SEEDED = 3


def _document() -> dict[str, Any]:
    """The app's OpenAPI document; the app is built only to render it."""
    settings = Settings(
        environment="test",
        data_dir=Path(tempfile.gettempdir()) / "relief-openapi-document",
        database_url="sqlite://",
        token_secret=SecretStr("openapi-document-" + "x" * 40),
    )
    return create_app(settings, create_engine("sqlite://")).openapi()


DOCUMENT = _document()


def _fold(value: Any, key: str = "") -> Any:
    """`value` aimed at the seeded rows: positive integer ids folded into 1..SEEDED, and
    text without the control characters the app refuses in any field (a rule the document
    does not state, tested in `test_hostile_input.py`)."""
    if isinstance(value, dict):
        return {k: _fold(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_fold(v, key) for v in value]
    if isinstance(value, str):
        return "".join(c for c in value if control_character(c) is None)
    is_id = key in ("id", "seq") or key.endswith(("_id", "_ids"))
    if is_id and _whole(value) and value >= 1:
        return type(value)((int(value) - 1) % SEEDED + 1)
    return value


def _whole(value: Any) -> bool:
    """An integer, as JSON may spell it (1 or 1.0)."""
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def flatmap_case(context: schemathesis.HookContext, case: schemathesis.Case[Any]) -> Any:
    """Half the schema-valid cases aim at the seeded rows (`_fold`); a negative case stays
    as it is, since folding could make it valid."""
    if case.meta is None or case.meta.generation.mode != schemathesis.GenerationMode.POSITIVE:
        return st.just(case)
    return st.booleans().map(lambda fold: _folded(case) if fold else case)


def _folded(case: schemathesis.Case[Any]) -> schemathesis.Case[Any]:
    folded = case.derive(query=_fold(case.query))
    folded.path_parameters = _fold(case.path_parameters)
    if isinstance(case.body, dict | list):
        folded.body = _fold(case.body)
    return folded


def filter_failure(
    context: schemathesis.HookContext, failure: Any, case: schemathesis.Case[Any], response: Any
) -> bool:
    """An undeclared method on a fixed path that another path's template also matches
    (GET /suppliers/sweep is GET /suppliers/{supplier_id}) is that operation's request, and
    its 422 for a non-integer id is the declared answer, not a wrong answer to the method."""
    if not isinstance(failure, UnsupportedMethodResponse):
        return True
    return not _routes_elsewhere(case.method, case.formatted_path)


def _routes_elsewhere(method: str, path: str) -> bool:
    parts = path.strip("/").split("/")
    for template, operations in DOCUMENT["paths"].items():
        pattern = template.strip("/").split("/")
        if (
            template != path
            and method.lower() in operations
            and len(pattern) == len(parts)
            and all(p == q or p.startswith("{") for p, q in zip(pattern, parts, strict=True))
        ):
            return True
    return False


def _schema(*, boundaries: bool) -> schemathesis.BaseSchema:
    """The document for one phase: the coverage phase's boundary cases, or the fuzzing
    phase's generated ones."""
    phases: dict[str, Any] = {"stateful": {"enabled": False}}
    if boundaries:
        phases["fuzzing"] = {"enabled": False}
        # Two methods, not all eight: one a path does not list shows the 405 and its Allow
        # header, and OPTIONS checks that Allow names the path's methods.
        phases["coverage"] = {"unexpected-methods": ["delete", "options"]}
    else:
        phases["coverage"] = {"enabled": False}
    config = schemathesis.Config.from_dict(
        {
            "phases": phases,
            "checks": {
                "ignored_auth": {"enabled": False},
                "object_level_authorization": {"enabled": False},
                "use_after_free": {"enabled": False},
                "ensure_resource_availability": {"enabled": False},
                "positive_data_acceptance": {
                    "expected-statuses": ["2XX", "3XX", 401, 403, 404, 409, 422, 429]
                },
            },
        }
    )
    loaded = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=config)
    loaded.hook(flatmap_case)
    loaded.hook(filter_failure)
    return loaded


BOUNDARIES = _schema(boundaries=True)
GENERATED = _schema(boundaries=False)


def _seed(session: Session) -> Small:
    """A small district with stock in depot A, a supplier holding an agreement for tents,
    and the two users the runs sign in as."""
    d = small_district(session)
    for item_id, expiry in ((d.tent_id, None), (d.water_id, date(2099, 1, 1))):
        receipt = inventory_schemas.ReceiptCreate(
            depot_id=d.depot_a_id,
            item_id=item_id,
            lot_number="L1",
            expiry_date=expiry,
            quantity=500,
        )
        inventory.receive(session, receipt, actor="seed")
    supplier = suppliers.create_supplier(
        session, supplier_schemas.SupplierCreate(**supplier_body())
    )
    suppliers.create_contract(
        session,
        supplier_schemas.ContractCreate(
            **contract_body(supplier.id or 0, d.district_id, d.tent_id)
        ),
        actor="seed",
    )
    users.create_user(session, username="admin", password=PASSWORD, role="admin")
    users.create_user(
        session,
        username="depot_manager",
        password=PASSWORD,
        role="depot_manager",
        depot_ids=[d.depot_a_id],
    )
    return d


@pytest.fixture(scope="module", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """This module's own migrated database per backend, seeded once and committed: each
    test still runs in a transaction rolled back to the seeded state (conftest's `session`),
    and the seeded rows keep ids 1, 2, 3 on PostgreSQL too."""
    url = _new_database(request.param, request, tmp_path_factory.mktemp("fuzz-db"))
    seeded = make_engine(url)
    with Session(seeded) as session:
        _seed(session)
        session.commit()
    yield seeded
    seeded.dispose()


@pytest.fixture(params=ROLES)
def fuzz_client(request: pytest.FixtureRequest, session: Session, client: TestClient) -> TestClient:
    """The API signed in as the role (a real user: what a route records about its caller
    refers to a row); the depot manager runs depot A."""
    principal = users.principal_of(session, users.get_user(session, request.param))
    client.app.dependency_overrides[current_principal] = lambda: principal  # type: ignore[attr-defined]
    return client


_REQUEST_ARGUMENTS = ("method", "url", "headers", "files", "data", "params", "cookies", "json")


def _send(client: TestClient, case: schemathesis.Case[Any]) -> Any:
    """The case's request, encoded as schemathesis would send it, through the client."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url))
    prepared = requests.Request(**{k: kwargs[k] for k in _REQUEST_ARGUMENTS if k in kwargs})
    wire = prepared.prepare()
    return client.request(
        wire.method or case.method,
        wire.url or "",
        headers=dict(wire.headers),
        content=wire.body,
    )


SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # One client (one transaction) serves all of an operation's examples, on purpose;
    # generation time on a shared runner is not the code's (as in conftest's profiles).
    suppress_health_check=[
        hypothesis.HealthCheck.function_scoped_fixture,
        hypothesis.HealthCheck.too_slow,
    ],
)


def _check(case: schemathesis.Case[Any], client: TestClient) -> None:
    response = _send(client, case)
    case.validate_response(response)
    declared = _answer_schema(case.method, case.operation.path, response)
    if declared is not None:
        extra = undeclared_members(declared, response.json())
        assert not extra, f"{case.method} {case.formatted_path} answers undeclared {extra}"


def _answer_schema(method: str, path: str, response: Any) -> dict[str, Any] | None:
    """The JSON schema the document declares for this answer, if it is JSON."""
    operation = DOCUMENT["paths"][path].get(method.lower())
    answer = None if operation is None else operation["responses"].get(str(response.status_code))
    content_type = response.headers.get("content-type", "").split(";")[0]
    if answer is None or not content_type.endswith("json"):
        return None
    schema: dict[str, Any] | None = answer.get("content", {}).get(content_type, {}).get("schema")
    return schema


def undeclared_members(schema: dict[str, Any], value: Any, where: str = "$") -> list[str]:
    """Members of `value` that its schema does not name (an answer must not carry more
    than the document says: a row's other columns, a field left over from a rename).
    Schemathesis allows them, as JSON Schema does unless `additionalProperties` is false."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return undeclared_members(DOCUMENT["components"]["schemas"][name], value, where)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            found = [undeclared_members(option, value, where) for option in schema[key]]
            if key == "allOf":
                return [member for members in found for member in members]
            return min(found, key=len)
    if isinstance(value, dict) and "properties" in schema:
        open_ended = schema.get("additionalProperties") not in (None, False)
        extra = [
            f"{where}.{name}"
            for name in value
            if name not in schema["properties"] and not open_ended
        ]
        for name, member in value.items():
            if name in schema["properties"]:
                extra += undeclared_members(schema["properties"][name], member, f"{where}.{name}")
        return extra
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [
            e
            for i, v in enumerate(value)
            for e in undeclared_members(schema["items"], v, f"{where}[{i}]")
        ]
    return []


@BOUNDARIES.parametrize()
@pytest.mark.parametrize("fuzz_client", ["admin"], indirect=True)
@pytest.mark.parametrize(
    "engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
@SETTINGS
def test_boundary_cases_get_declared_answers(
    case: schemathesis.Case[Any], fuzz_client: TestClient
) -> None:
    _check(case, fuzz_client)


@GENERATED.parametrize()
@SETTINGS
def test_generated_cases_get_declared_answers(
    case: schemathesis.Case[Any], fuzz_client: TestClient
) -> None:
    _check(case, fuzz_client)

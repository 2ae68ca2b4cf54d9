"""The OpenAPI document declares the refusals as the app sends them: problem JSON."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.problems import PROBLEM_JSON


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_refusal_is_declared_as_problem_json(document: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in document["components"]["schemas"]
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    for method, path, operation in operations(document):
        responses = operation["responses"]
        assert "422" in responses, (method, path)
        for status, answer in responses.items():
            if status.startswith("4"):
                assert answer["description"], (method, path, status)
                assert list(answer["content"]) == [PROBLEM_JSON], (method, path, status)
                assert answer["content"][PROBLEM_JSON]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }


def test_what_an_operation_can_refuse_follows_from_what_it_takes(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        declared = set(operation["responses"])
        if operation.get("security"):
            assert {"401", "403"} <= declared, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert "409" in declared, (method, path)
            if "{" in path:
                assert "404" in declared, (method, path)
        if "requestBody" in operation:
            assert "400" in declared, (method, path)
    token = document["paths"]["/auth/token"]["post"]["responses"]
    assert token["401"]["description"] == "Incorrect username or password"
    assert "429" in token
    assert "409" not in token
    assert "404" not in token
    assert "413" not in document["paths"]["/imports/counts"]["post"]["responses"]  # a 422
    assert "409" in document["paths"]["/ledger/checkpoint"]["get"]["responses"]
    assert "404" not in document["paths"]["/access-log"]["get"]["responses"]  # a cursor
    assert "404" not in document["paths"]["/districts"]["get"]["responses"]
    assert "404" in document["paths"]["/movements/receipts"]["post"]["responses"]


def test_a_refusal_is_the_declared_problem(client: TestClient) -> None:
    answer = client.post("/movements/receipts", json={"depot_id": 999_999})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)
    body = answer.json()
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(body)
    assert all({"loc", "msg"} <= set(e) for e in body["errors"])

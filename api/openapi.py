"""The OpenAPI document, with the refusals every operation can give declared as what they
are: RFC 9457 problem JSON (`api.problems`), not FastAPI's default validation shape.

Which refusals an operation declares follows from what it takes, so a new route is
documented without anyone remembering to:

* 422 everywhere: a malformed parameter or body, or a control character in the address
  (`api.middleware.RefuseControlCharacters`), which no route sees first;
* 401 and 403 where the operation has a security requirement (a bearer token that is
  missing or not accepted; a role, scope or area that does not cover the request);
* 404 where the operation names something (a path parameter, or ids in its query or body);
* 409 on writes (a state that does not allow it, a conflicting Idempotency-Key);
* 400 where there is a body (one that cannot be read: not UTF-8, not the form it claims);
  a file over its limit is a 422 like any other input refused;
* what an operation declares itself (the 429 of `/auth/token`) keeps its description.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.problems import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. Members beyond the standard five carry the "
    "refusal's particulars (a `reason`, a `retry_after_s`).",
    "type": "object",
    "additionalProperties": True,
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "instance": {"type": "string", "description": "The path that was asked for."},
        "errors": {
            "type": "array",
            "description": "One entry a field or spreadsheet cell that was not accepted.",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": ["string", "null"]},
                    "line": {"type": "integer"},
                    "column": {"type": "string"},
                },
            },
        },
    },
}

DESCRIPTIONS = {
    "400": "The body could not be read (not UTF-8, or not the form it claims to be).",
    "401": "No bearer token, or one that is not accepted (expired, revoked, unknown).",
    "403": "The caller's role, scopes or area do not cover this request.",
    "404": "Something the request names does not exist.",
    "409": "The current state does not allow it, or the Idempotency-Key was used for another "
    "request.",
    "422": "The input was not accepted; `errors` says where and why.",
}

WRITES = frozenset({"post", "put", "patch", "delete"})
#: Parameters that page through a list: a cursor past the end is an empty page, not a 404.
CURSORS = frozenset({"before_id", "after_id"})


def install(app: FastAPI) -> None:
    """Serve the document with the problem answers declared (built once, then cached)."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = with_problems(schema)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def with_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with every operation's refusals declared as problem JSON (see the module)."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in refusals(method, operation, schemas):
                own = responses.get(status, {}).get("description")
                responses[status] = {
                    "description": own if own and own != FASTAPI_422 else DESCRIPTIONS[status]
                }
            for status, answer in responses.items():
                if status.startswith("4"):
                    answer["content"] = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}
    return schema


#: FastAPI's description of the 422 it declares, replaced by ours.
FASTAPI_422 = "Validation Error"


def refusals(method: str, operation: dict[str, Any], schemas: dict[str, Any]) -> list[str]:
    """The refusals this operation can give, from what it takes."""
    found = ["422"]
    signed_in = bool(operation.get("security"))
    if signed_in:
        found += ["401", "403"]
    if signed_in and _names_something(operation, schemas):
        found.append("404")
    if signed_in and method in WRITES:
        found.append("409")
    body = operation.get("requestBody", {}).get("content", {})
    if body:
        found.append("400")
    return found


def _names_something(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    parameters = operation.get("parameters", [])
    named = [p for p in parameters if p.get("name") not in CURSORS]
    if any(p.get("in") == "path" or _is_id(p.get("name", "")) for p in named):
        return True
    bodies = operation.get("requestBody", {}).get("content", {}).values()
    return any(_has_id(body.get("schema", {}), schemas, set()) for body in bodies)


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith(("_id", "_ids"))


def _has_id(node: Any, schemas: dict[str, Any], seen: set[str]) -> bool:
    """Whether a body schema has an id field anywhere (lines' item ids included)."""
    if isinstance(node, list):
        return any(_has_id(item, schemas, seen) for item in node)
    if not isinstance(node, dict):
        return False
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return False
        seen.add(name)
        return _has_id(schemas.get(name, {}), schemas, seen)
    if any(_is_id(key) for key in node.get("properties", {})):
        return True
    return any(_has_id(value, schemas, seen) for value in node.values())

"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from api.headers import security_headers
from core.errors import DomainError, NotAuthenticated

log = logging.getLogger("relief.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://relief-reserve.org/problems/"


RESERVED = frozenset({"type", "title", "status", "detail", "instance"})


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_slug: str,
    instance: str,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """A problem-details answer; `extra` members never overwrite the standard ones."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + type_slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update((k, v) for k, v in (extra or {}).items() if k not in RESERVED)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        extra: dict[str, Any] = dict(exc.extra)
        if exc.problems:
            extra["errors"] = [p.as_dict() for p in exc.problems]
        response = problem(
            exc.status,
            exc.title,
            exc.detail,
            type_slug=exc.type_slug,
            instance=request.url.path,
            extra=extra,
        )
        if isinstance(exc, NotAuthenticated):
            response.headers["WWW-Authenticate"] = "Bearer"
        if "retry_after_s" in exc.extra:
            response.headers["Retry-After"] = str(exc.extra["retry_after_s"])
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type")}
            for err in exc.errors()
        ]
        where = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:5])
        return problem(
            422,
            "Invalid input",
            f"The request does not have the expected shape ({where}).",
            type_slug="invalid-input",
            instance=request.url.path,
            extra={"errors": errors},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem(
            exc.status_code,
            _title(exc.status_code),
            str(exc.detail),
            type_slug=f"http-{exc.status_code}",
            instance=request.url.path,
        )
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        response = problem(
            500,
            "Internal server error",
            "An unexpected error happened; it has been logged.",
            type_slug="internal",
            instance=request.url.path,
        )
        # This answer is sent from outside every middleware, so it takes its headers here.
        response.headers.update(security_headers(request.scope, PROBLEM_JSON))
        return response


#: The methods a route may serve, in the order an Allow header lists them.
METHODS = ("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """The methods of the resource at this path, over all its routes: Starlette's 405
    names only the first route whose path matched, so a path with GET and POST on two
    routes said `Allow: POST`.

    A method is allowed when the app would route it (each top-level route asked, so an
    included router's prefix counts). Where templates overlap (`/suppliers/sweep` is also
    `/suppliers/{supplier_id}`), the resource is the most literal template that matches the
    path, and a method that only another template serves is left out."""
    routes = request.app.router.routes
    routed = [
        method
        for method in METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    ]
    path = request.scope["path"]
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    found: dict[str, set[str]] = {}
    for template, pattern, methods in _templates(routes):
        if pattern.match(path):
            found.setdefault(template, set()).update(methods)
    if not found:
        return routed
    resource = min(found, key=lambda template: (template.count("{"), template))
    return [method for method in routed if method in found[resource]]


def _templates(routes: Any) -> Iterator[tuple[str, re.Pattern[str], set[str]]]:
    """Each route's full path template (with its router's prefix), pattern and methods,
    through included routers; not mounts, whose apps answer their own 405s."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):  # an included router (FastAPI): its routes with the prefix
            for context in contexts():
                yield context.path_format, context.path_regex, set(context.methods or ())
        elif isinstance(route, Route):
            yield route.path_format, route.path_regex, set(route.methods or ())
        elif hasattr(route, "original_router"):
            yield from _templates(route.original_router.routes)


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"

"""The web pages as a sub-application mounted at `/web` of the API application.

A sub-application keeps the pages' HTML error answers (a redirect to sign in, a 403 page,
a CSRF refusal) apart from the API's problem JSON. It shares the API's settings, engine,
token secret and dependency overrides, so a page and an API call see the same data.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.problems import allowed_methods
from api.web import auth
from api.web.render import HERE, render
from core.errors import DomainError, NotAuthenticated

PREFIX = "/web"


def create_web_app(parent: FastAPI) -> FastAPI:
    web = FastAPI(title="Relief Reserve pages", docs_url=None, redoc_url=None, openapi_url=None)
    web.state.settings = parent.state.settings
    web.state.engine = parent.state.engine
    web.state.token_secret = parent.state.token_secret
    web.dependency_overrides = parent.dependency_overrides  # one swap serves API and pages
    web.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    from api.web import (
        pages_audit,
        pages_counts,
        pages_depot,
        pages_district,
        pages_home,
        pages_orders,
        pages_plans,
        pages_receipts,
        pages_suppliers,
    )

    pages = (
        pages_home,
        pages_depot,
        pages_counts,
        pages_receipts,
        pages_orders,
        pages_district,
        pages_plans,
        pages_suppliers,
        pages_audit,
    )
    for module in pages:
        web.include_router(module.router)
    _handlers(web)
    return web


def _handlers(web: FastAPI) -> None:
    @web.exception_handler(auth.SignInRequired)
    async def _sign_in(request: Request, exc: auth.SignInRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": f"{PREFIX}/sign-in"})
        return RedirectResponse(f"{PREFIX}/sign-in", status_code=303)

    @web.exception_handler(auth.WrongRole)
    async def _forbidden(request: Request, exc: auth.WrongRole) -> HTMLResponse:
        return render(
            request,
            "error.html",
            {"title": "Not permitted", "detail": "Your role may not use this page."},
            who=exc.who,
            status_code=403,
        )

    @web.exception_handler(auth.BadCsrf)
    async def _csrf(request: Request, exc: auth.BadCsrf) -> HTMLResponse:
        return render(
            request,
            "error.html",
            {
                "title": "The form has expired",
                "detail": "Go back, reload the page and send the form again.",
            },
            status_code=403,
        )

    @web.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> HTMLResponse:
        in_path = any(e.get("loc", ("",))[0] == "path" for e in exc.errors())
        if in_path:  # an id no record can have: as any other missing page
            context = {"title": "Not found", "detail": "There is no such page."}
        else:
            context = {"title": "Invalid input", "detail": "The form or address was not valid."}
        return render(request, "error.html", context, status_code=404 if in_path else 422)

    @web.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        """An address no page has, or a method a page does not take: a page, not JSON."""
        headers: dict[str, str] = {}
        if exc.status_code == 404:
            context = {"title": "Not found", "detail": "There is no such page."}
        elif exc.status_code == 405:
            context = {"title": "Not allowed", "detail": "This page does not take that request."}
            headers["Allow"] = ", ".join(allowed_methods(request))
        else:
            context = {"title": "Error", "detail": "The request was not accepted."}
        answer = render(request, "error.html", context, status_code=exc.status_code)
        answer.headers.update(headers)
        return answer

    @web.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotAuthenticated):
            return RedirectResponse(f"{PREFIX}/sign-in", status_code=303)
        return render(
            request,
            "error.html",
            {"title": exc.title, "detail": exc.detail},
            status_code=exc.status,
        )


def install(app: FastAPI) -> None:
    """Mount the pages at `/web` and send `/` there."""
    app.mount(PREFIX, create_web_app(app))

"""The interactive API documentation, `/docs` (Swagger UI) and `/redoc` (ReDoc), from our own
static files (`api/web/static/docs/`): nothing is loaded from a CDN, so the documentation
works on a network without the internet, and its pages run under a policy as strict as the
rest (`api.headers.DOCS_POLICIES`) — no inline script; Swagger UI starts from a file.

FastAPI's own documentation pages are turned off (`docs_url=None, redoc_url=None`): they
load both front-ends from a public CDN and start Swagger UI with an inline script. Signing
in on `/docs` uses the password flow, which needs no OAuth2 redirect page.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

#: Where the pages' static files are served (the web pages' static mount).
ASSETS = "/web/static/docs"
DOCS_URL = "/docs"
REDOC_URL = "/redoc"


def install(app: FastAPI) -> None:
    """Serve `/docs` and `/redoc` for the app's OpenAPI document."""
    title = escape(app.title)
    spec = escape(app.openapi_url or "/openapi.json")
    swagger = _page(
        f"{title} — API",
        head=f'<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">',
        body=(
            f'<div id="swagger-ui" data-openapi="{spec}"></div>\n'
            f'<script src="{ASSETS}/swagger-ui-bundle.js"></script>\n'
            f'<script src="{ASSETS}/swagger-init.js"></script>'
        ),
    )
    redoc = _page(
        f"{title} — ReDoc",
        head="",
        body=(
            f'<redoc spec-url="{spec}"></redoc>\n'
            f'<script src="{ASSETS}/redoc.standalone.js"></script>'
        ),
    )

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(swagger)

    @app.get(REDOC_URL, include_in_schema=False)
    def redoc_page() -> HTMLResponse:
        return HTMLResponse(redoc)


def _page(title: str, *, head: str, body: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )

"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import Engine
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from accounts.secrets import load_or_create_secret
from api import docs, openapi, problems, schedule
from api.headers import SecurityHeaders
from api.middleware import DEFAULT_LIMIT, InFlightLimit, RefuseControlCharacters
from api.routers import health
from api.security.deps import require
from api.web.app import install as install_web
from core.db import get_engine
from core.settings import Settings, get_settings


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Relief Reserve",
        version="0.1.0",
        summary="Emergency supply chain and reserve management for a district",
        lifespan=schedule.lifespan,
        docs_url=None,  # our own pages, from our own files (api/docs.py)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or get_engine(settings.resolved_database_url, echo=settings.db_echo)
    app.state.token_secret = (
        settings.token_secret.get_secret_value()
        if settings.token_secret
        else load_or_create_secret(settings.resolved_token_secret_file)
    )
    problems.install(app)
    app.add_middleware(InFlightLimit, limit=DEFAULT_LIMIT)
    app.add_middleware(RefuseControlCharacters)
    app.add_middleware(SecurityHeaders)
    if settings.trusted_proxies:  # outermost: every layer sees the client the proxy names
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.include_router(health.router)
    for router, permission in _domain_routers():
        dependencies = [Depends(require(permission))] if permission else []
        app.include_router(router, dependencies=dependencies)
    install_web(app)
    docs.install(app)
    openapi.install(app)
    return app


def _domain_routers() -> list[tuple[APIRouter, str | None]]:
    """Each router with the permission all its routes need (None: the routes say it)."""
    from api.routers import (
        access_log,
        alerts,
        auth,
        dispatch,
        distribution,
        inventory,
        ledger,
        orders,
        plans,
        suppliers,
    )

    return [
        (access_log.router, None),
        (alerts.router, None),
        (auth.router, None),
        (dispatch.router, None),
        (distribution.router, None),
        (inventory.router, None),
        (ledger.router, "read"),
        (orders.router, None),
        (plans.router, None),
        (suppliers.router, None),
    ]

"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine

from api import problems
from api.routers import health
from core.db import get_engine
from core.settings import Settings, get_settings


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Relief Reserve",
        version="0.1.0",
        summary="Emergency supply chain and reserve management for a district",
    )
    app.state.settings = settings
    app.state.engine = engine or get_engine(settings.resolved_database_url, echo=settings.db_echo)
    problems.install(app)
    app.include_router(health.router)
    for router in _domain_routers():
        app.include_router(router)
    return app


def _domain_routers() -> list[APIRouter]:
    from api.routers import inventory, ledger

    return [inventory.router, ledger.router]

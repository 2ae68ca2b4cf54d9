"""Migrations on a database that holds data: every revision down to the dispatch schema and
back up keeps every row and every reference (SQLite rebuilds tables to alter them)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text
from sqlmodel import Session, SQLModel

import migrations
from accounts.models import AccessLog
from dispatch.models import Manifest, ManifestLine, RoutePlan, RouteTrip
from tests.plans.helpers import district_with_history
from tests.web.flows import dispatched, fast_settings

pytestmark = pytest.mark.slow

#: The modules whose tables the migrations make (as `migrations/env.py` imports them).
MODEL_MODULES = (
    "accounts.models",
    "core.idempotency",
    "inventory.models",
    "ledger.models",
    "alerts.models",
    "dispatch.models",
    "plans.models",
    "suppliers.models",
)


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            model.__name__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (RoutePlan, RouteTrip, Manifest, ManifestLine)
        }


def test_down_and_up_through_the_dispatch_schema_keeps_every_row(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    settings = fast_settings(tmp_path)
    with Session(fresh_engine, expire_on_commit=False) as session, session.begin():
        manifests = dispatched(session, district_with_history(session), settings)
    assert manifests
    before = _counts(fresh_engine)
    url = fresh_engine.url.render_as_string(hide_password=False)
    fresh_engine.dispose()

    migrations.downgrade(url, "0006_dispatch")
    migrations.upgrade(url)

    assert _counts(fresh_engine) == before
    with fresh_engine.connect() as connection:
        sources = connection.execute(text("SELECT DISTINCT travel_source FROM route_plan"))
        assert [row[0] for row in sources] == ["estimate"]
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_the_migrated_schema_is_the_models_schema(fresh_engine: Engine) -> None:
    """Autogenerate finds no difference: every table, column, type, index and constraint
    of the models is made by a migration (the same check as writing the next one)."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    with fresh_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_the_access_log_goes_down_and_comes_back(fresh_engine: Engine) -> None:
    url = fresh_engine.url.render_as_string(hide_password=False)
    with Session(fresh_engine) as session, session.begin():
        session.add(
            AccessLog(
                username="a",
                role="admin",
                kind="supplier_contacts",
                record_ids="[1]",
                route="GET /suppliers",
                client="127.0.0.1",
            )
        )
    fresh_engine.dispose()
    migrations.downgrade(url, "0009_reach")
    assert "access_log" not in inspect(fresh_engine).get_table_names()
    fresh_engine.dispose()
    migrations.upgrade(url)
    assert "access_log" in inspect(fresh_engine).get_table_names()

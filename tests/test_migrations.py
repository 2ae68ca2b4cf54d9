"""Migrations on a database that holds data: every revision down to the dispatch schema and
back up keeps every row and every reference (SQLite rebuilds tables to alter them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlmodel import Session

import migrations
from optimizer.dispatch.models import Manifest, ManifestLine, RoutePlan, RouteTrip
from tests.optimizer.plans.helpers import district_with_history
from tests.web.flows import dispatched, fast_settings

pytestmark = pytest.mark.slow


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

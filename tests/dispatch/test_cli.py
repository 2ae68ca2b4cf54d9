"""`relief dispatch` on a small district in a fresh SQLite database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from api.cli import app
from core.db import get_engine, session_scope
from core.settings import get_settings
from dispatch import service
from dispatch.schemas import VehicleCreate
from tests.plans.helpers import district_with_history, scenario

runner = CliRunner()


@pytest.fixture
def data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> Iterator[Path]:
    """A migrated database with a district, an approved plan and one truck at the warehouse."""
    monkeypatch.setenv("RELIEF_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RELIEF_ROUTING_TIME_LIMIT_S", "1")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    shutil.copyfile(sqlite_template, tmp_path / "relief.db")
    with session_scope(get_engine(get_settings().resolved_database_url)) as session:
        d = district_with_history(session)
        service.create_vehicle(
            session,
            d.district_id,
            VehicleCreate(
                code="T1",
                name="truck",
                weight_capacity_kg=5000,
                volume_capacity_l=20_000,
                start_depot_id=d.warehouse_id,
            ),
        )
    file = tmp_path / "flood.yaml"
    file.write_text(yaml.safe_dump(scenario()))
    assert (
        runner.invoke(app, ["forecast", "--scenario", str(file), "--horizon", "14"]).exit_code == 0
    )
    assert runner.invoke(app, ["plan", "create", "--deadline-h", "48"]).exit_code == 0
    assert runner.invoke(app, ["plan", "approve", "1"]).exit_code == 0
    yield tmp_path
    get_settings.cache_clear()


def test_route_approve_sheet_and_alerts(data_dir: Path) -> None:
    routed = runner.invoke(app, ["dispatch", "route", "1"])
    assert routed.exit_code == 0, routed.output
    assert "Routes 1 for plan 1 (draft)" in routed.output
    assert "at_destination" in routed.output
    approved = runner.invoke(app, ["dispatch", "approve", "1"])
    assert approved.exit_code == 0, approved.output
    assert "manifest 1: vehicle 1, sha256 " in approved.output
    again = runner.invoke(app, ["dispatch", "approve", "1"])
    assert again.exit_code == 2
    assert "already approved" in again.output
    sheet, picture = data_dir / "sheet.html", data_dir / "map.svg"
    args = ["dispatch", "sheet", "1", "--out", str(sheet), "--lang", "en", "--map", str(picture)]
    written = runner.invoke(app, args)
    assert written.exit_code == 0, written.output
    assert "Route sheet" in sheet.read_text(encoding="utf-8")
    assert picture.read_text(encoding="utf-8").startswith("<svg")
    quiet = runner.invoke(app, ["dispatch", "alerts", "1"])
    assert quiet.exit_code == 0
    assert "nothing overdue" in quiet.output

"""`relief forecast` and `relief plan` on a small district in a fresh SQLite database."""

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
from tests.plans.helpers import district_with_history, scenario

runner = CliRunner()


@pytest.fixture
def data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> Iterator[Path]:
    """A data folder whose database is a copy of the migrated template, with a district."""
    monkeypatch.setenv("RELIEF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    shutil.copyfile(sqlite_template, tmp_path / "relief.db")
    url = get_settings().resolved_database_url
    with session_scope(get_engine(url)) as session:
        district_with_history(session)
    yield tmp_path
    get_settings.cache_clear()


def test_forecast_then_plan_from_the_command_line(data_dir: Path) -> None:
    file = data_dir / "flood.yaml"
    file.write_text(yaml.safe_dump(scenario()))
    chart = data_dir / "chart.svg"
    args = ["forecast", "--scenario", str(file), "--horizon", "14", "--chart", "C0/WATER"]
    done = runner.invoke(app, [*args, "--chart-out", str(chart), "--service-level", "0.9"])
    assert done.exit_code == 0, done.output
    assert "Forecast run 1: Test flood, 14 days" in done.output
    assert "Reserve levels at 90%" in done.output
    assert chart.read_bytes().lstrip().startswith(b"<?xml")

    other = runner.invoke(app, ["forecast", "--scenario", "earthquake"])
    assert other.exit_code == 2
    assert "Pass --replace" in other.output

    created = runner.invoke(app, ["plan", "create", "--deadline-h", "48"])
    assert created.exit_code == 0, created.output
    assert "plan 1 (draft, revision 1)" in created.output
    assert runner.invoke(app, ["plan", "approve", "1"]).exit_code == 0
    again = runner.invoke(app, ["plan", "approve", "1"])
    assert again.exit_code == 2
    assert "approved plan does not change" in again.output


def test_a_bad_scenario_file_is_listed_and_nothing_is_declared(data_dir: Path) -> None:
    file = data_dir / "bad.json"
    file.write_text('{"id": "x", "kind": "volcano"}')
    refused = runner.invoke(app, ["forecast", "--scenario", str(file)])
    assert refused.exit_code == 2
    assert "kind: must be one of" in refused.output
    assert "name: is required" in refused.output
    unknown = runner.invoke(app, ["forecast", "--scenario", "no-such-scenario"])
    assert unknown.exit_code == 2
    assert "no scenario 'no-such-scenario'" in unknown.output
    plan = runner.invoke(app, ["plan", "create"])
    assert plan.exit_code == 2
    assert "no active scenario" in plan.output

"""`relief route matrix import|export|delete` on a small district in a fresh SQLite database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.cli import app
from core.db import get_engine, session_scope
from core.settings import get_settings
from dispatch.models import TravelMatrix
from tests.inventory.factories import small_district

runner = CliRunner()

TABLE = (
    "from,to,distance_m,duration_s\n"
    "WH,C0,3000,1800\nC0,WH,3100,1850\n"
    "WH,C1,9000,5400\nC1,WH,9000,5400\n"
    "C0,C1,6000,3600\nC1,C0,6000,3600\n"
)


@pytest.fixture
def data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> Iterator[Path]:
    monkeypatch.setenv("RELIEF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    shutil.copyfile(sqlite_template, tmp_path / "relief.db")
    with session_scope(get_engine(get_settings().resolved_database_url)) as session:
        small_district(session)
    yield tmp_path
    get_settings.cache_clear()


def tables() -> int:
    with session_scope(get_engine(get_settings().resolved_database_url)) as session:
        return int(session.execute(select(func.count()).select_from(TravelMatrix)).scalar_one())


def test_import_export_and_delete(data_dir: Path) -> None:
    source = data_dir / "travel.csv"
    source.write_text(TABLE, encoding="utf-8")
    imported = runner.invoke(app, ["route", "matrix", "import", "D1", str(source)])
    assert imported.exit_code == 0, imported.output
    assert "3 places, 6 pairs, with durations" in imported.output
    assert tables() == 1

    out = data_dir / "out.csv"
    exported = runner.invoke(app, ["route", "matrix", "export", "D1", str(out)])
    assert exported.exit_code == 0, exported.output
    assert set(out.read_text(encoding="utf-8").splitlines()) == set(TABLE.splitlines())

    deleted = runner.invoke(app, ["route", "matrix", "delete", "1"])  # by id
    assert deleted.exit_code == 0, deleted.output
    assert tables() == 0
    again = runner.invoke(app, ["route", "matrix", "export", "D1", str(out)])
    assert again.exit_code == 2
    assert "has no travel table" in again.output


def test_a_bad_table_is_refused_with_every_problem(data_dir: Path) -> None:
    source = data_dir / "bad.csv"
    source.write_text(TABLE + "WH,NOWHERE,1,1\nNOWHERE,WH,x,1\n", encoding="utf-8")
    refused = runner.invoke(app, ["route", "matrix", "import", "D1", str(source)])
    assert refused.exit_code == 2
    assert "nothing was stored" in refused.output
    assert "line 8, to: NOWHERE is not a depot or community of district D1" in refused.output
    assert "line 9, distance_m: not a whole number" in refused.output
    assert tables() == 0
    unknown = runner.invoke(app, ["route", "matrix", "import", "NOPE", str(source)])
    assert unknown.exit_code == 2
    assert "No district 'NOPE' (known: D1)" in unknown.output


def test_an_unmigrated_database_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELIEF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        source = tmp_path / "t.csv"
        source.write_text(TABLE, encoding="utf-8")
        refused = runner.invoke(app, ["route", "matrix", "import", "D1", str(source)])
        assert refused.exit_code == 2
        assert "relief db upgrade" in refused.output
        assert not (tmp_path / "relief.db").exists()
    finally:
        get_settings.cache_clear()

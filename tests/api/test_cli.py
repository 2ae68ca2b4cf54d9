"""The command line: the demo builds a district once; stock import, export and check."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.deps import SessionDep
from core.settings import get_settings

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RELIEF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_demo_loads_the_district_once_and_the_journal_checks_out(data_dir: Path) -> None:
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "30 communities" in first.output
    assert "lots expire within 30 days" in first.output
    for secret in ("token-secret", "ledger-signing.key"):
        assert stat.S_IMODE((data_dir / secret).stat().st_mode) == 0o600, secret
    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    checked = runner.invoke(app, ["stock", "check"])
    assert checked.exit_code == 0, checked.output
    assert "every balance equals its journal" in checked.output

    export = data_dir / "stock.csv"
    assert runner.invoke(app, ["stock", "export", str(export)]).exit_code == 0
    assert export.read_bytes().startswith(b"\xef\xbb\xbfdepot,item,lot")

    bad = data_dir / "bad.csv"
    bad.write_text("kind,depot,item,quantity\nissue,NOWHERE,WAT-BOTTLE-550,1\n")
    refused = runner.invoke(app, ["stock", "import", str(bad)])
    assert refused.exit_code == 2
    assert "unknown depot 'NOWHERE'" in refused.output

    good = data_dir / "good.csv"
    good.write_text("kind,depot,item,quantity\nissue,JB-WH-01,WAT-BOTTLE-550,10\n")
    imported = runner.invoke(app, ["stock", "import", str(good)])
    assert imported.exit_code == 0, imported.output


def test_domain_error_extras_never_replace_the_standard_members() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from api import problems
    from core.errors import Conflict

    app = FastAPI()
    problems.install(app)

    @app.get("/boom")
    def boom() -> None:
        raise Conflict("clash", extra={"status": 200, "title": "x", "hint": "kept"})

    answer = TestClient(app).get("/boom")
    assert answer.status_code == 409
    assert answer.json()["status"] == 409
    assert answer.json()["title"] == "Conflict"
    assert answer.json()["hint"] == "kept"


def test_the_request_transaction_commits_before_the_answer_is_sent(tmp_path: Path) -> None:
    """A commit that fails must reach the client as an error, not after a 201."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from sqlalchemy import event, text

    from api import problems
    from core.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")

    @event.listens_for(engine, "commit")
    def _fail(_conn: object) -> None:
        raise RuntimeError("disk full")

    app = FastAPI()
    app.state.engine = engine
    problems.install(app)

    @app.post("/write", status_code=201)
    def write(session: SessionDep) -> dict[str, str]:
        session.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        return {"ok": "yes"}

    answer = TestClient(app, raise_server_exceptions=False).post("/write")
    assert answer.status_code == 500
    engine.dispose()


def test_commands_refuse_a_database_that_is_not_migrated(data_dir: Path) -> None:
    refused = runner.invoke(app, ["stock", "check"])
    assert refused.exit_code == 2
    assert "relief db upgrade" in refused.output
    assert not (data_dir / "relief.db").exists()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["stock", "check"]).exit_code == 0

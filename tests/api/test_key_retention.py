"""Idempotency-Key and page-form key records are kept for the retention period, then
pruned: by the server at start and daily, and by `relief db prune-keys`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.schedule import prune_keys, prunes
from core import idempotency
from core.clock import utcnow
from core.db import get_engine, session_scope
from core.errors import Conflict
from core.settings import Settings, get_settings
from tests.waits import wait_until

runner = CliRunner()
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=utcnow().tzinfo)


def _record(engine: Engine, key: str, age_days: float) -> None:
    with session_scope(engine) as session:
        fingerprint = idempotency.fingerprint("POST", "/x", key.encode())
        assert (
            idempotency.begin(session, owner="u", key=key, request_fingerprint=fingerprint) is None
        )
        idempotency.finish(
            session,
            owner="u",
            key=key,
            request_fingerprint=fingerprint,
            status_code=201,
            body={"key": key},
        )
        row = session.execute(
            select(idempotency.IdempotencyRecord).where(
                idempotency.IdempotencyRecord.key == key  # type: ignore[arg-type]
            )
        ).scalar_one()
        row.created_at = NOW - timedelta(days=age_days)


def _keys(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return {r.key for r in session.execute(select(idempotency.IdempotencyRecord)).scalars()}


def _settings(tmp_path: Path, **over: object) -> Settings:
    return Settings(
        environment="development",
        data_dir=tmp_path / "data",
        token_secret=SecretStr("retention-secret-" + "x" * 40),
        **over,  # type: ignore[arg-type]
    )


def test_records_older_than_the_retention_period_are_pruned(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    for key, age in (("fresh", 1), ("almost", 29.9), ("old", 30.1), ("older", 400)):
        _record(fresh_engine, key, age)
    settings = _settings(tmp_path, idempotency_retention_days=30)
    assert prune_keys(fresh_engine, settings, now=NOW) == 2
    assert _keys(fresh_engine) == {"fresh", "almost"}
    assert prune_keys(fresh_engine, settings, now=NOW) == 0
    # A pruned key is a new request again: it is claimed afresh, with no earlier answer.
    with session_scope(fresh_engine) as session:
        fingerprint = idempotency.fingerprint("POST", "/x", b"other body")
        assert (
            idempotency.peek(session, owner="u", key="old", request_fingerprint=fingerprint) is None
        )
        with pytest.raises(Conflict):
            idempotency.peek(session, owner="u", key="fresh", request_fingerprint=fingerprint)


def test_a_retention_of_zero_keeps_every_record(fresh_engine: Engine, tmp_path: Path) -> None:
    _record(fresh_engine, "ancient", 3000)
    settings = _settings(tmp_path, idempotency_retention_days=0)
    assert prune_keys(fresh_engine, settings, now=NOW) == 0
    assert _keys(fresh_engine) == {"ancient"}
    assert not prunes(settings)


@pytest.mark.parametrize(
    ("environment", "days", "runs"),
    [("development", 30, True), ("development", 0, False), ("test", 30, False)],
)
def test_the_server_prunes_except_at_zero_and_in_tests(
    environment: str, days: int, runs: bool
) -> None:
    settings = Settings(environment=environment, idempotency_retention_days=days)
    assert prunes(settings) is runs


def _age(engine: Engine, key: str, days: float) -> None:
    with session_scope(engine) as session:
        row = session.execute(
            select(idempotency.IdempotencyRecord).where(
                idempotency.IdempotencyRecord.key == key  # type: ignore[arg-type]
            )
        ).scalar_one()
        row.created_at = utcnow() - timedelta(days=days)


def test_the_server_prunes_when_it_starts(fresh_engine: Engine, tmp_path: Path) -> None:
    for key, days in (("kept", 1), ("stale", 31)):
        _record(fresh_engine, key, 0)
        _age(fresh_engine, key, days)
    settings = _settings(tmp_path, alerts_refresh_interval_s=0)
    with TestClient(create_app(settings, fresh_engine)):
        wait_until(lambda: _keys(fresh_engine) == {"kept"}, "the stale key pruned")


@pytest.fixture
def data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> Iterator[Engine]:
    monkeypatch.setenv("RELIEF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    shutil.copyfile(sqlite_template, tmp_path / "relief.db")
    yield get_engine(get_settings().resolved_database_url)
    get_settings.cache_clear()


def test_prune_keys_from_the_command_line(data_dir: Engine) -> None:
    for key, days in (("week", 7), ("month", 31)):
        _record(data_dir, key, 0)
        _age(data_dir, key, days)
    done = runner.invoke(cli, ["db", "prune-keys"])
    assert done.exit_code == 0, done.output
    assert "1 key record(s) older than 30 days deleted" in done.output
    assert _keys(data_dir) == {"week"}
    done = runner.invoke(cli, ["db", "prune-keys", "--older-than-days", "3"])
    assert "1 key record(s) older than 3 days deleted" in done.output
    assert _keys(data_dir) == set()
    refused = runner.invoke(cli, ["db", "prune-keys", "--older-than-days", "0"])
    assert refused.exit_code == 2

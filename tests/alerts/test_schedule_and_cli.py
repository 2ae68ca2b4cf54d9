"""On a schedule: the server's background task records the alerts; `relief alerts refresh`
does the same from cron, and `relief alerts list` shows them."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from alerts.models import AlertRecord
from api import schedule
from api.alerts_schedule import refresh_all, scheduled
from api.app import create_app
from api.cli import app as cli
from core.db import get_engine, session_scope
from core.settings import Settings, get_settings
from tests.alerts.helpers import Troubled, expected_keys, troubled_district
from tests.waits import WAIT_S

runner = CliRunner()


class Rounds:
    """The server's refresh rounds (the real `refresh_all`), counted as they end, for a
    test to wait on."""

    def __init__(self, real: Callable[..., object]) -> None:
        self.real = real
        self.ended = 0
        self.failures: list[BaseException] = []
        self._ended = threading.Condition()

    def __call__(self, *args: Any, **kwargs: Any) -> object:
        try:
            return self.real(*args, **kwargs)
        except BaseException as failure:
            self.failures.append(failure)
            raise
        finally:
            with self._ended:
                self.ended += 1
                self._ended.notify_all()

    def wait_for(self, n: int) -> None:
        with self._ended:
            ended = self._ended.wait_for(lambda: self.ended >= n, timeout=WAIT_S)
            assert ended, f"{self.ended} refresh round(s) ended, not {n}, in {WAIT_S:g} s"
        assert not self.failures, self.failures


def _records(engine: Engine) -> list[AlertRecord]:
    with session_scope(engine) as session:
        return list(session.execute(select(AlertRecord)).scalars())


def test_the_server_records_alerts_on_its_schedule(
    fresh_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(fresh_engine) as session:
        keys = expected_keys(troubled_district(session, tmp_path / "documents"), session)
    settings = Settings(
        environment="development",
        data_dir=tmp_path / "data",
        token_secret=SecretStr("schedule-secret-" + "x" * 40),
        alerts_refresh_interval_s=0.2,
    )
    assert scheduled(settings)
    rounds = Rounds(refresh_all)
    monkeypatch.setattr(schedule, "refresh_all", rounds)
    with TestClient(create_app(settings, fresh_engine)):
        rounds.wait_for(1)
        assert {r.key for r in _records(fresh_engine)} == keys
        seen = {r.last_seen_at for r in _records(fresh_engine)}
        # The next round to end may have stored before `seen` was read; the one after it
        # starts once that one has ended, so after `seen` was read.
        rounds.wait_for(rounds.ended + 2)
        rows = _records(fresh_engine)
    assert len(rows) == len(keys)  # rounds after the first only move last_seen_at
    assert {r.last_seen_at for r in rows} != seen


@pytest.mark.parametrize(
    ("environment", "interval", "runs"),
    [("development", 900.0, True), ("development", 0.0, False), ("test", 900.0, False)],
)
def test_the_schedule_is_off_at_zero_and_in_tests(
    environment: str, interval: float, runs: bool
) -> None:
    settings = Settings(environment=environment, alerts_refresh_interval_s=interval)
    assert scheduled(settings) is runs


@pytest.fixture
def data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> Iterator[tuple[Path, Troubled]]:
    monkeypatch.setenv("RELIEF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    shutil.copyfile(sqlite_template, tmp_path / "relief.db")
    with session_scope(get_engine(get_settings().resolved_database_url)) as session:
        t = troubled_district(session, tmp_path / "documents")
    yield tmp_path, t
    get_settings.cache_clear()


def test_refresh_and_list_from_the_command_line(data_dir: tuple[Path, Troubled]) -> None:
    _, t = data_dir
    listed = runner.invoke(cli, ["alerts", "list"], terminal_width=400)
    assert listed.exit_code == 0, listed.output
    assert "5 alert(s): 2 critical, 1 warning" in listed.output
    assert "not recorded yet" in listed.output
    assert "Transfer 11 from WH to DA." in listed.output

    done = runner.invoke(cli, ["alerts", "refresh"])
    assert done.exit_code == 0, done.output
    assert f"district {t.d.district_id}: 5 open alert(s) (5 new, 0 still open), 0 resolved" in (
        done.output
    )
    again = runner.invoke(cli, ["alerts", "refresh", "--district", str(t.d.district_id)])
    assert "(0 new, 5 still open), 0 resolved" in again.output

    listed = runner.invoke(cli, ["alerts", "list"], terminal_width=400)
    assert "not recorded yet" not in listed.output
    history = runner.invoke(cli, ["alerts", "list", "--history"], terminal_width=400)
    assert history.exit_code == 0, history.output
    assert f"district {t.d.district_id}: 5 recorded alert(s)" in history.output

    unknown = runner.invoke(cli, ["alerts", "refresh", "--district", "999"])
    assert unknown.exit_code == 2
    assert "District 999 does not exist" in unknown.output

"""Refreshes at the same moment open each alert once (SQLite and PostgreSQL), and the
database itself refuses a second open row for a key."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from alerts import service
from alerts.models import AlertRecord
from core.clock import utcnow
from core.db import session_scope
from core.settings import Settings
from tests.alerts.helpers import expected_keys, troubled_district

WRITERS = 4


def test_concurrent_refreshes_open_each_alert_once(
    fresh_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(fresh_engine) as session:
        t = troubled_district(session, tmp_path / "documents")
        keys = expected_keys(t, session)
    cfg = service.config(Settings(environment="test", data_dir=tmp_path))
    # Every refresh reads the open rows, then waits for the others to have read them too,
    # so on PostgreSQL all of them try to open the same keys at once. (SQLite serialises
    # writers from their first statement: there the barrier times out and they queue.)
    barrier = threading.Barrier(WRITERS)
    local = threading.local()
    read_open_rows = service._open_rows

    def racing_read(session: Session, district_id: int) -> Any:
        rows = read_open_rows(session, district_id)
        if not getattr(local, "waited", False):
            local.waited = True
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=3)
        return rows

    monkeypatch.setattr(service, "_open_rows", racing_read)
    errors: list[BaseException] = []
    opened: list[int] = []

    def refresh() -> None:
        try:
            with session_scope(fresh_engine) as session:
                done = service.refresh(session, t.d.district_id, now=utcnow(), cfg=cfg)
                opened.append(done.opened)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=refresh) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(opened) == len(keys)  # each key opened by exactly one of them
    with session_scope(fresh_engine) as session:
        rows = session.execute(select(AlertRecord)).scalars().all()
        assert sorted(r.key for r in rows) == sorted(keys)
        assert all(r.resolved_at is None for r in rows)


def test_the_database_allows_one_open_row_per_district_and_key(
    session: Session, tmp_path: Path
) -> None:
    t = troubled_district(session, tmp_path / "documents")
    now = utcnow()

    def row(**over: Any) -> AlertRecord:
        values: dict[str, Any] = {
            "district_id": t.d.district_id,
            "key": "lot_expiring:depot=1:lot=1",
            "kind": "lot_expiring",
            "severity": "info",
            "message": "m",
            "link": "/web/district",
            "first_seen_at": now,
            "last_seen_at": now,
        }
        values.update(over)
        return AlertRecord(**values)

    session.add(row(resolved_at=now))
    session.add(row(resolved_at=now))  # closed rows of one key: as many as it takes
    session.add(row())
    session.flush()
    for bad in (row(), row(key="x", kind="something_else")):
        with pytest.raises(IntegrityError), session.begin_nested():  # noqa: PT012
            session.add(bad)
            session.flush()
    count = session.execute(
        select(func.count())
        .select_from(AlertRecord)
        .where(col(AlertRecord.district_id) == t.d.district_id)
    ).scalar_one()
    assert count == 3

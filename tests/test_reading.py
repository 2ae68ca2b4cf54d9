"""Read-only units of work: GET requests read a snapshot without the SQLite write lock,
and a statement that would write is refused on both databases."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from core.db import ReadOnlyViolation, reading
from inventory import schemas
from inventory import service as inventory
from inventory.models import District
from tests.waits import WAIT_S


def test_a_read_only_unit_of_work_may_not_write(fresh_engine: Engine) -> None:
    with (
        pytest.raises(ReadOnlyViolation, match="INSERT"),
        Session(reading(fresh_engine)) as session,
        session.begin(),
    ):
        inventory.create_district(
            session, schemas.DistrictCreate(code="RO", name_zh="只读", name_en="Read only")
        )
    with Session(fresh_engine) as session:
        assert session.execute(select(func.count()).select_from(District)).scalar_one() == 0


def test_a_reader_neither_waits_for_nor_blocks_a_writer(fresh_engine: Engine) -> None:
    """A writer holds its transaction open; a reader still answers, from the last commit."""
    with Session(fresh_engine) as setup, setup.begin():
        inventory.create_district(
            setup, schemas.DistrictCreate(code="D0", name_zh="甲", name_en="First")
        )
    writing = threading.Event()
    release = threading.Event()

    def writer() -> None:
        with Session(fresh_engine) as session, session.begin():
            inventory.create_district(
                session, schemas.DistrictCreate(code="D1", name_zh="乙", name_en="Second")
            )
            session.flush()
            writing.set()
            release.wait(WAIT_S)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(WAIT_S)
        with Session(reading(fresh_engine)) as session, session.begin():
            codes = session.execute(select(col(District.code))).scalars().all()
        assert codes == ["D0"]  # the uncommitted district is not seen, and nothing waited
    finally:
        release.set()
        thread.join(WAIT_S)
    with Session(reading(fresh_engine)) as session, session.begin():
        assert sorted(session.execute(select(col(District.code))).scalars()) == ["D0", "D1"]

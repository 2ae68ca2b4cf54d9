"""Database engine and sessions.

One transaction per user action: the API's session dependency and the command line's
`session_scope()` open it, services only `flush()`, and the scope commits or rolls back.

SQLite (the embedded default) runs in WAL mode and starts every writing transaction with
`BEGIN IMMEDIATE`, so writers are serialised by the database itself and a read-modify-write
can never lose an update; units of work that only read (`reading(engine)`: the API's GET
requests) begin deferred and read a snapshot without taking the write lock. PostgreSQL runs
at READ COMMITTED; services take row locks (`SELECT ... FOR UPDATE`) on the rows they
change. On both, a statement that writes in a read-only unit of work is refused.

A long solve (a forecast, an allocation, routes) never runs inside a writing transaction:
it reads what it needs in a read-only unit of work, solves with no session open, and stores
in a short writing one that first checks that what it read has not changed since
(`core.solves`, with the `UnitsOfWork` below). Other writers wait only for the store.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware.

    Refuses naive datetimes on the way in: a time without a zone is a bug, not a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`, with SQLite tuned for safe concurrent writers."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 60},
            # More connections than the server's worker threads (40), so requests queue on
            # the database's write lock (busy_timeout) rather than time out on the pool.
            pool_size=8,
            max_overflow=48,
            pool_timeout=120,
        )
        _tune_sqlite(engine)
    else:
        engine = create_engine(
            url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=30, pool_timeout=120
        )
    event.listen(engine, "before_cursor_execute", _refuse_writes)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A reading request's transaction is deferred: in WAL mode it reads a snapshot and
        # neither waits for nor blocks the writer.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


#: Execution option of connections that must not write (see `reading`).
READ_ONLY = "relief_read_only"
_WRITES = ("insert", "update", "delete", "replace", "create", "drop", "alter")
_reading_engines: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


class ReadOnlyViolation(RuntimeError):
    """A statement that changes data ran in a read-only unit of work (a bug, never input)."""


def reading(engine: Engine) -> Engine:
    """`engine` for units of work that only read.

    On SQLite their transactions begin deferred instead of `BEGIN IMMEDIATE`, so a long
    request (a solve, a report) does not hold the write lock and readers never queue behind
    writers. On every database a statement that would change data is refused.
    """
    found = _reading_engines.get(engine)
    if found is None:
        found = _reading_engines[engine] = engine.execution_options(**{READ_ONLY: True})
    return found


def _refuse_writes(
    conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    if conn.get_execution_options().get(READ_ONLY, False):
        head = statement.lstrip().split(None, 1)[0].lower() if statement.strip() else ""
        if head in _WRITES:
            raise ReadOnlyViolation(f"a read-only unit of work tried to write: {head.upper()}")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back if it raises."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


class UnitsOfWork(Protocol):
    """Opens units of work one after another (for work that must not hold one open)."""

    def reading(self) -> AbstractContextManager[Session]:
        """A read-only unit of work (see `reading`)."""
        ...

    def writing(self) -> AbstractContextManager[Session]:
        """A unit of work that may write: committed when the block ends, rolled back if
        it raises."""
        ...


@dataclass(frozen=True)
class EngineUnits:
    """Units of work on an engine, each in its own transaction and connection."""

    engine: Engine

    def reading(self) -> AbstractContextManager[Session]:
        return session_scope(reading(self.engine))

    def writing(self) -> AbstractContextManager[Session]:
        return session_scope(self.engine)


_engines: dict[str, Engine] = {}


def get_engine(url: str, *, echo: bool = False) -> Engine:
    """A process-wide engine per URL (the pool is shared by all requests)."""
    engine = _engines.get(url)
    if engine is None:
        engine = _engines[url] = make_engine(url, echo=echo)
    return engine


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()

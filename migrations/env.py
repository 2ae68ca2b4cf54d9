"""Alembic environment: the tables of every package, SQLite in batch mode."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, pool
from sqlmodel import SQLModel

import accounts.models  # noqa: F401
import alerts.models  # noqa: F401
import core.db
import core.idempotency
import dispatch.models  # noqa: F401
import inventory.models  # noqa: F401  (registers tables on SQLModel.metadata)
import ledger.models  # noqa: F401
import plans.models  # noqa: F401
import suppliers.models  # noqa: F401

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = core.db.make_engine(url) if core.db.is_sqlite(url) else None
    if engine is None:
        from sqlalchemy import create_engine

        engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copy, drop and rename; with foreign keys on,
            # dropping a table that other rows point to fails. The pragma only takes effect
            # outside a transaction, so set it before one begins, and check every reference
            # before committing instead.
            _foreign_keys(connection, on=False)
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            render_as_batch=sqlite,
        )
        try:
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                _foreign_keys(connection, on=True)
    engine.dispose()


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse (and so roll back) a migration that left a reference dangling."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RuntimeError(
            f"migration left {len(broken)} broken reference(s), "
            f"e.g. {table} row {rowid} -> {parent}"
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""Shared fixtures: databases built by running the migrations, on SQLite and PostgreSQL.

* `engine` — a migrated database shared by the tests of one backend; tests reach it only
  through `session` / `client`, whose work is rolled back after each test.
* `fresh_engine` — a new, empty migrated database of its own, for tests that must really
  commit (concurrent writers, the served API).
* `client` — the API on `engine`, with the request's session joined to the test's
  transaction.

PostgreSQL comes from `RELIEF_TEST_PG_URL` (default: the local server as user postgres).
When it cannot be reached the PostgreSQL cases are skipped, except in CI (`CI=true`) or
with `RELIEF_REQUIRE_PG=1`, where they fail.

Hypothesis runs without deadlines: how long an example takes on a loaded machine says
nothing about the code (and without a deadline its slow-generation health check allows
30 s instead of 1 s). In CI it runs Hypothesis's "ci" profile: derandomised, no example
database, and no slow-generation health check, which there measures the runner.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import hypothesis
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

import migrations
from accounts.service import Principal
from api.app import create_app
from api.deps import get_session, get_units, marked_reads_only, request_reads_only
from api.security.deps import current_principal
from core.db import READ_ONLY, make_engine
from core.settings import Settings
from tests.ci import in_ci

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("RELIEF_SHARED_DIR", REPO_ROOT.parent / "shared"))
PG_ADMIN_URL = os.environ.get(
    "RELIEF_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


hypothesis.settings.register_profile(
    "default", hypothesis.settings.get_profile("default"), deadline=None
)
hypothesis.settings.register_profile(
    "ci",
    hypothesis.settings.get_profile("ci"),
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
)
hypothesis.settings.load_profile("ci" if in_ci() else "default")


def _pg_required() -> bool:
    return in_ci() or os.environ.get("RELIEF_REQUIRE_PG") == "1"


class PostgresServer:
    """Creates throwaway databases on the test server, from a migrated template."""

    def __init__(self, admin_url: str) -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        self.url = make_url(admin_url)
        self.prefix = f"relief_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template: str | None = None
        self.created: list[str] = []

    def reachable(self) -> str | None:
        try:
            with self.admin.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return str(exc).splitlines()[0]
        return None

    def database_url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def new_database(self) -> str:
        if self.template is None:
            self.template = f"{self.prefix}_tpl"
            self._create(self.template, template=None)
            migrations.upgrade(self.database_url(self.template))
        name = f"{self.prefix}_{len(self.created)}"
        self._create(name, template=self.template)
        return self.database_url(name)

    def _create(self, name: str, template: str | None) -> None:
        with self.admin.connect() as connection:
            clause = f" TEMPLATE {template}" if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)

    def drop_all(self) -> None:
        with self.admin.connect() as connection:
            for name in reversed(self.created):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 with production cost is slow by design; tests sign in hundreds of times."""
    from argon2 import PasswordHasher

    from accounts import secrets

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(secrets, "_hasher", cheap)
        patch.setattr(secrets, "_DUMMY_HASH", cheap.hash("dummy"))
        yield


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(PG_ADMIN_URL)
    problem = server.reachable()
    if problem is not None:
        server.admin.dispose()
        message = (
            f"PostgreSQL at {make_url(PG_ADMIN_URL).render_as_string()} unreachable: {problem}"
        )
        if _pg_required():
            pytest.fail(message + " (required in CI)", pytrace=False)
        pytest.skip(message + " — PostgreSQL tests skipped; start the server to run them")
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


def _new_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.new_database()
    template: Path = request.getfixturevalue("sqlite_template")
    path = tmp_path / f"relief-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    url = _new_database(request.param, request, tmp_path_factory.mktemp("db"))
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = _new_database(request.param, request, tmp_path)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back when the test ends."""
    connection = engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


ADMIN = Principal(
    user_id=0, username="test-admin", role="admin", district_id=None, depot_ids=frozenset()
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url="sqlite://",
        token_secret=SecretStr("test-secret-" + "x" * 40),
    )


def _app(session: Session, engine: Engine, settings: Settings) -> FastAPI:
    app = create_app(settings, engine)

    def joined_session(request: Request) -> Iterator[Session]:
        # Each request is a savepoint: a refused request changes nothing, as in production;
        # a GET may not write, as in production (`core.db.reading`).
        connection = session.connection()
        connection.execution_options(**{READ_ONLY: request_reads_only(request)})
        try:
            if marked_reads_only(request):
                yield session  # its writes are the route's own units (`JoinedUnits`)
            else:
                with session.begin_nested():
                    yield session
        finally:
            connection.execution_options(**{READ_ONLY: False})

    app.dependency_overrides[get_session] = joined_session
    app.dependency_overrides[get_units] = lambda: JoinedUnits(session)
    return app


@dataclass(frozen=True)
class JoinedUnits:
    """A route's own units of work (`api.deps.get_units`) as savepoints of the test's
    transaction; the reading one may not write, as in production."""

    session: Session

    @contextmanager
    def _unit(self, read_only: bool) -> Iterator[Session]:
        connection = self.session.connection()
        before = connection.get_execution_options().get(READ_ONLY, False)
        connection.execution_options(**{READ_ONLY: read_only})
        try:
            with self.session.begin_nested():
                yield self.session
        finally:
            connection.execution_options(**{READ_ONLY: before})

    def reading(self) -> AbstractContextManager[Session]:
        return self._unit(True)

    def writing(self) -> AbstractContextManager[Session]:
        return self._unit(False)


@pytest.fixture
def client(session: Session, engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """The API signed in as an administrator (the role tests use `anonymous_client`)."""
    app = _app(session, engine, settings)
    app.dependency_overrides[current_principal] = lambda: ADMIN
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def anonymous_client(session: Session, engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """The API with real authentication: send a bearer token."""
    with TestClient(_app(session, engine, settings), raise_server_exceptions=False) as test_client:
        yield test_client

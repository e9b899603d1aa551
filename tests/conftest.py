"""Fixtures: a fresh database per dialect on real servers, the demo, and an isolated config/data dir.

Server databases are created once per test run with a unique name, migrated, and dropped at the
end; between tests every table is emptied so each test starts from a clean schema.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from erp_console.db.engine import Database, connect
from erp_console.db.models import Base
from erp_console.db.schema import init_schema

PG_URL = os.environ.get(
    "ERP_CONSOLE_TEST_PG_URL", "postgresql+psycopg2://root@127.0.0.1:5432/postgres"
)
MYSQL_URL = os.environ.get(
    "ERP_CONSOLE_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/mysql"
)
REQUIRE_SERVERS = os.environ.get("ERP_CONSOLE_REQUIRE_SERVERS") == "1"
DIALECTS = ("sqlite", "postgresql", "mysql")
RUN_ID = uuid.uuid4().hex[:8]


def _server_admin_url(dialect: str) -> URL:
    return make_url(PG_URL if dialect == "postgresql" else MYSQL_URL)


def _unavailable(dialect: str, exc: Exception) -> None:
    message = f"{dialect} server not reachable at {_server_admin_url(dialect).render_as_string()}: {str(exc).splitlines()[0]}"
    if REQUIRE_SERVERS:
        pytest.fail(message + " (ERP_CONSOLE_REQUIRE_SERVERS=1)")
    pytest.skip(message)


class ServerDatabases:
    """Creates uniquely named databases on a server and drops them at the end of the run."""

    def __init__(self, dialect: str):
        self.dialect = dialect
        self.admin_url = _server_admin_url(dialect)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self, label: str = "") -> str:
        name = f"erpc_test_{RUN_ID}_{label}{len(self.created)}"
        with self.admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        self.created.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                if self.dialect == "postgresql":
                    conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                else:
                    conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        self.admin.dispose()


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, ServerDatabases]]:
    found: dict[str, ServerDatabases] = {}
    yield found
    for server in found.values():
        server.drop_all()


def server_for(servers: dict[str, ServerDatabases], dialect: str) -> ServerDatabases:
    if dialect not in servers:
        server = ServerDatabases(dialect)
        try:
            with server.admin.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001
            server.admin.dispose()
            _unavailable(dialect, exc)
        servers[dialect] = server
    return servers[dialect]


@pytest.fixture
def new_database_url(servers, tmp_path):
    """A factory: an empty (not migrated) database URL of the given dialect."""

    def make(dialect: str, label: str = "") -> str:
        if dialect == "sqlite":
            name = f"{label or 'db'}-{uuid.uuid4().hex[:6]}.sqlite3"
            return f"sqlite:///{tmp_path / name}"
        return server_for(servers, dialect).create(label)

    return make


@pytest.fixture(scope="session")
def _migrated(servers, tmp_path_factory) -> dict[str, str]:
    """One migrated database per dialect for the whole run (created on first use)."""
    return {}


def _migrated_url(dialect: str, servers, migrated: dict[str, str], tmp_path_factory) -> str:
    if dialect not in migrated:
        if dialect == "sqlite":
            template = tmp_path_factory.mktemp("template") / "template.sqlite3"
            url = f"sqlite:///{template}"
        else:
            url = server_for(servers, dialect).create("shared")
        db = connect(url)
        init_schema(db)
        db.dispose()
        migrated[dialect] = url
    return migrated[dialect]


def _empty_tables(db: Database) -> None:
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            if db.dialect == "mysql":
                conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            if db.dialect == "mysql":
                for table in Base.metadata.sorted_tables:
                    conn.execute(text(f"ALTER TABLE {table.name} AUTO_INCREMENT = 1"))
                conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))


@pytest.fixture(params=DIALECTS)
def dialect(request) -> str:
    return request.param


@pytest.fixture
def db(dialect, servers, _migrated, tmp_path_factory, tmp_path) -> Iterator[Database]:
    """A migrated, empty database of each dialect (the test runs once per dialect)."""
    url = _migrated_url(dialect, servers, _migrated, tmp_path_factory)
    if dialect == "sqlite":
        path = tmp_path / "erp.sqlite3"
        shutil.copy(make_url(url).database, path)
        database = connect(f"sqlite:///{path}")
    else:
        database = connect(url)
        _empty_tables(database)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path, servers, _migrated, tmp_path_factory) -> Iterator[Database]:
    """A migrated, empty SQLite database (for tests that need only one dialect, e.g. the TUI)."""
    url = _migrated_url("sqlite", servers, _migrated, tmp_path_factory)
    path = tmp_path / "erp.sqlite3"
    shutil.copy(make_url(url).database, path)
    database = connect(f"sqlite:///{path}")
    yield database
    database.dispose()


_DEMO_CACHE: dict[str, Path] = {}


@pytest.fixture
def demo_sqlite(tmp_path, tmp_path_factory) -> Iterator[Database]:
    """A copy of a demo database (scale 1, seed 42), built once per run."""
    from erp_console.demo import build_demo

    if "demo" not in _DEMO_CACHE:
        template = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
        database = connect(f"sqlite:///{template}")
        init_schema(database)
        build_demo(database, actor="tester")
        with database.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database.dispose()
        _DEMO_CACHE["demo"] = template
    path = tmp_path / "demo.sqlite3"
    shutil.copy(_DEMO_CACHE["demo"], path)
    database = connect(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def demo_db(db) -> Database:
    """The demo ERP (scale 1, seed 42, 3000 log lines) in a fresh database of each dialect."""
    from erp_console.demo import build_demo

    build_demo(db, actor="tester", log_lines=3000)
    return db


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, monkeypatch) -> Path:
    """Never touch the real user's config or data directories."""
    home = tmp_path / "home"
    monkeypatch.setenv("ERP_CONSOLE_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("ERP_CONSOLE_DATA_DIR", str(home / "data"))
    monkeypatch.delenv("ERP_CONSOLE_URL", raising=False)
    return home

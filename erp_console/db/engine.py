"""Engine factory per dialect (DESIGN §3): tuning, read-only at the database level, clear errors."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from erp_console.config import mask_url, parse_url
from erp_console.errors import ConfigError, ConnectionProblem, ReadOnlyError

SUPPORTED = {"sqlite": "sqlite", "postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql"}


@dataclass
class Database:
    """An open connection target: the engine plus what the UI and audit need to know about it."""

    engine: Engine
    url: URL
    read_only: bool

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def masked_url(self) -> str:
        return mask_url(self.url.render_as_string(hide_password=False))

    def session(self) -> Session:
        return self._sessionmaker()

    @property
    def _sessionmaker(self) -> sessionmaker[Session]:
        maker = getattr(self, "_maker", None)
        if maker is None:
            maker = sessionmaker(self.engine, expire_on_commit=False)
            self._maker = maker
        return maker

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A session in one transaction: commit on success, roll back on any error."""
        if self.read_only:
            raise ReadOnlyError(
                "this connection is read-only; reconnect without --read-only to change data"
            )
        bind = self.engine
        if self.dialect == "sqlite":
            bind = self.engine.execution_options(sqlite_immediate=True)
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def dialect_family(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in SUPPORTED:
        raise ConfigError(
            f"unsupported database dialect '{backend}'; use sqlite:///path, "
            "mysql+pymysql://user@host/db or postgresql+psycopg2://user@host/db"
        )
    return SUPPORTED[backend]


def _sqlite_engine(url: URL, read_only: bool) -> Engine:
    database = url.database or ""
    if database in ("", ":memory:"):
        raise ConfigError("an in-memory SQLite database cannot be shared; give a file path")
    path = Path(database).expanduser()
    if read_only:
        if not path.exists():
            raise ConnectionProblem(f"SQLite file {path} does not exist; check the path")
        uri = f"file:{path}?mode=ro"

        def creator() -> sqlite3.Connection:
            return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=15)

        # "sqlite://" alone would get SingletonThreadPool, which closes other threads' connections
        # while they run queries (a segfault with several worker threads): pool them normally.
        engine = create_engine("sqlite://", creator=creator, poolclass=QueuePool)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url.set(database=str(path)), connect_args={"timeout": 15, "check_same_thread": False}
        )

    @event.listens_for(engine, "connect")
    def _tune(dbapi_conn, _record) -> None:  # pragma: no cover - exercised on every connect
        # Let SQLAlchemy manage transactions; pysqlite's own implicit BEGIN confuses savepoints.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        if read_only:
            cur.execute("PRAGMA query_only=ON")
        else:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # pragma: no cover
        # A writing transaction takes the write lock up front, so it never fails half-way on upgrade.
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _mysql_engine(url: URL, read_only: bool) -> Engine:
    query = dict(url.query)
    query.setdefault("charset", "utf8mb4")
    engine = create_engine(
        url.set(query=query),
        pool_pre_ping=True,
        pool_recycle=3600,
        connect_args={"connect_timeout": 10},
    )

    @event.listens_for(engine, "connect")
    def _session_setup(dbapi_conn, _record) -> None:  # pragma: no cover
        cur = dbapi_conn.cursor()
        cur.execute("SET time_zone = '+00:00'")
        if read_only:
            cur.execute("SET SESSION TRANSACTION READ ONLY")
        cur.close()

    return engine


def _postgres_engine(url: URL, read_only: bool) -> Engine:
    options = "-c timezone=UTC"
    if read_only:
        options += " -c default_transaction_read_only=on"
    return create_engine(
        url, pool_pre_ping=True, connect_args={"options": options, "connect_timeout": 10}
    )


def create_db_engine(url_text: str, read_only: bool = False) -> Database:
    url = parse_url(url_text)
    family = dialect_family(url)
    try:
        if family == "sqlite":
            engine = _sqlite_engine(url, read_only)
        elif family == "mysql":
            engine = _mysql_engine(url, read_only)
        else:
            engine = _postgres_engine(url, read_only)
    except (NoSuchModuleError, ArgumentError) as exc:
        raise ConfigError(f"cannot use '{mask_url(url_text)}': {exc}") from None
    return Database(engine=engine, url=url, read_only=read_only)


def connect(url_text: str, read_only: bool = False) -> Database:
    """Create the engine and prove the server answers, turning driver errors into one clear line."""
    db = create_db_engine(url_text, read_only)
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        db.dispose()
        raise describe_connection_error(db.url, exc) from None
    return db


def describe_connection_error(url: URL, exc: DBAPIError) -> ConnectionProblem:
    """One line naming the problem and the fix, never the password."""
    raw = str(exc.orig) if exc.orig is not None else str(exc)
    low = raw.lower()
    host = url.host or "localhost"
    port = url.port or {"postgresql": 5432, "mysql": 3306}.get(
        SUPPORTED.get(url.get_backend_name(), ""), ""
    )
    where = f"{host}:{port}" if port else host
    if "password authentication failed" in low or "access denied" in low:
        msg = f"login to {where} as '{url.username}' was refused (wrong user or password); check the profile's password_env/password_cmd"
    elif "does not exist" in low and "database" in low or "unknown database" in low:
        msg = f"database '{url.database}' does not exist on {where}; create it with `erp-console --url ... init`"
    elif "connection refused" in low or "can't connect" in low or "could not connect" in low:
        msg = f"cannot reach the database server at {where} (connection refused); is it running and listening there?"
    elif (
        "could not translate host name" in low
        or "name or service not known" in low
        or "nodename nor servname" in low
        or "getaddrinfo" in low
    ):
        msg = f"unknown host '{host}'; check the host name in the URL"
    elif "timeout" in low or "timed out" in low:
        msg = (
            f"the database server at {where} did not answer in time; check the network and firewall"
        )
    elif "unable to open database file" in low:
        msg = f"cannot open SQLite file {url.database}; check the path and its permissions"
    elif isinstance(exc, OperationalError):
        msg = f"cannot connect to {where}: {raw.splitlines()[0] if raw else type(exc).__name__}"
    else:
        msg = f"database error: {raw.splitlines()[0] if raw else type(exc).__name__}"
    return ConnectionProblem(mask_url(msg))


READ_ONLY_MARKERS = (
    "read-only transaction",  # PostgreSQL
    "read only transaction",  # MySQL/MariaDB
    "attempt to write a readonly database",  # SQLite mode=ro
    "readonly database",
)


def translate_db_error(url: URL, exc: DBAPIError) -> Exception:
    """Map a driver error to a domain error with one clear line."""
    raw = str(exc.orig) if exc.orig is not None else str(exc)
    low = raw.lower()
    if any(marker in low for marker in READ_ONLY_MARKERS):
        return ReadOnlyError("the database refused the write: this connection is read-only")
    if (
        isinstance(exc, OperationalError)
        and not exc.connection_invalidated
        and "lock" in low
        and "timeout" in low
    ):
        return ConnectionProblem("the database is busy (lock wait timeout); try again in a moment")
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        return describe_connection_error(url, exc)
    first = raw.splitlines()[0] if raw else type(exc).__name__
    return ConnectionProblem(mask_url(f"database error: {first}"))

"""Engine factory per dialect (docs/ARCHITECTURE.md §5): tuning, read-only at the database level, clear errors."""

from __future__ import annotations

import contextlib
import re
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

from erp_console.config import (
    LOCK_TIMEOUT_ENV,
    STATEMENT_TIMEOUT_ENV,
    SUPPORTED_DIALECTS,
    URL_EXAMPLES,
    mask_url,
    parse_url,
    secret_query_params,
    session_timeouts,
)
from erp_console.db.text_fold import fold
from erp_console.errors import (
    ConfigError,
    Conflict,
    ConnectionProblem,
    ReadOnlyError,
    StatementTimeout,
)

SUPPORTED = SUPPORTED_DIALECTS


@dataclass
class Database:
    """An open connection target: the engine plus what the UI and audit need to know about it."""

    engine: Engine
    url: URL
    read_only: bool
    read_only_hint: str = "reconnect without --read-only to change data"

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
            raise ReadOnlyError(f"this connection is read-only; {self.read_only_hint}")
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
        raise ConfigError(f"unsupported database dialect '{backend}'; use {URL_EXAMPLES}")
    return SUPPORTED[backend]


def missing_sqlite_file(url: URL) -> Path | None:
    """The path of a SQLite URL whose file does not exist (None for servers and existing files)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database).expanduser()
    return None if path.exists() else path


def _sqlite_engine(url: URL, read_only: bool) -> Engine:
    lock_seconds = session_timeouts().lock_seconds or 3600.0
    database = url.database or ""
    # SQLite has no login: a password parameter is dropped instead of reaching the driver.
    url = url.difference_update_query(secret_query_params(url))
    if database in ("", ":memory:"):
        raise ConfigError("an in-memory SQLite database cannot be shared; give a file path")
    path = Path(database).expanduser()
    if read_only:
        if not path.exists():
            raise ConnectionProblem(f"SQLite file {path} does not exist; check the path")
        uri = f"file:{path}?mode=ro"

        def creator() -> sqlite3.Connection:
            return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=lock_seconds)

        # "sqlite://" alone would get SingletonThreadPool, which closes other threads' connections
        # while they run queries (a segfault with several worker threads): pool them normally.
        engine = create_engine("sqlite://", creator=creator, poolclass=QueuePool)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url.set(database=str(path)),
            connect_args={"timeout": lock_seconds, "check_same_thread": False},
        )

    @event.listens_for(engine, "connect")
    def _tune(dbapi_conn, _record) -> None:  # pragma: no cover - exercised on every connect
        # Let SQLAlchemy manage transactions; pysqlite's own implicit BEGIN confuses savepoints.
        dbapi_conn.isolation_level = None
        dbapi_conn.create_function("erp_fold", 1, fold, deterministic=True)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(lock_seconds * 1000)}")
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
    timeouts = session_timeouts()
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
        # InnoDB counts whole seconds (at least 1); 0 means "as long as the server allows".
        if timeouts.lock_seconds:
            cur.execute(
                f"SET SESSION innodb_lock_wait_timeout = {max(1, round(timeouts.lock_seconds))}"
            )
        with contextlib.suppress(dbapi_conn.Error):  # MariaDB only; MySQL has no such variable
            cur.execute(f"SET SESSION max_statement_time = {float(timeouts.statement_seconds)}")
        if read_only:
            cur.execute("SET SESSION TRANSACTION READ ONLY")
        cur.close()

    @event.listens_for(engine, "handle_error")
    def _forget_dead_stream(ctx) -> None:  # pragma: no cover - only when a server goes away
        # A streaming result whose connection died can never be read to its end; PyMySQL would
        # still try when the cursor is collected and raise from __del__. Mark it finished.
        context = ctx.execution_context if ctx.is_disconnect else None
        result = getattr(getattr(context, "cursor", None), "_result", None)
        if result is not None and getattr(result, "unbuffered_active", False):
            result.unbuffered_active = False

    return engine


def _postgres_engine(url: URL, read_only: bool) -> Engine:
    timeouts = session_timeouts()
    options = (
        "-c timezone=UTC"
        f" -c lock_timeout={int(timeouts.lock_seconds * 1000)}"
        f" -c statement_timeout={int(timeouts.statement_seconds * 1000)}"
    )
    if read_only:
        options += " -c default_transaction_read_only=on"
    return create_engine(
        url, pool_pre_ping=True, connect_args={"options": options, "connect_timeout": 10}
    )


def create_db_engine(url_text: str, read_only: bool = False, create: bool = True) -> Database:
    """`create=False` (every read): a missing SQLite file is an error, never an empty new file."""
    url = parse_url(url_text)
    family = dialect_family(url)
    missing = None if create else missing_sqlite_file(url)
    if missing is not None:
        raise ConnectionProblem(
            f"SQLite file {missing} does not exist; create it with "
            f"`erp-console --url sqlite:///{missing} init` (or `demo` for the demo ERP)"
        )
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


def connect(url_text: str, read_only: bool = False, create: bool = True) -> Database:
    """Create the engine and prove the server answers, turning driver errors into one clear line."""
    db = create_db_engine(url_text, read_only, create)
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


LOCK_WAIT_MARKERS = (
    "canceling statement due to lock timeout",  # PostgreSQL lock_timeout
    "lock wait timeout exceeded",  # MariaDB/MySQL innodb_lock_wait_timeout
    "database is locked",  # SQLite busy_timeout
)
STATEMENT_TIMEOUT_MARKERS = (
    "canceling statement due to statement timeout",  # PostgreSQL statement_timeout
    "max_statement_time exceeded",  # MariaDB
)


def connection_lost(url: URL, exc: DBAPIError, raw: str) -> ConnectionProblem:
    """An open connection died mid-session: say so, and what happened to the transaction."""
    host = url.host or "localhost"
    where = f"{host}:{url.port}" if url.port else host
    reason = raw.strip().splitlines()[0] if raw.strip() else "the server closed it"
    if exc.statement is None:
        outcome = (
            "it died while the transaction was being committed, so the change may or may not "
            "have been saved: check `erp-console audit list` before trying again"
        )
    else:
        outcome = (
            "the unfinished transaction was rolled back, nothing of it was written; run it again"
        )
    return ConnectionProblem(mask_url(f"the connection to {where} was lost ({reason}); {outcome}"))


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
    if exc.connection_invalidated:
        return connection_lost(url, exc, raw)
    if "permission denied" in low or "command denied" in low:
        return ReadOnlyError(
            f"the database refused the change: login '{url.username}' may only read this data"
        )
    if any(marker in low for marker in LOCK_WAIT_MARKERS):
        relation = re.search(r'relation "([^"]+)"', raw)
        what = f"table {relation.group(1)}" if relation else "the rows this change needs"
        return Conflict(
            f"another session holds a lock on {what}; nothing was written (gave up after "
            f"waiting ${LOCK_TIMEOUT_ENV} seconds); try again when that session has finished"
        )
    if any(marker in low for marker in STATEMENT_TIMEOUT_MARKERS):
        return StatementTimeout(
            f"the statement ran longer than ${STATEMENT_TIMEOUT_ENV} seconds and was cancelled; "
            "nothing of it was written (raise the limit, or 0 for none, for very large jobs)"
        )
    if isinstance(exc, OperationalError):
        return describe_connection_error(url, exc)
    first = raw.splitlines()[0] if raw else type(exc).__name__
    return ConnectionProblem(mask_url(f"database error: {first}"))

"""What a console session works on, opened in one place for the CLI and the TUI.

A session has three parts:
- the *target*: the database named by --url/profile. For the console's native schema it holds
  everything. For an ERP (Odoo, ERPNext, Dolibarr) it is the ERP's own database: the console
  reads its users and roles there, opens it read-only unless writes are allowed, and never puts a
  table, index or row of its own in it;
- the *identity backend* over the target (services/access/identity.py): screen 2 and the access
  CLI go through it;
- the *store*: the console's own tables (audit trail, stage, incidents, processes, documents,
  logs, SoD rules). The target itself for the native schema; for an ERP, `--store URL` or the
  profile's embedded SQLite, created and migrated on first use.

`open_session(target)` opens them top to bottom; `PendingSession` does it on a thread so the
console paints its first frame before the connection is ready.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from erp_console.config import Target, mask_url

WRITES_HINT = (
    "reconnect with --allow-writes (or allow_writes = true in the profile) to change the ERP"
)


@dataclass
class ConsoleSession:
    store: Any  # Database: the console's own tables
    target: Any  # Database: the ERP's database (the store itself for the native schema)
    identity: Any  # IdentityBackend over the target

    @property
    def erp(self):
        return self.identity.identity

    @property
    def is_connector(self) -> bool:
        return self.erp.kind != "native"

    @property
    def masked_url(self) -> str:
        return self.target.masked_url

    @property
    def dialect(self) -> str:
        return self.target.dialect

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    def dispose(self) -> None:
        self.store.dispose()
        if self.target is not self.store:
            self.target.dispose()


def native_session(db) -> ConsoleSession:
    """A session over a database already open with the console's schema (tests, --demo)."""
    from erp_console.services.access.backends.native import NativeIdentity

    return ConsoleSession(db, db, NativeIdentity(db))


def open_session(target: Target, *, create: bool = False) -> ConsoleSession:
    """Connect the target, learn its identity model, open the store; raises with one clear line.

    A missing SQLite file is created only with `create` (the console); a read never makes one."""
    from erp_console.db.engine import connect
    from erp_console.db.schema import check_schema
    from erp_console.services.access.backends.detect import build_backend, identify

    if target.erp == "native" or _missing_sqlite_file(target):
        db = connect(target.url, read_only=target.read_only, create=create)
        check_schema(db)
        return native_session(db)

    # Learn what the target is over a read-only connection: an ERP is never open for writing
    # unless writes are allowed.
    probe = connect(target.url, read_only=True)
    try:
        erp = identify(probe, target.erp)
        if erp.kind == "native":
            db = _reopened(probe, target.url, read_only=target.read_only)
            check_schema(db)
            return native_session(db)
        erp_db = _reopened(probe, target.url, read_only=not target.erp_writes)
    except BaseException:
        probe.dispose()
        raise
    erp_db.read_only_hint = WRITES_HINT
    store = None
    try:
        store = open_store(target)
        return ConsoleSession(store, erp_db, build_backend(erp.kind, erp_db, store))
    except BaseException:
        erp_db.dispose()
        if store is not None:
            store.dispose()
        raise


def open_store(target: Target):
    """The console store of an ERP connection, created and migrated on first use (a server
    database must exist: `erp-console --store URL init` creates it)."""
    from erp_console.db.engine import connect
    from erp_console.db.schema import HEAD_REVISION, check_schema, current_revision, init_schema
    from erp_console.errors import ConfigError

    url = target.store_url
    if _same_database(url, target.url):
        raise ConfigError(
            "--store names the ERP's own database; the console keeps its data beside the ERP, "
            "never in it: give another database (or leave --store out for the embedded one)"
        )
    path = _sqlite_path(url)
    if target.read_only and path is not None and not path.exists():
        made = connect(url)  # the console's own file: made once, then opened read-only
        try:
            init_schema(made)
        finally:
            made.dispose()
    store = connect(url, read_only=target.read_only)
    try:
        with store.engine.connect() as conn:
            revision = current_revision(conn)
        if revision != HEAD_REVISION:
            if store.read_only:
                check_schema(store)
            init_schema(store)  # refuses a database holding tables the console does not own
    except BaseException:
        store.dispose()
        raise
    return store


def erp_of(target: Target):
    """The ERP (not the native schema) the target is named or found to be; None otherwise."""
    from erp_console.db.engine import connect
    from erp_console.services.access.backends.detect import PRODUCTS, erp_tables_of
    from erp_console.services.access.identity import ErpIdentity

    if target.erp == "native" or (target.erp is None and _missing_sqlite_file(target)):
        return None
    if target.erp is not None:
        return ErpIdentity(target.erp, PRODUCTS[target.erp], "")
    probe = connect(target.url, read_only=True)
    try:
        return erp_tables_of(probe)
    finally:
        probe.dispose()


def refuse_console_tables_in_erp(target: Target, what: str) -> None:
    """Refuse to create the console's tables in an ERP's database, naming the store instead."""
    from erp_console.errors import ValidationError
    from erp_console.services.access.backends.detect import with_article

    erp = erp_of(target)
    if erp is not None:
        raise ValidationError(
            f"{target.masked} is {with_article(erp.product)} database: erp-console never creates a table "
            f"there ({what}). Its own data lives in the console store: "
            f"{mask_url(target.store_url)}"
            + (" (created on first use)" if target.store_is_default else "")
            + "; to set up a shared store, run `erp-console --store URL init`"
        )


def open_console_database(target: Target, *, create: bool = False):
    """The database that holds (or will hold) the console's own tables, its schema unchecked:
    the target for the native schema or an empty database, the store beside an ERP."""
    from erp_console.db.engine import connect

    if erp_of(target) is not None:
        return open_store(target)
    return connect(target.url, read_only=target.read_only, create=create)


def _reopened(db, url: str, *, read_only: bool):
    if db.read_only == read_only:
        return db
    from erp_console.db.engine import connect

    db.dispose()
    return connect(url, read_only=read_only)


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    return Path(url.split(":///", 1)[-1].split("?", 1)[0]).expanduser()


def _missing_sqlite_file(target: Target) -> bool:
    path = _sqlite_path(target.url)
    return path is not None and not path.exists()


def _same_database(a: str, b: str) -> bool:
    from erp_console.config import parse_url

    def key(url: str):
        parsed = parse_url(url)
        path = _sqlite_path(url)
        if path is not None:
            return ("sqlite", str(path.resolve()))
        return (parsed.get_backend_name(), parsed.host, parsed.port, parsed.database)

    return key(a) == key(b)


class PendingSession:
    """A session opened on a thread while the console paints its first frame.

    What the header needs (URL, dialect, read-only) is known up front from the target; `store`
    and `identity` stand in for the real ones and wait for the connection when used.
    """

    def __init__(self, target: Target) -> None:
        self.target = target
        self.masked_url = mask_url(target.url)
        self.dialect = target.url.split(":", 1)[0].split("+", 1)[0].replace("mariadb", "mysql")
        self._ready = threading.Event()
        self._session: ConsoleSession | None = None
        self._error: BaseException | None = None
        self._started = False
        self.store = _Later(self, "store", read_only=target.read_only, url=None)
        # Until the ERP is known, nothing of the identity is offered for change.
        self.identity = _LaterIdentity(self, "identity", read_only=True, capabilities=frozenset())

    @property
    def read_only(self) -> bool:
        return self.target.read_only

    def start(self) -> PendingSession:
        if not self._started:
            self._started = True
            threading.Thread(target=self._open, name="erp-console-connect", daemon=True).start()
        return self

    def _open(self) -> None:
        try:
            self._session = open_session(self.target, create=True)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the session
            self._error = exc
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._error is None

    def wait(self, timeout: float | None = None) -> ConsoleSession:
        """The open session; raises the connection's error if opening it failed."""
        if not self._ready.wait(timeout):
            raise TimeoutError("the database connection is still being opened")
        if self._error is not None:
            raise self._error
        return self._session  # type: ignore[return-value]

    @property
    def failed(self) -> BaseException | None:
        return self._error if self._ready.is_set() else None

    def dispose(self) -> None:
        if self.ready:
            self._session.dispose()  # type: ignore[union-attr]


class _Later:
    """Stands in for a part of a pending session: known attributes answer at once, the rest wait
    for the connection (on the thread that uses them)."""

    def __init__(self, pending: PendingSession, part: str, **known: Any) -> None:
        self._pending, self._part, self._known = pending, part, known

    def __getattr__(self, name: str) -> Any:
        if name in self._known and not self._pending.ready:
            return self._known[name]
        return getattr(getattr(self._pending.wait(), self._part), name)


class _LaterIdentity(_Later):
    """The identity backend of a pending session. Its methods are taken on the UI thread and
    called in workers, so taking one does not wait: calling it does."""

    def __getattr__(self, name: str) -> Any:
        if name in self._known or name == "identity" or self._pending.ready:
            return super().__getattr__(name)  # `identity` (the ErpIdentity) waits

        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(self._pending.wait().identity, name)(*args, **kwargs)

        call.__name__ = name
        return call

"""Database health per dialect: size, tables with rows and sizes, indexes, sessions, schema revision.

Row counts are exact for tables the statistics call small, and estimated from the statistics
(labelled so) for big ones, so `db health` stays fast on a 1M-row log table. On SQLite the table
and index sizes (`dbstat`) and `quick_check` read every page of the file; `scan_pages=False`
leaves them out (sizes `None`, quick_check `None`) so a screen can show the tables first.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, func, literal, select, table, text, union_all

from erp_console.db.engine import Database
from erp_console.db.schema import HEAD_REVISION, current_revision, is_owned
from erp_console.services.data.readonly_login import login_write_access

EXACT_COUNT_LIMIT = 200_000
LONG_QUERY_SECONDS = 5.0


@dataclass(frozen=True)
class TableStat:
    name: str
    rows: int
    rows_exact: bool
    data_bytes: int | None
    index_bytes: int | None

    @property
    def rows_label(self) -> str:
        return f"{self.rows:,}" if self.rows_exact else f"≈{self.rows:,}"

    @property
    def total_bytes(self) -> int:
        return (self.data_bytes or 0) + (self.index_bytes or 0)


@dataclass(frozen=True)
class IndexStat:
    table: str
    name: str
    size_bytes: int | None


@dataclass(frozen=True)
class ServerSession:
    pid: int
    user: str | None
    state: str | None
    seconds: float
    query: str


@dataclass(frozen=True)
class VacuumStat:
    table: str
    dead_rows: int
    last_vacuum: dt.datetime | None
    last_autovacuum: dt.datetime | None
    last_analyze: dt.datetime | None
    last_autoanalyze: dt.datetime | None


@dataclass(frozen=True)
class Health:
    dialect: str
    server_version: str
    database: str
    url: str
    read_only: bool
    size_bytes: int | None
    tables: tuple[TableStat, ...]
    indexes: tuple[IndexStat, ...]
    schema_revision: str | None
    head_revision: str
    connections: int | None = None
    long_queries: tuple[ServerSession, ...] = ()
    vacuum: tuple[VacuumStat, ...] = ()
    sqlite: dict[str, object] = field(default_factory=dict)
    login_can_write: tuple[str, ...] = ()
    pages_scanned: bool = True  # False: SQLite's sizes and quick_check were left out

    @property
    def read_only_warning(self) -> str | None:
        """Set when a --read-only session's login could still write (the guard can be undone)."""
        if not (self.read_only and self.login_can_write):
            return None
        return (
            f"this read-only session's login can write ({'; '.join(self.login_can_write)}): "
            "read-only here is a session default that SET TRANSACTION READ WRITE undoes; "
            "connect with a SELECT-only login (`erp-console db readonly-role NAME`)"
        )

    @property
    def schema_ok(self) -> bool:
        return self.schema_revision == self.head_revision

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)


def human_bytes(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


COUNTS_PER_STATEMENT = 100  # SQLite allows 500 terms in a compound SELECT


def _exact_counts(conn: Connection, names: list[str]) -> dict[str, int]:
    """Rows of each table, counted in one statement per hundred tables (UNION ALL): one round
    trip instead of one per table (an ERP has hundreds of tables)."""
    counts: dict[str, int] = {}
    for start in range(0, len(names), COUNTS_PER_STATEMENT):
        chunk = names[start : start + COUNTS_PER_STATEMENT]
        selects = [
            select(literal(i), func.count()).select_from(table(name))
            for i, name in enumerate(chunk)
        ]
        statement = selects[0] if len(selects) == 1 else union_all(*selects)
        for i, rows in conn.execute(statement):
            counts[chunk[i]] = rows
    return counts


def _table_rows(conn: Connection, estimates: dict[str, int | None]) -> dict[str, tuple[int, bool]]:
    """(rows, exact) per table: counted when the estimate is missing or small, else estimated."""
    small = [n for n, e in estimates.items() if e is None or e < EXACT_COUNT_LIMIT]
    counted = _exact_counts(conn, small)
    return {
        n: (counted[n], True) if n in counted else (int(e or 0), False)
        for n, e in estimates.items()
    }


# --- SQLite -------------------------------------------------------------------------------


def _sqlite(conn: Connection, db: Database) -> dict:
    """Everything but the page scan (sizes and quick_check: see with_page_scan)."""
    names = [
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'system_log_fts%' ORDER BY name"  # the text index of system_log
        )
    ]
    index_owner = dict(
        conn.exec_driver_sql("SELECT name, tbl_name FROM sqlite_master WHERE type='index'").all()
    )
    indexes = [IndexStat(owner, index, None) for index, owner in sorted(index_owner.items())]
    rows = _table_rows(conn, dict.fromkeys(names))
    tables = [TableStat(name, *rows[name], None, None) for name in names]
    page_size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
    page_count = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
    freelist = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
    journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()
    path = db.url.database or ""
    wal = path + "-wal"
    return {
        "server_version": conn.exec_driver_sql("SELECT sqlite_version()").scalar_one(),
        "database": path,
        "size_bytes": page_size * page_count,
        "tables": tables,
        "indexes": indexes,
        "sqlite": {
            "page_size": page_size,
            "page_count": page_count,
            "freelist_pages": freelist,
            "journal_mode": journal,
            "wal_bytes": os.path.getsize(wal) if os.path.exists(wal) else 0,
            "quick_check": None,
        },
    }


def _page_sizes(conn: Connection) -> dict[str, int]:
    try:
        return dict(
            conn.exec_driver_sql("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").all()
        )
    except Exception:  # noqa: BLE001 - dbstat is a compile-time option
        return {}


def _quick_check(conn: Connection) -> str:
    problems = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check")]
    return "ok" if problems == ["ok"] else "; ".join(problems[:5])


def _with_page_scan(conn: Connection, health: Health) -> Health:
    sizes = _page_sizes(conn)
    indexes = tuple(replace(i, size_bytes=sizes.get(i.name)) for i in health.indexes)
    index_sizes: dict[str, int] = {}
    for index in indexes:
        index_sizes[index.table] = index_sizes.get(index.table, 0) + (index.size_bytes or 0)
    tables = tuple(
        replace(
            t,
            data_bytes=sizes.get(t.name),
            index_bytes=index_sizes.get(t.name) if sizes else None,
        )
        for t in health.tables
    )
    sqlite = {**health.sqlite, "quick_check": _quick_check(conn)}
    return replace(health, tables=tables, indexes=indexes, sqlite=sqlite, pages_scanned=True)


def with_page_scan(db: Database, health: Health) -> Health:
    """`health` of a SQLite database (read with scan_pages=False) with its table and index
    sizes and quick_check filled in: both read every page of the file."""
    if health.pages_scanned:
        return health
    with db.engine.connect() as conn:
        return _with_page_scan(conn, health)


# --- PostgreSQL ---------------------------------------------------------------------------


def _postgresql(conn: Connection, long_after: float) -> dict:
    stats = conn.execute(
        text(
            "SELECT c.relname, c.reltuples::bigint, pg_table_size(c.oid), pg_indexes_size(c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() ORDER BY c.relname"
        )
    ).all()
    rows = _table_rows(conn, {n: e if e and e > 0 else None for n, e, _d, _i in stats})
    tables = [TableStat(name, *rows[name], data, index) for name, _e, data, index in stats]
    indexes = [
        IndexStat(t, i, s)
        for t, i, s in conn.execute(
            text(
                "SELECT tablename, indexname, pg_relation_size(quote_ident(schemaname) || '.' "
                "|| quote_ident(indexname)) FROM pg_indexes WHERE schemaname = current_schema() "
                "ORDER BY tablename, indexname"
            )
        )
    ]
    vacuum = [
        VacuumStat(*row)
        for row in conn.execute(
            text(
                "SELECT relname, n_dead_tup, last_vacuum, last_autovacuum, last_analyze, "
                "last_autoanalyze FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                "ORDER BY relname"
            )
        )
    ]
    sessions = conn.execute(
        text(
            "SELECT pid, usename, state, "
            "EXTRACT(EPOCH FROM (clock_timestamp() - query_start))::float, query "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state IS NOT NULL AND state <> 'idle' AND query_start IS NOT NULL "
            "ORDER BY query_start"
        )
    ).all()
    return {
        "server_version": conn.execute(text("SHOW server_version")).scalar_one(),
        "database": conn.execute(text("SELECT current_database()")).scalar_one(),
        "size_bytes": conn.execute(
            text("SELECT pg_database_size(current_database())")
        ).scalar_one(),
        "tables": tables,
        "indexes": indexes,
        "vacuum": vacuum,
        "connections": conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        ).scalar_one(),
        "long_queries": [
            ServerSession(pid, user, state, seconds or 0.0, " ".join((query or "").split())[:500])
            for pid, user, state, seconds, query in sessions
            if (seconds or 0.0) >= long_after
        ],
    }


# --- MySQL / MariaDB ----------------------------------------------------------------------


def _mysql(conn: Connection, long_after: float) -> dict:
    stats = conn.execute(
        text(
            "SELECT table_name, table_rows, data_length, index_length FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    ).all()
    rows = _table_rows(conn, {n: e for n, e, _d, _i in stats})
    tables = [TableStat(name, *rows[name], data, index) for name, _e, data, index in stats]
    indexes = []
    try:
        indexes = [
            IndexStat(t, i, s)
            for t, i, s in conn.execute(
                text(
                    "SELECT table_name, index_name, stat_value * @@innodb_page_size "
                    "FROM mysql.innodb_index_stats WHERE database_name = DATABASE() "
                    "AND stat_name = 'size' ORDER BY table_name, index_name"
                )
            )
        ]
    except Exception:  # noqa: BLE001 - no privilege on mysql.*: fall back to names only
        indexes = [
            IndexStat(t, i, None)
            for t, i in conn.execute(
                text(
                    "SELECT DISTINCT table_name, index_name FROM information_schema.statistics "
                    "WHERE table_schema = DATABASE() ORDER BY table_name, index_name"
                )
            )
        ]
    sessions = conn.execute(
        text(
            "SELECT id, user, command, time, info FROM information_schema.processlist "
            "WHERE db = DATABASE() AND id <> CONNECTION_ID() AND command <> 'Sleep' "
            "ORDER BY time DESC"
        )
    ).all()
    return {
        "server_version": conn.execute(text("SELECT VERSION()")).scalar_one(),
        "database": conn.execute(text("SELECT DATABASE()")).scalar_one(),
        "size_bytes": sum((t.data_bytes or 0) + (t.index_bytes or 0) for t in tables),
        "tables": tables,
        "indexes": indexes,
        "connections": conn.execute(
            text("SELECT count(*) FROM information_schema.processlist WHERE db = DATABASE()")
        ).scalar_one(),
        "long_queries": [
            ServerSession(
                pid, user, state, float(seconds or 0), " ".join((query or "").split())[:500]
            )
            for pid, user, state, seconds, query in sessions
            if float(seconds or 0) >= long_after
        ],
    }


def database_health(
    db: Database, *, long_after: float = LONG_QUERY_SECONDS, scan_pages: bool = True
) -> Health:
    """The whole health picture of the connected database (read-only; safe on any session)."""
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            facts = _sqlite(conn, db)
        elif db.dialect == "postgresql":
            facts = _postgresql(conn, long_after)
        else:
            facts = _mysql(conn, long_after)
        revision = current_revision(conn)
        can_write = tuple(login_write_access(conn, db.dialect))
        health = Health(
            dialect=db.dialect,
            url=db.masked_url,
            read_only=db.read_only,
            schema_revision=revision,
            head_revision=HEAD_REVISION,
            server_version=facts["server_version"],
            database=facts["database"],
            size_bytes=facts["size_bytes"],
            tables=tuple(facts["tables"]),
            indexes=tuple(facts["indexes"]),
            connections=facts.get("connections"),
            long_queries=tuple(facts.get("long_queries", ())),
            vacuum=tuple(facts.get("vacuum", ())),
            sqlite=facts.get("sqlite", {}),
            login_can_write=can_write,
            pages_scanned=db.dialect != "sqlite",
        )
        return _with_page_scan(conn, health) if scan_pages and not health.pages_scanned else health


def table_stats(db: Database, *, sort: str = "name", owned_only: bool = False) -> list[TableStat]:
    """Tables sorted by name, rows or size (biggest first)."""
    tables = list(database_health(db).tables)
    if owned_only:
        tables = [t for t in tables if is_owned(t.name)]
    keys = {
        "name": lambda t: t.name,
        "rows": lambda t: (-t.rows, t.name),
        "size": lambda t: (-t.total_bytes, t.name),
    }
    return sorted(tables, key=keys.get(sort, keys["name"]))

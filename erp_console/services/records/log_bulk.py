"""Writing many system_log rows fast, inside the caller's transaction, per dialect's bulk path.

- PostgreSQL: COPY … FROM STDIN (CSV) on the session's own DB-API connection.
- MariaDB/MySQL: multi-row INSERT statements (PyMySQL's executemany joins the rows).
- SQLite: executemany of plain tuples; the full-text index is filled once at the end with one
  INSERT … SELECT instead of by the per-row trigger, whose statement-by-statement flushes make
  FTS5 slow. The trigger is dropped and created again inside the same transaction, so a failure
  anywhere rolls both back and other connections never see it missing.

Rows are tuples in `COLUMNS` order. Nothing here commits: all or nothing is the caller's.
"""

from __future__ import annotations

import csv
import io
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

COLUMNS = ("ts", "level", "source", "user_login", "host", "event", "message", "raw", "ingest_id")
_COLUMN_LIST = ", ".join(COLUMNS)
FTS_TRIGGER = "system_log_fts_ai"
SQLITE_CACHE_KIB = 65536
MYSQL_STATEMENT_BYTES = 4 * 1024 * 1024
GIN_PENDING = "64MB"
COPY_CHUNK = 1 << 16


class BulkWriter:
    """Append rows to system_log; `close()` once after the last rows (before the commit)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dbapi = session.connection().connection.driver_connection
        self.written = 0

    def write_all(self, batches: Iterable[list[tuple]]) -> int:
        """Write every batch as it comes (the batches are produced while earlier ones are written)."""
        for rows in batches:
            self.write(rows)
        return self.written

    def write(self, rows: list[tuple]) -> None:
        if rows:
            self._write(rows)
            self.written += len(rows)

    def _write(self, rows: list[tuple]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Work that waits for the last row (SQLite's full-text index)."""


class _CsvStream(io.TextIOBase):
    """The batches as one CSV text stream, produced as COPY reads it (the server works meanwhile)."""

    def __init__(self, batches: Iterable[list[tuple]], counted: BulkWriter) -> None:
        self.batches = iter(batches)
        self.counted = counted
        self.pending = ""
        self.failure: Exception | None = None
        self.buffer = io.StringIO()
        # None is written as nothing, which COPY reads as NULL. Rows never hold empty strings
        # (parsers give None for an empty field), so nothing else is read as NULL.
        self.writer = csv.writer(self.buffer, lineterminator="\n")

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        while not self.pending:
            try:
                rows = next(self.batches, None)
            except Exception as exc:  # noqa: BLE001 - raised again once COPY has ended
                self.failure = exc
                rows = None
            if rows is None:
                return ""
            self.buffer.seek(0)
            self.buffer.truncate()
            self.writer.writerows(rows)
            self.counted.written += len(rows)
            self.pending = self.buffer.getvalue()
        if size is None or size < 0:
            size = len(self.pending)
        chunk, self.pending = self.pending[:size], self.pending[size:]
        return chunk


class _PostgresWriter(BulkWriter):
    statement = f"COPY system_log ({_COLUMN_LIST}) FROM STDIN WITH (FORMAT csv)"

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        # Full-text entries gather in the GIN index's pending list; a bigger list merges less often.
        session.connection().exec_driver_sql(f"SET LOCAL gin_pending_list_limit = '{GIN_PENDING}'")

    def write_all(self, batches: Iterable[list[tuple]]) -> int:
        stream = _CsvStream(batches, self)
        with self.dbapi.cursor() as cursor:
            cursor.copy_expert(self.statement, stream, size=COPY_CHUNK)
        if stream.failure is not None:
            raise stream.failure
        return self.written

    def _write(self, rows: list[tuple]) -> None:
        self.write_all([rows])
        self.written -= len(rows)  # counted by the stream already


class _MySQLWriter(BulkWriter):
    """Multi-row INSERTs run on a second thread while the next batch is parsed.

    The server's work and the wait for it overlap with parsing; at most two batches are in memory.
    """

    def write_all(self, batches: Iterable[list[tuple]]) -> int:
        work: queue.Queue[list[tuple] | None] = queue.Queue(maxsize=1)
        failure: list[BaseException] = []

        def run() -> None:
            while (rows := work.get()) is not None:
                if not failure:
                    try:
                        self.write(rows)
                    except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread
                        failure.append(exc)

        worker = threading.Thread(target=run, name="log-insert", daemon=True)
        worker.start()
        try:
            for rows in batches:
                if failure:
                    break
                work.put(rows)
        finally:
            work.put(None)
            worker.join()
        if failure:
            raise failure[0]
        return self.written

    statement = (
        f"INSERT INTO system_log ({_COLUMN_LIST}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    )

    def _write(self, rows: list[tuple]) -> None:
        cursor = self.dbapi.cursor()
        cursor.max_stmt_length = MYSQL_STATEMENT_BYTES
        try:
            cursor.executemany(self.statement, rows)
        finally:
            cursor.close()


class _SQLiteWriter(BulkWriter):
    statement = (
        f"INSERT INTO system_log ({_COLUMN_LIST}) VALUES ({', '.join(['?'] * len(COLUMNS))})"
    )

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        conn = session.connection()
        self.cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        self.suspended: _Suspended | None = _suspend_fts(conn)

    def _write(self, rows: list[tuple]) -> None:
        # Timestamps as SQLAlchemy stores them on SQLite (its DateTime reads them back).
        self.dbapi.executemany(
            self.statement,
            [(r[0].isoformat(" ", "microseconds"), *r[1:]) for r in rows],
        )

    def close(self) -> None:
        conn = self.session.connection()
        if self.suspended is not None:
            _resume_fts(conn, self.suspended)
            self.suspended = None
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(self.cache)}")


@dataclass(frozen=True)
class _Suspended:
    trigger: str
    first_id: int


def _suspend_fts(conn: Connection) -> _Suspended | None:
    """Drop SQLite's per-row full-text trigger (inside the open transaction) and note where new
    rows start; None when there is no trigger."""
    trigger = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": FTS_TRIGGER},
    ).scalar()
    if not trigger:
        return None
    first = conn.execute(text("SELECT coalesce(max(id), 0) FROM system_log")).scalar_one()
    conn.exec_driver_sql(f"DROP TRIGGER {FTS_TRIGGER}")
    return _Suspended(trigger, first)


def _resume_fts(conn: Connection, suspended: _Suspended) -> None:
    """Index the rows added meanwhile in one statement and put the trigger back."""
    conn.execute(
        text(
            "INSERT INTO system_log_fts (rowid, message) "
            "SELECT id, message FROM system_log WHERE id > :first"
        ),
        {"first": suspended.first_id},
    )
    conn.exec_driver_sql(suspended.trigger)


@contextmanager
def fts_deferred(conn: Connection) -> Iterator[None]:
    """Around a bulk insert into system_log (a restore): SQLite's full-text index filled once at
    the end; nothing to do on other dialects, whose indexes take bulk inserts well."""
    suspended = _suspend_fts(conn) if conn.dialect.name == "sqlite" else None
    yield
    if suspended is not None:
        _resume_fts(conn, suspended)


def bulk_writer(session: Session) -> BulkWriter:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return _PostgresWriter(session)
    if dialect in ("mysql", "mariadb"):
        return _MySQLWriter(session)
    return _SQLiteWriter(session)

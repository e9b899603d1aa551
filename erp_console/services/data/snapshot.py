"""Snapshot: a self-contained SQLite copy of the database for offline review, optionally anonymized.

The copy is read in one consistent transaction, written to a temporary file, checkpointed out of
WAL into a single file, and renamed into place. It carries `snapshot.*` settings (source, time,
anonymized) so the console opens it read-only and says what it is in the header.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from erp_console.db.engine import Database, connect
from erp_console.db.models import ErpUser, Setting, utcnow
from erp_console.db.schema import init_schema
from erp_console.errors import ValidationError
from erp_console.services.core import audit
from erp_console.services.data.anonymize import Anonymizer
from erp_console.services.data.backup import fix_sequences, load_table, read_connection, table_rows
from erp_console.services.data.table_codec import native_tables
from erp_console.snapshot_info import SNAPSHOT_KEYS, SnapshotInfo, snapshot_info  # noqa: F401

Progress = Callable[[str, int, int], None]
HEAD_KEY = "snapshot.audit_head"


@dataclass(frozen=True)
class SnapshotResult:
    path: str
    rows: dict[str, int]
    anonymized: bool
    taken_at: str
    seconds: float
    audit_head: audit.AuditHead | None = None


def take_snapshot(
    db: Database,
    out: Path | str,
    *,
    actor: str,
    anonymize: bool = False,
    progress: Progress | None = None,
) -> SnapshotResult:
    progress = progress or (lambda *_: None)
    out = Path(out)
    if out.exists():
        raise ValidationError(f"{out} already exists; choose a new name", field="--out")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    started = time.perf_counter()
    taken_at = utcnow().isoformat(timespec="seconds") + "Z"
    target = connect(f"sqlite:///{partial}")
    counts: dict[str, int] = {}
    try:
        init_schema(target)
        with read_connection(db) as source, source.begin():
            head = audit.read_head(source)
            masker = None
            if anonymize:
                masker = Anonymizer(
                    list(
                        source.execute(
                            select(ErpUser.id, ErpUser.login, ErpUser.full_name, ErpUser.email)
                        )
                    )
                )
            tables = native_tables()
            with target.begin() as session:
                conn = session.connection()
                for index, table in enumerate(tables, 1):
                    columns = [c.name for c in table.columns]
                    with closing(table_rows(source, table)) as stream:
                        records = (dict(zip(columns, row, strict=False)) for row in stream)
                        if masker is not None:
                            records = (masker.row(table.name, r) for r in records)
                        if table.name == "setting":
                            records = (r for r in records if not r["key"].startswith("snapshot."))
                        counts[table.name] = load_table(conn, table, records)
                    progress("snapshot", index, len(tables))
                fix_sequences(conn)
                conn.execute(
                    Setting.__table__.insert(),
                    [
                        {"key": "snapshot.source", "value": db.masked_url[:500]},
                        {"key": "snapshot.taken_at", "value": taken_at},
                        {"key": "snapshot.anonymized", "value": "yes" if anonymize else "no"},
                        {"key": HEAD_KEY, "value": head.text if head else ""},
                    ],
                )
        target.dispose()
        single = sqlite3.connect(partial, isolation_level=None)
        try:
            single.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            single.execute("PRAGMA journal_mode=DELETE")
        finally:
            single.close()
        partial.replace(out)
    except BaseException:
        target.dispose()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(partial) + suffix).unlink(missing_ok=True)
        raise
    if not db.read_only:
        with audit.change(
            db,
            actor=actor,
            action="db.snapshot",
            target_type="file",
            target_label=out.name[:300],
        ) as change:
            change.after = {
                "file": str(out),
                "anonymized": anonymize,
                "taken_at": taken_at,
                "rows": sum(counts.values()),
                "audit_head": head.as_dict() if head else None,
            }
    return SnapshotResult(
        str(out), counts, anonymize, taken_at, time.perf_counter() - started, head
    )

"""Backup and restore: a portable archive any of the three dialects can restore.

`backup` reads every native table in one consistent read transaction and streams it to
`tables/<name>.jsonl` with a manifest of schema revision, row counts and SHA-256 checksums.
`restore` verifies the whole archive (checksums, counts, every line parses) before it writes,
refuses a database holding data unless `replace`, loads everything in one transaction, checks the
counts, and appends a `db.restore` audit entry (chained onto the restored trail) and a
maintenance record.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select, text, update

from erp_console.db.copy import copy_records
from erp_console.db.engine import Database
from erp_console.db.models import utcnow
from erp_console.db.schema import HEAD_REVISION
from erp_console.errors import ReadOnlyError, ValidationError
from erp_console.services.core import audit
from erp_console.services.data.archive import MANIFEST, ArchiveReader, ArchiveWriter
from erp_console.services.data.export_views import STREAM
from erp_console.services.data.table_codec import (
    encode_value,
    native_tables,
    row_decoder,
    table_named,
)
from erp_console.services.records.log_bulk import fts_deferred
from erp_console.services.records.maintenance_records import add_maintenance_record

FORMAT = "erp-console-backup"
FORMAT_VERSION = 1
# Revisions whose archives restore into this schema, with the tables added since (restored
# empty). Only migrations that add tables keep an older archive restorable unchanged.
TABLES_ADDED_SINCE: dict[str, set[str]] = {"0002": {"erp_sod_exception"}, HEAD_REVISION: set()}
BATCH = 2000
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BackupResult:
    path: str
    revision: str
    rows: dict[str, int]
    bytes: int
    seconds: float
    audit_head: audit.AuditHead | None = None
    audit_id: int | None = None


@dataclass(frozen=True)
class ArchiveInfo:
    path: str
    revision: str
    created_at: str
    source: str
    rows: dict[str, int]
    audit_head: audit.AuditHead | None = None
    audit_problem: str | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True)
class RestoreResult:
    path: str
    rows: dict[str, int]
    replaced: int
    seconds: float
    audit_id: int | None = None
    document_id: int | None = None


# --- reading a database consistently -------------------------------------------------------


def read_connection(db: Database) -> Connection:
    """A connection whose reads all see one snapshot of the database."""
    conn = db.engine.connect()
    if db.dialect in ("postgresql", "mysql"):
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def table_rows(conn: Connection, table: Table) -> Iterator[Any]:
    with conn.execution_options(**STREAM).execute(
        select(table).order_by(*table.primary_key.columns)
    ) as result:
        yield from result


def _count(conn: Connection, table: Table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


# --- backup --------------------------------------------------------------------------------


def backup(
    db: Database, out: Path | str, *, actor: str = "", progress: Progress | None = None
) -> BackupResult:
    """Write the archive, then audit it (`db.backup`, with the archive's audit head) unless the
    connection is read-only and the database cannot record it."""
    progress = progress or (lambda *_: None)
    out = Path(out)
    if out.exists():
        raise ValidationError(f"{out} already exists; choose a new name", field="--out")
    started = time.perf_counter()
    writer = ArchiveWriter(out)
    entries = []
    total_bytes = 0
    try:
        with read_connection(db) as conn, conn.begin():
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            head = audit.read_head(conn)
            tables = native_tables()
            expected = {t.name: _count(conn, t) for t in tables}
            grand_total = sum(expected.values())
            done_total = 0
            for table in tables:
                columns = [c.name for c in table.columns]
                name = f"tables/{table.name}.jsonl"
                rows = 0
                with writer.member(name) as fh, closing(table_rows(conn, table)) as stream:
                    for row in stream:
                        record = {c: encode_value(v) for c, v in zip(columns, row, strict=False)}
                        fh.write(
                            json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
                            + b"\n"
                        )
                        rows += 1
                        if rows % 5000 == 0:
                            progress("backup", done_total + rows, grand_total)
                done_total += rows
                progress("backup", done_total, grand_total)
                entries.append(
                    {
                        "name": table.name,
                        "file": name,
                        "rows": rows,
                        "bytes": fh.size,
                        "sha256": fh.digest.hexdigest(),
                        "columns": columns,
                    }
                )
                total_bytes += fh.size
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_revision": revision,
            "created_at": utcnow().isoformat(timespec="seconds") + "Z",
            "source": {"dialect": db.dialect, "url": db.masked_url},
            "audit_head": head.as_dict() if head else None,
            "tables": entries,
        }
        with writer.member(MANIFEST) as fh:
            fh.write(json.dumps(manifest, indent=2, ensure_ascii=False).encode())
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    rows = {e["name"]: e["rows"] for e in entries}
    audit_id = None
    if not db.read_only:
        with audit.change(
            db,
            actor=actor or "erp-console",
            action="db.backup",
            target_type="file",
            target_label=out.name[:300],
        ) as change:
            change.after = {
                "file": str(out),
                "rows": sum(rows.values()),
                "bytes": total_bytes,
                "audit_head": head.as_dict() if head else None,
            }
        audit_id = change.entry.id if change.entry else None
    return BackupResult(
        str(out),
        revision or "",
        rows,
        total_bytes,
        time.perf_counter() - started,
        head,
        audit_id,
    )


# --- verify --------------------------------------------------------------------------------


MAX_ROW_PROBLEMS = 50


def _row_problems(decode: Callable, record: dict, where: str) -> list[str]:
    """Every value must decode to its column type and be storable in every dialect (no NUL)."""
    problems = []
    for column, value in record.items():
        if isinstance(value, str) and "\x00" in value:
            problems.append(
                f"{where}:{column}: contains NUL (U+0000), which PostgreSQL cannot store; "
                "correct that row in the source database and take a new backup"
            )
    try:
        decode(record)
    except (ValueError, TypeError) as exc:
        problems.append(f"{where}: {exc}")
    return problems


def _check_audit_chain(reader: ArchiveReader, entry: dict, manifest: dict) -> str | None:
    """Why the archive's audit trail cannot be trusted, or None: the chain must be intact and end
    exactly at the head recorded in the manifest."""
    table = table_named("maintenance_log")
    decode = row_decoder(table)
    with reader.open(entry["file"]) as fh:
        rows = (SimpleNamespace(**decode(json.loads(line))) for line in fh)
        result = audit.check_chain(rows, key=audit.audit_key())
    if not result.ok:
        return f"audit chain broken at entry {result.first_bad_id}: {result.problem}"
    recorded = audit.AuditHead.from_dict(manifest.get("audit_head"))
    if recorded is not None and (
        result.head is None or (result.head.id, result.head.hash) != (recorded.id, recorded.hash)
    ):
        ends = f"entry {result.head.id}" if result.head else "no entry"
        return (
            f"the audit trail ends at {ends} but the manifest's audit head is entry {recorded.id}: "
            "entries were removed or added"
        )
    return None


def _check_member(reader: ArchiveReader, entry: dict, progress: Progress) -> list[str]:
    import hashlib

    table = table_named(entry.get("name", ""))
    if table is None:
        return [f"{entry.get('file')}: table '{entry.get('name')}' is not in the schema"]
    known = {c.name for c in table.columns}
    decode = row_decoder(table)
    digest = hashlib.sha256()
    rows = 0
    problems: list[str] = []
    with reader.open(entry["file"]) as fh:
        for line_no, line in enumerate(fh, 1):
            digest.update(line)
            try:
                record = json.loads(line)
            except ValueError:
                problems.append(f"{entry['file']}:{line_no}: not valid JSON (damaged file)")
                break
            if not isinstance(record, dict) or not set(record) <= known:
                problems.append(f"{entry['file']}:{line_no}: columns do not match the table")
                break
            problems += _row_problems(decode, record, f"{entry['file']}:{line_no}")
            if len(problems) > MAX_ROW_PROBLEMS:
                break
            rows += 1
    if digest.hexdigest() != entry.get("sha256"):
        problems.append(
            f"{entry['file']}: SHA-256 does not match the manifest (damaged or altered)"
        )
    if rows != entry.get("rows") and not problems:
        problems.append(f"{entry['file']}: {rows} rows, the manifest says {entry.get('rows')}")
    progress("verify", 1, 1)
    return problems


def verify_archive(
    path: Path | str,
    *,
    progress: Progress | None = None,
    accept_broken_audit: str | None = None,
) -> ArchiveInfo:
    """Check the whole archive (every row, and its audit chain); raise ValidationError listing
    every problem found. A broken audit chain is accepted only with a reason."""
    progress = progress or (lambda *_: None)
    path = Path(path)
    if not path.exists():
        raise ValidationError(f"no backup at {path}", field="FROM")
    try:
        reader = ArchiveReader(path)
    except Exception as exc:  # noqa: BLE001 - a damaged zip raises several types
        raise ValidationError(f"{path} is not a readable backup archive ({exc})") from None
    try:
        if MANIFEST not in reader.names():
            raise ValidationError(f"{path} has no {MANIFEST}; it is not an erp-console backup")
        try:
            manifest = reader.manifest()
        except ValueError:
            raise ValidationError(f"{path}: {MANIFEST} is damaged (not JSON)") from None
        if manifest.get("format") != FORMAT:
            raise ValidationError(f"{path}: not an erp-console backup (format)")
        problems = []
        revision = manifest.get("schema_revision")
        if revision not in TABLES_ADDED_SINCE:
            problems.append(
                f"{MANIFEST}: schema revision {revision}, this erp-console restores "
                + ", ".join(sorted(TABLES_ADDED_SINCE))
            )
        names = reader.names()
        expected = {t.name for t in native_tables()} - TABLES_ADDED_SINCE.get(revision, set())
        listed = {e.get("name") for e in manifest.get("tables", [])}
        for missing in sorted(expected - listed):
            problems.append(f"{MANIFEST}: table {missing} is missing from the archive")
        for entry in manifest.get("tables", []):
            if entry.get("file") not in names:
                problems.append(f"{entry.get('file')}: listed in the manifest but missing")
                continue
            try:
                problems += _check_member(reader, entry, progress)
            except Exception as exc:  # noqa: BLE001 - e.g. a corrupt deflate stream
                problems.append(f"{entry.get('file')}: cannot be read ({exc})")
        audit_problem = None
        log_entry = next(
            (e for e in manifest.get("tables", []) if e.get("name") == "maintenance_log"), None
        )
        if log_entry is not None and not problems:
            audit_problem = _check_audit_chain(reader, log_entry, manifest)
            if audit_problem and not (accept_broken_audit or "").strip():
                problems.append(
                    f"{log_entry['file']}: {audit_problem}; the archive was altered after it was "
                    "written. Restore it anyway only with --accept-broken-audit REASON"
                )
        if problems:
            raise ValidationError(
                f"backup {path} failed verification ({len(problems)} problem(s)); nothing was written",
                problems=problems,
            )
        return ArchiveInfo(
            str(path),
            manifest["schema_revision"],
            manifest.get("created_at", ""),
            manifest.get("source", {}).get("url", ""),
            {e["name"]: e["rows"] for e in manifest["tables"]},
            audit.AuditHead.from_dict(manifest.get("audit_head")),
            audit_problem,
        )
    finally:
        reader.close()


# --- loading rows into a database ----------------------------------------------------------


def _self_references(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def load_table(
    conn: Connection,
    table: Table,
    records: Iterable[dict[str, Any]],
    *,
    tick: Callable[[int], None] | None = None,
) -> int:
    """Insert decoded rows in batches; self-references (department.parent_id) are set after."""
    deferred = _self_references(table)
    if conn.dialect.name == "postgresql" and not deferred:
        done = copy_records(conn, table, records, tick=tick)
        if tick:
            tick(done)
        return done
    later: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    done = 0
    stmt = insert(table)
    for record in records:
        if deferred:
            refs = {c: record.get(c) for c in deferred}
            if any(v is not None for v in refs.values()):
                later.append({"b_pk": record["id"], **{f"b_{k}": v for k, v in refs.items()}})
                record = {**record, **dict.fromkeys(deferred)}
        batch.append(record)
        if len(batch) >= BATCH:
            conn.execute(stmt, batch)
            done += len(batch)
            batch = []
            if tick:
                tick(done)
    if batch:
        conn.execute(stmt, batch)
        done += len(batch)
    for column in deferred:
        rows = [r for r in later if r[f"b_{column}"] is not None]
        if rows:
            conn.execute(
                update(table)
                .where(table.c.id == bindparam("b_pk"))
                .values({column: bindparam(f"b_{column}")}),
                [{"b_pk": r["b_pk"], f"b_{column}": r[f"b_{column}"]} for r in rows],
            )
    if tick:
        tick(done)
    return done


def fix_sequences(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in native_tables():
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table.name}), 1))"
                )
            )


def clear_tables(conn: Connection) -> int:
    """Delete every native row (children first); returns how many rows there were."""
    tables = native_tables()
    before = sum(_count(conn, t) for t in tables)
    if conn.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return before
    for table in tables:
        for column in _self_references(table):
            conn.execute(update(table).values({column: None}))
    for table in reversed(tables):
        conn.execute(table.delete())
    return before


def data_rows(conn: Connection) -> dict[str, int]:
    return {t.name: n for t in native_tables() if (n := _count(conn, t))}


def _records(reader: ArchiveReader, entry: dict, table: Table) -> Iterator[dict[str, Any]]:
    decode = row_decoder(table)
    with reader.open(entry["file"]) as fh:
        for line in fh:
            yield decode(json.loads(line))


def _restore_reason(replaced: bool, info: ArchiveInfo, accepted: str | None) -> str | None:
    parts = ["restore with --replace"] if replaced else []
    if info.audit_problem:
        parts.append(f"broken audit trail accepted: {accepted.strip()}")
    return "; ".join(parts) or None


def restore(
    db: Database,
    src: Path | str,
    *,
    actor: str,
    replace: bool = False,
    accept_broken_audit: str | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    progress = progress or (lambda *_: None)
    if db.read_only:
        raise ReadOnlyError("restore writes the whole database; reconnect without --read-only")
    info = verify_archive(src, progress=progress, accept_broken_audit=accept_broken_audit)
    started = time.perf_counter()
    src = Path(src)
    reader = ArchiveReader(src)
    try:
        manifest = reader.manifest()
        entries = {e["name"]: e for e in manifest["tables"]}
        total = info.total_rows
        with db.begin() as session:
            conn = session.connection()
            present = data_rows(conn)
            if present and not replace:
                shown = ", ".join(f"{k} ({v})" for k, v in sorted(present.items())[:6])
                raise ValidationError(
                    f"{db.masked_url} already holds data ({sum(present.values())} rows: {shown}"
                    f"{' …' if len(present) > 6 else ''}); nothing was written. Restore into an "
                    "empty database, or pass --replace to delete everything in it first"
                )
            replaced = clear_tables(conn) if present else 0
            done = 0
            for table in native_tables():
                entry = entries.get(table.name)
                if entry is None:
                    continue  # added after the archive's revision (TABLES_ADDED_SINCE): empty
                base = done

                def tick(n: int, base: int = base) -> None:
                    progress("restore", base + n, total)

                bulk = fts_deferred(conn) if table.name == "system_log" else nullcontext()
                with bulk:
                    done += load_table(conn, table, _records(reader, entry, table), tick=tick)
            fix_sequences(conn)
            counts = {t.name: _count(conn, t) for t in native_tables()}
            wrong = {n: c for n, c in counts.items() if c != info.rows.get(n, 0)}
            if wrong:
                raise ValidationError(
                    "restored row counts differ from the archive ("
                    + ", ".join(f"{n}: {c} vs {info.rows.get(n)}" for n, c in wrong.items())
                    + "); nothing was written"
                )
            entry_row = audit.append_entry(
                session,
                actor=actor,
                action="db.restore",
                target_type="database",
                target_label=f"{db.dialect}:{db.url.database or ''}"[:300],
                before={"rows": sum(present.values())} if present else None,
                after={
                    "archive": src.name,
                    "created_at": info.created_at,
                    "source": info.source,
                    "rows": info.total_rows,
                    "audit_head": info.audit_head.as_dict() if info.audit_head else None,
                    "audit_problem": info.audit_problem,
                },
                reason=_restore_reason(bool(present), info, accept_broken_audit),
            )
            seconds = time.perf_counter() - started
            body = "\n".join(
                [
                    "# Database restore",
                    "",
                    f"- Archive: `{src}` taken {info.created_at} from {info.source}",
                    f"- Into: {db.masked_url}",
                    f"- Rows restored: {info.total_rows:,}"
                    + (f" (replacing {replaced:,} rows)" if replaced else ""),
                    f"- Duration: {seconds:.1f} s",
                    "",
                    "| table | rows |",
                    "|---|---|",
                    *(f"| {n} | {c:,} |" for n, c in counts.items()),
                ]
            )
            document = add_maintenance_record(
                session,
                title=f"Database restored from {src.name}",
                body=body,
                author=actor,
                tags=("maintenance", "database", "restore"),
                audit_entry=entry_row,
            )
            ids = (entry_row.id, document.id)
    finally:
        reader.close()
    return RestoreResult(str(src), counts, replaced, seconds, ids[0], ids[1])


# --- checkpoints kept apart from the chain -------------------------------------------------


def recorded_head(path: Path | str) -> audit.AuditHead:
    """The audit head recorded in a backup (directory, .zip or its manifest.json) or a snapshot."""
    path = Path(path)
    if not path.exists():
        raise ValidationError(f"no file {path}", field="--expect-head-from")
    if path.is_file() and path.suffix.lower() == ".json":
        head = audit.AuditHead.from_dict(_json_file(path).get("audit_head"))
    elif path.is_file() and not zipfile.is_zipfile(path):
        head = _snapshot_head(path)
    else:
        reader = ArchiveReader(path)
        try:
            head = audit.AuditHead.from_dict(reader.manifest().get("audit_head"))
        except (KeyError, FileNotFoundError, ValueError):
            head = None
        finally:
            reader.close()
    if head is None:
        raise ValidationError(
            f"{path} records no audit head (an older backup, a snapshot of an empty trail, or "
            "not an erp-console file)",
            field="--expect-head-from",
        )
    return head


def _json_file(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{path} is not readable JSON ({exc})") from None
    return data if isinstance(data, dict) else {}


def _snapshot_head(path: Path) -> audit.AuditHead | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT value FROM setting WHERE key = 'snapshot.audit_head'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return audit.parse_head(row[0]) if row and row[0] else None

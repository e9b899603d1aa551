"""Maintenance actions per dialect: analyze, vacuum/optimize, integrity check.

Each run is timed, and recorded in one transaction as an audit entry (`db.analyze`, `db.vacuum`,
`db.check`) plus a maintenance_record document with the statements and the before/after figures.
VACUUM cannot run inside a transaction, so the work runs on an autocommit connection first and
the record is written after it. A read-only session may run `check` (nothing is recorded then)
but not the actions that change the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, inspect, text

from erp_console.db.engine import Database
from erp_console.db.models import utcnow
from erp_console.errors import ReadOnlyError, ValidationError
from erp_console.services.core import audit
from erp_console.services.data.consistency import consistency_problems
from erp_console.services.data.health import human_bytes
from erp_console.services.data.table_codec import native_tables
from erp_console.services.records.maintenance_records import add_maintenance_record

ACTIONS = ("analyze", "vacuum", "check")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ActionResult:
    action: str
    dialect: str
    database: str
    statements: tuple[str, ...]
    seconds: float
    problems: tuple[str, ...]
    before: dict[str, int | None]
    after: dict[str, int | None]
    recorded: bool
    document_id: int | None = None
    audit_id: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def _tables(conn: Connection) -> list[str]:
    present = set(inspect(conn).get_table_names())
    return [t.name for t in native_tables() if t.name in present]


def figures(db: Database) -> dict[str, int | None]:
    """Cheap before/after figures: size, free space, dead rows where the dialect knows them."""
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            page_size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            free = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
            return {"size_bytes": page_size * pages, "free_bytes": page_size * free}
        if db.dialect == "postgresql":
            size, dead = conn.execute(
                text(
                    "SELECT pg_database_size(current_database()), "
                    "(SELECT COALESCE(sum(n_dead_tup), 0) FROM pg_stat_user_tables)"
                )
            ).one()
            return {"size_bytes": int(size), "dead_rows": int(dead)}
        size, free = conn.execute(
            text(
                "SELECT COALESCE(sum(data_length + index_length), 0), COALESCE(sum(data_free), 0) "
                "FROM information_schema.tables WHERE table_schema = DATABASE()"
            )
        ).one()
        return {"size_bytes": int(size), "free_bytes": int(free)}


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


class _Runner:
    """Runs statements on an autocommit connection, remembering them for the record."""

    def __init__(self, conn: Connection, progress: Progress | None) -> None:
        self.conn = conn
        self.progress = progress or (lambda *_: None)
        self.statements: list[str] = []
        self.problems: list[str] = []
        self.notes: list[str] = []

    def run(self, sql: str) -> list[tuple]:
        self.statements.append(sql)
        if self.conn.dialect.name == "sqlite":
            raw = self.conn.connection.driver_connection
            return list(raw.execute(sql).fetchall())
        result = self.conn.exec_driver_sql(sql)
        return list(result.fetchall()) if result.returns_rows else []

    def per_table(self, label: str, tables: list[str], template: str) -> list[tuple]:
        rows: list[tuple] = []
        for done, name in enumerate(tables, 1):
            rows += self.run(template.format(table=_quote(self.conn, name)))
            self.progress(label, done, len(tables))
        return rows


def _mysql_messages(runner: _Runner, rows: list[tuple]) -> None:
    for table, _op, msg_type, msg_text in rows:
        kind = str(msg_type).lower()
        if kind == "error" or (kind == "status" and str(msg_text).lower() not in ("ok",)):
            if "up to date" in str(msg_text).lower():
                continue
            runner.problems.append(f"{table}: {msg_text}")
        elif kind in ("note", "info", "warning"):
            runner.notes.append(f"{table}: {msg_text}")


def _analyze(runner: _Runner, dialect: str, tables: list[str]) -> None:
    if dialect == "sqlite":
        runner.per_table("analyze", tables, "ANALYZE {table}")
        runner.run("PRAGMA optimize")
    elif dialect == "postgresql":
        runner.per_table("analyze", tables, "ANALYZE {table}")
    else:
        _mysql_messages(runner, runner.per_table("analyze", tables, "ANALYZE TABLE {table}"))


def _vacuum(runner: _Runner, dialect: str, tables: list[str]) -> None:
    if dialect == "sqlite":
        runner.progress("vacuum", 0, 1)
        runner.run("VACUUM")
        runner.run("PRAGMA wal_checkpoint(TRUNCATE)")
        runner.run("ANALYZE")
        runner.run("PRAGMA optimize")
        runner.progress("vacuum", 1, 1)
    elif dialect == "postgresql":
        runner.per_table("vacuum", tables, "VACUUM (ANALYZE) {table}")
    else:
        _mysql_messages(runner, runner.per_table("optimize", tables, "OPTIMIZE TABLE {table}"))


def _check(runner: _Runner, dialect: str, tables: list[str]) -> None:
    if dialect == "sqlite":
        runner.progress("check", 0, 2)
        found = [r[0] for r in runner.run("PRAGMA integrity_check")]
        if found != ["ok"]:
            runner.problems += [f"integrity_check: {line}" for line in found]
        for table, rowid, parent, _fk in runner.run("PRAGMA foreign_key_check"):
            runner.problems.append(f"{table} row {rowid}: foreign key to missing {parent}")
        runner.progress("check", 1, 2)
    elif dialect == "mysql":
        _mysql_messages(runner, runner.per_table("check", tables, "CHECK TABLE {table}"))
    runner.statements.append("-- consistency pass: orphan rows, vocabularies, periods, login keys")
    for problem in consistency_problems(runner.conn):
        if problem not in runner.problems:
            runner.problems.append(problem)
    runner.progress("check", 2, 2)


STEPS = {"analyze": _analyze, "vacuum": _vacuum, "check": _check}


def _record_body(result: ActionResult, actor: str, url: str) -> str:
    lines = [
        f"# Database {result.action}",
        "",
        f"- Database: {result.dialect} `{result.database}` ({url})",
        f"- Operator: {actor}",
        f"- Finished: {utcnow():%Y-%m-%d %H:%M:%S} UTC",
        f"- Duration: {result.seconds:.2f} s",
        f"- Result: {'OK' if result.ok else f'{len(result.problems)} problem(s)'}",
        "",
        "| figure | before | after |",
        "|---|---|---|",
    ]
    for key in result.before:
        before, after = result.before.get(key), result.after.get(key)
        if key.endswith("_bytes"):
            lines.append(f"| {key} | {human_bytes(before)} | {human_bytes(after)} |")
        else:
            lines.append(f"| {key} | {before} | {after} |")
    if result.problems:
        lines += ["", "## Problems", ""] + [f"- {p}" for p in result.problems]
    if result.notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in result.notes[:50]]
    lines += ["", "## Statements", "", "```sql", *result.statements, "```"]
    return "\n".join(lines)


def run_action(
    db: Database, action: str, *, actor: str, progress: Progress | None = None
) -> ActionResult:
    """Run analyze, vacuum or check on the whole database and record it (unless read-only)."""
    if action not in ACTIONS:
        raise ValidationError(f"'{action}' is not one of {', '.join(ACTIONS)}", field="action")
    if db.read_only and action != "check":
        raise ReadOnlyError(
            f"{action} changes the database; reconnect without --read-only to run it"
        )
    before = figures(db)
    with db.engine.connect() as conn:
        tables = _tables(conn)
    database = db.url.database or ""
    started = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        runner = _Runner(conn, progress)
        STEPS[action](runner, db.dialect, tables)
    seconds = time.perf_counter() - started
    result = ActionResult(
        action=action,
        dialect=db.dialect,
        database=database,
        statements=tuple(runner.statements),
        seconds=seconds,
        problems=tuple(runner.problems),
        before=before,
        after=figures(db),
        recorded=False,
        notes=tuple(runner.notes),
    )
    if db.read_only:
        return result
    with db.begin() as session:
        entry = audit.append_entry(
            session,
            actor=actor,
            action=f"db.{action}",
            target_type="database",
            target_label=f"{db.dialect}:{database}"[:300],
            before=result.before,
            after={
                **result.after,
                "seconds": round(seconds, 3),
                "problems": len(result.problems),
            },
            reason=None if result.ok else "; ".join(result.problems[:5])[:1000],
        )
        document = add_maintenance_record(
            session,
            title=f"Database {action} ({'OK' if result.ok else 'problems found'})",
            body=_record_body(result, actor, db.masked_url),
            author=actor,
            tags=("maintenance", "database", action),
            audit_entry=entry,
        )
        doc_id, entry_id = document.id, entry.id
    return ActionResult(
        **{**result.__dict__, "recorded": True, "document_id": doc_id, "audit_id": entry_id}
    )

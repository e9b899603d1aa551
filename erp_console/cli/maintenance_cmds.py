"""Database maintenance: `db health|tables|analyze|vacuum|check`, `export`, `import`, `backup`,
`restore`, `snapshot`."""

from __future__ import annotations

import os

import click

from erp_console.cli.context import CliContext, pass_cli
from erp_console.cli.output import emit, emit_record, success
from erp_console.cli.progress import progress_bars
from erp_console.config import parse_url
from erp_console.db.schema import ensure_server_database, init_schema
from erp_console.errors import ConfigError, ReadOnlyError, ValidationError
from erp_console.services.data.backup import backup, data_rows, restore, verify_archive
from erp_console.services.data.export import export, export_sources
from erp_console.services.data.health import database_health, human_bytes, table_stats
from erp_console.services.data.importer import import_file
from erp_console.services.data.maintenance import run_action
from erp_console.services.data.readonly_login import (
    create_readonly_login,
    readonly_login_sql,
)
from erp_console.services.data.snapshot import take_snapshot

IMPORT_KINDS = ("users", "departments", "grants", "incidents", "documents")


@click.group()
def db() -> None:
    """Database health and maintenance (analyze, vacuum/optimize, integrity check)."""


@db.command("health")
@click.option(
    "--long-after",
    type=float,
    default=5.0,
    show_default=True,
    help="Seconds after which a running query counts as long.",
)
@pass_cli
def db_health(cli: CliContext, long_after: float) -> None:
    """Dialect, version, size, schema revision, sessions, long queries, and the biggest tables."""

    h = database_health(cli.database(require_schema=False), long_after=long_after)
    record = {
        "dialect": h.dialect,
        "server_version": h.server_version,
        "database": h.database,
        "url": h.url,
        "read_only": h.read_only,
        "size": human_bytes(h.size_bytes) if cli.fmt == "table" else h.size_bytes,
        "tables": len(h.tables),
        "rows": h.total_rows,
        "schema_revision": h.schema_revision,
        "latest_revision": h.head_revision,
        "schema": "up to date" if h.schema_ok else "needs `erp-console init`",
    }
    if h.dialect != "sqlite":
        record["login_can_write"] = "; ".join(h.login_can_write) or "no"
    if h.read_only_warning:
        record["warning"] = h.read_only_warning
        click.echo(f"warning: {h.read_only_warning}", err=True)
    if h.connections is not None:
        record["connections"] = h.connections
        record["long_queries"] = len(h.long_queries)
    for key, value in h.sqlite.items():
        record[key] = human_bytes(value) if key == "wal_bytes" and cli.fmt == "table" else value
    if cli.fmt == "json":
        record["long_query_list"] = [q.__dict__ for q in h.long_queries]
        record["vacuum_stats"] = [v.__dict__ for v in h.vacuum if v.dead_rows]
        emit_record(record)
        return
    emit_record(record)
    if cli.fmt != "table":
        return
    if h.long_queries:
        click.echo(f"\nLong-running queries (≥ {long_after:g} s):")
        emit(
            [
                {
                    "pid": q.pid,
                    "user": q.user,
                    "state": q.state,
                    "seconds": round(q.seconds, 1),
                    "query": q.query[:60],
                }
                for q in h.long_queries
            ]
        )
    dead = [v for v in h.vacuum if v.dead_rows]
    if dead:
        click.echo("\nDead rows (PostgreSQL):")
        emit(
            [
                {
                    "table": v.table,
                    "dead_rows": v.dead_rows,
                    "last_vacuum": v.last_vacuum or v.last_autovacuum,
                    "last_analyze": v.last_analyze or v.last_autoanalyze,
                }
                for v in dead
            ]
        )
    click.echo("\nBiggest tables:")
    biggest = sorted(h.tables, key=lambda t: (-t.total_bytes, -t.rows))[:8]
    emit(
        [
            {"table": t.name, "rows": t.rows_label, "size": human_bytes(t.total_bytes)}
            for t in biggest
        ]
    )


@db.command("readonly-role")
@click.argument("name")
@click.option("--print-sql", is_flag=True, help="Print the SQL for a DBA instead of running it.")
@click.option("--password-env", help="Environment variable holding the new login's password.")
@click.option("--host", default="%", show_default=True, help="MariaDB: the host part of the user.")
@pass_cli
def db_readonly_role(cli: CliContext, name, print_sql, password_env, host) -> None:
    """Create a database login NAME that can only SELECT (read-only that holds)."""

    if print_sql:
        database = cli.database(require_schema=False)
        statements = readonly_login_sql(database, name, host)
        if cli.fmt == "table":
            click.echo("\n".join(f"{s};" for s in statements))
        else:
            emit_record({"login": name, "sql": statements})
        return
    password = None
    if password_env:
        password = os.environ.get(password_env)
        if password is None:
            raise ConfigError(f"${password_env} is not set; export the new login's password")
    result = create_readonly_login(
        cli.database(require_schema=True), name, actor=cli.operator, password=password, host=host
    )
    state = "created" if result.created else "already existed; its grants were completed"
    success(f"login {name} {state}: SELECT only (audit #{result.audit_id})")


@db.command("tables")
@click.option(
    "--sort", type=click.Choice(["name", "rows", "size"]), default="name", show_default=True
)
@pass_cli
def db_tables(cli: CliContext, sort: str) -> None:
    """Every table with rows (≈ = estimated from statistics), data and index size."""

    rows = table_stats(cli.database(require_schema=False), sort=sort)
    table = cli.fmt == "table"
    emit(
        [
            {
                "table": t.name,
                "rows": t.rows_label if table else t.rows,
                "exact": t.rows_exact,
                "data": human_bytes(t.data_bytes) if table else t.data_bytes,
                "indexes": human_bytes(t.index_bytes) if table else t.index_bytes,
            }
            for t in rows
        ],
        ["table", "rows", "exact", "data", "indexes"],
    )


def _run_action(cli: CliContext, action: str) -> None:

    database = cli.database()
    with progress_bars() as progress:
        result = run_action(database, action, actor=cli.operator, progress=progress)
    rows = [
        {
            "figure": key,
            "before": human_bytes(value) if key.endswith("_bytes") else value,
            "after": human_bytes(result.after.get(key))
            if key.endswith("_bytes")
            else result.after.get(key),
        }
        for key, value in result.before.items()
    ]
    emit(rows, ["figure", "before", "after"])
    for problem in result.problems:
        click.echo(f"problem: {problem}", err=True)
    recorded = (
        f"; recorded as maintenance record #{result.document_id}"
        if result.recorded
        else " (read-only session: not recorded)"
    )
    if result.ok:
        success(f"{action} of {database.masked_url} done in {result.seconds:.2f} s{recorded}")
    else:
        raise ValidationError(
            f"{action} found {len(result.problems)} problem(s) in {database.masked_url}{recorded}"
        )


@db.command("analyze")
@pass_cli
def db_analyze(cli: CliContext) -> None:
    """Refresh the planner statistics (ANALYZE; SQLite also PRAGMA optimize)."""
    _run_action(cli, "analyze")


@db.command("vacuum")
@pass_cli
def db_vacuum(cli: CliContext) -> None:
    """Reclaim space: SQLite VACUUM, PostgreSQL VACUUM (ANALYZE), MySQL OPTIMIZE TABLE."""
    _run_action(cli, "vacuum")


@db.command("check")
@pass_cli
def db_check(cli: CliContext) -> None:
    """Integrity check (SQLite integrity_check, MySQL CHECK TABLE) plus a consistency pass:
    orphan rows, unknown vocabulary values, periods ending before they start. Exit 1 on problems."""
    _run_action(cli, "check")


@click.command("export")
@click.argument("source", required=False)
@click.option("--out", "-o", type=click.Path(dir_okay=False), help="File to write.")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "jsonl"]),
    help="Default: from the file extension (.jsonl → JSON Lines, otherwise CSV).",
)
@pass_cli
def export_cmd(cli: CliContext, source, out, file_format) -> None:
    """Export a native TABLE or a VIEW (users, role-matrix, sod-conflicts, process-coverage).

    Without SOURCE, lists what can be exported."""

    if not source:
        emit([{"source": n, "what": d} for n, d in export_sources()], ["source", "what"])
        return
    if not out:
        raise click.UsageError("give the file to write with --out FILE")

    database = cli.database()
    with progress_bars() as progress:
        result = export(
            database, source, out, fmt=file_format, actor=cli.operator, progress=progress
        )
    success(f"exported {result.rows:,} row(s) of {source} to {result.path} ({result.fmt})")


@click.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and show what would change; write nothing.")
@click.option(
    "--mode",
    type=click.Choice(["insert", "upsert"]),
    default="insert",
    show_default=True,
    help="insert refuses rows that exist; upsert updates them by natural key.",
)
@click.option(
    "--date-format",
    help="How to read ambiguous dates: iso, dmy, mdy or a pattern like %d/%m/%Y.",
)
@click.option(
    "--ignore-column",
    "ignore_columns",
    multiple=True,
    metavar="NAME",
    help="Drop this column of the file (needed for one that looks like a date or known field).",
)
@click.option(
    "--create-departments",
    is_flag=True,
    help="Create departments a users file names that do not exist yet (listed in the preview).",
)
@pass_cli
def import_cmd(
    cli: CliContext, kind, file, dry_run, mode, date_format, ignore_columns, create_departments
) -> None:
    """Import KIND from a CSV or JSON Lines FILE: validated completely, then all or nothing.

    Every problem is printed as file:row:column: message."""

    database = cli.database()
    with progress_bars() as progress:
        result = import_file(
            database,
            kind,
            file,
            actor=cli.operator,
            mode=mode,
            dry_run=dry_run,
            date_format=date_format,
            ignore_columns=ignore_columns,
            create_departments=create_departments,
            progress=progress,
        )
    emit(
        [
            {
                "rows": result.rows,
                "insert": result.inserted,
                "update": result.updated,
                "unchanged": result.unchanged,
            }
        ],
        ["rows", "insert", "update", "unchanged"],
    )
    if result.changes and cli.fmt == "table":
        click.echo("\nFirst changes:")
        for change in result.changes:
            click.echo(f"  {change}")
    if result.ignored_columns:
        click.echo(f"ignored column(s): {', '.join(result.ignored_columns)}", err=True)
    if dry_run:
        success("dry run: nothing was written")
    elif result.audit_id is None:
        success("nothing to change: every row is already in the database")
    else:
        success(
            f"imported {kind} from {file}: {result.inserted} inserted, {result.updated} updated "
            f"(audit #{result.audit_id}, record #{result.document_id})"
        )


@click.command("backup")
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(),
    help="A new directory, or a file ending in .zip.",
)
@pass_cli
def backup_cmd(cli: CliContext, out) -> None:
    """Portable backup: one JSON Lines file per table plus a manifest with checksums."""

    database = cli.database()
    with progress_bars() as progress:
        result = backup(database, out, actor=cli.operator, progress=progress)
    success(
        f"backup of {sum(result.rows.values()):,} rows ({len(result.rows)} tables, schema "
        f"{result.revision}) written to {result.path} in {result.seconds:.1f} s"
    )


@click.command("restore")
@click.argument("source", metavar="FROM", type=click.Path(exists=True))
@click.option("--replace", is_flag=True, help="Delete everything in the database first.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before replacing data.")
@click.option(
    "--accept-broken-audit",
    metavar="REASON",
    help="Restore even though the archive's audit chain was altered (the reason is audited).",
)
@pass_cli
def restore_cmd(cli: CliContext, source, replace, yes, accept_broken_audit) -> None:
    """Restore a backup into an empty database of any dialect (verified before writing)."""

    if cli.target.read_only:
        raise ReadOnlyError("restore writes the whole database; run it without --read-only")
    info = verify_archive(source, accept_broken_audit=accept_broken_audit)
    ensure_server_database(parse_url(cli.target.url))
    database = cli.database(require_schema=False, create=True)
    init_schema(database)
    with database.engine.connect() as conn:
        present = data_rows(conn)
    click.echo(
        f"archive {source}: {info.total_rows:,} rows from {info.source} taken {info.created_at}",
        err=True,
    )
    if info.audit_problem:
        click.echo(f"warning: {info.audit_problem}; accepted: {accept_broken_audit}", err=True)
    if present and replace and not yes:
        click.confirm(
            f"Delete {sum(present.values()):,} rows in {database.masked_url} and restore?",
            abort=True,
            err=True,
        )
    with progress_bars() as progress:
        result = restore(
            database,
            source,
            actor=cli.operator,
            replace=replace,
            accept_broken_audit=accept_broken_audit,
            progress=progress,
        )
    success(
        f"restored {sum(result.rows.values()):,} rows into {database.masked_url} in "
        f"{result.seconds:.1f} s (record #{result.document_id})"
    )


@click.command("snapshot")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False))
@click.option("--anonymize", is_flag=True, help="Replace names, e-mails and free text of users.")
@pass_cli
def snapshot_cmd(cli: CliContext, out, anonymize) -> None:
    """A self-contained SQLite copy for offline review (opened read-only by the console)."""

    database = cli.database()
    with progress_bars() as progress:
        result = take_snapshot(
            database, out, actor=cli.operator, anonymize=anonymize, progress=progress
        )
    kind = "anonymized snapshot" if anonymize else "snapshot"
    success(
        f"{kind} of {sum(result.rows.values()):,} rows written to {result.path}; open it with "
        f"erp-console --url sqlite:///{result.path}"
    )

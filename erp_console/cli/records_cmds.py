"""`logs search|ingest|follow|stats|purge` and `docs list|show|add|edit|history|diff|link|export|import`."""

from __future__ import annotations

import datetime as dt
import sys
import time

import click

from erp_console.cli.context import CliContext, pass_cli
from erp_console.cli.output import emit, emit_record, success
from erp_console.cli.progress import progress_bars
from erp_console.cli.types import DATETIME, LOG_SINCE
from erp_console.services.records import documents
from erp_console.services.records import logs as log_service
from erp_console.services.records.document_io import export_documents, import_documents
from erp_console.services.records.document_templates import template
from erp_console.services.records.documents import (
    DocumentFilter,
    create_document,
    delete_document,
    diff_revisions,
    edit_document,
    get_document,
    link_document,
    maintenance_records,
    revisions,
    unlink_document,
)
from erp_console.services.records.log_follow import Follower
from erp_console.services.records.log_ingest import ingest_file
from erp_console.services.records.logs import LogFilter, newest_time, parse_levels, span_start
from erp_console.vocabulary import (
    DOCUMENT_KINDS,
    DOCUMENT_STATUSES,
    LINK_ENTITY_TYPES,
    LOG_FORMATS,
)

LOG_COLUMNS = ["ts", "level", "source", "user", "host", "message"]


@click.group()
def logs() -> None:
    """System logs: search, ingest files, counts, retention."""


def _filter(db, since, until, level, source, user, host, text):

    if isinstance(since, dt.timedelta):
        since = span_start(newest_time(db), since)

    return LogFilter(
        since=since,
        until=until,
        levels=parse_levels(level),
        source=source,
        user=user,
        host=host,
        text=text,
    )


def _filter_options(fn):
    for decorator in reversed(
        [
            click.option(
                "--since",
                type=LOG_SINCE,
                help="From (YYYY-MM-DD[ HH:MM] UTC), or a span such as 1h or 2d: the last hour "
                "(days) up to the newest line of the log.",
            ),
            click.option("--until", type=DATETIME, help="Before this time."),
            click.option(
                "--level", "-l", multiple=True, help="Level, LEVEL+ for that and above; repeatable."
            ),
            click.option("--source", "--module", "source", help="Source/module, exactly."),
            click.option("--user", "-u", help="User login, exactly."),
            click.option("--host", help="Host, exactly."),
            click.option("--text", "-t", help="Words the message contains (found literally)."),
        ]
    ):
        fn = decorator(fn)
    return fn


@logs.command("search")
@_filter_options
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@pass_cli
def logs_search(cli: CliContext, since, until, level, source, user, host, text, limit) -> None:
    """Matching lines, newest first."""

    db = cli.database()
    flt = _filter(db, since, until, level, source, user, host, text)
    lines = log_service.search(db, flt, limit=limit)
    emit(
        [
            {
                "id": x.id,
                "ts": x.ts,
                "level": x.level,
                "source": x.source or "",
                "user": x.user_login or "",
                "host": x.host or "",
                "event": x.event or "",
                "message": x.message,
            }
            for x in lines
        ],
        LOG_COLUMNS if cli.fmt == "table" else None,
    )
    if len(lines) == limit:
        total = log_service.count(db, flt)
        click.echo(f"showing the newest {len(lines)} of {total.label()} (use --limit)", err=True)


@logs.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "log_format",
    type=click.Choice(LOG_FORMATS),
    help="File format (default: detected from the first lines, else the extension: "
    ".jsonl/.json, .csv, else text).",
)
@click.option(
    "--pattern",
    help="Regex with named groups ts, level, source, user, host, event, message (text files).",
)
@click.option("--encoding", default="utf-8", show_default=True)
@click.option("--tz", help="Zone of timestamps that carry none (default UTC), e.g. Europe/Berlin.")
@click.option("--force", is_flag=True, help="Ingest a file again although its checksum was seen.")
@click.option("--skip-bad", is_flag=True, help="Ingest the good lines, count and list the bad.")
@pass_cli
def logs_ingest(cli: CliContext, files, log_format, pattern, encoding, tz, force, skip_bad) -> None:
    """Read log files into the system log, each file all or nothing (gzip is recognised)."""

    db = cli.database()
    results = []
    with progress_bars() as progress:
        for path in files:
            results.append(
                ingest_file(
                    db,
                    path,
                    actor=cli.operator,
                    fmt=log_format,
                    pattern=pattern,
                    encoding=encoding,
                    tz=tz,
                    force=force,
                    skip_bad=skip_bad,
                    progress=progress,
                )
            )
    for result in results:
        for bad in result.bad_lines:
            click.echo(f"skipped {bad.describe(result.file)}", err=True)
        if result.lines_bad > len(result.bad_lines):
            click.echo(f"skipped … and {result.lines_bad - len(result.bad_lines):,} more", err=True)
    emit(
        [
            {
                "file": r.file,
                "format": r.format,
                "lines": r.lines_ok,
                "bad": r.lines_bad,
                "from_byte": r.from_offset,
                "ingest": r.ingest_id,
            }
            for r in results
        ]
    )


@logs.command("follow")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "log_format", type=click.Choice(LOG_FORMATS), help="File format.")
@click.option("--pattern", help="Regex with named groups (text files).")
@click.option("--encoding", default="utf-8", show_default=True)
@click.option("--tz", help="Zone of timestamps that carry none (default UTC).")
@click.option(
    "--interval",
    type=click.FloatRange(0.1, 3600),
    default=1.0,
    show_default=True,
    help="Seconds between looks at the files.",
)
@click.option("--once", is_flag=True, help="Read what is new once and stop.")
@pass_cli
def logs_follow(cli: CliContext, files, log_format, pattern, encoding, tz, interval, once) -> None:
    """Ingest log files as they grow, across rotation and restarts (Ctrl-C stops)."""

    def report(path: str, result) -> None:
        click.echo(f"{path}: {result.lines_ok:,} line(s) (ingest #{result.ingest_id})")
        for bad in result.bad_lines:
            click.echo(f"skipped {bad.describe(path)}", err=True)

    follower = Follower(
        cli.database(),
        list(files),
        actor=cli.operator,
        fmt=log_format,
        pattern=pattern,
        encoding=encoding,
        tz=tz,
        report=report,
        settle=not once,
    )
    try:
        follower.poll()
        while not once:
            time.sleep(interval)
            follower.poll()
    except KeyboardInterrupt:
        pass
    finally:
        follower.close()


@logs.command("stats")
@_filter_options
@click.option("--hours", is_flag=True, help="Also counts per hour.")
@pass_cli
def logs_stats(cli: CliContext, since, until, level, source, user, host, text, hours) -> None:
    """Lines per level (and per hour) in a range; the last 24 hours of the log unless --since."""

    if since is None:
        since = dt.timedelta(hours=24)
    stats = log_service.stats(
        cli.database(), _filter(cli.database(), since, until, level, source, user, host, text)
    )
    emit(
        [{"level": k, "lines": v} for k, v in stats.by_level.items()]
        + [{"level": "total", "lines": stats.total}]
    )
    if hours:
        click.echo("")
        emit([{"hour": h, **counts} for h, counts in stats.by_hour])


@logs.command("purge")
@click.option("--older-than", "days", type=click.IntRange(1), required=True, help="Days to keep.")
@click.option("--reason", help="Why (goes to the audit trail).")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_cli
def logs_purge(cli: CliContext, days, reason, dry_run, yes) -> None:
    """Delete system log lines older than N days (audited, leaves a maintenance record)."""

    db = cli.database()
    preview = log_service.purge_preview(db, days)
    message = f"{preview.deleted:,} line(s) before {preview.cutoff:%Y-%m-%d %H:%M} UTC"
    if dry_run:
        success(f"would delete {message}")
        return
    if not yes and not click.confirm(f"Delete {message}?", err=True):
        raise click.Abort()
    result = log_service.purge(db, days, actor=cli.operator, reason=reason)
    success(f"deleted {result.deleted:,} line(s) before {result.cutoff:%Y-%m-%d %H:%M} UTC")


# --- documents ------------------------------------------------------------------------------


@click.group()
def docs() -> None:
    """Documents: maintenance records, system log, secondary development, support, process docs."""


DOC_COLUMNS = ["id", "kind", "title", "status", "tags", "updated_at", "version"]


@docs.command("list")
@click.option("--kind", type=click.Choice(DOCUMENT_KINDS))
@click.option("--status", type=click.Choice(DOCUMENT_STATUSES))
@click.option("--tag")
@click.option("--text", "-t", help="Words in the title or body.")
@click.option("--linked", help="Documents linked to TYPE:ID, e.g. incident:12.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@pass_cli
def docs_list(cli: CliContext, kind, status, tag, text, linked, limit) -> None:
    """Most recently updated first."""

    db = cli.database()
    if linked:
        entity_type, entity_id = documents.parse_link(linked)
        rows = documents.linked_documents(db, entity_type, entity_id)
    else:
        rows = documents.list_documents(
            db, documents.DocumentFilter(kind, status, tag, text), limit=limit
        )
    emit([{c: getattr(r, c) for c in DOC_COLUMNS} for r in rows], DOC_COLUMNS)


@docs.command("records")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@pass_cli
def docs_records(cli: CliContext, limit) -> None:
    """Maintenance records, newest first, with the audit entry each belongs to."""

    emit(
        [
            {
                "id": r.document.id,
                "updated_at": r.document.updated_at,
                "title": r.document.title,
                "audit": f"#{r.audit_entry.id} {r.audit_entry.action} by {r.audit_entry.actor}"
                if r.audit_entry
                else "",
                "audit_reason": r.audit_entry.reason if r.audit_entry else "",
            }
            for r in maintenance_records(cli.database(), limit=limit)
        ]
    )


@docs.command("show")
@click.argument("doc_id", type=int)
@click.option("--revision", "-r", type=int, help="Show this revision instead of the current text.")
@pass_cli
def docs_show(cli: CliContext, doc_id, revision) -> None:
    """Metadata, links and the Markdown body."""

    db = cli.database()
    doc = documents.get_document(db, doc_id)
    record = {
        "id": doc.id,
        "kind": doc.kind,
        "title": doc.title,
        "status": doc.status,
        "tags": ",".join(doc.tags),
        "author": doc.author,
        "created_at": doc.created_at,
        "updated_at": doc.updated_at,
        "version": doc.version,
        "revisions": doc.revisions,
        "links": ", ".join(f"{x.ref} ({x.label})" for x in doc.links),
        "audit": f"#{doc.audit_entry.id} {doc.audit_entry.action}" if doc.audit_entry else "",
    }
    body = doc.body
    if revision is not None:
        rev = documents.get_revision(db, doc_id, revision)
        record |= {"revision": rev.number, "title": rev.title, "status": rev.status}
        record |= {"revision_author": rev.author, "summary": rev.summary or ""}
        body = rev.body
    if cli.fmt == "table":
        emit_record(record)
        click.echo("")
        click.echo(body)
    else:
        emit_record(record | {"body": body})


def _read_body(body_file, use_editor: bool, start: str) -> str | None:
    if body_file == "-":
        return sys.stdin.read()
    if body_file:
        with open(body_file, encoding="utf-8", newline="") as f:
            return f.read()
    if use_editor:
        edited = click.edit(start, extension=".md", require_save=True)
        if edited is None:
            raise click.ClickException("editor closed without saving; nothing changed")
        return edited
    return None


@docs.command("add")
@click.option("--kind", type=click.Choice(DOCUMENT_KINDS), required=True)
@click.option("--title", required=True)
@click.option("--body-file", help="Markdown file with the body ('-' for stdin).")
@click.option(
    "--edit", "use_editor", is_flag=True, help="Write the body in $EDITOR (from the template)."
)
@click.option("--tags", help="Comma-separated tags.")
@click.option("--status", type=click.Choice(DOCUMENT_STATUSES), default="draft", show_default=True)
@click.option("--link", "links", multiple=True, help=f"TYPE:ID ({', '.join(LINK_ENTITY_TYPES)}).")
@pass_cli
def docs_add(cli: CliContext, kind, title, body_file, use_editor, tags, status, links) -> None:
    """Create a document (the body defaults to the template of its kind)."""

    start = template(kind, title)
    body = _read_body(body_file, use_editor, start)
    doc = create_document(
        cli.database(),
        actor=cli.operator,
        kind=kind,
        title=title,
        body=start if body is None else body,
        tags=tags,
        status=status,
        links=links,
    )
    success(f"document #{doc.id} created (version {doc.version})")


@docs.command("edit")
@click.argument("doc_id", type=int)
@click.option(
    "--expect-version", type=int, help="Refuse if the document is no longer at this version."
)
@click.option("--title")
@click.option("--body-file", help="Markdown file with the new body ('-' for stdin).")
@click.option("--edit", "use_editor", is_flag=True, help="Edit the body in $EDITOR.")
@click.option("--tags", help="Comma-separated tags (replaces them).")
@click.option("--status", type=click.Choice(DOCUMENT_STATUSES))
@click.option("--summary", "-m", help="What changed (kept with the revision).")
@pass_cli
def docs_edit(
    cli: CliContext, doc_id, expect_version, title, body_file, use_editor, tags, status, summary
) -> None:
    """Save a new revision. A stale --expect-version exits 4 and changes nothing."""

    db = cli.database()
    current = get_document(db, doc_id)
    body = _read_body(body_file, use_editor, current.body)
    doc = edit_document(
        db,
        doc_id,
        actor=cli.operator,
        expected_version=expect_version if expect_version is not None else current.version,
        title=title,
        body=body,
        tags=tags,
        status=status,
        summary=summary,
    )
    success(f"document #{doc.id} saved as revision {doc.revisions} (version {doc.version})")


@docs.command("delete")
@click.argument("doc_id", type=int)
@click.option("--reason", required=True)
@click.option("--expect-version", type=int)
@pass_cli
def docs_delete(cli: CliContext, doc_id, reason, expect_version) -> None:
    """Delete a document and its revisions (the audit entry keeps its last text)."""

    delete_document(
        cli.database(), doc_id, actor=cli.operator, expected_version=expect_version, reason=reason
    )
    success(f"document #{doc_id} deleted")


@docs.command("history")
@click.argument("doc_id", type=int)
@pass_cli
def docs_history(cli: CliContext, doc_id) -> None:
    """Revisions, newest first, with author and summary."""

    emit(
        [
            {
                "revision": r.number,
                "created_at": r.created_at,
                "author": r.author,
                "status": r.status,
                "title": r.title,
                "summary": r.summary or "",
            }
            for r in revisions(cli.database(), doc_id)
        ]
    )


@docs.command("diff")
@click.argument("doc_id", type=int)
@click.argument("old", type=int, required=False)
@click.argument("new", type=int, required=False)
@pass_cli
def docs_diff(cli: CliContext, doc_id, old, new) -> None:
    """Unified diff of two revisions (default: the latest against the one before)."""

    db = cli.database()
    if new is None or old is None:
        numbers = [r.number for r in revisions(db, doc_id)]
        new = numbers[0] if new is None else new
        old = next((n for n in numbers if n < new), new) if old is None else old
    diff = diff_revisions(db, doc_id, old, new)
    if cli.fmt == "table":
        click.echo(diff)
    else:
        emit_record({"document_id": doc_id, "old": old, "new": new, "diff": diff})


@docs.command("link")
@click.argument("doc_id", type=int)
@click.argument("ref")
@click.option("--remove", is_flag=True, help="Remove the link instead.")
@pass_cli
def docs_link(cli: CliContext, doc_id, ref, remove) -> None:
    """Link a document to TYPE:ID (process, incident, change_request)."""

    fn = unlink_document if remove else link_document
    doc = fn(cli.database(), doc_id, ref, actor=cli.operator)
    links = ", ".join(x.ref for x in doc.links) or "none"
    success(f"document #{doc.id} links: {links}")


@docs.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--kind", type=click.Choice(DOCUMENT_KINDS))
@click.option("--id", "ids", type=int, multiple=True, help="Only these documents.")
@pass_cli
def docs_export(cli: CliContext, directory, kind, ids) -> None:
    """Write Markdown files with front matter (kind, title, status, tags, links)."""

    paths = export_documents(cli.database(), directory, flt=DocumentFilter(kind=kind), ids=ids)
    success(f"{len(paths)} document(s) written to {directory}")


@docs.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@pass_cli
def docs_import(cli: CliContext, files) -> None:
    """Create or revise documents from Markdown files; all files or none."""

    outcomes = import_documents(cli.database(), files, actor=cli.operator)
    emit([{"file": o.path, "document": o.document_id, "action": o.action} for o in outcomes])

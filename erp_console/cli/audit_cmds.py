"""`audit list|verify`: the hash-chained maintenance log."""

from __future__ import annotations

import click

from erp_console.cli.context import CliContext, pass_cli
from erp_console.cli.output import emit, emit_record, success
from erp_console.cli.types import DATETIME
from erp_console.errors import ValidationError
from erp_console.services.access.erp_audit import pending_intents
from erp_console.services.core import audit as audit_service
from erp_console.services.data.backup import recorded_head


@click.group()
def audit() -> None:
    """The audit trail: who changed what, when and why."""


@audit.command("list")
@click.option("--actor", help="Only entries by this operator.")
@click.option("--action", help="Action, or a prefix ending in '.' or '*' (e.g. user.).")
@click.option(
    "--since", type=DATETIME, help="From this time (YYYY-MM-DD[ HH:MM], UTC, or 2h/3d ago)."
)
@click.option("--until", type=DATETIME, help="Before this time.")
@click.option("--target", help="TYPE or TYPE:ID, e.g. user:42.")
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True)
@click.option(
    "--pending",
    is_flag=True,
    help="Only ERP writes whose outcome the store never heard of (intents with no outcome).",
)
@pass_cli
def audit_list(cli: CliContext, actor, action, since, until, target, limit, pending) -> None:
    """Newest entries first."""

    if pending:
        _emit_pending(cli)
        return

    target_type, _, target_id = (target or "").partition(":")
    entries = audit_service.list_entries(
        cli.database(),
        actor=actor,
        action=action,
        since=since,
        until=until,
        target_type=target_type or None,
        target_id=target_id or None,
        limit=limit,
    )
    emit(
        [
            {
                "id": e.id,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "reason": e.reason or "",
                "before": e.before,
                "after": e.after,
            }
            for e in entries
        ],
        ["id", "at", "actor", "action", "target", "reason"] if cli.fmt == "table" else None,
    )


@audit.command("verify")
@click.option(
    "--expect-head",
    metavar="ID:HASH",
    help="A checkpoint kept elsewhere (from `audit head`); fail if the chain no longer reaches it.",
)
@click.option(
    "--expect-head-from",
    type=click.Path(exists=True),
    help="Take the checkpoint from a backup (directory, .zip, manifest.json) or a snapshot.",
)
@pass_cli
def audit_verify(cli: CliContext, expect_head, expect_head_from) -> None:
    """Check the hash chain; exit 1 naming the first altered or missing entry.

    Entries deleted from the end leave an intact, shorter chain: only a checkpoint kept apart
    (--expect-head, or a backup's or snapshot's) reveals them.
    """

    if expect_head and expect_head_from:
        raise ValidationError("give --expect-head or --expect-head-from, not both")
    expect = None
    if expect_head:
        expect = audit_service.parse_head(expect_head)
    elif expect_head_from:
        expect = recorded_head(expect_head_from)
    store = cli.database()
    result = audit_service.verify(store, expect=expect)
    if not result.ok:
        raise ValidationError(
            f"audit trail broken at entry {result.first_bad_id}: {result.problem} ({result.checked} entries before it are intact)"
        )
    pending = pending_intents(store)
    if pending:
        for intent in pending:
            click.echo(f"pending: {_pending_line(intent)}", err=True)
        raise ValidationError(
            f"audit trail intact ({result.checked} entries), but {len(pending)} ERP write(s) have "
            f"no recorded outcome (entries {', '.join(f'#{i.id}' for i in pending)}): check in the "
            "ERP whether each change was made (`erp-console audit list --pending`)"
        )
    head = result.head
    reached = f"; reaches checkpoint entry {expect.id}" if expect else ""
    keyed = ""
    if audit_service.audit_key() is not None:
        keyed = f", {result.keyed} keyed with {audit_service.KEY_ENV}"
    success(f"audit trail intact: {result.checked} entries verified{keyed}{reached}")
    if cli.fmt != "table":
        emit_record(
            {
                "checked": result.checked,
                "head": head.text if head else None,
                "entries": head.count if head else 0,
                "keyed": result.keyed,
                "checkpoint": expect.text if expect else None,
            }
        )
    elif head:
        click.echo(
            f"head {head.text} ({head.count} entries); keep it elsewhere to detect deletions"
        )


def _pending_line(intent) -> str:
    target = intent.target_label or f"{intent.target_type} {intent.target_id}"
    return f"#{intent.id} {intent.at:%Y-%m-%d %H:%M} {intent.actor} {intent.action} {target}"


def _emit_pending(cli: CliContext) -> None:

    emit(
        [
            {
                "id": i.id,
                "at": i.at,
                "actor": i.actor,
                "action": i.action,
                "target": i.target_label or f"{i.target_type}:{i.target_id}",
                "reason": i.reason or "",
            }
            for i in pending_intents(cli.database())
        ],
        ["id", "at", "actor", "action", "target", "reason"],
    )


@audit.command("head")
@pass_cli
def audit_head(cli: CliContext) -> None:
    """The chain's end as ID:HASH: keep it apart (a ticket, a password safe) for `verify`."""

    head = audit_service.current_head(cli.database())
    if cli.fmt != "table":
        emit_record({"head": head.text if head else None, "entries": head.count if head else 0})
        return
    click.echo(head.text if head else "the audit trail is empty")

"""`audit list|verify`: the hash-chained maintenance log."""

from __future__ import annotations

import click

from erp_console.cli.context import CliContext, pass_cli
from erp_console.cli.output import emit, success
from erp_console.cli.root import main
from erp_console.cli.types import DATETIME


@main.group()
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
@pass_cli
def audit_list(cli: CliContext, actor, action, since, until, target, limit) -> None:
    """Newest entries first."""
    from erp_console.services import audit as audit_service

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
@pass_cli
def audit_verify(cli: CliContext) -> None:
    """Check the hash chain; exit 1 naming the first altered or missing entry."""
    from erp_console.errors import ValidationError
    from erp_console.services import audit as audit_service

    result = audit_service.verify(cli.database())
    if not result.ok:
        raise ValidationError(
            f"audit trail broken at entry {result.first_bad_id}: {result.problem} ({result.checked} entries before it are intact)"
        )
    success(f"audit trail intact: {result.checked} entries verified")

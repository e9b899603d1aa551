"""Lifecycle: stage status/advance/history, thresholds, incidents, change requests, the report."""

from __future__ import annotations

import click

from erp_console.cli.context import CliContext, pass_cli
from erp_console.cli.output import emit, emit_record, success
from erp_console.cli.types import DATE, DATETIME, MONTH
from erp_console.errors import ValidationError
from erp_console.services.lifecycle.incidents import (
    CHANGE_TRANSITIONS,
    create_change,
    edit_incident,
    get_incident,
    list_changes,
    list_incidents,
    record_incident,
    reopen_incident,
    resolve_incident,
    transition_change,
)
from erp_console.services.lifecycle.report import (
    build_report,
    default_period,
    month_period,
    save_report,
)
from erp_console.services.lifecycle.stage import (
    THRESHOLDS,
    advance,
    set_threshold,
    set_up,
    stage_status,
    thresholds,
)
from erp_console.vocabulary import (
    CHANGE_KINDS,
    CHANGE_STATUSES,
    INCIDENT_CATEGORIES,
    INCIDENT_STATUSES,
    SEVERITIES,
    STAGES,
)

# The statuses a change request can be moved to, in the order of CHANGE_STATUSES.
CHANGE_TARGETS = tuple(
    s for s in CHANGE_STATUSES if any(s in targets for targets in CHANGE_TRANSITIONS.values())
)
INCIDENT_COLUMNS = ["id", "opened_at", "category", "severity", "module", "status", "title"]
CHANGE_COLUMNS = ["id", "kind", "status", "requested_at", "origin_incident_id", "title"]


@click.group()
def stage() -> None:
    """The lifecycle stage: status with evidence, transition, history, thresholds."""


@stage.command("status")
@pass_cli
def stage_status_cmd(cli: CliContext) -> None:

    st = stage_status(cli.database())
    if cli.fmt == "json":
        emit_record(
            {
                "stage": st.stage,
                "next_stage": st.next_stage,
                "go_live": st.go_live,
                "days_since_go_live": st.days_since_go_live,
                "days_in_stage": st.days_in_stage,
                "recommendation": st.recommendation,
                "reasons": list(st.reasons),
                "criteria": [c.__dict__ for c in st.criteria],
                "mttr_hours": st.mttr_hours,
            }
        )
        return
    click.echo(
        f"Stage: {st.stage or 'not recorded'} (day {st.days_in_stage} in stage, {st.days_since_go_live} days since go-live {st.go_live})"
    )
    click.echo(
        f"Recommendation: {st.recommendation}"
        + (f" → {st.next_stage}" if st.recommendation == "ready" else "")
    )
    for reason in st.reasons:
        click.echo(f"  - {reason}")
    click.echo("")
    emit(
        [
            {
                "criterion": c.name,
                "value": c.value,
                "threshold": c.threshold,
                "met": "yes" if c.passed else "NO",
            }
            for c in st.criteria
        ],
        ["criterion", "value", "threshold", "met"],
    )


@stage.command("setup")
@click.option("--erp-name", required=True, help="The ERP's name as people call it.")
@click.option("--go-live", required=True, type=DATE, help="The go-live date (YYYY-MM-DD).")
@click.option("--company", help="The company that runs it.")
@click.option(
    "--stage",
    "stage_name",
    type=click.Choice([s for s in STAGES if s != "retired"]),
    default="assurance",
    show_default=True,
    help="The stage the system is in today.",
)
@click.option("--reason", required=True, help="Why (kept in the stage history and audit trail).")
@pass_cli
def stage_setup(cli: CliContext, erp_name, go_live, company, stage_name, reason) -> None:
    """Record the ERP, its go-live and its current stage: where the lifecycle figures start."""

    st = set_up(
        cli.database(),
        actor=cli.operator,
        erp_name=erp_name,
        go_live=go_live,
        company=company,
        stage=stage_name,
        reason=reason,
    )
    success(f"lifecycle set up: {st.stage} since {st.go_live} ({st.days_since_go_live} days)")


@stage.command("advance")
@click.option(
    "--to", "to", type=click.Choice(STAGES), help="The stage to enter (must be the next one)."
)
@click.option(
    "--reason", required=True, help="Why now (kept in the stage history and audit trail)."
)
@click.option(
    "--override", "override_reason", help="Advance although criteria fail, with this justification."
)
@pass_cli
def stage_advance(cli: CliContext, to, reason, override_reason) -> None:
    """Enter the next lifecycle stage; failing criteria need --override REASON."""

    st = advance(
        cli.database(),
        actor=cli.operator,
        reason=reason,
        override_reason=override_reason,
        to=to,
    )
    success(f"stage is now {st.stage}")


@stage.command("history")
@pass_cli
def stage_history(cli: CliContext) -> None:

    emit(
        [
            {"stage": h[0], "started_at": h[1], "ended_at": h[2], "decided_by": h[3], "note": h[4]}
            for h in stage_status(cli.database()).history
        ]
    )


@stage.command("thresholds")
@click.option(
    "--set", "assignments", multiple=True, metavar="KEY=VALUE", help="Change a threshold (repeat)."
)
@click.option("--reason")
@pass_cli
def stage_thresholds(cli: CliContext, assignments, reason) -> None:
    """Show the stage criteria thresholds, or change them."""

    db = cli.database()
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep:
            raise ValidationError(f"'{assignment}' is not KEY=VALUE", field="--set")
        set_threshold(db, key.strip(), value.strip(), actor=cli.operator, reason=reason)
    emit(
        [{"key": k, "value": v, "meaning": THRESHOLDS[k][1]} for k, v in thresholds(db).items()],
        ["key", "value", "meaning"],
    )


@click.group()
def incidents() -> None:
    """Incidents: record, edit, resolve, reopen, list."""


def _incident_rows(rows):
    return [{c: getattr(r, c) for c in INCIDENT_COLUMNS} for r in rows]


@incidents.command("list")
@click.option("--category", type=click.Choice(INCIDENT_CATEGORIES))
@click.option("--severity", type=click.Choice(SEVERITIES))
@click.option("--module")
@click.option("--status", type=click.Choice(INCIDENT_STATUSES))
@click.option("--open", "open_only", is_flag=True, help="Only not yet resolved.")
@click.option("--since", type=DATETIME)
@click.option("--until", type=DATETIME)
@click.option("--limit", type=click.IntRange(1, 100000), default=100, show_default=True)
@pass_cli
def incidents_list(
    cli: CliContext, category, severity, module, status, open_only, since, until, limit
) -> None:

    emit(
        _incident_rows(
            list_incidents(
                cli.database(),
                category=category,
                severity=severity,
                module=module,
                status=status,
                open_only=open_only,
                since=since,
                until=until,
                limit=limit,
            )
        ),
        INCIDENT_COLUMNS,
    )


@incidents.command("add")
@click.argument("title")
@click.option("--category", type=click.Choice(INCIDENT_CATEGORIES), required=True)
@click.option("--severity", type=click.Choice(SEVERITIES), required=True)
@click.option("--module")
@click.option("--reporter")
@click.option("--description")
@click.option("--opened-at", type=DATETIME)
@pass_cli
def incidents_add(
    cli: CliContext, title, category, severity, module, reporter, description, opened_at
) -> None:

    incident = record_incident(
        cli.database(),
        actor=cli.operator,
        title=title,
        category=category,
        severity=severity,
        module=module,
        reporter=reporter,
        description=description,
        opened_at=opened_at,
    )
    success(f"incident #{incident.id} recorded")


@incidents.command("show")
@click.argument("incident_id", type=int)
@pass_cli
def incidents_show(cli: CliContext, incident_id) -> None:

    emit_record(get_incident(cli.database(), incident_id).__dict__)


@incidents.command("resolve")
@click.argument("incident_id", type=int)
@click.option("--resolution", required=True)
@pass_cli
def incidents_resolve(cli: CliContext, incident_id, resolution) -> None:

    resolve_incident(cli.database(), incident_id, actor=cli.operator, resolution=resolution)
    success(f"incident #{incident_id} resolved")


@incidents.command("reopen")
@click.argument("incident_id", type=int)
@click.option("--reason", required=True)
@pass_cli
def incidents_reopen(cli: CliContext, incident_id, reason) -> None:

    reopen_incident(cli.database(), incident_id, actor=cli.operator, reason=reason)
    success(f"incident #{incident_id} reopened")


@incidents.command("edit")
@click.argument("incident_id", type=int)
@click.option("--title")
@click.option("--category", type=click.Choice(INCIDENT_CATEGORIES))
@click.option("--severity", type=click.Choice(SEVERITIES))
@click.option("--module")
@click.option("--expect-version", type=int)
@pass_cli
def incidents_edit(
    cli: CliContext, incident_id, title, category, severity, module, expect_version
) -> None:

    edit_incident(
        cli.database(),
        incident_id,
        actor=cli.operator,
        expected_version=expect_version,
        title=title,
        category=category,
        severity=severity,
        module=module,
    )
    success(f"incident #{incident_id} updated")


@click.group()
def changes() -> None:
    """Change requests: create (also from an incident), move through their lifecycle, list."""


@changes.command("list")
@click.option("--kind", type=click.Choice(CHANGE_KINDS))
@click.option("--status", type=click.Choice(CHANGE_STATUSES))
@click.option("--open", "open_only", is_flag=True)
@click.option("--limit", type=click.IntRange(1, 100000), default=100, show_default=True)
@pass_cli
def changes_list(cli: CliContext, kind, status, open_only, limit) -> None:

    emit(
        [
            {c: getattr(r, c) for c in CHANGE_COLUMNS}
            for r in list_changes(
                cli.database(), kind=kind, status=status, open_only=open_only, limit=limit
            )
        ],
        CHANGE_COLUMNS,
    )


@changes.command("add")
@click.argument("title")
@click.option("--kind", type=click.Choice(CHANGE_KINDS), required=True)
@click.option("--description")
@click.option("--module")
@click.option("--new-function/--no-new-function", default=None)
@click.option("--from-incident", "incident_id", type=int, help="Raise it from this incident.")
@pass_cli
def changes_add(
    cli: CliContext, title, kind, description, module, new_function, incident_id
) -> None:

    change = create_change(
        cli.database(),
        actor=cli.operator,
        kind=kind,
        title=title,
        description=description,
        module=module,
        is_new_function=new_function,
        origin_incident_id=incident_id,
    )
    success(f"change request #{change.id} proposed")


@changes.command("move")
@click.argument("change_id", type=int)
@click.argument("status", type=click.Choice(CHANGE_TARGETS))
@click.option("--reason", help="Required when rejecting.")
@click.option("--expect-version", type=int)
@pass_cli
def changes_move(cli: CliContext, change_id, status, reason, expect_version) -> None:
    """Move a change request to STATUS (the verbs approve/start/done/reject do the same)."""
    _transition(cli, change_id, status, reason, expect_version)


def _transition(cli: CliContext, change_id: int, status: str, reason, expect_version) -> None:

    transition_change(
        cli.database(),
        change_id,
        status,
        actor=cli.operator,
        reason=reason,
        expected_version=expect_version,
    )
    success(f"change request #{change_id} is now {status}")


def _move_command(name: str, status: str, summary: str) -> None:
    @changes.command(name, help=summary)
    @click.argument("change_id", type=int)
    @click.option("--reason", required=status == "rejected", help="Why (required to reject).")
    @click.option("--expect-version", type=int, help="Refuse if someone changed it meanwhile.")
    @pass_cli
    def command(cli: CliContext, change_id, reason, expect_version) -> None:
        _transition(cli, change_id, status, reason, expect_version)


_move_command("approve", "approved", "Approve a proposed change request.")
_move_command("start", "in_progress", "Start work on an approved change request.")
_move_command("done", "done", "Mark a change request in progress as done.")
_move_command("reject", "rejected", "Reject a change request, with a reason.")


@click.command()
@click.option(
    "--period",
    type=MONTH,
    help="A calendar month, e.g. 2026-10 (instead of --since/--until).",
)
@click.option("--since", type=DATE, help="First day (default 30 days ago).")
@click.option("--until", type=DATE, help="Last day (default today).")
@click.option("--save", is_flag=True, help="Keep it as a maintenance_record document.")
@pass_cli
def report(cli: CliContext, period, since, until, save) -> None:
    """The maintenance report of a period, in Markdown (printable)."""

    if period and (since or until):
        raise ValidationError("give either --period or --since/--until", field="--period")
    default_since, default_until = month_period(period) if period else default_period()
    since, until = since or default_since, until or default_until
    db = cli.database()
    result = (
        save_report(db, since, until, actor=cli.operator)
        if save
        else build_report(db, since, until)
    )
    if cli.fmt == "table":
        click.echo(result.markdown)
    else:
        emit_record(
            {
                "since": since,
                "until": until,
                "document_id": result.document_id,
                "markdown": result.markdown,
            }
        )
    if result.document_id:
        success(f"saved as document #{result.document_id}")

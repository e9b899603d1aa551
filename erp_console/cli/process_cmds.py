"""Business processes: list, show, coverage, versions, retire, and process reviews with findings."""

from __future__ import annotations

import datetime as dt

import click

from erp_console.cli.context import CliContext, pass_cli
from erp_console.cli.output import emit, emit_record, success
from erp_console.cli.types import DATE
from erp_console.services.access.catalogue import namable_codes
from erp_console.services.processes import present
from erp_console.services.processes.authoring import (
    create_process,
    create_version,
    parse_step,
)
from erp_console.services.processes.catalog import (
    StepSpec,
    get_process,
    list_processes,
    retire_process,
)
from erp_console.services.processes.coverage import coverage
from erp_console.services.processes.reviews import (
    add_finding,
    close_review,
    compare_with_snapshot,
    get_review,
    list_reviews,
    open_review,
    raise_change,
)
from erp_console.vocabulary import CHANGE_KINDS, FINDING_KINDS, REVIEW_OUTCOMES, SEVERITIES

HOLDERS_SHOWN = 6


@click.group()
def processes() -> None:
    """Business processes: list, show, coverage, version, retire, review."""


@processes.command("list")
@click.option("--all", "include_retired", is_flag=True, help="Include retired processes.")
@pass_cli
def processes_list(cli: CliContext, include_retired) -> None:
    """Processes with their version in force and coverage flag counts."""

    rows = list_processes(cli.database(), include_retired=include_retired, identity=cli.identity())
    emit(
        [
            {
                "code": r.code,
                "name": r.name,
                "owner": r.owner,
                "status": r.status,
                "version": r.version,
                "steps": r.steps,
                "no_holder": r.no_holder,
                "single_holder": r.single_holder,
                "excess": r.excess,
                "sod": r.sod,
            }
            for r in rows
        ]
    )


@processes.command("show")
@click.argument("code")
@click.option("--version", "number", type=int, help="Show this version (default: in force).")
@pass_cli
def processes_show(cli: CliContext, code, number) -> None:
    """A process with the steps of a version and its version history."""

    p = get_process(cli.database(), code, version=number)
    steps = [
        {
            "seq": s.seq,
            "name": s.name,
            "permission": s.permission,
            "department": s.department,
            "role": s.role,
        }
        for s in p.steps
    ]
    versions = [
        {
            "version": v.number,
            "effective_from": v.effective_from,
            "in_force": v.current,
            "steps": v.steps,
            "created_by": v.created_by,
            "note": v.note,
        }
        for v in p.versions
    ]
    record = {
        "code": p.code,
        "name": p.name,
        "owner": p.owner,
        "status": p.status,
        "version": p.version,
        "effective_from": p.effective_from,
    }
    if cli.fmt == "json":
        emit_record(record | {"steps": steps, "versions": versions})
        return
    emit_record(record)
    click.echo(f"\nSteps of version {p.version}:")
    emit(steps, ["seq", "name", "permission", "department", "role"])
    click.echo("\nVersions:")
    emit(versions)


@processes.command("coverage")
@click.option("--process", "-P", "process", help="One process (default: every active one).")
@click.option("--flags-only", is_flag=True, help="Only steps with a flag.")
@pass_cli
def processes_coverage(cli: CliContext, process, flags_only) -> None:
    """Who can perform each step now; flags no_holder, single_holder, excess, sod."""

    result = coverage(cli.database(), process, flags_only=flags_only, identity=cli.identity())
    rows = [
        {
            "process": p.code,
            "seq": s.seq,
            "step": s.name,
            "permission": s.permission,
            "department": s.department,
            "holders": len(s.holders),
            "who": s.holders
            if cli.fmt != "table"
            else ", ".join(s.holders[:HOLDERS_SHOWN])
            + (" …" if len(s.holders) > HOLDERS_SHOWN else ""),
            "flags": " ".join(s.flags) if cli.fmt != "json" else list(s.flags),
        }
        for p in result
        for s in p.steps
    ]
    conflicts = [present.process_conflict_record(p.code, c) for p in result for c in p.conflicts]
    notes = [f"{p.code}: {note}" for p in result for note in p.notes]
    if cli.fmt == "json":
        emit_record({"steps": rows, "sod_conflicts": conflicts, "notes": notes})
        return
    emit(rows)
    if conflicts and cli.fmt == "table":
        click.echo(f"\nSoD conflicts inside processes ({len(conflicts)}):")
        emit(conflicts)
    for note in notes:  # on stderr in CSV, so the document stays one table
        click.echo(f"note: {note}", err=cli.fmt != "table")


STEP_HELP = (
    "A step: SEQ:NAME:PERMISSION[:DEPARTMENT[:ROLE]], or the same parts between '|' "
    "(an ERP's codes are its own: account.move:create)."
)


def _parse_steps(texts, codes: frozenset[str]) -> list[StepSpec]:
    return [parse_step(text, row, codes) for row, text in enumerate(texts, start=1)]


@processes.command("create")
@click.argument("code")
@click.option("--name", required=True, help="What the process is called.")
@click.option("--step", "steps", multiple=True, required=True, help=STEP_HELP + " Repeatable.")
@click.option("--owner", help="The department that owns it.")
@click.option("--description")
@click.option(
    "--effective", "effective_from", type=DATE, help="First version in force from (default: today)."
)
@click.option("--reason")
@pass_cli
def processes_create(
    cli: CliContext, code, name, steps, owner, description, effective_from, reason
) -> None:
    """Define a new process with its first version's steps."""

    db, identity = cli.database(), cli.identity()
    effective_from = effective_from or dt.date.today()
    detail = create_process(
        db,
        code,
        name,
        _parse_steps(steps, namable_codes(db, identity)),
        actor=cli.operator,
        effective_from=effective_from,
        owner=owner,
        description=description,
        reason=reason,
        identity=identity,
    )
    success(
        f"process {detail.code} created with {len(detail.steps)} steps, in force from {effective_from}"
    )


@processes.command("version")
@click.argument("code")
@click.option("--effective", "effective_from", type=DATE, required=True, help="In force from.")
@click.option("--add", "adds", multiple=True, help="Add or replace a step. " + STEP_HELP)
@click.option("--drop", "drops", multiple=True, type=int, help="Leave out the step with this seq.")
@click.option("--note")
@click.option("--reason")
@pass_cli
def processes_version(cli: CliContext, code, effective_from, adds, drops, note, reason) -> None:
    """Create the next version: a copy of the steps in force, with --add/--drop edits."""

    db, identity = cli.database(), cli.identity()
    steps = {s.seq: s for s in get_process(db, code).steps if s.seq not in drops}
    for step in _parse_steps(adds, namable_codes(db, identity) if adds else frozenset()):
        steps[step.seq] = step
    detail = create_version(
        db,
        code,
        [steps[k] for k in sorted(steps)],
        actor=cli.operator,
        effective_from=effective_from,
        note=note,
        reason=reason,
        identity=identity,
    )
    success(
        f"{detail.code} version {detail.version} with {len(detail.steps)} steps, in force from {effective_from}"
    )


@processes.command("retire")
@click.argument("code")
@click.option("--reason", required=True)
@pass_cli
def processes_retire(cli: CliContext, code, reason) -> None:
    """Retire a process (it leaves coverage analysis; history stays)."""

    retire_process(cli.database(), code, actor=cli.operator, reason=reason)
    success(f"process {code} retired")


# --- reviews -----------------------------------------------------------------------------


@processes.group("review")
def review() -> None:
    """Process reviews: open, finding, change, close, list, show."""


@review.command("open")
@click.argument("process")
@click.option("--reviewer", help="Default: the operator.")
@click.option("--scope")
@pass_cli
def review_open(cli: CliContext, process, reviewer, scope) -> None:
    """Open a review; today's coverage is kept with it for later comparison."""

    r = open_review(cli.database(), process, actor=cli.operator, reviewer=reviewer, scope=scope)
    if cli.fmt == "json":
        emit_record({"id": r.id, "process": r.process, "reviewer": r.reviewer})
        return
    success(f"review #{r.id} of {r.process} opened (reviewer {r.reviewer})")


@review.command("finding")
@click.argument("review_id", type=int)
@click.option("--kind", type=click.Choice(FINDING_KINDS), required=True)
@click.option("--severity", type=click.Choice(SEVERITIES), required=True)
@click.option("--text", required=True)
@click.option("--step", type=int, help="Seq of the step concerned.")
@pass_cli
def review_finding(cli: CliContext, review_id, kind, severity, text, step) -> None:
    """Record a finding on an open review."""

    f = add_finding(
        cli.database(),
        review_id,
        actor=cli.operator,
        kind=kind,
        severity=severity,
        text=text,
        step=step,
    )
    if cli.fmt == "json":
        emit_record({"id": f.id, "kind": f.kind, "severity": f.severity, "step": f.step_seq})
        return
    success(f"finding #{f.id} recorded on review #{review_id}")


@review.command("change")
@click.argument("finding_id", type=int)
@click.option("--kind", type=click.Choice(CHANGE_KINDS), help="Default follows the finding.")
@click.option("--title")
@pass_cli
def review_change(cli: CliContext, finding_id, kind, title) -> None:
    """Raise a change request from a finding."""

    change_id = raise_change(cli.database(), finding_id, actor=cli.operator, kind=kind, title=title)
    if cli.fmt == "json":
        emit_record({"finding": finding_id, "change_request": change_id})
        return
    success(f"change request #{change_id} raised from finding #{finding_id}")


@review.command("close")
@click.argument("review_id", type=int)
@click.option("--outcome", type=click.Choice(REVIEW_OUTCOMES), required=True)
@click.option("--note")
@pass_cli
def review_close(cli: CliContext, review_id, outcome, note) -> None:
    """Close a review with its outcome."""

    close_review(cli.database(), review_id, actor=cli.operator, outcome=outcome, note=note)
    success(f"review #{review_id} closed: {outcome}")


@review.command("list")
@click.option("--process", "-P", "process")
@click.option("--open", "open_only", is_flag=True, help="Only open reviews.")
@pass_cli
def review_list(cli: CliContext, process, open_only) -> None:

    rows = list_reviews(cli.database(), process=process, open_only=open_only)
    emit(
        [
            {
                "id": r.id,
                "process": r.process,
                "reviewer": r.reviewer,
                "opened_at": r.opened_at,
                "closed_at": r.closed_at,
                "outcome": r.outcome,
                "findings": len(r.findings),
            }
            for r in rows
        ],
        ["id", "process", "reviewer", "opened_at", "closed_at", "outcome", "findings"],
    )


@review.command("show")
@click.argument("review_id", type=int)
@click.option("--compare", is_flag=True, help="Compare the coverage snapshot with today.")
@pass_cli
def review_show(cli: CliContext, review_id, compare) -> None:
    """A review with its findings (and what changed in coverage since it was opened)."""

    db = cli.database()
    r = get_review(db, review_id)
    findings = [
        {
            "id": f.id,
            "kind": f.kind,
            "severity": f.severity,
            "step": f.step_seq,
            "status": f.status,
            "change_request": f.change_request_id,
            "text": f.text,
        }
        for f in r.findings
    ]
    deltas = [
        {
            "seq": d.seq,
            "step": d.name,
            "holders": f"{d.holders_then} → {d.holders_now}",
            "gained": d.gained,
            "lost": d.lost,
            "flags_then": " ".join(d.flags_then),
            "flags_now": " ".join(d.flags_now),
        }
        for d in (compare_with_snapshot(db, review_id) if compare else [])
    ]
    record = {
        "id": r.id,
        "process": f"{r.process} {r.process_name}",
        "reviewer": r.reviewer,
        "scope": r.scope,
        "opened_at": r.opened_at,
        "closed_at": r.closed_at,
        "outcome": r.outcome,
        "note": r.outcome_note,
    }
    if cli.fmt == "json":
        emit_record(record | {"findings": findings, "coverage_changes": deltas})
        return
    emit_record(record)
    click.echo(f"\nFindings ({len(findings)}):")
    emit(findings)
    if compare:
        click.echo("\nCoverage changes since the review was opened:")
        emit(deltas) if deltas else click.echo("(none)")

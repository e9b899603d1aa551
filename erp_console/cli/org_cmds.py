"""The organisation: the department tree and org changes, planned (--dry-run) or applied (--apply)."""

from __future__ import annotations

import dataclasses
import functools

import click

from erp_console.cli.context import CliContext, pass_cli
from erp_console.cli.output import emit, emit_record, success
from erp_console.errors import Conflict, ValidationError
from erp_console.services.processes.org import apply_plan, department_tree, plan_lines
from erp_console.services.processes.org_plan import (
    ChangeDefaultRoles,
    DeactivateDepartment,
    MergeDepartments,
    MoveUsers,
    RenameDepartment,
    SplitDepartment,
    plan_org_change,
    refuse_over_connector,
)


@click.group()
def org() -> None:
    """Departments: tree, move, rename, merge, split, deactivate, defaults (plan, then apply)."""


@org.command("tree")
@click.option("--active", "active_only", is_flag=True, help="Hide inactive departments.")
@pass_cli
def org_tree(cli: CliContext, active_only) -> None:
    """Departments with their members (not disabled) and default roles."""

    refuse_over_connector(cli.identity())
    nodes = department_tree(cli.database(), include_inactive=not active_only)
    emit(
        [
            {
                "department": ("· " * n.depth + n.code) if cli.fmt == "table" else n.code,
                "name": n.name,
                "parent": n.parent,
                "active": n.active,
                "users": n.users,
                "default_roles": n.default_roles,
            }
            for n in nodes
        ]
    )


def org_change(fn):
    """Common options of every org change: --dry-run (default) or --apply with a reason."""

    @click.option("--dry-run", "mode", flag_value="dry-run", default=True, help="Print the plan.")
    @click.option("--apply", "mode", flag_value="apply", help="Apply the plan.")
    @click.option("--reason", help="Why (required with --apply; kept in the audit trail).")
    @click.option(
        "--acknowledge-gaps",
        is_flag=True,
        help="Apply even though a process step would be left with no holder.",
    )
    @click.option(
        "--expect",
        "expect",
        metavar="FINGERPRINT",
        help="Refuse (exit 4) unless the plan is still the one a dry run printed.",
    )
    @pass_cli
    @functools.wraps(fn)
    def command(cli: CliContext, mode, reason, acknowledge_gaps, expect, **kwargs):
        request = fn(**kwargs)
        _run(cli, request, mode, reason, acknowledge_gaps, expect)

    return command


def _run(cli: CliContext, request, mode, reason, acknowledge_gaps, expect) -> None:

    db = cli.database()
    plan = plan_org_change(db, request, identity=cli.identity())
    if expect and expect != plan.fingerprint:
        raise Conflict(
            f"the plan changed since fingerprint {expect} (now {plan.fingerprint}); run the dry run again"
        )
    if mode != "apply":
        if cli.fmt == "json":
            emit_record(
                {
                    "summary": plan.summary,
                    "fingerprint": plan.fingerprint,
                    "departments": [dataclasses.asdict(d) for d in plan.departments],
                    "users": [dataclasses.asdict(u) for u in plan.users],
                    "repoints": [dataclasses.asdict(r) for r in plan.repoints],
                    "coverage": [dataclasses.asdict(c) | {"gap": c.gap} for c in plan.coverage],
                    "sod_conflicts": [dataclasses.asdict(c) for c in plan.conflicts],
                    "warnings": list(plan.warnings),
                }
            )
        elif cli.fmt == "csv":
            emit(
                [
                    {
                        "login": u.login,
                        "from": u.from_dept,
                        "to": u.to_dept,
                        "grant": u.grant,
                        "revoke": u.revoke,
                    }
                    for u in plan.users
                ]
            )
        else:
            click.echo("\n".join(plan_lines(plan)))
            click.echo(
                f"\nDry run: nothing changed. Apply with --apply --reason TEXT --expect {plan.fingerprint}"
            )
        return
    if not (reason or "").strip():
        raise ValidationError("is required with --apply", field="reason")
    result = apply_plan(
        db, plan, actor=cli.operator, reason=reason, acknowledge_gaps=acknowledge_gaps
    )
    success(
        f"applied: {result.summary} — {result.moved} user(s) moved, {result.granted} role(s) granted, "
        f"{result.revoked} revoked, {result.entries} audit entries, maintenance record #{result.document_id}"
    )


@org.command("move")
@click.argument("logins", nargs=-1, required=True)
@click.option("--to", "to", required=True, help="Target department code.")
@org_change
def org_move(logins, to):
    """Move users to a department (they get its default roles, lose the old ones)."""

    return MoveUsers(tuple(logins), to)


@org.command("rename")
@click.argument("department")
@click.option("--name", "new_name", help="New name.")
@click.option("--code", "new_code", help="New code.")
@org_change
def org_rename(department, new_name, new_code):
    """Rename a department (name and/or code)."""

    return RenameDepartment(department, new_name, new_code)


@org.command("merge")
@click.argument("source")
@click.option("--into", "into", required=True, help="The department that absorbs SOURCE.")
@org_change
def org_merge(source, into):
    """Merge SOURCE into another department; SOURCE is deactivated, its steps re-pointed."""

    return MergeDepartments(source, into)


@org.command("split")
@click.argument("source")
@click.argument("logins", nargs=-1, required=True)
@click.option("--new", "new_code", required=True, help="Code of the new department.")
@click.option("--name", "new_name", required=True, help="Name of the new department.")
@click.option(
    "--roles", help="Default roles of the new department, comma-separated (default: copy)."
)
@org_change
def org_split(source, logins, new_code, new_name, roles):
    """Create a sibling department of SOURCE and move the listed users into it."""

    parsed = tuple(r.strip() for r in roles.split(",") if r.strip()) if roles is not None else None
    return SplitDepartment(source, new_code, new_name, tuple(logins), parsed)


@org.command("deactivate")
@click.argument("department")
@org_change
def org_deactivate(department):
    """Deactivate an empty department."""

    return DeactivateDepartment(department)


@org.command("defaults")
@click.argument("department")
@click.option("--add", "add", multiple=True, help="Role to add to the defaults.")
@click.option("--remove", "remove", multiple=True, help="Role to remove from the defaults.")
@org_change
def org_defaults(department, add, remove):
    """Change a department's default roles (members are granted/revoked accordingly)."""

    return ChangeDefaultRoles(department, tuple(add), tuple(remove))

"""Users, roles, grants, who-has, explain, SoD: the CLI of the user/permission editor."""

from __future__ import annotations

import click

from erp_console.cli.context import CliContext, pass_cli
from erp_console.cli.output import emit, emit_record, success
from erp_console.cli.types import DATE
from erp_console.errors import ValidationError
from erp_console.services.access import present
from erp_console.services.access.identity import require_capability, require_writable
from erp_console.services.access.users import UserFilter
from erp_console.vocabulary import SEVERITIES, USER_STATUSES

USER_COLUMNS = ["login", "full_name", "email", "department", "status", "valid_to", "last_login_at"]


def _user_rows(rows):
    return [{c: getattr(r, c) for c in USER_COLUMNS} for r in rows]


@click.group()
def users() -> None:
    """ERP users: list, show, add, edit, lock, unlock, disable, enable, reviews."""


@users.command("list")
@click.option("--text", "-t", default="", help="Part of login, name or e-mail.")
@click.option("--status", type=click.Choice(USER_STATUSES))
@click.option("--department", help="Department code.")
@click.option("--role", help="Role code.")
@click.option(
    "--dormant",
    "dormant_days",
    type=click.IntRange(1),
    help="Active users with no login for N days.",
)
@click.option("--expired", is_flag=True, help="Active users whose validity has ended.")
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=200, show_default=True)
@pass_cli
def users_list(
    cli: CliContext, text, status, department, role, dormant_days, expired, limit
) -> None:

    identity = cli.identity()
    flt = UserFilter(
        text=text,
        status=status,
        department=department,
        role=role,
        dormant_days=dormant_days,
        expired=expired,
    )
    rows = identity.list_users(flt, limit=limit)
    emit(_user_rows(rows), USER_COLUMNS)
    total = identity.count_users(flt)
    if total.count > len(rows):
        click.echo(f"showing {len(rows)} of {total.label()} (use --limit)", err=True)


@users.command("show")
@click.argument("login")
@pass_cli
def users_show(cli: CliContext, login) -> None:
    """Profile, role grants with validity, effective permissions and SoD conflicts."""
    identity = cli.identity()
    user = identity.get_user(login)
    perms = identity.effective_permissions(login)
    conflicts = identity.sod_check_user(login)
    record = present.user_record(user)
    if cli.fmt == "json":
        record["grants"] = [g.__dict__ for g in user.grants]
        record["effective_permissions"] = [p.__dict__ for p in perms]
        record["sod_conflicts"] = [c.__dict__ for c in conflicts]
        emit_record(record)
        return
    emit_record(record)
    click.echo("\nRoles:")
    unknown = "-" if cli.fmt == "table" else None  # the ERP keeps no grant date or grantor
    emit(
        [
            {
                "role": g.role,
                "name": g.role_name,
                "valid_from": g.valid_from,
                "valid_to": g.valid_to,
                "granted_by": g.granted_by or unknown,
                "granted_at": g.granted_at or unknown,
                "reason": g.reason,
            }
            for g in user.grants
        ],
        GRANT_COLUMNS,
    )
    click.echo(f"\nEffective permissions ({len(perms)}):")
    emit([{"permission": p.code, "risk": p.risk, "via": p.roles} for p in perms])
    if conflicts:
        click.echo(f"\nSoD conflicts ({len(conflicts)}):")
        emit(
            [present.sod_conflict_record(c) for c in conflicts],
            ["rule", "severity", "a", "b", "accepted"],
        )


GRANT_COLUMNS = ["role", "name", "valid_from", "valid_to", "granted_by", "granted_at", "reason"]


@users.command("add")
@click.argument("login")
@click.option("--name", "full_name", required=True)
@click.option("--email")
@click.option("--department")
@click.option("--valid-from", type=DATE)
@click.option("--valid-to", type=DATE)
@click.option("--reason")
@pass_cli
def users_add(
    cli: CliContext, login, full_name, email, department, valid_from, valid_to, reason
) -> None:
    user = _editing(cli, "add_user").add_user(
        actor=cli.operator,
        login=login,
        full_name=full_name,
        email=email,
        department=department,
        valid_from=valid_from,
        valid_to=valid_to,
        reason=reason,
    )
    success(f"user {user.login} added")


@users.command("edit")
@click.argument("login")
@click.option("--name", "full_name")
@click.option("--email")
@click.option("--department")
@click.option("--valid-from", type=DATE)
@click.option("--valid-to", type=DATE)
@click.option("--no-end", "clear_valid_to", is_flag=True, help="Remove the validity end date.")
@click.option(
    "--expect-version", type=int, help="Refuse (exit 4) if the user changed since this version."
)
@click.option("--reason")
@pass_cli
def users_edit(
    cli: CliContext,
    login,
    full_name,
    email,
    department,
    valid_from,
    valid_to,
    clear_valid_to,
    expect_version,
    reason,
) -> None:
    user = _editing(cli, "edit_user").edit_user(
        login,
        actor=cli.operator,
        expected_version=expect_version,
        full_name=full_name,
        email=email,
        department=department,
        valid_from=valid_from,
        valid_to=valid_to,
        clear_valid_to=clear_valid_to,
        reason=reason,
    )
    success(f"user {user.login} updated (version {user.version})")


def _editing(cli: CliContext, capability: str):
    """The identity backend, refusing (naming the ERP) a change it cannot or may not make."""

    identity = cli.identity()
    require_capability(identity, capability)
    require_writable(identity)
    return identity


STATUS_CAPABILITY = {"lock": "lock", "unlock": "lock", "disable": "disable", "enable": "disable"}


LOGINS_FROM = click.option(
    "--logins-from",
    type=click.File("r", encoding="utf-8"),
    help="Read more logins from this file, one per line ('-' for stdin; # starts a comment).",
)


def _collect_logins(logins, logins_file) -> list[str]:
    """Logins from the command line and from a file, in order, without duplicates."""

    collected = list(logins)
    if logins_file is not None:
        for line in logins_file:
            login = line.split("#", 1)[0].strip()
            if login:
                collected.append(login)
    unique = list(dict.fromkeys(collected))
    if not unique:
        raise ValidationError("no login given (arguments or --logins-from)", field="LOGINS")
    return unique


def _role_and_logins(role_option, args, logins_file) -> tuple[str, list[str]]:
    """`grant --role R USER...` or the short form `grant R USER...`."""

    args = list(args)
    if role_option is None:
        if not args:
            raise ValidationError(
                "give the role (--role ROLE or as the first argument)", field="ROLE"
            )
        role_option, args = args[0], args[1:]
    return role_option, _collect_logins(args, logins_file)


def _status_command(action: str, help_text: str, reason_required: bool):
    @users.command(action, help=help_text)
    @click.argument("logins", nargs=-1)
    @LOGINS_FROM
    @click.option("--reason", required=reason_required, help="Why (kept in the audit trail).")
    @pass_cli
    def command(cli: CliContext, logins, logins_from, reason) -> None:
        logins = _collect_logins(logins, logins_from)
        identity = _editing(cli, STATUS_CAPABILITY[action])
        if len(logins) > 1 and action in ("disable", "lock"):
            changed = identity.bulk_set_status(
                list(logins), action, actor=cli.operator, reason=reason
            )
            success(f"{action}: {len(changed)} user(s) changed: {', '.join(changed) or '-'}")
            return
        for login in logins:
            user = identity.set_status(login, action, actor=cli.operator, reason=reason)
            success(f"user {user.login} is now {user.status}")

    return command


_status_command("lock", "Lock users (reason required).", True)
_status_command("unlock", "Unlock users.", False)
_status_command("disable", "Disable users, e.g. leavers (reason required).", True)
_status_command("enable", "Enable disabled users.", False)


@users.command("dormant")
@click.option("--days", type=click.IntRange(1), default=90, show_default=True)
@click.option(
    "--disable", "do_disable", is_flag=True, help="Disable every listed user (needs --reason)."
)
@click.option("--reason")
@pass_cli
def users_dormant(cli: CliContext, days, do_disable, reason) -> None:
    """Monthly review: active users with no login for N days (or never)."""

    if days < 1:
        raise ValidationError("must be at least 1", field="days")
    if do_disable and not reason:
        raise ValidationError("is required with --disable", field="--reason")
    identity = _editing(cli, "disable") if do_disable else cli.identity()
    rows = identity.dormant_users(days)
    emit(_user_rows(rows), USER_COLUMNS)
    if do_disable:
        changed = identity.bulk_set_status(
            [r.login for r in rows], "disable", actor=cli.operator, reason=reason
        )
        success(f"disabled {len(changed)} dormant user(s)")


@users.command("expired")
@pass_cli
def users_expired(cli: CliContext) -> None:
    """Review: users still active although their validity has ended."""
    emit(_user_rows(cli.identity().expired_active_users()), USER_COLUMNS)


@click.command()
@click.argument("args", nargs=-1, metavar="[ROLE] LOGIN...")
@click.option("--role", "role_option", help="The role to grant (or give it as the first argument).")
@LOGINS_FROM
@click.option("--reason", required=True, help="Why (mandatory; kept in the audit trail).")
@click.option("--from", "valid_from", type=DATE)
@click.option("--to", "--until", "valid_to", type=DATE, help="Last day of the grant.")
@click.option(
    "--override-sod",
    "override_reason",
    help="Grant despite critical SoD conflicts, with this reason.",
)
@click.option(
    "--dry-run", is_flag=True, help="Show the permissions gained and SoD conflicts, change nothing."
)
@pass_cli
def grant(
    cli: CliContext,
    args,
    role_option,
    logins_from,
    reason,
    valid_from,
    valid_to,
    override_reason,
    dry_run,
) -> None:
    """Grant a role to one or many users: `grant --role R USER...` or `grant R USER...`."""

    role, logins = _role_and_logins(role_option, args, logins_from)
    if dry_run:
        preview = cli.identity().preview_grant(role, list(logins))
    else:
        identity = _editing(cli, "grant")
        if valid_from or valid_to:
            require_capability(identity, "grant_validity")
        seen = identity.preview_grant(role, list(logins))
        preview = identity.grant(
            role,
            list(logins),
            actor=cli.operator,
            reason=reason,
            valid_from=valid_from,
            valid_to=valid_to,
            override_reason=override_reason,
            expected_versions=seen.versions,
        )
    rows = [
        {"user": login, "permissions_gained": len(perms), "new": ", ".join(perms)}
        for login, perms in preview.gained.items()
    ]
    emit(rows, ["user", "permissions_gained", "new"])
    for login in preview.already:
        click.echo(f"{login} already holds {role}; nothing to do", err=True)
    for c in preview.conflicts:
        click.echo(f"SoD {c.severity}: {present.sod_conflict(c)}", err=True)
    if not dry_run and preview.gained:
        success(f"granted {role} to {len(preview.gained)} user(s)")


@click.command()
@click.argument("args", nargs=-1, metavar="[ROLE] LOGIN...")
@click.option(
    "--role", "role_option", help="The role to revoke (or give it as the first argument)."
)
@LOGINS_FROM
@click.option("--reason", required=True)
@click.option("--dry-run", is_flag=True)
@pass_cli
def revoke(cli: CliContext, args, role_option, logins_from, reason, dry_run) -> None:
    """Revoke a role from users: `revoke --role R USER...` or `revoke R USER...`."""
    role, logins = _role_and_logins(role_option, args, logins_from)
    if dry_run:
        preview = cli.identity().preview_revoke(role, list(logins))
    else:
        identity = _editing(cli, "grant")
        seen = identity.preview_revoke(role, list(logins))
        preview = identity.revoke(
            role, list(logins), actor=cli.operator, reason=reason, expected_versions=seen.versions
        )
    emit(
        [
            {"user": login, "permissions_lost": ", ".join(perms)}
            for login, perms in preview.lost.items()
        ],
        ["user", "permissions_lost"],
    )
    for login in preview.not_held:
        click.echo(f"{login} does not hold {role}; nothing to do", err=True)


@click.group()
def roles() -> None:
    """Roles: list, show, compare, create, edit, permissions."""


@roles.command("list")
@pass_cli
def roles_list(cli: CliContext) -> None:
    emit(
        [r.__dict__ for r in cli.identity().list_roles()],
        ["code", "name", "permissions", "members"],
    )


@roles.command("show")
@click.argument("code")
@pass_cli
def roles_show(cli: CliContext, code) -> None:
    role = cli.identity().get_role(code)
    record = {
        "code": role.code,
        "name": role.name,
        "description": role.description,
        "version": role.version,
        "members": len(role.members),
    }
    permissions = [{"permission": p, "module": m, "risk": r} for p, m, r in role.permissions]
    if cli.fmt == "json":
        emit_record(record | {"permissions": permissions})
    elif cli.fmt == "csv":
        emit([{"role": role.code, **row} for row in permissions])
    else:
        emit_record(record)
        click.echo("")
        emit(permissions)


@roles.command("compare")
@click.argument("a")
@click.argument("b")
@click.option(
    "--users", "as_users", is_flag=True, help="Compare two users' effective permissions instead."
)
@pass_cli
def roles_compare(cli: CliContext, a, b, as_users) -> None:
    identity = cli.identity()
    cmp = (identity.compare_users if as_users else identity.compare_roles)(a, b)
    rows = [{"permission": p, "in": f"only {a}"} for p in cmp.only_a]
    rows += [{"permission": p, "in": f"only {b}"} for p in cmp.only_b]
    rows += [{"permission": p, "in": "both"} for p in cmp.both]
    emit(rows, ["permission", "in"])


@roles.command("create")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--description")
@pass_cli
def roles_create(cli: CliContext, code, name, description) -> None:
    role = _editing(cli, "edit_roles").create_role(
        actor=cli.operator, code=code, name=name, description=description
    )
    success(f"role {role.code} created")


@roles.command("permissions")
@click.argument("code")
@click.option("--add", multiple=True, help="Permission code to add (repeat).")
@click.option("--remove", multiple=True, help="Permission code to remove (repeat).")
@click.option("--reason", required=True)
@pass_cli
def roles_permissions(cli: CliContext, code, add, remove, reason) -> None:
    """Add or remove permissions of a role."""
    role = _editing(cli, "edit_roles").change_role_permissions(
        code, actor=cli.operator, add=list(add), remove=list(remove), reason=reason
    )
    success(f"role {role.code} now has {len(role.permissions)} permissions")


@click.command("who-has")
@click.argument("permission")
@click.option("--on", type=DATE, help="At this date (default today).")
@pass_cli
def who_has(cli: CliContext, permission, on) -> None:
    """Active users who hold PERMISSION now, with the granting roles."""
    emit(
        [
            {"login": h.login, "full_name": h.full_name, "department": h.department, "via": h.roles}
            for h in cli.identity().who_has(permission, on=on)
        ],
        ["login", "full_name", "department", "via"],
    )


@click.command()
@click.argument("login")
@click.argument("permission")
@click.option("--on", type=DATE)
@pass_cli
def explain(cli: CliContext, login, permission, on) -> None:
    """Can LOGIN do PERMISSION? Yes via which role, or exactly why not."""
    result = cli.identity().explain(login, permission, on=on)
    if cli.fmt != "table":
        emit_record(present.explain_record(result))
        return
    click.echo(present.explain_verdict(result))
    for reason in result.reasons:
        click.echo(f"  - {reason}")


@click.group()
def sod() -> None:
    """Segregation of duties."""


@sod.command("check")
@click.argument("login", required=False)
@click.option(
    "--grant", "role", help="Check a proposed grant of this role to LOGIN before applying it."
)
@pass_cli
def sod_check(cli: CliContext, login, role) -> None:
    """Conflicts of one user, of a proposed grant, or of everyone (no LOGIN)."""
    identity = cli.identity()
    if role:
        if not login:
            raise ValidationError("give the user the role would be granted to", field="LOGIN")
        conflicts = identity.preview_grant(role, [login]).conflicts
    elif login:
        conflicts = identity.sod_check_user(login)
    else:
        conflicts = identity.sod_check_all()
    emit(
        [present.sod_conflict_record(c) for c in conflicts],
        ["user", "severity", "rule", "a", "b", "accepted"],
    )


@sod.group("rule")
def sod_rule() -> None:
    """The rules: two permissions one person should not hold together."""


@sod_rule.command("list")
@pass_cli
def sod_rule_list(cli: CliContext) -> None:
    """Every rule with its permissions, severity and the accepted overrides that name it."""
    from erp_console.services.access.sod_rules import list_rules

    emit(
        [
            {
                "name": r.name,
                "a": r.permission_a,
                "b": r.permission_b,
                "severity": r.severity,
                "overrides": r.exceptions,
                "description": r.description,
            }
            for r in list_rules(cli.database())
        ],
        ["name", "a", "b", "severity", "overrides", "description"],
    )


@sod_rule.command("add")
@click.argument("name")
@click.option("--a", "permission_a", required=True, help="One permission code.")
@click.option("--b", "permission_b", required=True, help="The code it must not be held with.")
@click.option(
    "--severity",
    type=click.Choice(SEVERITIES),
    default="high",
    show_default=True,
    help="critical: a grant that creates the conflict needs --override-sod REASON.",
)
@click.option("--description")
@click.option("--reason")
@pass_cli
def sod_rule_add(cli: CliContext, name, permission_a, permission_b, severity, description, reason):
    """Add a rule; over an ERP the codes are the ERP's own (account.move:create)."""
    from erp_console.services.access.sod_rules import add_rule

    rule = add_rule(
        cli.database(),
        name,
        permission_a,
        permission_b,
        severity=severity,
        description=description,
        reason=reason,
        actor=cli.operator,
        identity=cli.identity(),
    )
    success(f"SoD rule '{rule.name}' added: {rule.permission_a} / {rule.permission_b} ({severity})")


@sod_rule.command("remove")
@click.argument("name")
@click.option("--reason", required=True)
@pass_cli
def sod_rule_remove(cli: CliContext, name, reason) -> None:
    """Remove a rule (refused while accepted overrides name it)."""
    from erp_console.services.access.sod_rules import remove_rule

    rule = remove_rule(cli.database(), name, actor=cli.operator, reason=reason)
    success(f"SoD rule '{rule.name}' removed")

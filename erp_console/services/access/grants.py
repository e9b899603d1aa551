"""Role grants and what they mean: effective permissions, who has P, why (not), SoD, grant/revoke.

Grants carry a mandatory reason and optional validity; a grant that would create a critical SoD
conflict needs an explicit override reason, which is stored as an expiring `sod_exception` and
recorded in the audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Date, bindparam, delete, func, select, true
from sqlalchemy.orm import Session

from erp_console.db.engine import Database
from erp_console.db.models import (
    Department,
    ErpUser,
    Permission,
    Role,
    RolePermission,
    SodException,
    SodRule,
    UserRole,
    utcnow,
)
from erp_console.errors import Conflict, NotFound, ValidationError
from erp_console.services.access.grants_query import effective_permissions_stmt, holders_stmt
from erp_console.services.access.present import sod_override_needed
from erp_console.services.access.sod_core import Conflict as SodConflict
from erp_console.services.access.sod_core import conflicts_of, load_rules
from erp_console.services.core import audit
from erp_console.services.core.validation import check_period, require_text


@dataclass(frozen=True)
class EffectivePermission:
    code: str
    module: str
    risk: str
    description: str | None
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Holder:
    login: str
    full_name: str
    department: str | None
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    allowed: bool
    login: str
    permission: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class UserConflict:
    login: str
    rule: str
    severity: str
    permission_a: str
    permission_b: str
    roles_a: tuple[str, ...]
    roles_b: tuple[str, ...]
    accepted: bool = False


@dataclass(frozen=True)
class GrantPreview:
    role: str
    gained: dict[str, tuple[str, ...]]  # login -> permission codes the user does not have yet
    already: tuple[str, ...]  # logins that hold the role already
    conflicts: tuple[UserConflict, ...]  # new conflicts the grant would create
    # login -> the user's version as the preview read it (the backend's own stamp: native
    # version, Odoo write_date, Frappe modified, Dolibarr checksum); pass it back to `grant` as
    # `expected_versions` so a change made since the preview is refused
    versions: dict[str, object] = field(default_factory=dict)

    @property
    def critical(self) -> tuple[UserConflict, ...]:
        return tuple(c for c in self.conflicts if c.severity == "critical" and not c.accepted)


@dataclass(frozen=True)
class RevokePreview:
    role: str
    lost: dict[str, tuple[str, ...]]
    not_held: tuple[str, ...]
    versions: dict[str, object] = field(default_factory=dict)  # as GrantPreview.versions


def check_preview_versions(
    current: Mapping[str, object], expected: Mapping[str, object] | None, *, product: str
) -> None:
    """Refuse, before anything is written, when a user changed since the preview the caller saw.

    `current` maps each login about to be written to its version now; a login missing from
    `expected` (or no `expected` at all) is not checked."""
    if not expected:
        return
    changed = [
        login
        for login, version in current.items()
        if login in expected and expected[login] != version
    ]
    if changed:
        raise Conflict(
            f"{product} user(s) {', '.join(repr(c) for c in changed)} changed since the preview; "
            "nothing was written — preview again"
        )


def _today(on: dt.date | None) -> dt.date:
    return on or dt.date.today()


# The hot read paths are built once with bind parameters: building a statement costs more than
# running it on an indexed table.
_USER_BY_KEY = select(ErpUser).where(ErpUser.login_key == bindparam("key"))
_ROLE_BY_CODE = select(Role).where(Role.code == bindparam("code"))
_PERMISSION_BY_CODE = select(Permission).where(Permission.code == bindparam("code"))
_USER_ID_BY_KEY = select(ErpUser.id).where(ErpUser.login_key == bindparam("key"))
_ROLE_SEPARATOR = "\n"  # role codes are one word (roles.ROLE_CODE_RE)
_PERMISSION_ID = select(Permission.id).where(Permission.code == bindparam("code"))
_EFFECTIVE_DETAIL = (
    effective_permissions_stmt(_USER_ID_BY_KEY, bindparam("on", type_=Date))
    .add_columns(
        Permission.code,
        Permission.module,
        Permission.risk,
        Permission.description,
        Role.code.label("role_code"),
    )
    .join(Permission, Permission.id == RolePermission.permission_id)
    .join(Role, Role.id == UserRole.role_id)
)
_HOLDERS = holders_stmt(bindparam("permission_id"), bindparam("on", type_=Date)).subquery()
_WHO_HAS = (
    select(
        ErpUser.login,
        ErpUser.full_name,
        Department.code,
        func.aggregate_strings(Role.code, _ROLE_SEPARATOR),
    )
    .join(_HOLDERS, _HOLDERS.c.user_id == ErpUser.id)
    .join(Role, Role.id == _HOLDERS.c.role_id)
    .outerjoin(Department, Department.id == ErpUser.department_id)
    .group_by(ErpUser.login_key, ErpUser.login, ErpUser.full_name, Department.code)
    .order_by(ErpUser.login_key)
)
_EXPLAIN_SUBJECTS = (
    select(
        ErpUser.id.label("user_id"),
        ErpUser.login,
        ErpUser.status,
        ErpUser.lock_reason,
        ErpUser.valid_from,
        ErpUser.valid_to,
        Permission.id.label("permission_id"),
        Permission.code.label("permission_code"),
    )
    .join_from(ErpUser, Permission, true())
    .where(ErpUser.login_key == bindparam("key"), Permission.code == bindparam("code"))
)
_EXPLAIN_ROLES = (
    select(
        Role.code,
        UserRole.user_id,
        UserRole.valid_from,
        UserRole.valid_to,
        UserRole.granted_by,
        UserRole.granted_at,
    )
    .join(RolePermission, RolePermission.role_id == Role.id)
    .outerjoin(
        UserRole,
        (UserRole.role_id == Role.id) & (UserRole.user_id == bindparam("user_id")),
    )
    .where(RolePermission.permission_id == bindparam("permission_id"))
)


def _user(s: Session, login: str) -> ErpUser:
    user = s.scalars(_USER_BY_KEY, {"key": (login or "").strip().lower()}).first()
    if user is None:
        raise NotFound(f"no user with login '{login}'")
    return user


def _role(s: Session, code: str) -> Role:
    role = s.scalars(_ROLE_BY_CODE, {"code": (code or "").strip()}).first()
    if role is None:
        raise NotFound(f"no role '{code}'")
    return role


def _permission(s: Session, code: str) -> Permission:
    perm = s.scalars(_PERMISSION_BY_CODE, {"code": (code or "").strip()}).first()
    if perm is None:
        raise NotFound(f"no permission '{code}'")
    return perm


def _holdings(
    s: Session, user_ids: list[int], on: dt.date, *, extra: dict[int, list[int]] | None = None
) -> dict[int, dict[int, set[str]]]:
    """user_id -> permission_id -> role codes, from valid grants (plus hypothetical extra role ids)."""
    role_codes = dict(s.execute(select(Role.id, Role.code)).all())
    result: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for user_id, perm_id, role_id in s.execute(
        effective_permissions_stmt(user_ids, on, require_usable_user=False)
    ):
        result[user_id][perm_id].add(role_codes[role_id])
    if extra:
        role_ids = {r for ids in extra.values() for r in ids}
        perms_of: dict[int, list[int]] = defaultdict(list)
        for role_id, perm_id in s.execute(
            select(RolePermission.role_id, RolePermission.permission_id).where(
                RolePermission.role_id.in_(role_ids)
            )
        ):
            perms_of[role_id].append(perm_id)
        for user_id, ids in extra.items():
            for role_id in ids:
                for perm_id in perms_of[role_id]:
                    result[user_id][perm_id].add(role_codes[role_id])
    return result


def effective_permissions(
    db: Database, login: str, *, on: dt.date | None = None
) -> list[EffectivePermission]:
    """What the user can do at `on`: nothing when the user is not active or outside validity."""
    on = _today(on)
    key = (login or "").strip().lower()
    with db.engine.connect() as conn:
        rows = conn.execute(_EFFECTIVE_DETAIL, {"key": key, "on": on}).all()
        if not rows and conn.execute(_USER_ID_BY_KEY, {"key": key}).first() is None:
            raise NotFound(f"no user with login '{login}'")
    grouped: dict[str, list] = {}
    for _user_id, _permission_id, _role_id, code, module, risk, description, role_code in rows:
        entry = grouped.get(code)
        if entry is None:
            grouped[code] = entry = [module, risk, description, set()]
        entry[3].add(role_code)
    return [
        EffectivePermission(code, module, risk, desc, tuple(sorted(roles)))
        for code, (module, risk, desc, roles) in sorted(grouped.items())
    ]


def who_has(db: Database, permission: str, *, on: dt.date | None = None) -> list[Holder]:
    """Active users (inside validity, with a valid grant) who hold the permission, with the roles."""
    on = _today(on)
    with db.engine.connect() as conn:
        permission_id = conn.execute(_PERMISSION_ID, {"code": (permission or "").strip()}).first()
        if permission_id is None:
            raise NotFound(f"no permission '{permission}'")
        rows = conn.execute(_WHO_HAS, {"permission_id": permission_id.id, "on": on}).all()
    return [
        Holder(login, name, dept, tuple(sorted(roles.split(_ROLE_SEPARATOR))))
        for login, name, dept, roles in rows
    ]


def explain(db: Database, login: str, permission: str, *, on: dt.date | None = None) -> Explanation:
    """Can the user do P at `on`? Yes via which grant; or every reason why not."""
    on = _today(on)
    with db.engine.connect() as conn:
        user = conn.execute(
            _EXPLAIN_SUBJECTS,
            {"key": (login or "").strip().lower(), "code": (permission or "").strip()},
        ).first()
        if user is None:
            with db.session() as s:
                _user(s, login)
                _permission(s, permission)
        roles = conn.execute(
            _EXPLAIN_ROLES, {"user_id": user.user_id, "permission_id": user.permission_id}
        ).all()
    granting_roles = {r.code for r in roles}
    grants = [r for r in roles if r.user_id is not None]
    blockers = []
    if user.status != "active":
        blockers.append(
            f"user is {user.status}" + (f" ({user.lock_reason})" if user.lock_reason else "")
        )
    if user.valid_from and user.valid_from > on:
        blockers.append(f"user account is valid only from {user.valid_from}")
    if user.valid_to and user.valid_to < on:
        blockers.append(f"user account expired on {user.valid_to}")
    valid, reasons = [], []
    for grant in grants:
        code = grant.code
        period = f"granted by {grant.granted_by} on {grant.granted_at:%Y-%m-%d}" + (
            f", until {grant.valid_to}" if grant.valid_to else ""
        )
        if grant.valid_from and grant.valid_from > on:
            reasons.append(f"role {code} grants it, but that grant starts on {grant.valid_from}")
        elif grant.valid_to and grant.valid_to < on:
            reasons.append(f"role {code} granted it, but that grant expired on {grant.valid_to}")
        else:
            valid.append(f"via role {code} ({period})")
    if not grants:
        would = ", ".join(sorted(granting_roles)) or "no role at all"
        reasons.append(
            f"no role of the user grants {user.permission_code}; roles that would: {would}"
        )
    if valid and not blockers:
        return Explanation(True, user.login, user.permission_code, tuple(valid))
    if valid:
        reasons = [f"{v} — but it does not apply" for v in valid] + reasons
    return Explanation(False, user.login, user.permission_code, tuple(blockers + reasons))


def _accepted(s: Session, on: dt.date) -> set[tuple[int, int]]:
    rows = s.execute(
        select(SodException.user_id, SodException.rule_id, SodException.valid_to)
    ).all()
    return {(u, r) for u, r, valid_to in rows if valid_to is None or valid_to >= on}


def _user_conflicts(
    login: str, conflicts: list[SodConflict], accepted: set[tuple[int, int]]
) -> list[UserConflict]:
    return [
        UserConflict(
            login,
            c.rule.name,
            c.rule.severity,
            c.rule.permission_a,
            c.rule.permission_b,
            c.roles_a,
            c.roles_b,
            (c.user_id, c.rule.id) in accepted,
        )
        for c in conflicts
    ]


def sod_check_user(db: Database, login: str, *, on: dt.date | None = None) -> list[UserConflict]:
    on = _today(on)
    with db.session() as s:
        user = _user(s, login)
        rules = load_rules(s)
        holdings = _holdings(s, [user.id], on)
        return _user_conflicts(
            user.login, conflicts_of(user.id, holdings[user.id], rules), _accepted(s, on)
        )


def sod_check_all(db: Database, *, on: dt.date | None = None) -> list[UserConflict]:
    """Every active user's conflicts, most severe first."""
    on = _today(on)
    with db.session() as s:
        rules = load_rules(s)
        perm_ids = {r.permission_a_id for r in rules} | {r.permission_b_id for r in rules}
        role_codes = dict(s.execute(select(Role.id, Role.code)).all())
        holdings: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        for perm_id, user_id, role_id in s.execute(holders_stmt(perm_ids, on)):
            holdings[user_id][perm_id].add(role_codes[role_id])
        logins = (
            dict(
                s.execute(
                    select(ErpUser.id, ErpUser.login).where(ErpUser.id.in_(list(holdings)))
                ).all()
            )
            if holdings
            else {}
        )
        accepted = _accepted(s, on)
    found = []
    for user_id, held in holdings.items():
        found += _user_conflicts(logins[user_id], conflicts_of(user_id, held, rules), accepted)
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    return sorted(found, key=lambda c: (order.get(c.severity, 9), c.login, c.rule))


def _preview_grant(s: Session, role: Role, users: list[ErpUser], on: dt.date) -> GrantPreview:
    ids = [u.id for u in users]
    held_roles = {
        u
        for (u,) in s.execute(
            select(UserRole.user_id).where(UserRole.user_id.in_(ids), UserRole.role_id == role.id)
        )
    }
    rules = load_rules(s)
    before = _holdings(s, ids, on)
    after = _holdings(s, ids, on, extra={u: [role.id] for u in ids if u not in held_roles})
    accepted = _accepted(s, on)
    codes = dict(s.execute(select(Permission.id, Permission.code)).all())
    gained, conflicts = {}, []
    for user in users:
        if user.id in held_roles:
            continue
        new_perms = sorted(codes[p] for p in after[user.id] if p not in before[user.id])
        gained[user.login] = tuple(new_perms)
        old_rules = {c.rule.id for c in conflicts_of(user.id, before[user.id], rules)}
        new = [
            c for c in conflicts_of(user.id, after[user.id], rules) if c.rule.id not in old_rules
        ]
        conflicts += _user_conflicts(user.login, new, accepted)
    already = tuple(u.login for u in users if u.id in held_roles)
    versions = {u.login: u.version for u in users}
    return GrantPreview(role.code, gained, already, tuple(conflicts), versions)


def preview_grant(
    db: Database, role: str, logins: list[str], *, on: dt.date | None = None
) -> GrantPreview:
    with db.session() as s:
        return _preview_grant(s, _role(s, role), [_user(s, login) for login in logins], _today(on))


def grant(
    db: Database,
    role: str,
    logins: list[str],
    *,
    actor: str,
    reason: str,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    override_reason: str | None = None,
    expected_versions: Mapping[str, object] | None = None,
) -> GrantPreview:
    """Grant a role to users in one transaction, one audit entry per new grant.

    Users holding the role already are left alone (reported in `already`). A critical SoD conflict
    is refused unless `override_reason` is given; the override is stored as an SoD exception that
    ends with the grant.
    """
    reason = require_text(reason, "reason")
    check_period(valid_from, valid_to)
    if not logins:
        raise ValidationError("give at least one user", field="users")
    on = dt.date.today()
    with db.begin() as s:
        role_row = _role(s, role)
        users = [_user(s, login) for login in dict.fromkeys(logins)]
        check_preview_versions(
            {u.login: u.version for u in users}, expected_versions, product="erp-console"
        )
        preview = _preview_grant(s, role_row, users, on)
        critical = preview.critical
        if critical and not (override_reason or "").strip():
            raise ValidationError(sod_override_needed(critical), field="override_reason")
        rule_ids = dict(s.execute(select(SodRule.name, SodRule.id)).all()) if critical else {}
        for user in users:
            if user.login in preview.already:
                continue
            s.add(
                UserRole(
                    user_id=user.id,
                    role_id=role_row.id,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    granted_by=actor,
                    granted_at=utcnow(),
                    reason=reason,
                )
            )
            overrides = [c for c in critical if c.login == user.login]
            for c in overrides:
                existing = s.scalars(
                    select(SodException).where(
                        SodException.user_id == user.id, SodException.rule_id == rule_ids[c.rule]
                    )
                ).first()
                if existing is None:
                    s.add(
                        SodException(
                            user_id=user.id,
                            rule_id=rule_ids[c.rule],
                            reason=override_reason.strip(),
                            approved_by=actor,
                            created_at=utcnow(),
                            valid_to=valid_to,
                        )
                    )
                else:
                    existing.reason, existing.approved_by, existing.valid_to = (
                        override_reason.strip(),
                        actor,
                        valid_to,
                    )
            s.flush()
            audit.append_entry(
                s,
                actor=actor,
                action="role.grant",
                target_type="user",
                target_id=user.id,
                target_label=user.login,
                after={
                    "role": role_row.code,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "permissions_gained": list(preview.gained.get(user.login, ())),
                    "sod_override": [c.rule for c in overrides] or None,
                },
                reason=reason
                + (f" | SoD override: {override_reason.strip()}" if overrides else ""),
            )
    return preview


def preview_revoke(
    db: Database, role: str, logins: list[str], *, on: dt.date | None = None
) -> RevokePreview:
    on = _today(on)
    with db.session() as s:
        role_row = _role(s, role)
        users = [_user(s, login) for login in logins]
        return _preview_revoke(s, role_row, users, on)


def _preview_revoke(s: Session, role: Role, users: list[ErpUser], on: dt.date) -> RevokePreview:
    ids = [u.id for u in users]
    held = {
        u
        for (u,) in s.execute(
            select(UserRole.user_id).where(UserRole.user_id.in_(ids), UserRole.role_id == role.id)
        )
    }
    holdings = _holdings(s, ids, on)
    codes = dict(s.execute(select(Permission.id, Permission.code)).all())
    lost = {}
    for user in users:
        if user.id in held:
            lost[user.login] = tuple(
                sorted(codes[p] for p, roles in holdings[user.id].items() if roles == {role.code})
            )
    not_held = tuple(u.login for u in users if u.id not in held)
    return RevokePreview(role.code, lost, not_held, {u.login: u.version for u in users})


def revoke(
    db: Database,
    role: str,
    logins: list[str],
    *,
    actor: str,
    reason: str,
    expected_versions: Mapping[str, object] | None = None,
) -> RevokePreview:
    """Remove a role from users, one transaction, one audit entry per removed grant."""
    reason = require_text(reason, "reason")
    if not logins:
        raise ValidationError("give at least one user", field="users")
    with db.begin() as s:
        role_row = _role(s, role)
        users = [_user(s, login) for login in dict.fromkeys(logins)]
        check_preview_versions(
            {u.login: u.version for u in users}, expected_versions, product="erp-console"
        )
        preview = _preview_revoke(s, role_row, users, dt.date.today())
        for user in users:
            if user.login not in preview.lost:
                continue
            grant_row = s.scalars(
                select(UserRole).where(UserRole.user_id == user.id, UserRole.role_id == role_row.id)
            ).one()
            before = {
                "role": role_row.code,
                "valid_from": grant_row.valid_from,
                "valid_to": grant_row.valid_to,
                "granted_by": grant_row.granted_by,
                "granted_at": grant_row.granted_at,
                "reason": grant_row.reason,
            }
            s.execute(delete(UserRole).where(UserRole.id == grant_row.id))
            audit.append_entry(
                s,
                actor=actor,
                action="role.revoke",
                target_type="user",
                target_id=user.id,
                target_label=user.login,
                before=before,
                after={"permissions_lost": list(preview.lost[user.login])},
                reason=reason,
            )
    return preview

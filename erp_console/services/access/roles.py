"""Roles and permissions: list, show (permissions and members), create/edit, change a role's
permissions, and compare two roles or two users' effective permissions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from erp_console.db.engine import Database
from erp_console.db.models import ErpUser, Permission, Role, RolePermission, UserRole
from erp_console.errors import NotFound, ValidationError
from erp_console.services.access.grants import effective_permissions
from erp_console.services.core import audit
from erp_console.services.core.validation import optional_text, require_text
from erp_console.services.core.versions import check_version

ROLE_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")


@dataclass(frozen=True)
class RoleSummary:
    code: str
    name: str
    description: str | None
    permissions: int
    members: int
    version: int


@dataclass(frozen=True)
class RoleDetail:
    code: str
    name: str
    description: str | None
    version: int
    permissions: tuple[tuple[str, str, str], ...]  # code, module, risk
    members: tuple[tuple[str, dt.date | None], ...]  # login, grant valid_to


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    both: tuple[str, ...]


def list_roles(db: Database) -> list[RoleSummary]:
    with db.session() as s:
        perms = dict(
            s.execute(
                select(RolePermission.role_id, func.count()).group_by(RolePermission.role_id)
            ).all()
        )
        members = dict(
            s.execute(select(UserRole.role_id, func.count()).group_by(UserRole.role_id)).all()
        )
        return [
            RoleSummary(
                r.code, r.name, r.description, perms.get(r.id, 0), members.get(r.id, 0), r.version
            )
            for r in s.scalars(select(Role).order_by(Role.code))
        ]


def list_permissions(
    db: Database, module: str | None = None
) -> list[tuple[str, str, str, str | None]]:
    with db.session() as s:
        stmt = select(
            Permission.code, Permission.module, Permission.risk, Permission.description
        ).order_by(Permission.code)
        if module:
            stmt = stmt.where(Permission.module == module)
        return [tuple(r) for r in s.execute(stmt)]


def _role(s, code: str) -> Role:
    role = s.scalars(select(Role).where(Role.code == (code or "").strip())).first()
    if role is None:
        raise NotFound(f"no role '{code}'")
    return role


def get_role(db: Database, code: str) -> RoleDetail:
    with db.session() as s:
        role = _role(s, code)
        perms = s.execute(
            select(Permission.code, Permission.module, Permission.risk)
            .join(RolePermission, RolePermission.permission_id == Permission.id)
            .where(RolePermission.role_id == role.id)
            .order_by(Permission.code)
        ).all()
        members = s.execute(
            select(ErpUser.login, UserRole.valid_to)
            .join(UserRole, UserRole.user_id == ErpUser.id)
            .where(UserRole.role_id == role.id)
            .order_by(ErpUser.login_key)
        ).all()
        return RoleDetail(
            role.code,
            role.name,
            role.description,
            role.version,
            tuple(map(tuple, perms)),
            tuple(map(tuple, members)),
        )


def create_role(
    db: Database,
    *,
    actor: str,
    code: str,
    name: str,
    description: str | None = None,
    reason: str | None = None,
) -> RoleDetail:
    code = (code or "").strip().upper()
    if not ROLE_CODE_RE.match(code):
        raise ValidationError(
            "must be 2-64 capital letters, digits or '_' starting with a letter", field="code"
        )
    name = require_text(name, "name", max_len=200)
    with audit.change(
        db, actor=actor, action="role.create", target_type="role", target_label=code, reason=reason
    ) as ch:
        if ch.session.scalar(select(Role.id).where(Role.code == code)) is not None:
            raise ValidationError(f"role '{code}' exists already", field="code")
        role = Role(
            code=code,
            name=name,
            description=optional_text(description, "description", max_len=2000),
        )
        ch.session.add(role)
        ch.session.flush()
        ch.target_id, ch.after = (
            role.id,
            {"code": code, "name": name, "description": role.description},
        )
    return get_role(db, code)


def edit_role(
    db: Database,
    code: str,
    *,
    actor: str,
    expected_version: int | None,
    name: str | None = None,
    description: str | None = None,
    reason: str | None = None,
) -> RoleDetail:
    with audit.change(
        db, actor=actor, action="role.edit", target_type="role", target_label=code, reason=reason
    ) as ch:
        role = _role(ch.session, code)
        check_version(f"role '{code}'", role.version, expected_version)
        before = {"name": role.name, "description": role.description}
        if name is not None:
            role.name = require_text(name, "name", max_len=200)
        if description is not None:
            role.description = optional_text(description, "description", max_len=2000)
        ch.session.flush()
        ch.target_id, ch.before, ch.after = (
            role.id,
            before,
            {"name": role.name, "description": role.description},
        )
    return get_role(db, code)


def change_role_permissions(
    db: Database,
    code: str,
    *,
    actor: str,
    add: list[str] = (),
    remove: list[str] = (),
    reason: str,
    expected_version: int | None = None,
) -> RoleDetail:
    """Add and/or remove permissions of a role: one transaction, one audit entry."""
    reason = require_text(reason, "reason")
    if not add and not remove:
        raise ValidationError("name permissions to add or remove", field="permissions")
    with audit.change(
        db,
        actor=actor,
        action="role.permissions",
        target_type="role",
        target_label=code,
        reason=reason,
    ) as ch:
        s = ch.session
        role = _role(s, code)
        check_version(f"role '{code}'", role.version, expected_version)
        wanted = list(dict.fromkeys([*add, *remove]))
        ids = dict(
            s.execute(
                select(Permission.code, Permission.id).where(Permission.code.in_(wanted))
            ).all()
        )
        unknown = [p for p in wanted if p not in ids]
        if unknown:
            raise ValidationError(
                f"unknown permission(s): {', '.join(unknown)}", field="permissions"
            )
        current = {
            pid
            for (pid,) in s.execute(
                select(RolePermission.permission_id).where(RolePermission.role_id == role.id)
            )
        }
        added = [p for p in add if ids[p] not in current]
        removed = [p for p in remove if ids[p] in current]
        if not added and not removed:
            raise ValidationError(
                "nothing to change: the role already has exactly those permissions",
                field="permissions",
            )
        for p in added:
            s.add(RolePermission(role_id=role.id, permission_id=ids[p]))
        if removed:
            s.execute(
                delete(RolePermission).where(
                    RolePermission.role_id == role.id,
                    RolePermission.permission_id.in_([ids[p] for p in removed]),
                )
            )
        role.version += 1
        s.flush()
        ch.target_id, ch.after = role.id, {"added": added, "removed": removed}
    return get_role(db, code)


def compare_roles(db: Database, a: str, b: str) -> Comparison:
    pa = {p[0] for p in get_role(db, a).permissions}
    pb = {p[0] for p in get_role(db, b).permissions}
    return Comparison(a, b, tuple(sorted(pa - pb)), tuple(sorted(pb - pa)), tuple(sorted(pa & pb)))


def compare_users(db: Database, a: str, b: str, *, on: dt.date | None = None) -> Comparison:
    pa = {p.code for p in effective_permissions(db, a, on=on)}
    pb = {p.code for p in effective_permissions(db, b, on=on)}
    return Comparison(a, b, tuple(sorted(pa - pb)), tuple(sorted(pb - pa)), tuple(sorted(pa & pb)))

"""The service views that can be exported beside the native tables, each a stream of row dicts.

`users` (with roles and effective permissions today), `role-matrix` (permissions × roles),
`sod-conflicts` and `process-coverage`. Big views are built by merging ordered server-side
cursors, so memory stays flat however many users there are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, distinct, func, select

from erp_console.db.engine import Database
from erp_console.db.models import (
    BusinessProcess,
    Department,
    ErpUser,
    Permission,
    ProcessStep,
    ProcessVersion,
    Role,
    RolePermission,
    UserRole,
)
from erp_console.services.access.grants_query import grant_is_valid, user_is_usable

STREAM = {"stream_results": True, "yield_per": 2000}


@dataclass(frozen=True)
class View:
    name: str
    description: str
    columns: Callable[[Database], list[str]]
    rows: Callable[[Database], Iterator[dict[str, Any]]]
    count: Callable[[Database], int]


USER_COLUMNS = [
    "login",
    "full_name",
    "email",
    "department",
    "status",
    "lock_reason",
    "valid_from",
    "valid_to",
    "last_login_at",
    "roles",
    "permissions",
]


def _grouped(conn: Connection, stmt) -> Iterator[tuple[int, list[str]]]:
    with conn.execution_options(**STREAM).execute(stmt) as rows:
        for user_id, group in groupby(rows, key=lambda r: r[0]):
            yield user_id, [r[1] for r in group]


def _users(db: Database) -> Iterator[dict[str, Any]]:
    today = dt.date.today()
    users = (
        select(
            ErpUser.id,
            ErpUser.login,
            ErpUser.full_name,
            ErpUser.email,
            Department.code,
            ErpUser.status,
            ErpUser.lock_reason,
            ErpUser.valid_from,
            ErpUser.valid_to,
            ErpUser.last_login_at,
        )
        .outerjoin(Department, Department.id == ErpUser.department_id)
        .order_by(ErpUser.id)
    )
    roles = (
        select(UserRole.user_id, Role.code)
        .join(Role, Role.id == UserRole.role_id)
        .where(grant_is_valid(today))
        .order_by(UserRole.user_id, Role.code)
    )
    perms = (
        select(UserRole.user_id, Permission.code)
        .join(RolePermission, RolePermission.role_id == UserRole.role_id)
        .join(Permission, Permission.id == RolePermission.permission_id)
        .join(ErpUser, ErpUser.id == UserRole.user_id)
        .where(grant_is_valid(today), user_is_usable(today))
        .group_by(UserRole.user_id, Permission.code)
        .order_by(UserRole.user_id, Permission.code)
    )
    # Every server-side cursor is closed before its connection, also when the reader stops early
    # (an unread MySQL streaming result cannot be discarded on a closed connection).
    with (
        db.engine.connect() as c1,
        db.engine.connect() as c2,
        db.engine.connect() as c3,
        closing(_grouped(c2, roles)) as role_groups,
        closing(_grouped(c3, perms)) as perm_groups,
        c1.execution_options(**STREAM).execute(users) as user_rows,
    ):
        next_role, next_perm = next(role_groups, None), next(perm_groups, None)
        for row in user_rows:
            user_roles: list[str] = []
            user_perms: list[str] = []
            while next_role is not None and next_role[0] <= row[0]:
                if next_role[0] == row[0]:
                    user_roles = next_role[1]
                next_role = next(role_groups, None)
            while next_perm is not None and next_perm[0] <= row[0]:
                if next_perm[0] == row[0]:
                    user_perms = next_perm[1]
                next_perm = next(perm_groups, None)
            yield dict(
                zip(
                    USER_COLUMNS,
                    (*row[1:], " ".join(user_roles), " ".join(user_perms)),
                    strict=False,
                )
            )


def _count(db: Database, model) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _role_codes(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(Role.code).order_by(Role.code)))


def _matrix_columns(db: Database) -> list[str]:
    return ["permission", "module", "risk", *_role_codes(db)]


def _matrix(db: Database) -> Iterator[dict[str, Any]]:
    codes = _role_codes(db)
    with db.session() as s:
        held = set(
            s.execute(
                select(Permission.code, Role.code)
                .join(RolePermission, RolePermission.permission_id == Permission.id)
                .join(Role, Role.id == RolePermission.role_id)
            ).all()
        )
        perms = s.execute(
            select(Permission.code, Permission.module, Permission.risk).order_by(Permission.code)
        ).all()
    for code, module, risk in perms:
        yield {
            "permission": code,
            "module": module,
            "risk": risk,
            **{role: "x" if (code, role) in held else "" for role in codes},
        }


SOD_COLUMNS = [
    "login",
    "rule",
    "severity",
    "permission_a",
    "roles_a",
    "permission_b",
    "roles_b",
    "accepted",
]


def _sod(db: Database) -> Iterator[dict[str, Any]]:
    from erp_console.services.access.grants import sod_check_all

    for c in sod_check_all(db):
        yield {
            "login": c.login,
            "rule": c.rule,
            "severity": c.severity,
            "permission_a": c.permission_a,
            "roles_a": " ".join(c.roles_a),
            "permission_b": c.permission_b,
            "roles_b": " ".join(c.roles_b),
            "accepted": c.accepted,
        }


COVERAGE_COLUMNS = [
    "process",
    "version",
    "seq",
    "step",
    "permission",
    "holders",
    "coverage",
]


def _coverage(db: Database) -> Iterator[dict[str, Any]]:
    today = dt.date.today()
    with db.session() as s:
        latest = (
            select(ProcessVersion.process_id, func.max(ProcessVersion.number).label("number"))
            .where(ProcessVersion.effective_from <= today)
            .group_by(ProcessVersion.process_id)
            .subquery()
        )
        holders = (
            select(
                RolePermission.permission_id,
                func.count(distinct(UserRole.user_id)).label("n"),
            )
            .join(UserRole, UserRole.role_id == RolePermission.role_id)
            .join(ErpUser, ErpUser.id == UserRole.user_id)
            .where(grant_is_valid(today), user_is_usable(today))
            .group_by(RolePermission.permission_id)
            .subquery()
        )
        rows = s.execute(
            select(
                BusinessProcess.code,
                ProcessVersion.number,
                ProcessStep.seq,
                ProcessStep.name,
                Permission.code,
                func.coalesce(holders.c.n, 0),
            )
            .join(ProcessVersion, ProcessVersion.process_id == BusinessProcess.id)
            .join(
                latest,
                (latest.c.process_id == ProcessVersion.process_id)
                & (latest.c.number == ProcessVersion.number),
            )
            .join(ProcessStep, ProcessStep.version_id == ProcessVersion.id)
            .join(Permission, Permission.id == ProcessStep.permission_id)
            .outerjoin(holders, holders.c.permission_id == Permission.id)
            .where(BusinessProcess.status == "active")
            .order_by(BusinessProcess.code, ProcessStep.seq)
        ).all()
    for process, version, seq, step, permission, count in rows:
        flag = "no holder" if count == 0 else "single holder" if count == 1 else "ok"
        yield dict(
            zip(
                COVERAGE_COLUMNS,
                (process, version, seq, step, permission, count, flag),
                strict=False,
            )
        )


VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        View(
            "users",
            "users with department, valid roles and effective permissions today",
            lambda _db: list(USER_COLUMNS),
            _users,
            lambda db: _count(db, ErpUser),
        ),
        View(
            "role-matrix",
            "permissions × roles (x where the role holds the permission)",
            _matrix_columns,
            _matrix,
            lambda db: _count(db, Permission),
        ),
        View(
            "sod-conflicts",
            "SoD conflicts of active users, most severe first",
            lambda _db: list(SOD_COLUMNS),
            _sod,
            lambda _db: 0,
        ),
        View(
            "process-coverage",
            "steps of the current process versions with the number of active holders",
            lambda _db: list(COVERAGE_COLUMNS),
            _coverage,
            lambda db: _count(db, ProcessStep),
        ),
    )
}

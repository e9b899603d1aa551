"""Users: list and filter (keyset-paged), show, add, edit, lock/unlock/disable/enable, reviews.

Every write runs through `audit.change` (one transaction, one audit entry with before/after) and
takes the version the editor saw: a stale edit raises `Conflict` naming what changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from erp_console.db.engine import Database
from erp_console.db.models import Department, ErpUser, Role, UserRole, utcnow
from erp_console.errors import NotFound, ValidationError
from erp_console.services.core import audit
from erp_console.services.core.paging import SortColumn, Total, count_rows, page_after, page_before
from erp_console.services.core.validation import (
    check_email,
    check_login,
    check_period,
    require_text,
)
from erp_console.services.core.versions import check_version

STATUS_ACTIONS = {
    "lock": ("active", "locked"),
    "unlock": ("locked", "active"),
    "disable": (("active", "locked"), "disabled"),
    "enable": ("disabled", "active"),
}


@dataclass(frozen=True)
class UserFilter:
    text: str = ""
    status: str | None = None
    department: str | None = None
    role: str | None = None
    dormant_days: int | None = None
    expired: bool = False
    on: dt.date | None = None


@dataclass(frozen=True)
class UserRow:
    id: int
    login: str
    full_name: str
    email: str | None
    department: str | None
    status: str
    valid_to: dt.date | None
    last_login_at: dt.datetime | None

    @property
    def sort_key(self) -> tuple[str, int]:
        return (self.login.lower(), self.id)


@dataclass(frozen=True)
class Grant:
    role: str
    role_name: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    granted_by: str | None  # None where the ERP does not record who granted (Odoo, Dolibarr)
    granted_at: dt.datetime | None  # None where the ERP keeps no date (Odoo, Dolibarr groups)
    reason: str

    def is_valid(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or self.valid_to >= on
        )


@dataclass(frozen=True)
class UserDetail:
    id: int
    login: str
    full_name: str
    email: str | None
    department: str | None
    department_name: str | None
    status: str
    lock_reason: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    last_login_at: dt.datetime | None
    created_at: dt.datetime
    version: int
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    def is_usable(self, on: dt.date) -> bool:
        return (
            self.status == "active"
            and (self.valid_from is None or self.valid_from <= on)
            and (self.valid_to is None or self.valid_to >= on)
        )


def _user_query(flt: UserFilter) -> Select:
    on = flt.on or dt.date.today()
    stmt = select(
        ErpUser.id,
        ErpUser.login,
        ErpUser.full_name,
        ErpUser.email,
        Department.code.label("department"),
        ErpUser.status,
        ErpUser.valid_to,
        ErpUser.last_login_at,
        ErpUser.login_key,
    ).outerjoin(Department, Department.id == ErpUser.department_id)
    text = flt.text.strip()
    if text:
        needle = text.lower()
        stmt = stmt.where(
            or_(
                ErpUser.login_key.contains(needle, autoescape=True),
                func.lower(ErpUser.full_name).contains(needle, autoescape=True),
                func.lower(ErpUser.email).contains(needle, autoescape=True),
            )
        )
    if flt.status:
        stmt = stmt.where(ErpUser.status == flt.status)
    if flt.department:
        stmt = stmt.where(Department.code == flt.department)
    if flt.role:
        stmt = stmt.where(
            exists().where(
                UserRole.user_id == ErpUser.id, UserRole.role_id == Role.id, Role.code == flt.role
            )
        )
    if flt.dormant_days is not None:
        cutoff = dt.datetime.combine(on, dt.time()) - dt.timedelta(days=flt.dormant_days)
        stmt = stmt.where(
            ErpUser.status == "active",
            or_(ErpUser.last_login_at.is_(None), ErpUser.last_login_at < cutoff),
        )
    if flt.expired:
        stmt = stmt.where(ErpUser.status == "active", ErpUser.valid_to < on)
    return stmt


# login_key is unique, so it alone orders the list; a tie-breaker on id would make MariaDB read and
# sort every matching user for each page instead of walking the login index. Keys stay
# (login_key, id) tuples; only their first value is used.
_SORT = (SortColumn(ErpUser.login_key),)


def _row(r) -> UserRow:
    return UserRow(
        r.id, r.login, r.full_name, r.email, r.department, r.status, r.valid_to, r.last_login_at
    )


def list_users(
    db: Database, flt: UserFilter = UserFilter(), *, after: tuple | None = None, limit: int = 100
) -> list[UserRow]:
    """Users sorted by login (case-insensitive), the page after the sort key `after`."""
    with db.session() as s:
        return [_row(r) for r in page_after(s, _user_query(flt), _SORT, after, limit)]


def list_users_before(
    db: Database, flt: UserFilter = UserFilter(), *, before: tuple | None = None, limit: int = 100
) -> list[UserRow]:
    """The page just before `before` (the last page when None), in login order."""
    with db.session() as s:
        return [_row(r) for r in page_before(s, _user_query(flt), _SORT, before, limit)]


def count_users(db: Database, flt: UserFilter = UserFilter()) -> Total:
    with db.session() as s:
        return count_rows(s, _user_query(flt))


# --- one user ---------------------------------------------------------------------------


def _find(session: Session, login: str, *, for_update: bool = False) -> ErpUser:
    stmt = select(ErpUser).where(ErpUser.login_key == (login or "").strip().lower())
    if for_update:
        stmt = stmt.with_for_update()
    user = session.scalars(stmt).first()
    if user is None:
        raise NotFound(f"no user with login '{login}'")
    return user


def _department_id(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    dept_id = session.scalar(select(Department.id).where(Department.code == code.strip()))
    if dept_id is None:
        raise ValidationError(f"no department with code '{code}'", field="department")
    return dept_id


def snapshot(user: ErpUser, department_code: str | None = None) -> dict:
    return {
        "login": user.login,
        "full_name": user.full_name,
        "email": user.email,
        "department": department_code,
        "status": user.status,
        "lock_reason": user.lock_reason,
        "valid_from": user.valid_from,
        "valid_to": user.valid_to,
        "version": user.version,
    }


def _dept_code(session: Session, dept_id: int | None) -> str | None:
    return (
        session.scalar(select(Department.code).where(Department.id == dept_id)) if dept_id else None
    )


def get_user(db: Database, login: str) -> UserDetail:
    with db.session() as s:
        user = _find(s, login)
        dept = s.get(Department, user.department_id) if user.department_id else None
        grants = s.execute(
            select(
                Role.code,
                Role.name,
                UserRole.valid_from,
                UserRole.valid_to,
                UserRole.granted_by,
                UserRole.granted_at,
                UserRole.reason,
            )
            .join(Role, Role.id == UserRole.role_id)
            .where(UserRole.user_id == user.id)
            .order_by(Role.code)
        ).all()
        return UserDetail(
            user.id,
            user.login,
            user.full_name,
            user.email,
            dept.code if dept else None,
            dept.name if dept else None,
            user.status,
            user.lock_reason,
            user.valid_from,
            user.valid_to,
            user.last_login_at,
            user.created_at,
            user.version,
            tuple(Grant(*g) for g in grants),
        )


def _check_version(user: ErpUser, expected_version: int | None, before: dict) -> None:
    check_version(
        f"user '{user.login}'",
        user.version,
        expected_version,
        now=f"status {before['status']}, department {before['department'] or '-'}",
    )


def add_user(
    db: Database,
    *,
    actor: str,
    login: str,
    full_name: str,
    email: str | None = None,
    department: str | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    reason: str | None = None,
) -> UserDetail:
    login = check_login(login)
    full_name = require_text(full_name, "full_name", max_len=200)
    email = check_email(email)
    check_period(valid_from, valid_to)
    with audit.change(
        db, actor=actor, action="user.add", target_type="user", target_label=login, reason=reason
    ) as ch:
        s = ch.session
        if s.scalar(select(ErpUser.id).where(ErpUser.login_key == login.lower())) is not None:
            raise ValidationError(
                f"login '{login}' is taken (logins are unique ignoring case)", field="login"
            )
        user = ErpUser(
            login=login,
            login_key=login.lower(),
            full_name=full_name,
            email=email,
            department_id=_department_id(s, department),
            status="active",
            valid_from=valid_from,
            valid_to=valid_to,
            created_at=utcnow(),
        )
        s.add(user)
        s.flush()
        ch.target_id = user.id
        ch.after = snapshot(user, department)
    return get_user(db, login)


def edit_user(
    db: Database,
    login: str,
    *,
    actor: str,
    expected_version: int | None,
    full_name: str | None = None,
    email: str | None = None,
    department: str | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    clear_valid_to: bool = False,
    reason: str | None = None,
) -> UserDetail:
    """Change the given fields; None leaves a field as it is (`clear_valid_to` removes the end date)."""
    with audit.change(
        db, actor=actor, action="user.edit", target_type="user", target_label=login, reason=reason
    ) as ch:
        s = ch.session
        user = _find(s, login, for_update=True)
        before = snapshot(user, _dept_code(s, user.department_id))
        _check_version(user, expected_version, before)
        if full_name is not None:
            user.full_name = require_text(full_name, "full_name", max_len=200)
        if email is not None:
            user.email = check_email(email)
        if department is not None:
            user.department_id = _department_id(s, department) if department.strip() else None
        if valid_from is not None:
            user.valid_from = valid_from
        if valid_to is not None:
            user.valid_to = valid_to
        if clear_valid_to:
            user.valid_to = None
        check_period(user.valid_from, user.valid_to)
        s.flush()
        after = snapshot(user, _dept_code(s, user.department_id))
        if {k: v for k, v in after.items() if k != "version"} == {
            k: v for k, v in before.items() if k != "version"
        }:
            raise ValidationError("nothing to change: every field already has that value")
        ch.target_id, ch.before, ch.after = user.id, before, after
    return get_user(db, login)


def set_status(
    db: Database,
    login: str,
    action: str,
    *,
    actor: str,
    reason: str | None,
    expected_version: int | None = None,
) -> UserDetail:
    """lock | unlock | disable | enable, with the reason kept in the audit trail (and as lock reason)."""
    if action not in STATUS_ACTIONS:
        raise ValidationError(f"unknown action '{action}'", field="action")
    allowed_from, new_status = STATUS_ACTIONS[action]
    if action in ("lock", "disable"):
        reason = require_text(reason, "reason")
    with audit.change(
        db,
        actor=actor,
        action=f"user.{action}",
        target_type="user",
        target_label=login,
        reason=reason,
    ) as ch:
        s = ch.session
        user = _find(s, login, for_update=True)
        before = snapshot(user, _dept_code(s, user.department_id))
        _check_version(user, expected_version, before)
        allowed = (allowed_from,) if isinstance(allowed_from, str) else allowed_from
        if user.status not in allowed:
            raise ValidationError(
                f"user '{user.login}' is {user.status}; cannot {action}", field="status"
            )
        user.status = new_status
        user.lock_reason = reason if new_status == "locked" else None
        s.flush()
        ch.target_id, ch.before, ch.after = user.id, before, snapshot(user, before["department"])
    return get_user(db, login)


def bulk_set_status(
    db: Database, logins: list[str], action: str, *, actor: str, reason: str
) -> list[str]:
    """Apply one status action to many users in ONE transaction (one audit entry per user)."""
    if action not in ("disable", "lock"):
        raise ValidationError("bulk actions are disable or lock", field="action")
    reason = require_text(reason, "reason")
    if not logins:
        raise ValidationError("select at least one user", field="logins")
    _allowed_from, new_status = STATUS_ACTIONS[action]
    changed = []
    with db.begin() as s:
        for login in logins:
            user = _find(s, login, for_update=True)
            if user.status == new_status:
                continue
            before = snapshot(user, _dept_code(s, user.department_id))
            user.status = new_status
            user.lock_reason = reason if new_status == "locked" else None
            s.flush()
            audit.append_entry(
                s,
                actor=actor,
                action=f"user.{action}",
                target_type="user",
                target_id=user.id,
                target_label=user.login,
                before=before,
                after=snapshot(user, before["department"]),
                reason=reason,
            )
            changed.append(user.login)
    return changed


# --- reviews ----------------------------------------------------------------------------


def dormant_users(
    db: Database, days: int = 90, *, on: dt.date | None = None, limit: int = 10_000
) -> list[UserRow]:
    if days < 1:
        raise ValidationError("must be at least 1", field="days")
    return list_users(db, UserFilter(dormant_days=days, on=on), limit=limit)


def expired_active_users(
    db: Database, *, on: dt.date | None = None, limit: int = 10_000
) -> list[UserRow]:
    return list_users(db, UserFilter(expired=True, on=on), limit=limit)


def departments(db: Database) -> list[tuple[str, str]]:
    with db.session() as s:
        return [
            tuple(r)
            for r in s.execute(select(Department.code, Department.name).order_by(Department.code))
        ]

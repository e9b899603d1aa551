"""The shared SQL of "who can do what now": effective permissions through valid role grants.

A permission is effective for a user at a date when the user is active and within validity,
and a grant of a role holding the permission is within its validity. Access, process coverage,
org planning and exports all build on these statements so they agree with each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.sql.elements import BindParameter, ClauseElement, ColumnElement

from erp_console.db.models import ErpUser, Permission, Role, RolePermission, UserRole

Ids = Iterable[int] | ClauseElement
Day = dt.date | ClauseElement


def _in(column, values: Ids) -> ColumnElement[bool]:
    """IN over a list or a subquery; equality with one bound parameter of a statement built once."""
    if isinstance(values, BindParameter):
        return column == values
    return column.in_(values if isinstance(values, ClauseElement) else list(values))


def user_is_usable(on: Day) -> ColumnElement[bool]:
    """The user can log on at `on`: status active and inside valid_from/valid_to."""
    return and_(
        ErpUser.status == "active",
        or_(ErpUser.valid_from.is_(None), ErpUser.valid_from <= on),
        or_(ErpUser.valid_to.is_(None), ErpUser.valid_to >= on),
    )


def grant_is_valid(on: Day) -> ColumnElement[bool]:
    """The role grant applies at `on` (valid_to is the last valid day)."""
    return and_(
        or_(UserRole.valid_from.is_(None), UserRole.valid_from <= on),
        or_(UserRole.valid_to.is_(None), UserRole.valid_to >= on),
    )


def holders_stmt(permission_ids: Ids, on: Day) -> Select:
    """(permission_id, user_id, role_id) for every usable user holding one of the permissions."""
    return (
        select(RolePermission.permission_id, UserRole.user_id, UserRole.role_id)
        .join(UserRole, UserRole.role_id == RolePermission.role_id)
        .join(ErpUser, ErpUser.id == UserRole.user_id)
        .where(
            _in(RolePermission.permission_id, permission_ids),
            grant_is_valid(on),
            user_is_usable(on),
        )
    )


def effective_permissions_stmt(
    user_ids: Ids, on: Day, *, require_usable_user: bool = True
) -> Select:
    """(user_id, permission_id, role_id) for the users' valid grants; one row per source role."""
    stmt = (
        select(UserRole.user_id, RolePermission.permission_id, UserRole.role_id)
        .join(RolePermission, RolePermission.role_id == UserRole.role_id)
        .where(_in(UserRole.user_id, user_ids), grant_is_valid(on))
    )
    if require_usable_user:
        stmt = stmt.join(ErpUser, ErpUser.id == UserRole.user_id).where(user_is_usable(on))
    return stmt


def permission_codes_stmt(codes: Iterable[str]) -> Select:
    return select(Permission.id, Permission.code).where(Permission.code.in_(list(codes)))


def role_codes_stmt(role_ids: Iterable[int]) -> Select:
    return select(Role.id, Role.code).where(Role.id.in_(list(role_ids)))

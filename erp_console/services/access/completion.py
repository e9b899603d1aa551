"""Completion of codes a person types: the first login or permission code starting with a prefix.

One indexed range read each (login_key and permission code are unique, so indexed); used by the
console's autocomplete, so it stays quick at 100k users.
"""

from __future__ import annotations

from sqlalchemy import select

from erp_console.db.engine import Database
from erp_console.db.models import ErpUser, Permission


def _upper_bound(prefix: str) -> str:
    return prefix + "\U0010ffff"


def complete_login(db: Database, prefix: str) -> str | None:
    """The first login (case-insensitive) starting with `prefix`, None for none or no prefix."""
    key = prefix.strip().lower()
    if not key:
        return None
    stmt = (
        select(ErpUser.login)
        .where(ErpUser.login_key >= key, ErpUser.login_key < _upper_bound(key))
        .order_by(ErpUser.login_key)
        .limit(1)
    )
    with db.session() as s:
        return s.scalar(stmt)


def complete_permission(db: Database, prefix: str) -> str | None:
    """The first permission code starting with `prefix` (typed in any case: codes are upper)."""
    code = prefix.strip().upper()
    if not code:
        return None
    stmt = (
        select(Permission.code)
        .where(Permission.code >= code, Permission.code < _upper_bound(code))
        .order_by(Permission.code)
        .limit(1)
    )
    with db.session() as s:
        return s.scalar(stmt)

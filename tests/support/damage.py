"""Damage a database the way a careless hand edit would, for checks that must find it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from erp_console.db.models import ErpUser


def reverse_validity(db, login: str) -> None:
    """The user's validity ends before it starts."""
    with db.begin() as s:
        s.execute(
            update(ErpUser)
            .where(ErpUser.login == login)
            .values(valid_from=dt.date(2026, 5, 1), valid_to=dt.date(2026, 4, 1))
        )

"""Optimistic locking: an edit names the version it started from; a newer row refuses it, and a
write that lost a race with another session is recognised whatever the dialect says."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from erp_console.errors import Conflict


def check_version(what: str, current: int, expected: int | None, *, now: str = "") -> None:
    """Raise `Conflict` when the row is no longer at the version the caller read.

    `what` names the row for a person ("user 'jdoe'", "document #7"); `now` may say what it is
    now, so the loser of the race knows what to reload.
    """
    if expected is None or current == expected:
        return
    state = f"; now {now}" if now else ""
    raise Conflict(
        f"{what} was changed by someone else (you edited version {expected}, it is now at "
        f"version {current}{state}); reload and try again"
    )


_RACE_CODES = {"40001", "40P01"}  # PostgreSQL: serialization failure, deadlock
_RACE_ERRNOS = {1213}  # MySQL/MariaDB: deadlock found when trying to get lock


def lost_race(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says a concurrent writer got there first."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, StaleDataError):
            return True
        orig = getattr(seen, "orig", None)
        if isinstance(seen, DBAPIError) and orig is not None:
            if getattr(orig, "pgcode", None) in _RACE_CODES:
                return True
            if orig.args and orig.args[0] in _RACE_ERRNOS:
                return True
        seen = seen.__cause__ or seen.__context__
    return False

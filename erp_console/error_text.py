"""What an exception from a service means to a person: one line and a severity.

Shared by the screens, the widgets and the app shell, so none of them needs the database layer.
"""

from __future__ import annotations


def describe_error(exc: BaseException, url=None) -> tuple[str, str]:
    """A one-line message and a notification severity for an exception from a service."""
    from erp_console.config import mask_url

    message, severity = _describe(exc, url)
    return mask_url(message), severity


def _describe(exc: BaseException, url=None) -> tuple[str, str]:
    from sqlalchemy.exc import DBAPIError

    from erp_console.errors import Conflict, ErpConsoleError

    if isinstance(exc, Conflict):
        return str(exc), "warning"
    if isinstance(exc, ErpConsoleError):
        return str(exc), "error"
    if isinstance(exc, DBAPIError):
        if url is not None:
            from erp_console.db.engine import translate_db_error

            return str(translate_db_error(url, exc)), "error"
        raw = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
        return f"database error: {raw[0] if raw else type(exc).__name__}", "error"
    return f"{type(exc).__name__}: {exc}", "error"


def is_connection_lost(exc: BaseException) -> bool:
    from sqlalchemy.exc import DBAPIError, OperationalError

    from erp_console.errors import ConnectionProblem

    if isinstance(exc, ConnectionProblem):
        return True
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, OperationalError)
    )

"""Our own consistency pass over the native schema: orphan rows, vocabularies and validity periods.

The native checks (SQLite `integrity_check`, MySQL `CHECK TABLE`) look at pages and indexes; this
looks at meaning, and is the whole check on PostgreSQL (whose storage has no cheap equivalent).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, and_, func, or_, select

from erp_console.db.models import (
    CHANGE_KINDS,
    CHANGE_STATUSES,
    DOCUMENT_KINDS,
    DOCUMENT_STATUSES,
    INCIDENT_CATEGORIES,
    INCIDENT_STATUSES,
    RISKS,
    SEVERITIES,
    STAGES,
    USER_STATUSES,
    ChangeRequest,
    Document,
    ErpUser,
    Incident,
    Permission,
    SodRule,
    StageHistory,
    UserRole,
)
from erp_console.services.data.table_codec import native_tables

VOCABULARIES = (
    (ErpUser.status, USER_STATUSES),
    (Permission.risk, RISKS),
    (SodRule.severity, SEVERITIES),
    (StageHistory.stage, STAGES),
    (Incident.category, INCIDENT_CATEGORIES),
    (Incident.severity, SEVERITIES),
    (Incident.status, INCIDENT_STATUSES),
    (ChangeRequest.kind, CHANGE_KINDS),
    (ChangeRequest.status, CHANGE_STATUSES),
    (Document.kind, DOCUMENT_KINDS),
    (Document.status, DOCUMENT_STATUSES),
)

PERIODS = (
    (ErpUser.valid_from, ErpUser.valid_to),
    (UserRole.valid_from, UserRole.valid_to),
)


def _orphans(conn: Connection) -> Iterator[str]:
    for table in native_tables():
        for fk in table.foreign_keys:
            child = fk.parent
            parents = fk.column.table.alias("parent")
            parent = parents.c[fk.column.name]
            missing = conn.execute(
                select(func.count())
                .select_from(table)
                .where(
                    child.is_not(None),
                    ~select(parent).where(parent == child).exists(),
                )
            ).scalar_one()
            if missing:
                yield (
                    f"{table.name}.{child.name}: {missing} row(s) point to a missing "
                    f"{fk.column.table.name}"
                )


def _vocabularies(conn: Connection) -> Iterator[str]:
    for column, allowed in VOCABULARIES:
        bad = conn.execute(
            select(column, func.count()).where(column.not_in(allowed)).group_by(column)
        ).all()
        for value, count in bad:
            yield (
                f"{column.table.name}.{column.name}: {count} row(s) with '{value}' "
                f"(allowed: {', '.join(allowed)})"
            )


def _periods(conn: Connection) -> Iterator[str]:
    for start, end in PERIODS:
        bad = conn.execute(
            select(func.count()).where(and_(start.is_not(None), end.is_not(None), end < start))
        ).scalar_one()
        if bad:
            yield f"{start.table.name}: {bad} row(s) end ({end.name}) before they start ({start.name})"


def _logins(conn: Connection) -> Iterator[str]:
    bad = conn.execute(
        select(func.count()).where(
            or_(ErpUser.login_key != func.lower(ErpUser.login), ErpUser.login_key.is_(None))
        )
    ).scalar_one()
    if bad:
        yield f"erp_user.login_key: {bad} row(s) whose key is not the lower-case login"


def consistency_problems(conn: Connection) -> list[str]:
    """Every problem found, one line each; empty when the data is consistent."""
    return [*_orphans(conn), *_vocabularies(conn), *_periods(conn), *_logins(conn)]

"""ERP writes audited across two databases: the audit trail lives in the console's store, the
change in the ERP's database, and no transaction spans both.

Every ERP write therefore leaves two entries in the store's hash-chained trail:
1. `<action>.intent` is committed *before* the ERP is touched (target, before/after, reason);
2. after the ERP transaction, `<action>.done` or `<action>.failed` names the intent's id.

If the store cannot take the intent, the ERP is not touched. If the ERP write fails, the
outcome says so. If the process dies or the store fails between the ERP commit and the outcome,
the intent stays *pending*: `pending_intents()` lists it, `audit list` and `audit verify` show
it, so a change can never stand in the ERP without a trace in the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from erp_console.db.engine import Database
from erp_console.db.models import MaintenanceLog
from erp_console.errors import ErpConsoleError, ReadOnlyError
from erp_console.services.core.audit import append_entry

T = TypeVar("T")

INTENT = ".intent"
DONE = ".done"
FAILED = ".failed"


@dataclass(frozen=True)
class ErpChange:
    """One change to the ERP's database, described for the audit trail before it is made."""

    action: str  # e.g. "erp.user.disable", "erp.role.grant"
    target_type: str  # "user", "role"
    target_id: str
    target_label: str | None = None
    before: Any = None
    after: Any = None
    reason: str | None = None


class UnconfirmedErpWrite(ErpConsoleError):
    """The ERP committed the change but the store could not record the outcome."""


@dataclass(frozen=True)
class PendingIntent:
    id: int
    at: Any
    actor: str
    action: str
    target_type: str | None
    target_id: str | None
    target_label: str | None
    reason: str | None


def audited_erp_write(
    store: Database,
    target: Database,
    change: ErpChange,
    *,
    actor: str,
    write: Callable[[Session], T],
    on_done: Callable[[Session], None] | None = None,
) -> T:
    """Record the intent in the store, run `write` in one ERP transaction, record the outcome.

    `on_done` writes what the store keeps about a committed change (an accepted SoD override) in
    the same store transaction as the `.done` entry. A read-only ERP connection is refused before
    anything is recorded."""
    if target.read_only:
        raise ReadOnlyError(f"the ERP's database is open read-only; {target.read_only_hint}")
    with store.begin() as session:
        intent_id = append_entry(
            session,
            actor=actor,
            action=change.action + INTENT,
            target_type=change.target_type,
            target_id=change.target_id,
            target_label=change.target_label,
            before=change.before,
            after=change.after,
            reason=change.reason,
        ).id
    try:
        with target.begin() as erp_session:
            result = write(erp_session)
    except BaseException as exc:
        _record_outcome(store, change, actor, intent_id, FAILED, {"error": _one_line(exc)})
        raise
    try:
        _record_outcome(store, change, actor, intent_id, DONE, None, also=on_done)
    except Exception as exc:
        raise UnconfirmedErpWrite(
            f"the ERP change '{change.action}' on {change.target_id} was made, but its confirmation "
            f"could not be written to the console store ({_one_line(exc)}); audit entry "
            f"#{intent_id} stays pending until `erp-console audit verify` is run against a working store"
        ) from exc
    return result


def _record_outcome(
    store: Database,
    change: ErpChange,
    actor: str,
    intent_id: int,
    suffix: str,
    detail: Any,
    *,
    also: Callable[[Session], None] | None = None,
) -> None:
    with store.begin() as session:
        if also is not None:
            also(session)
        append_entry(
            session,
            actor=actor,
            action=change.action + suffix,
            target_type="audit",
            target_id=intent_id,
            target_label=f"{change.target_type} {change.target_id}",
            after=detail,
        )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def pending_intents(store: Database) -> list[PendingIntent]:
    """Intents with no outcome entry: ERP writes whose result the store never heard of."""
    outcome = aliased(MaintenanceLog)
    has_outcome = (
        select(outcome.id)
        .where(
            outcome.target_type == "audit",
            outcome.target_id == _id_as_text(MaintenanceLog.id),
            (outcome.action.like("%" + DONE)) | (outcome.action.like("%" + FAILED)),
        )
        .exists()
    )
    stmt = (
        select(MaintenanceLog)
        .where(MaintenanceLog.action.like("%" + INTENT), ~has_outcome)
        .order_by(MaintenanceLog.id)
    )
    with store.session() as session:
        return [
            PendingIntent(
                e.id,
                e.at,
                e.actor,
                e.action.removesuffix(INTENT),
                e.target_type,
                e.target_id,
                e.target_label,
                e.reason,
            )
            for e in session.scalars(stmt)
        ]


def _id_as_text(column):
    from sqlalchemy import String, cast

    return cast(column, String(64))

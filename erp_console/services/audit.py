"""The one write path: every change runs in a transaction that appends exactly one audit entry.

Entries in `maintenance_log` are hash-chained: each entry's hash covers the previous entry's hash and
its own fields, so an altered or deleted row breaks the chain at a point `verify()` names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from erp_console.db.engine import Database
from erp_console.db.models import MaintenanceLog, utcnow

GENESIS = "0" * 64


def to_json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, default=_json_default, ensure_ascii=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"cannot serialise {type(value).__name__} for the audit trail")


def entry_hash(
    prev_hash: str,
    at: dt.datetime,
    actor: str,
    action: str,
    target_type: str | None,
    target_id: str | None,
    target_label: str | None,
    before_json: str | None,
    after_json: str | None,
    reason: str | None,
) -> str:
    payload = json.dumps(
        [
            prev_hash,
            at.isoformat(timespec="microseconds"),
            actor,
            action,
            target_type,
            target_id,
            target_label,
            before_json,
            after_json,
            reason,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    """Serialise appenders so two transactions never chain onto the same previous entry."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(724001)"))


def _last_hash(session: Session) -> str:
    stmt = select(MaintenanceLog.hash).order_by(MaintenanceLog.id.desc()).limit(1)
    if session.get_bind().dialect.name == "mysql":
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar() or GENESIS


def append_entry(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str | None = None,
    target_id: Any = None,
    target_label: str | None = None,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
) -> MaintenanceLog:
    """Append one entry inside the caller's open transaction."""
    _lock_chain(session)
    prev = _last_hash(session)
    at = utcnow()
    before_json, after_json = to_json(before), to_json(after)
    tid = None if target_id is None else str(target_id)
    entry = MaintenanceLog(
        at=at,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=tid,
        target_label=target_label,
        before_json=before_json,
        after_json=after_json,
        reason=reason,
        prev_hash=prev,
        hash=entry_hash(
            prev, at, actor, action, target_type, tid, target_label, before_json, after_json, reason
        ),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass
class Change:
    """What a write fills in while it runs; appended as one audit entry when the block ends."""

    session: Session
    actor: str
    action: str
    target_type: str | None = None
    target_id: Any = None
    target_label: str | None = None
    before: Any = None
    after: Any = None
    reason: str | None = None
    entry: MaintenanceLog | None = field(default=None, init=False)


@contextmanager
def change(
    db: Database,
    *,
    actor: str,
    action: str,
    target_type: str | None = None,
    target_id: Any = None,
    target_label: str | None = None,
    reason: str | None = None,
) -> Iterator[Change]:
    """Open a transaction, let the caller apply its change, then append its audit entry and commit.

    An exception anywhere rolls back the change and the entry together.
    """
    with db.begin() as session:
        ch = Change(session, actor, action, target_type, target_id, target_label, reason=reason)
        yield ch
        session.flush()
        ch.entry = append_entry(
            session,
            actor=ch.actor,
            action=ch.action,
            target_type=ch.target_type,
            target_id=ch.target_id,
            target_label=ch.target_label,
            before=ch.before,
            after=ch.after,
            reason=ch.reason,
        )


# --- Reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    action: str
    target_type: str | None
    target_id: str | None
    target_label: str | None
    before: Any
    after: Any
    reason: str | None

    @property
    def target(self) -> str:
        if self.target_label:
            return f"{self.target_type}:{self.target_label}"
        if self.target_type:
            return f"{self.target_type}:{self.target_id or ''}"
        return ""


def _entry(row: MaintenanceLog) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        target_label=row.target_label,
        before=json.loads(row.before_json) if row.before_json else None,
        after=json.loads(row.after_json) if row.after_json else None,
        reason=row.reason,
    )


def list_entries(
    db: Database,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    target_type: str | None = None,
    target_id: Any = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first. `action` ending in `.` or `*` matches a prefix (`user.` → every user action)."""
    stmt = select(MaintenanceLog).order_by(MaintenanceLog.id.desc()).limit(limit)
    if actor:
        stmt = stmt.where(MaintenanceLog.actor == actor)
    if action:
        if action.endswith(("*", ".")):
            stmt = stmt.where(MaintenanceLog.action.startswith(action.rstrip("*"), autoescape=True))
        else:
            stmt = stmt.where(MaintenanceLog.action == action)
    if since:
        stmt = stmt.where(MaintenanceLog.at >= since)
    if until:
        stmt = stmt.where(MaintenanceLog.at < until)
    if target_type:
        stmt = stmt.where(MaintenanceLog.target_type == target_type)
    if target_id is not None:
        stmt = stmt.where(MaintenanceLog.target_id == str(target_id))
    if before_id is not None:
        stmt = stmt.where(MaintenanceLog.id < before_id)
    with db.session() as session:
        return [_entry(row) for row in session.scalars(stmt)]


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def verify(db: Database, progress=None) -> VerifyResult:
    """Walk the chain from the first entry; report the first entry that was altered or unlinked."""
    prev = GENESIS
    checked = 0
    stmt = select(MaintenanceLog).order_by(MaintenanceLog.id).execution_options(yield_per=2000)
    with db.session() as session:
        for row in session.scalars(stmt):
            if row.prev_hash != prev:
                return VerifyResult(
                    checked,
                    row.id,
                    f"entry {row.id} does not follow the entry before it: an entry was deleted or altered before #{row.id}",
                )
            expected = entry_hash(
                row.prev_hash,
                row.at,
                row.actor,
                row.action,
                row.target_type,
                row.target_id,
                row.target_label,
                row.before_json,
                row.after_json,
                row.reason,
            )
            if expected != row.hash:
                return VerifyResult(
                    checked, row.id, f"entry {row.id} was altered after it was written"
                )
            prev = row.hash
            checked += 1
            if progress and checked % 2000 == 0:
                progress(checked)
    return VerifyResult(checked)

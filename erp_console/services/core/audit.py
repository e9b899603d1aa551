"""The one write path: every change runs in a transaction that appends exactly one audit entry.

Entries in `maintenance_log` are hash-chained: each entry's hash covers the previous entry's hash and
its own fields, so an altered or deleted row breaks the chain at a point `verify()` names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, Self

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from erp_console.db.engine import Database
from erp_console.db.models import MaintenanceLog, utcnow
from erp_console.errors import Conflict, ValidationError
from erp_console.services.core.versions import lost_race

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


@dataclass(frozen=True)
class EntryFields:
    """An entry's own fields as stored in `maintenance_log`: what its hash covers, in this order.

    Written by `append_entry`, hashed by `hash`, checked by `check_chain`, read as `AuditEntry`.
    """

    at: dt.datetime
    actor: str
    action: str
    target_type: str | None = None
    target_id: str | None = None
    target_label: str | None = None
    before_json: str | None = None
    after_json: str | None = None
    reason: str | None = None

    @classmethod
    def of(cls, row: Any) -> Self:
        """The fields of `row` (a `MaintenanceLog` or any object with the entry's attributes)."""
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})

    def columns(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(EntryFields)}

    def hash(self, prev_hash: str, *, key: bytes | None = None) -> str:
        """SHA-256 of the previous hash and the fields; HMAC-SHA256 with `key` for a keyed chain."""
        values = self.columns()
        values["at"] = self.at.isoformat(timespec="microseconds")
        payload = json.dumps([prev_hash, *values.values()], ensure_ascii=False).encode("utf-8")
        if key:
            return hmac.new(key, payload, hashlib.sha256).hexdigest()
        return hashlib.sha256(payload).hexdigest()


KEY_ENV = "ERP_CONSOLE_AUDIT_KEY"


def audit_key() -> bytes | None:
    """The key of a keyed chain, from the environment (never stored, printed or logged)."""
    value = os.environ.get(KEY_ENV, "")
    return value.encode("utf-8") if value else None


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
    change_ = Change(
        session, actor, action, target_type, target_id, target_label, before, after, reason
    )
    return change_.append()


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

    def stored(self, at: dt.datetime) -> EntryFields:
        """The entry as stored and hashed: ids as text, before/after as JSON."""
        return EntryFields(
            at=at,
            actor=self.actor,
            action=self.action,
            target_type=self.target_type,
            target_id=None if self.target_id is None else str(self.target_id),
            target_label=self.target_label,
            before_json=to_json(self.before),
            after_json=to_json(self.after),
            reason=self.reason,
        )

    def append(self) -> MaintenanceLog:
        """Chain the entry onto the last one, inside the open transaction."""
        _lock_chain(self.session)
        prev = _last_hash(self.session)
        stored = self.stored(utcnow())
        self.entry = MaintenanceLog(
            **stored.columns(), prev_hash=prev, hash=stored.hash(prev, key=audit_key())
        )
        self.session.add(self.entry)
        self.session.flush()
        return self.entry


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

    An exception anywhere rolls back the change and the entry together. A write that lost a race
    (a stale version, a deadlock, a serialization failure) is a `Conflict`, whatever the dialect.
    """
    try:
        with db.begin() as session:
            ch = Change(session, actor, action, target_type, target_id, target_label, reason=reason)
            yield ch
            session.flush()
            ch.append()
    except (StaleDataError, InvalidRequestError, DBAPIError) as exc:
        if not lost_race(exc):
            raise
        what = f"{target_type} #{target_id}" if target_type and target_id else "this record"
        raise Conflict(
            f"{what} was changed by someone else at the same moment; nothing was written; "
            "reload it and try again"
        ) from None


# --- Reading ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AuditEntry(EntryFields):
    """One entry as read back, with `before`/`after` decoded from their JSON."""

    id: int

    @property
    def before(self) -> Any:
        return json.loads(self.before_json) if self.before_json else None

    @property
    def after(self) -> Any:
        return json.loads(self.after_json) if self.after_json else None

    @property
    def target(self) -> str:
        if self.target_label:
            return f"{self.target_type}:{self.target_label}"
        if self.target_type:
            return f"{self.target_type}:{self.target_id or ''}"
        return ""


def _entry(row: MaintenanceLog) -> AuditEntry:
    return AuditEntry.of(row)


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
class AuditHead:
    """A checkpoint of the chain's end: kept apart from the chain (manifests, the report, an admin's
    notes), it lets `verify` notice entries deleted from the end, which the chain alone cannot."""

    id: int
    hash: str
    count: int

    @property
    def text(self) -> str:
        return f"{self.id}:{self.hash}"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "hash": self.hash, "count": self.count}

    @classmethod
    def from_dict(cls, data: Any) -> AuditHead | None:
        if not isinstance(data, dict) or data.get("id") is None:
            return None
        return cls(int(data["id"]), str(data["hash"]), int(data.get("count") or 0))


def parse_head(text_value: str) -> AuditHead:
    """`ID:HASH` as printed by `audit head` and `audit verify`."""
    ident, _, digest = (text_value or "").strip().partition(":")
    if not ident.isdigit() or len(digest) != 64 or not _is_hex(digest):
        raise ValidationError(
            f"'{text_value}' is not an audit head (ID:HASH as printed by `audit head`)",
            field="--expect-head",
        )
    return AuditHead(int(ident), digest.lower(), 0)


def _is_hex(text_value: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text_value)


def read_head(conn: Session | Any) -> AuditHead | None:
    """The chain's end as seen by `conn` (a session or connection, inside the caller's reads)."""
    last = conn.execute(
        select(MaintenanceLog.id, MaintenanceLog.hash).order_by(MaintenanceLog.id.desc()).limit(1)
    ).first()
    if last is None:
        return None
    count = conn.execute(select(func.count()).select_from(MaintenanceLog)).scalar_one()
    return AuditHead(last.id, last.hash, count)


def current_head(db: Database) -> AuditHead | None:
    with db.session() as session:
        return read_head(session)


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None
    head: AuditHead | None = None
    keyed: int = 0

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def check_chain(
    rows: Iterable[Any],
    expect: AuditHead | None = None,
    progress=None,
    *,
    key: bytes | None = None,
) -> VerifyResult:
    """Walk entries (oldest first, objects with the entry's attributes); the first entry altered
    or unlinked, or a checkpoint `expect` the chain no longer reaches, fails the check.

    With `key`, entries written with it (HMAC) are recognised; once one is, every later entry must
    be keyed too: an unkeyed one was appended or rewritten by someone without the key.
    """
    prev = GENESIS
    checked = keyed = 0
    last: Any = None
    reached = expect is None
    for row in rows:
        if row.prev_hash != prev:
            return VerifyResult(
                checked,
                row.id,
                f"entry {row.id} does not follow the entry before it: an entry was deleted or altered before #{row.id}",
                keyed=keyed,
            )
        if row.hash == _hash_of(row):
            if keyed:
                return VerifyResult(
                    checked,
                    row.id,
                    f"entry {row.id} was written without the audit key after {keyed} keyed "
                    "entries: appended or rewritten by someone who does not have the key",
                    keyed=keyed,
                )
        elif key is not None and row.hash == _hash_of(row, key):
            keyed += 1
        else:
            unkeyed = "" if key else f" (or written with an audit key: set {KEY_ENV} to check it)"
            return VerifyResult(
                checked,
                row.id,
                f"entry {row.id} was altered after it was written{unkeyed}",
                keyed=keyed,
            )
        prev = row.hash
        checked += 1
        last = row
        if expect is not None and row.id == expect.id:
            if row.hash != expect.hash:
                return VerifyResult(
                    checked,
                    row.id,
                    f"entry {row.id} is not the entry of the checkpoint {expect.text[:20]}…: "
                    "the trail was rewritten",
                    keyed=keyed,
                )
            reached = True
        if progress and checked % 2000 == 0:
            progress(checked)
    head = AuditHead(last.id, last.hash, checked) if last is not None else None
    if not reached:
        return VerifyResult(
            checked,
            expect.id,
            f"the chain ends at entry {head.id if head else 'none'} and no longer reaches the "
            f"checkpoint entry {expect.id}: entries were deleted from the end",
            head,
            keyed,
        )
    return VerifyResult(checked, head=head, keyed=keyed)


def _hash_of(row: Any, key: bytes | None = None) -> str:
    return EntryFields.of(row).hash(row.prev_hash, key=key)


def verify(db: Database, progress=None, *, expect: AuditHead | None = None) -> VerifyResult:
    """Walk the chain from the first entry; report the first entry that was altered or unlinked,
    and, given a checkpoint kept elsewhere, entries deleted from the end."""
    stmt = select(MaintenanceLog).order_by(MaintenanceLog.id).execution_options(yield_per=2000)
    with db.session() as session, session.scalars(stmt) as rows:
        return check_chain(rows, expect, progress, key=audit_key())

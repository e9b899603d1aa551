"""Incidents and change requests: record, edit, resolve/reopen, move through their lifecycle."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from erp_console.db.engine import Database
from erp_console.db.models import (
    CHANGE_KINDS,
    INCIDENT_CATEGORIES,
    SEVERITIES,
    ChangeRequest,
    Incident,
    SystemProfile,
    utcnow,
)
from erp_console.errors import NotFound, ValidationError
from erp_console.services.core import audit
from erp_console.services.core.validation import check_choice, optional_text, require_text
from erp_console.services.core.versions import check_version

CHANGE_TRANSITIONS = {
    "proposed": ("approved", "rejected"),
    "approved": ("in_progress", "rejected"),
    "in_progress": ("done", "rejected"),
    "done": (),
    "rejected": (),
}
OPEN_CHANGE_STATUSES = ("proposed", "approved", "in_progress")


@dataclass(frozen=True)
class IncidentView:
    id: int
    title: str
    description: str | None
    category: str
    severity: str
    module: str | None
    reporter: str
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    status: str
    resolution: str | None
    version: int


@dataclass(frozen=True)
class ChangeView:
    id: int
    kind: str
    title: str
    description: str | None
    status: str
    is_new_function: bool
    module: str | None
    origin_incident_id: int | None
    requested_by: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    done_at: dt.datetime | None
    status_reason: str | None
    version: int


def _incident_view(i: Incident) -> IncidentView:
    return IncidentView(
        i.id,
        i.title,
        i.description,
        i.category,
        i.severity,
        i.module,
        i.reporter,
        i.opened_at,
        i.resolved_at,
        i.status,
        i.resolution,
        i.version,
    )


def _change_view(c: ChangeRequest) -> ChangeView:
    return ChangeView(
        c.id,
        c.kind,
        c.title,
        c.description,
        c.status,
        c.is_new_function,
        c.module,
        c.origin_incident_id,
        c.requested_by,
        c.requested_at,
        c.decided_at,
        c.done_at,
        c.status_reason,
        c.version,
    )


def _incident_snapshot(i: Incident) -> dict:
    return {
        "title": i.title,
        "category": i.category,
        "severity": i.severity,
        "module": i.module,
        "status": i.status,
        "resolution": i.resolution,
        "resolved_at": i.resolved_at,
    }


def _get_incident(s, incident_id: int) -> Incident:
    incident = s.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident #{incident_id}")
    return incident


def _check_version(kind: str, row, expected: int | None) -> None:
    check_version(f"{kind} #{row.id}", row.version, expected, now=row.status)


def record_incident(
    db: Database,
    *,
    actor: str,
    title: str,
    category: str,
    severity: str,
    module: str | None = None,
    reporter: str | None = None,
    description: str | None = None,
    opened_at: dt.datetime | None = None,
) -> IncidentView:
    title = require_text(title, "title", max_len=300)
    check_choice(category, INCIDENT_CATEGORIES, "category")
    check_choice(severity, SEVERITIES, "severity")
    if opened_at and opened_at > utcnow() + dt.timedelta(minutes=5):
        raise ValidationError("is in the future", field="opened_at")
    with audit.change(db, actor=actor, action="incident.record", target_type="incident") as ch:
        go_live = ch.session.scalar(select(SystemProfile.go_live_date))
        if opened_at and go_live and opened_at.date() < go_live:
            raise ValidationError(f"is before go-live ({go_live.isoformat()})", field="opened_at")
        incident = Incident(
            title=title,
            category=category,
            severity=severity,
            module=optional_text(module, "module", max_len=16),
            reporter=reporter or actor,
            description=optional_text(description, "description", max_len=10000),
            opened_at=opened_at or utcnow(),
            status="open",
        )
        ch.session.add(incident)
        ch.session.flush()
        ch.target_id, ch.target_label, ch.after = (
            incident.id,
            title[:300],
            _incident_snapshot(incident),
        )
        view = _incident_view(incident)
    return view


def edit_incident(
    db: Database,
    incident_id: int,
    *,
    actor: str,
    expected_version: int | None,
    title: str | None = None,
    category: str | None = None,
    severity: str | None = None,
    module: str | None = None,
    description: str | None = None,
) -> IncidentView:
    with audit.change(
        db, actor=actor, action="incident.edit", target_type="incident", target_id=incident_id
    ) as ch:
        incident = _get_incident(ch.session, incident_id)
        _check_version("incident", incident, expected_version)
        before = _incident_snapshot(incident)
        if title is not None:
            incident.title = require_text(title, "title", max_len=300)
        if category is not None:
            incident.category = check_choice(category, INCIDENT_CATEGORIES, "category")
        if severity is not None:
            incident.severity = check_choice(severity, SEVERITIES, "severity")
        if module is not None:
            incident.module = optional_text(module, "module", max_len=16)
        if description is not None:
            incident.description = optional_text(description, "description", max_len=10000)
        ch.session.flush()
        ch.target_label, ch.before, ch.after = incident.title, before, _incident_snapshot(incident)
        view = _incident_view(incident)
    return view


def resolve_incident(
    db: Database,
    incident_id: int,
    *,
    actor: str,
    resolution: str,
    expected_version: int | None = None,
    resolved_at: dt.datetime | None = None,
) -> IncidentView:
    resolution = require_text(resolution, "resolution", max_len=10000)
    with audit.change(
        db, actor=actor, action="incident.resolve", target_type="incident", target_id=incident_id
    ) as ch:
        incident = _get_incident(ch.session, incident_id)
        _check_version("incident", incident, expected_version)
        if incident.status == "resolved":
            raise ValidationError(f"incident #{incident_id} is already resolved", field="status")
        before = _incident_snapshot(incident)
        incident.status, incident.resolution, incident.resolved_at = (
            "resolved",
            resolution,
            resolved_at or utcnow(),
        )
        if incident.resolved_at < incident.opened_at:
            raise ValidationError("is before the incident was opened", field="resolved_at")
        ch.session.flush()
        ch.target_label, ch.before, ch.after = incident.title, before, _incident_snapshot(incident)
        view = _incident_view(incident)
    return view


def reopen_incident(
    db: Database, incident_id: int, *, actor: str, reason: str, expected_version: int | None = None
) -> IncidentView:
    reason = require_text(reason, "reason")
    with audit.change(
        db,
        actor=actor,
        action="incident.reopen",
        target_type="incident",
        target_id=incident_id,
        reason=reason,
    ) as ch:
        incident = _get_incident(ch.session, incident_id)
        _check_version("incident", incident, expected_version)
        if incident.status != "resolved":
            raise ValidationError(
                f"incident #{incident_id} is {incident.status}, not resolved", field="status"
            )
        before = _incident_snapshot(incident)
        incident.status, incident.resolved_at = "open", None
        ch.session.flush()
        ch.target_label, ch.before, ch.after = incident.title, before, _incident_snapshot(incident)
        view = _incident_view(incident)
    return view


def get_incident(db: Database, incident_id: int) -> IncidentView:
    with db.session() as s:
        return _incident_view(_get_incident(s, incident_id))


def list_incidents(
    db: Database,
    *,
    category: str | None = None,
    severity: str | None = None,
    module: str | None = None,
    status: str | None = None,
    open_only: bool = False,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 200,
) -> list[IncidentView]:
    """Newest first."""
    stmt = select(Incident).order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(limit)
    if category:
        stmt = stmt.where(
            Incident.category == check_choice(category, INCIDENT_CATEGORIES, "category")
        )
    if severity:
        stmt = stmt.where(Incident.severity == check_choice(severity, SEVERITIES, "severity"))
    if module:
        stmt = stmt.where(Incident.module == module)
    if status:
        stmt = stmt.where(Incident.status == status)
    if open_only:
        stmt = stmt.where(Incident.status != "resolved")
    if since:
        stmt = stmt.where(Incident.opened_at >= since)
    if until:
        stmt = stmt.where(Incident.opened_at < until)
    with db.session() as s:
        return [_incident_view(i) for i in s.scalars(stmt)]


# --- change requests ----------------------------------------------------------------------


def _change_snapshot(c: ChangeRequest) -> dict:
    return {
        "kind": c.kind,
        "title": c.title,
        "status": c.status,
        "is_new_function": c.is_new_function,
        "origin_incident_id": c.origin_incident_id,
        "status_reason": c.status_reason,
    }


def create_change(
    db: Database,
    *,
    actor: str,
    kind: str,
    title: str,
    description: str | None = None,
    is_new_function: bool | None = None,
    module: str | None = None,
    origin_incident_id: int | None = None,
) -> ChangeView:
    check_choice(kind, CHANGE_KINDS, "kind")
    title = require_text(title, "title", max_len=300)
    with audit.change(db, actor=actor, action="change.create", target_type="change_request") as ch:
        if origin_incident_id is not None:
            _get_incident(ch.session, origin_incident_id)
        change = ChangeRequest(
            kind=kind,
            title=title,
            description=optional_text(description, "description", max_len=10000),
            status="proposed",
            is_new_function=kind == "expansion" if is_new_function is None else is_new_function,
            module=optional_text(module, "module", max_len=16),
            origin_incident_id=origin_incident_id,
            requested_by=actor,
            requested_at=utcnow(),
        )
        ch.session.add(change)
        ch.session.flush()
        ch.target_id, ch.target_label, ch.after = change.id, title, _change_snapshot(change)
        view = _change_view(change)
    return view


def change_from_incident(
    db: Database, incident_id: int, *, actor: str, kind: str | None = None
) -> ChangeView:
    """A change request raised from an incident (kind follows the incident's category unless given)."""
    incident = get_incident(db, incident_id)
    if kind is None:
        kind = "expansion" if incident.category == "new_requirement" else "optimization"
    return create_change(
        db,
        actor=actor,
        kind=kind,
        title=incident.title,
        module=incident.module,
        description=f"Raised from incident #{incident.id}.\n\n{incident.description or ''}".strip(),
        is_new_function=incident.category in ("new_requirement", "unrealized_function"),
        origin_incident_id=incident.id,
    )


def transition_change(
    db: Database,
    change_id: int,
    to_status: str,
    *,
    actor: str,
    reason: str | None = None,
    expected_version: int | None = None,
) -> ChangeView:
    """proposed → approved → in_progress → done; any open status → rejected (with a reason)."""
    with audit.change(
        db,
        actor=actor,
        action=f"change.{to_status}",
        target_type="change_request",
        target_id=change_id,
        reason=reason,
    ) as ch:
        change = ch.session.get(ChangeRequest, change_id)
        if change is None:
            raise NotFound(f"no change request #{change_id}")
        _check_version("change request", change, expected_version)
        allowed = CHANGE_TRANSITIONS.get(change.status, ())
        if to_status not in allowed:
            choices = ", ".join(allowed) or "none (it is closed)"
            raise ValidationError(
                f"cannot move change request #{change_id} from {change.status} to {to_status}; allowed: {choices}",
                field="status",
            )
        if to_status == "rejected":
            reason = require_text(reason, "reason")
        before = _change_snapshot(change)
        now = utcnow()
        change.status = to_status
        if to_status in ("approved", "rejected") and change.decided_at is None:
            change.decided_at = now
        if to_status == "done":
            change.done_at = now
        if reason:
            change.status_reason = reason
        ch.session.flush()
        ch.target_label, ch.before, ch.after = change.title, before, _change_snapshot(change)
        view = _change_view(change)
    return view


def changes_from(db: Database, incident_id: int) -> list[ChangeView]:
    """The change requests raised from an incident, oldest first."""
    stmt = (
        select(ChangeRequest)
        .where(ChangeRequest.origin_incident_id == incident_id)
        .order_by(ChangeRequest.id)
    )
    with db.session() as s:
        return [_change_view(c) for c in s.scalars(stmt)]


def list_changes(
    db: Database,
    *,
    kind: str | None = None,
    status: str | None = None,
    open_only: bool = False,
    limit: int = 200,
) -> list[ChangeView]:
    stmt = (
        select(ChangeRequest)
        .order_by(ChangeRequest.requested_at.desc(), ChangeRequest.id.desc())
        .limit(limit)
    )
    if kind:
        stmt = stmt.where(ChangeRequest.kind == check_choice(kind, CHANGE_KINDS, "kind"))
    if status:
        stmt = stmt.where(ChangeRequest.status == status)
    if open_only:
        stmt = stmt.where(ChangeRequest.status.in_(OPEN_CHANGE_STATUSES))
    with db.session() as s:
        return [_change_view(c) for c in s.scalars(stmt)]

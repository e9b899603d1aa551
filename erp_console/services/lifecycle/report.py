"""The maintenance report: a Markdown summary of a period, saved as a maintenance_record document."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from erp_console.db.engine import Database
from erp_console.db.models import ChangeRequest, Incident, MaintenanceLog, utcnow
from erp_console.errors import ValidationError
from erp_console.services.core import audit
from erp_console.services.lifecycle.stage import stage_status
from erp_console.services.records.maintenance_records import add_maintenance_record

STAGE_LABELS = {
    "assurance": "System assurance",
    "optimization": "Optimization",
    "expansion": "Expansion",
    "retired": "Retired",
}


@dataclass(frozen=True)
class Report:
    title: str
    markdown: str
    document_id: int | None = None


def build_report(db: Database, since: dt.date, until: dt.date) -> Report:
    if until < since:
        raise ValidationError(f"{until} is before {since}", field="until")
    start, end = (
        dt.datetime.combine(since, dt.time()),
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time()),
    )
    status = stage_status(db)
    with db.session() as s:
        opened = s.execute(
            select(Incident.category, Incident.severity).where(
                Incident.opened_at >= start, Incident.opened_at < end
            )
        ).all()
        resolved = s.execute(
            select(Incident.id).where(Incident.resolved_at >= start, Incident.resolved_at < end)
        ).all()
        done = s.execute(
            select(ChangeRequest.id, ChangeRequest.kind, ChangeRequest.title)
            .where(ChangeRequest.done_at >= start, ChangeRequest.done_at < end)
            .order_by(ChangeRequest.done_at)
        ).all()
        entries = s.execute(
            select(MaintenanceLog.action).where(MaintenanceLog.at >= start, MaintenanceLog.at < end)
        ).all()
        head = audit.read_head(s)
    actions = Counter(a for (a,) in entries)
    title = f"Maintenance report {since} – {until}"
    lines = [
        f"# {title}",
        "",
        f"**Stage:** {STAGE_LABELS.get(status.stage, status.stage or 'not recorded')}"
        + (
            f", day {status.days_in_stage} in stage, {status.days_since_go_live} days since go-live ({status.go_live})"
            if status.stage
            else ""
        ),
        f"**Recommendation:** {status.recommendation}",
        "",
    ]
    if status.criteria:
        lines += [
            "## Stage criteria",
            "",
            "| Criterion | Value | Threshold | Met |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {c.name} | {c.value} | {c.threshold} | {'yes' if c.passed else 'no'} |"
            for c in status.criteria
        ]
        lines.append("")
    by_category = Counter(c for c, _s in opened)
    lines += [
        "## Incidents",
        "",
        f"{len(opened)} opened, {len(resolved)} resolved in the period.",
        "",
    ]
    lines += [f"- {cat}: {n}" for cat, n in sorted(by_category.items())] or ["- none opened"]
    lines += ["", "## Changes done", ""]
    lines += [f"- #{cid} ({kind}) {title_}" for cid, kind, title_ in done] or ["- none"]
    permission_actions = {k: v for k, v in actions.items() if k.startswith(("user.", "role."))}
    db_actions = {
        k: v for k, v in actions.items() if k.startswith(("db.", "import.", "backup", "restore"))
    }
    lines += ["", "## Permissions changed", ""]
    lines += [f"- {k}: {v}" for k, v in sorted(permission_actions.items())] or ["- none"]
    lines += ["", "## Database maintenance", ""]
    lines += [f"- {k}: {v}" for k, v in sorted(db_actions.items())] or ["- none"]
    lines += ["", "## Audit trail checkpoint", ""]
    lines += [
        f"Head when this report was made: `{head.text}` ({head.count} entries). Keep it: "
        f"`erp-console audit verify --expect-head {head.text}` fails if entries up to it are "
        "later deleted or rewritten."
        if head
        else "The audit trail is empty."
    ]
    return Report(title, "\n".join(lines) + "\n")


def save_report(db: Database, since: dt.date, until: dt.date, *, actor: str) -> Report:
    """Build the report and keep it as a published maintenance_record document (audited)."""
    report = build_report(db, since, until)
    with audit.change(
        db, actor=actor, action="report.save", target_type="document", target_label=report.title
    ) as ch:
        ch.session.flush()
        document = add_maintenance_record(
            ch.session,
            title=report.title,
            body=report.markdown,
            author=actor,
            tags=("maintenance", "report"),
        )
        ch.target_id = document.id
        ch.after = {"document_id": document.id, "period": [since, until]}
        document_id = document.id
    return Report(report.title, report.markdown, document_id)


def month_period(first_day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month containing `first_day`."""
    start = first_day.replace(day=1)
    next_month = (start + dt.timedelta(days=32)).replace(day=1)
    return start, next_month - dt.timedelta(days=1)


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or utcnow().date()
    return today - dt.timedelta(days=30), today

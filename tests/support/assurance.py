"""A system in assurance whose incident curve has fallen: the fixed history several tests need."""

from __future__ import annotations

import datetime as dt

from erp_console.db.models import StageHistory, SystemProfile, utcnow
from erp_console.services.lifecycle import incidents as inc


def assurance_history(db, erp_name: str = "Plant ERP") -> tuple[int, int]:
    """120 days after go-live, in assurance since: 5 low bugs a week in weeks 1-4 (peak 20), each
    fixed in 24 h; one bug 10 days ago fixed in 24 h; one open critical bug from 3 days ago.
    Returns the ids of the last two."""
    now = utcnow()
    go_live = (now - dt.timedelta(days=120)).date()
    with db.begin() as s:
        s.add(SystemProfile(erp_name=erp_name, go_live_date=go_live))
        s.add(
            StageHistory(
                stage="assurance",
                started_at=dt.datetime.combine(go_live, dt.time()),
                decided_by="t",
            )
        )
    for week in range(1, 5):
        for n in range(5):
            opened = dt.datetime.combine(go_live, dt.time(10)) + dt.timedelta(days=7 * week + n)
            i = inc.record_incident(
                db, actor="t", title=f"w{week}", category="bug", severity="low", opened_at=opened
            )
            inc.resolve_incident(
                db, i.id, actor="t", resolution="ok", resolved_at=opened + dt.timedelta(hours=24)
            )
    ten_days_ago = now - dt.timedelta(days=10)
    recent = inc.record_incident(
        db, actor="t", title="Posting fails", category="bug", severity="low", opened_at=ten_days_ago
    )
    inc.resolve_incident(
        db, recent.id, actor="t", resolution="ok", resolved_at=ten_days_ago + dt.timedelta(hours=24)
    )
    critical = inc.record_incident(
        db,
        actor="t",
        title="Payment run crashes",
        category="bug",
        severity="critical",
        opened_at=now - dt.timedelta(days=3),
    )
    return recent.id, critical.id

"""Lifecycle on every dialect: the assurance curve decides readiness, transitions are guarded."""

from __future__ import annotations

import datetime as dt

import pytest

from erp_console.db.models import Document, StageHistory, SystemProfile
from erp_console.errors import Conflict, ValidationError
from erp_console.services.core.audit import list_entries
from erp_console.services.lifecycle import incidents as inc
from erp_console.services.lifecycle.report import save_report
from erp_console.services.lifecycle.stage import advance, set_threshold, stage_status, thresholds

NOW = dt.datetime(
    2026, 6, 1, 8, 0
)  # before the 09:00 incidents, so week 17 is inside "last 4 weeks"
GO_LIVE = dt.date(2026, 1, 5)


def _profile(db, stage="assurance", started=None):
    with db.begin() as s:
        s.add(SystemProfile(erp_name="Test ERP", go_live_date=GO_LIVE))
        s.add(
            StageHistory(
                stage=stage,
                started_at=started or dt.datetime.combine(GO_LIVE, dt.time()),
                decided_by="t",
            )
        )


def _incidents(db, per_week: list[int], category="bug", severity="medium", resolve_hours=24.0):
    for week, count in enumerate(per_week):
        for i in range(count):
            opened = dt.datetime.combine(GO_LIVE, dt.time(9)) + dt.timedelta(
                days=7 * week + i % 5, minutes=i
            )
            if opened >= NOW:
                continue
            view = inc.record_incident(
                db,
                actor="t",
                title=f"w{week} #{i}",
                category=category,
                severity=severity,
                opened_at=opened,
            )
            resolved = opened + dt.timedelta(hours=resolve_hours)
            if resolved < NOW:
                inc.resolve_incident(
                    db, view.id, actor="t", resolution="fixed", resolved_at=resolved
                )


def test_falling_incident_rate_makes_assurance_ready_and_advance_is_recorded(db):
    _profile(db)
    # 21 weeks: a peak of 10/week in weeks 1-4, then 1/week.
    _incidents(db, [6, 10, 10, 10, 10, 6, 4, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    st = stage_status(db, now=NOW)
    assert st.stage == "assurance" and st.days_since_go_live == (NOW.date() - GO_LIVE).days
    assert st.series("bug")[:5] == [6, 10, 10, 10, 10]
    by_name = {c.name: c for c in st.criteria}
    assert by_name["Assurance incidents, last 4 weeks vs peak 4 weeks"].passed
    assert by_name["Assurance incidents, last 4 weeks vs peak 4 weeks"].value == "4 vs peak 40"
    assert by_name["Open critical/high assurance incidents"].passed
    assert by_name["MTTR of assurance incidents (4 weeks)"].value == "24 h"
    assert st.recommendation == "ready", st.reasons
    after = advance(db, actor="lead", reason="stable since April", now=NOW)
    assert after.stage == "optimization" and [h[0] for h in after.history] == [
        "assurance",
        "optimization",
    ]
    entry = list_entries(db, action="stage.advance")[0]
    assert (
        entry.before["stage"] == "assurance"
        and entry.after == {"stage": "optimization"}
        and entry.actor == "lead"
    )


def test_open_critical_incident_blocks_and_override_needs_a_reason(db):
    _profile(db)
    _incidents(db, [10, 10, 10, 10, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    inc.record_incident(
        db,
        actor="t",
        title="Payment run crashes",
        category="bug",
        severity="critical",
        opened_at=NOW - dt.timedelta(days=2),
    )
    st = stage_status(db, now=NOW)
    assert st.recommendation == "stay"
    assert any("Open critical/high assurance incidents: 1" in r for r in st.reasons)
    with pytest.raises(ValidationError, match="override reason"):
        advance(db, actor="lead", reason="management wants it", now=NOW)
    assert stage_status(db, now=NOW).stage == "assurance"
    done = advance(db, actor="lead", reason="go", override_reason="workaround in place", now=NOW)
    assert done.stage == "optimization"
    assert "override: workaround in place" in list_entries(db, action="stage.advance")[0].reason


def test_rising_assurance_incidents_in_optimization_mean_regressing(db):
    _profile(db, stage="optimization", started=dt.datetime(2026, 4, 1))
    weeks = [0] * 21
    weeks[13], weeks[14], weeks[15], weeks[16] = 1, 1, 1, 1  # 4 in the 4 weeks before the last 4
    weeks[17], weeks[18], weeks[19], weeks[20] = 3, 3, 3, 3
    _incidents(db, weeks)
    st = stage_status(db, now=NOW)
    assert st.recommendation == "regressing"
    assert any("rising again" in r for r in st.reasons)


def test_thresholds_are_editable_and_validated(db):
    _profile(db)
    assert thresholds(db)["stage.assurance.min_days"] == 90
    set_threshold(db, "stage.assurance.min_days", "120", actor="lead")
    assert thresholds(db)["stage.assurance.min_days"] == 120
    with pytest.raises(ValidationError):
        set_threshold(db, "stage.assurance.rate_fraction", "abc", actor="lead")
    with pytest.raises(ValidationError, match="unknown threshold"):
        set_threshold(db, "stage.nope", "1", actor="lead")
    assert len(list_entries(db, action="setting.set")) == 1


def test_incident_and_change_lifecycle_guards(db):
    _profile(db)
    i = inc.record_incident(
        db,
        actor="desk",
        title="Cannot print invoices",
        category="operational_error",
        severity="high",
        module="SD",
    )
    with pytest.raises(ValidationError) as caught:
        inc.record_incident(db, actor="desk", title="x", category="typo", severity="high")
    assert caught.value.field == "category"
    with pytest.raises(ValidationError, match="not resolved"):
        inc.reopen_incident(db, i.id, actor="desk", reason="again")
    resolved = inc.resolve_incident(
        db, i.id, actor="desk", resolution="printer queue fixed", expected_version=i.version
    )
    with pytest.raises(Conflict):
        inc.edit_incident(db, i.id, actor="other", expected_version=i.version, severity="low")
    inc.reopen_incident(
        db, i.id, actor="desk", reason="happened again", expected_version=resolved.version
    )
    change = inc.change_from_incident(db, i.id, actor="lead")
    assert (
        change.kind == "optimization"
        and change.origin_incident_id == i.id
        and change.status == "proposed"
    )
    with pytest.raises(ValidationError, match="from proposed to done"):
        inc.transition_change(db, change.id, "done", actor="lead")
    with pytest.raises(ValidationError, match="reason"):
        inc.transition_change(db, change.id, "rejected", actor="lead")
    for status in ("approved", "in_progress", "done"):
        change = inc.transition_change(db, change.id, status, actor="lead")
    assert change.done_at is not None
    with pytest.raises(ValidationError, match="it is closed"):
        inc.transition_change(db, change.id, "rejected", actor="lead", reason="late")
    assert [c.id for c in inc.list_changes(db, open_only=True)] == []


def test_report_is_saved_as_a_maintenance_record(db):
    _profile(db)
    _incidents(db, [3, 2])
    saved = save_report(db, GO_LIVE, GO_LIVE + dt.timedelta(days=13), actor="lead")
    assert "5 opened" in saved.markdown and "## Stage criteria" in saved.markdown
    with db.session() as s:
        doc = s.get(Document, saved.document_id)
        assert doc.kind == "maintenance_record" and doc.body == saved.markdown
    assert list_entries(db, action="report.save")[0].target_id == str(saved.document_id)

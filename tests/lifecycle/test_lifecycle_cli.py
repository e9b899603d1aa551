"""The lifecycle CLI: stage, incidents, change requests and the report, with their exit codes."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from erp_console.cli import main
from erp_console.db.models import StageHistory, SystemProfile
from erp_console.services.core.audit import list_entries

GO_LIVE = dt.date(2026, 3, 2)


def _run(db, *args):
    return CliRunner().invoke(
        main, ["--url", db.url.render_as_string(hide_password=False), "--operator", "lead", *args]
    )


def _profile(db, stage="expansion"):
    with db.begin() as s:
        s.add(SystemProfile(erp_name="Test ERP", go_live_date=GO_LIVE))
        s.add(StageHistory(stage=stage, started_at=dt.datetime(2026, 9, 1), decided_by="t"))


def test_change_request_moves_through_its_lifecycle(db):
    _profile(db)
    added = _run(db, "changes", "add", "Vendor portal", "--kind", "expansion", "--new-function")
    assert added.exit_code == 0, added.output
    skipped = _run(db, "changes", "done", "1")
    assert skipped.exit_code == 1 and "from proposed to done" in skipped.output
    for verb in ("approve", "start", "done"):
        moved = _run(db, "changes", verb, "1")
        assert moved.exit_code == 0, moved.output
    listed = json.loads(_run(db, "--format", "json", "changes", "list").stdout)
    assert [(c["id"], c["status"]) for c in listed] == [(1, "done")]
    no_reason = _run(db, "changes", "add", "Old idea", "--kind", "optimization")
    assert no_reason.exit_code == 0
    refused = _run(db, "changes", "reject", "2")
    assert refused.exit_code == 2 and "--reason" in refused.output
    assert _run(db, "changes", "reject", "2", "--reason", "superseded").exit_code == 0
    actions = [e.action for e in list_entries(db, target_type="change_request")]
    assert actions == [
        "change.rejected",
        "change.create",
        "change.done",
        "change.in_progress",
        "change.approved",
        "change.create",
    ]


def test_incident_dates_are_checked_and_nothing_is_written(db):
    _profile(db)
    early = _run(
        db,
        "incidents",
        "add",
        "Old",
        "--category",
        "bug",
        "--severity",
        "low",
        "--opened-at",
        "2026-01-15",
    )
    assert early.exit_code == 1 and "before go-live (2026-03-02)" in early.output
    future = dt.date.today() + dt.timedelta(days=3)
    late = _run(
        db,
        "incidents",
        "add",
        "Later",
        "--category",
        "bug",
        "--severity",
        "low",
        "--opened-at",
        future.isoformat(),
    )
    assert late.exit_code == 1 and "opened_at: is in the future" in late.output
    typo = _run(db, "incidents", "add", "x", "--category", "bugs", "--severity", "low")
    assert typo.exit_code == 2 and "bugs" in typo.output
    assert json.loads(_run(db, "--format", "json", "incidents", "list").stdout) == []
    assert list_entries(db, target_type="incident") == []


def test_stage_cannot_be_skipped_and_retirement_needs_a_reason(db):
    _profile(db, stage="optimization")
    skip = _run(db, "stage", "advance", "--to", "retired", "--reason", "done with it")
    assert skip.exit_code == 1 and "the next stage is expansion" in skip.output
    no_reason = _run(db, "stage", "advance", "--to", "expansion")
    assert no_reason.exit_code == 2
    ok = _run(
        db,
        "stage",
        "advance",
        "--to",
        "expansion",
        "--reason",
        "backlog cleared",
        "--override",
        "no reviews held yet",
    )
    assert ok.exit_code == 0, ok.output
    history = json.loads(_run(db, "--format", "json", "stage", "history").stdout)
    assert [h["stage"] for h in history] == ["optimization", "expansion"]


def test_report_for_a_month(db):
    _profile(db)
    _run(
        db,
        "incidents",
        "add",
        "Printer",
        "--category",
        "operational_error",
        "--severity",
        "low",
        "--opened-at",
        "2026-10-14",
    )
    out = _run(db, "report", "--period", "2026-10")
    assert out.exit_code == 0, out.output
    assert out.output.startswith("# Maintenance report 2026-10-01 – 2026-10-31")
    assert "1 opened, 0 resolved" in out.output
    bad = _run(db, "report", "--period", "2026-13")
    assert bad.exit_code == 2


def test_a_new_system_is_set_up_once_and_its_stage_counts_from_go_live(db):
    bad = [
        ("--erp-name", "Odoo prod", "--go-live", "2026-05-02junk", "--reason", "go-live"),
        ("--erp-name", " ", "--go-live", "2026-03-02", "--reason", "go-live"),
        ("--erp-name", "Odoo prod", "--go-live", "2999-01-01", "--reason", "go-live"),
        ("--erp-name", "Odoo prod", "--go-live", "2026-03-02", "--reason", ""),
    ]
    for args in bad:
        refused = _run(db, "stage", "setup", *args)
        assert refused.exit_code in (1, 2), refused.output
    assert _run(db, "--format", "json", "stage", "status").exit_code == 0
    with db.session() as s:
        assert s.query(StageHistory).count() == 0 and s.query(SystemProfile).count() == 0

    done = _run(
        db,
        "stage",
        "setup",
        "--erp-name",
        "Odoo prod",
        "--company",
        "Northwind",
        "--go-live",
        "2026-03-02",
        "--reason",
        "went live in March",
    )
    assert done.exit_code == 0, done.output
    status = json.loads(_run(db, "--format", "json", "stage", "status").output)
    assert status["stage"] == "assurance" and status["go_live"] == "2026-03-02"
    assert status["days_since_go_live"] == (dt.date.today() - GO_LIVE).days
    (entry,) = list_entries(db, action="stage.setup")
    assert entry.actor == "lead" and entry.reason == "went live in March"

    again = _run(
        db, "stage", "setup", "--erp-name", "X", "--go-live", "2026-03-02", "--reason", "again"
    )
    assert again.exit_code == 1 and "stage advance" in again.output
    with db.session() as s:
        assert s.query(StageHistory).count() == 1

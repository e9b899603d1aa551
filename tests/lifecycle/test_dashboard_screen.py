"""Screen 1 at 80x24: the criteria with hand-computed values, resolving an incident makes the
stage ready, advancing is recorded, change requests move by key, read-only hides every write."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Label, Sparkline, Static

from erp_console.app import ErpConsoleApp
from erp_console.db.engine import connect
from erp_console.db.models import ChangeRequest
from erp_console.services.core.audit import list_entries
from erp_console.services.lifecycle import incidents as inc
from tests.support.assurance import assurance_history
from tests.support.pilot import settle, type_text


def _text(app, selector) -> str:
    return str(app.screen.query_one(selector).render())


async def test_resolving_the_last_critical_incident_makes_the_stage_ready(sqlite_db):
    _recent, critical = assurance_history(sqlite_db)
    app = ErpConsoleApp(sqlite_db, operator="lead")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        banner = _text(app, "#stage-banner")
        assert "System assurance" in banner and "day 120 in stage" in banner
        assert "stay in this stage" in banner
        criteria = _text(app, "#criteria")
        assert "Time since go-live: 120 days" in criteria
        assert "last 4 weeks vs peak 4 weeks: 2 vs peak 20" in criteria
        assert "✘ Open critical/high assurance incidents: 1" in criteria
        assert "MTTR of assurance incidents (4 weeks): 24 h" in criteria
        for _ in range(2):
            await pilot.press("right_square_bracket")
        await settle(app, pilot)
        pane = app.screen.query_one("#incidents-pane")
        assert list(pane.rows) == [str(critical)]
        await pilot.press("v")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ConfirmChange"
        await type_text(pilot, "patched the payment program")
        await pilot.press("enter")
        await settle(app, pilot, rounds=4)
        assert "READY to advance" in _text(app, "#stage-banner")
        assert "✔ Open critical/high assurance incidents: 0" in _text(app, "#criteria")
        # (24 h + 72 h) / 2 over the two incidents resolved in the last 4 weeks
        assert "MTTR of assurance incidents (4 weeks): 48 h" in _text(app, "#criteria")
        assert pane.rows == {}
        await pilot.press("A")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "FormScreen"
        await type_text(pilot, "stable for a month")
        await pilot.press("ctrl+s")
        await settle(app, pilot, rounds=4)
        assert "Optimization" in _text(app, "#stage-banner")
    assert inc.get_incident(sqlite_db, critical).resolution == "patched the payment program"
    entry = list_entries(sqlite_db, action="stage.advance")[0]
    assert entry.actor == "lead" and entry.reason == "stable for a month"


async def test_failing_criteria_need_an_override_to_advance(sqlite_db):
    assurance_history(sqlite_db)
    app = ErpConsoleApp(sqlite_db, operator="lead")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("A")
        await settle(app, pilot)
        await type_text(pilot, "management wants it")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "FormScreen", "saved without an override reason"
        assert "required" in _text(app, "#error-override")
        await pilot.press("escape")
        await settle(app, pilot)
        assert "System assurance" in _text(app, "#stage-banner")
    assert list_entries(sqlite_db, action="stage.advance") == []


async def test_change_requests_move_by_key(sqlite_db):
    assurance_history(sqlite_db)
    proposal = inc.create_change(sqlite_db, actor="t", kind="optimization", title="Faster MIGO")
    app = ErpConsoleApp(sqlite_db, operator="lead")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for _ in range(3):
            await pilot.press("right_square_bracket")
        await settle(app, pilot)
        await pilot.press("d")  # done straight from proposed is refused
        await settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
        await pilot.press("p")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot, rounds=4)
        await pilot.press("j")
        await settle(app, pilot)
        await pilot.press("enter")  # a rejection without a reason is not taken
        await pilot.pause()
        assert "Reason is required" in _text(app, "#confirm-error")
        await type_text(pilot, "duplicate")
        await pilot.press("enter")
        await settle(app, pilot, rounds=4)
        caption = _text(app, "#changes-pane .pane-caption")
        assert caption.startswith("Change requests: 0 open")
    with sqlite_db.session() as s:
        row = s.scalars(select(ChangeRequest).where(ChangeRequest.id == proposal.id)).one()
    assert (row.status, row.status_reason) == ("rejected", "duplicate")
    assert [e.action for e in list_entries(sqlite_db, target_type="change_request")][:2] == [
        "change.rejected",
        "change.approved",
    ]


async def test_read_only_session_offers_no_writes(sqlite_db):
    assurance_history(sqlite_db)
    ro = connect(sqlite_db.url.render_as_string(hide_password=False), read_only=True)
    app = ErpConsoleApp(ro, operator="auditor")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        footer = " ".join(str(key.render()) for key in app.screen.query("FooterKey"))
        assert "Next tab" in footer and "Advance" not in footer
        await pilot.press("A")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
        for _ in range(2):
            await pilot.press("right_square_bracket")
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
    ro.dispose()


async def test_demo_dashboard_fits_80x24_and_shows_the_falling_curve(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for _ in range(5):
            for selector in ("#stage-banner", "#criteria"):
                region = app.screen.query_one(selector).region
                assert region.height > 0 and region.bottom <= 23, selector
            await pilot.press("right_square_bracket")
            await settle(app, pilot)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        bugs = app.screen.query_one("#spark-bug", Sparkline).data
        assert max(bugs[:13]) > 2 * max(bugs[-4:]), bugs
        assert "New incidents per week since go-live" in _text(app, "#trend-title")
        assert "Open incidents" in str(app.screen.query_one("#trend-facts", Static).render())
        assert "Optimization" in str(app.screen.query_one("#stage-banner", Label).render())


async def test_reopen_and_raise_a_change_from_an_incident_by_key(sqlite_db):
    recent, _critical = assurance_history(sqlite_db)
    app = ErpConsoleApp(sqlite_db, operator="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for _ in range(2):
            await pilot.press("right_square_bracket")
        await settle(app, pilot)
        await pilot.press("f")  # all incidents, newest first: the critical one, then `recent`
        await settle(app, pilot)
        pane = app.screen.query_one("#incidents-pane")
        assert list(pane.rows)[:2][1] == str(recent)
        await pilot.press("down")
        await pilot.press("o")
        await settle(app, pilot)
        await type_text(pilot, "posting fails again")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert inc.get_incident(sqlite_db, recent).status == "open"
    assert list_entries(sqlite_db, action="incident.reopen")[0].reason == "posting fails again"
    raised = inc.list_changes(sqlite_db)
    assert [c.origin_incident_id for c in raised] == [recent]


def _footer(app) -> str:
    return " ".join(str(key.render()) for key in app.screen.query("FooterKey"))


async def test_the_footer_follows_the_focused_list(sqlite_db):
    assurance_history(sqlite_db)
    app = ErpConsoleApp(sqlite_db, operator="lead")
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(app, pilot)
        assert "Resolve" not in _footer(app) and "Approve" not in _footer(app)
        for _ in range(2):
            await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert "Resolve" in _footer(app) and "Approve" not in _footer(app)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert "Approve" in _footer(app) and "Resolve" not in _footer(app)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert "Resolve" not in _footer(app) and "Approve" not in _footer(app)


async def test_audit_targets_show_whole_where_the_terminal_has_room(demo_sqlite):
    from tests.support.screen_text import screen_text

    targets = [e.target for e in list_entries(demo_sqlite, limit=30)]
    long_ones = [t for t in targets if 15 < len(t) <= 40]
    assert long_ones, targets  # the demo has targets wider than the column's 15 at 80x24
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        shown = screen_text(app)
        cut = [t for t in long_ones if t not in shown]
        assert not cut, cut
        reason = app.screen.query_one("#recent-audit").columns["Reason"]
        assert reason.width >= 30
    async with ErpConsoleApp(demo_sqlite, operator="alice").run_test(size=(80, 24)) as pilot:
        await settle(pilot.app, pilot)
        table = pilot.app.screen.query_one("#recent-audit")
        assert table.columns["Target"].width == 15  # at 80 columns Reason keeps the rest
        assert table.columns["Reason"].width >= 8
        shown = screen_text(pilot.app)
        assert long_ones[0][:14] + "…" in shown  # marked as cut, not read as another target
        assert f" {long_ones[0][:15]} " not in shown
        table.focus()
        row = next(i for i, e in enumerate(targets) if e == long_ones[0])
        table.move_cursor(row=row)
        await pilot.press("y")
        await pilot.pause()
        assert f"\t{long_ones[0]}\t" in pilot.app.clipboard  # the copy is whole

"""The console shell at 80x24: dashboard with real figures, help, palette, read-only badge."""

from __future__ import annotations

import gc

from textual.widgets import Label

from erp_console.app import ErpConsoleApp
from erp_console.db.engine import connect
from erp_console.widgets.stat_card import StatCard
from tests.support.pilot import settle


async def test_dashboard_shows_stage_and_counts(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        banner = str(app.screen.query_one("#stage-banner", Label).render())
        assert "Optimization" in banner and "since go-live" in banner
        text = " ".join(card.value for card in app.screen.query(StatCard))
        assert "400" in text
        assert "Northwind Industries ERP" in str(
            app.screen.query_one("#header-title", Label).render()
        )
        assert "@alice" in str(app.screen.query_one("#header-operator", Label).render())
        assert not app.screen.query("#read-only-badge")


async def test_help_lists_the_keys_of_the_screen(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        from textual.widgets import Markdown

        source = app.screen.query_one(Markdown).source
        assert "Refresh" in source and "Quit" in source
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "DashboardScreen"


async def test_read_only_badge_and_palette(demo_sqlite):
    ro = connect(demo_sqlite.url.render_as_string(hide_password=False), read_only=True)
    app = ErpConsoleApp(ro, operator="bob")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "READ-ONLY" in str(app.screen.query_one("#read-only-badge", Label).render())
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Go to Dashboard" in titles and "Help" in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert "CommandPalette" in type(app.screen).__name__
    ro.dispose()


async def test_unreachable_database_leaves_the_console_with_exit_code_3(capsys):
    from erp_console.config import resolve_target
    from erp_console.session import PendingSession

    pending = PendingSession(resolve_target("postgresql+psycopg2://root@127.0.0.1:1/erp", env={}))
    app = ErpConsoleApp(pending, operator="carol")
    async with app.run_test(size=(80, 24)) as pilot:
        assert "127.0.0.1:1" in str(app.screen.query_one("#header-connection", Label).render())
        for _ in range(50):
            await pilot.pause(0.1)
            if not app.is_running:
                break
    assert app.return_code == 3
    assert "connection refused" in capsys.readouterr().err


async def test_console_opens_on_a_background_connection(demo_sqlite):
    from erp_console.config import resolve_target
    from erp_console.session import PendingSession

    pending = PendingSession(
        resolve_target(demo_sqlite.url.render_as_string(hide_password=False), env={})
    )
    app = ErpConsoleApp(pending, operator="dave")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "Optimization" in str(app.screen.query_one("#stage-banner", Label).render())


async def test_a_real_session_freezes_its_start_up_objects_once_the_data_shows(demo_sqlite):
    """Later full garbage collections then skip what start-up made (no 70-100 ms stalls)."""
    assert gc.get_freeze_count() == 0
    tests_app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with tests_app.run_test(size=(80, 24)) as pilot:
        await settle(tests_app, pilot)
    assert gc.get_freeze_count() == 0  # the default, for tests: nothing is made immortal
    app = ErpConsoleApp(demo_sqlite, operator="alice", settle_heap=True)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            assert app.screen.query(StatCard) and app.screen.query_one(StatCard).value
            frozen = gc.get_freeze_count()
        assert frozen > 10_000
    finally:
        gc.unfreeze()


async def test_a_result_arriving_while_the_console_closes_is_dropped(demo_sqlite):
    """A worker thread can pass its cancellation check just before the console closes; its
    result then reaches widgets already removed. It must be dropped, not end in a traceback."""
    from erp_console.widgets.paged_table import PagedTable

    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(app, pilot)
        screen = app.screen
        pane = screen.logs
        table = pane.query_one("#logs-table", PagedTable)
    with app._context():  # as call_from_thread runs them: in the app's context, widgets gone
        screen._service_done((None, {"INFO": 1}), None, pane._show_counts)
        screen._service_failed(ConnectionError("gone"), None, None)
        table._apply(table._generation, "reset", None, [], True, True)
        table._apply_total(table._generation, None)
    assert not pane.query("#logs-counts")  # removed: the results had nowhere to go

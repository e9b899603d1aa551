"""Leaving the dashboard before its first data has arrived (a quick key at start, or `--watch`
opening screen 4) must not crash when the data lands; the tabs are there on return."""

from __future__ import annotations

from erp_console.app import ErpConsoleApp
from erp_console.config import resolve_target
from erp_console.session import PendingSession
from tests.support.pilot import settle


async def test_leaving_the_dashboard_before_its_data_arrives(demo_sqlite):
    url = demo_sqlite.engine.url.render_as_string(hide_password=False)
    app = ErpConsoleApp(PendingSession(resolve_target(url, env={})), operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")  # before the dashboard's first data
        await settle(app, pilot)
        assert type(app.screen).__name__ == "RecordsScreen"
        await pilot.press("1")
        await settle(app, pilot)
        assert app.screen.query("#dashboard-tabs"), "the dashboard's tabs"
        assert "To advance" in str(app.screen.query_one("#criteria").render())

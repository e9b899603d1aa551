"""The UI never waits for the database: keys work while a query is blocked, Esc stops the wait."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from erp_console.app import ErpConsoleApp
from erp_console.db.engine import connect
from erp_console.db.schema import init_schema
from erp_console.demo import build_demo
from erp_console.widgets.stat_card import StatCard
from tests.support.pilot import wait_for


async def test_keys_reach_the_app_while_a_query_is_blocked(new_database_url):
    url = new_database_url("postgresql", "slow")
    db = connect(url)
    init_schema(db)
    build_demo(db, log_lines=200)
    blocker = create_engine(url).connect()
    blocking = blocker.begin()
    blocker.execute(text("LOCK TABLE erp_user IN ACCESS EXCLUSIVE MODE"))
    app = ErpConsoleApp(db, operator="frank")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.5)
            waiting = app.screen.query_one("#criteria")
            assert waiting.loading, "the dashboard should show it is waiting"
            await pilot.press("question_mark")
            await pilot.pause()
            assert type(app.screen).__name__ == "HelpScreen"
            await pilot.press("escape")
            await pilot.pause()
            assert type(app.screen).__name__ == "DashboardScreen"
            await pilot.press("escape")
            await pilot.pause()
            assert not waiting.loading
            await wait_for(
                pilot,
                lambda: any("Stopped waiting" in n.message for n in app._notifications),
                "the 'Stopped waiting' toast",
            )
            blocking.rollback()
            await pilot.press("r")
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            assert "400" in [card.value for card in app.screen.query(StatCard)]
    finally:
        if blocking.is_active:
            blocking.rollback()
        blocker.close()
        db.dispose()

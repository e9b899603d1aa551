"""A first visit of a main screen reads its first data before building its widgets, briefly (see
ErpConsoleApp.show_screen): a slow read does not hold the screen back, and a key pressed
meanwhile is not overtaken by it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from erp_console.app import ErpConsoleApp
from tests.support import small_org
from tests.support.pilot import settle, wait_for


@pytest.mark.parametrize("dialect", ["postgresql"])
async def test_a_first_visit_waits_briefly_for_a_slow_read_and_the_last_key_wins(db):
    small_org.build(db)
    app = ErpConsoleApp(db, operator="alice")
    blocker = create_engine(db.url, isolation_level="AUTOCOMMIT").connect()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            dashboard = app.screen
            # Another session holds the users table: the users' first page cannot be read.
            blocker.execute(text("BEGIN"))
            blocker.execute(text("LOCK TABLE erp_user IN ACCESS EXCLUSIVE MODE"))
            # 2 then 1 within the moment screen 2 waits for its reads, as keys typed ahead are
            # (pilot.press would wait for the app to settle between them).
            app.show_screen("users")
            app.show_screen("dashboard")
            await pilot.pause(0.3)  # longer than the first visit waits for its reads
            assert app.screen is dashboard  # 1 came last: the users screen did not follow it

            await pilot.press("2")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "UsersScreen", "screen 2")
            table = app.screen.query_one("#users-table")
            assert not table.rows  # shown before its rows, which are still locked away
            blocker.execute(text("COMMIT"))
            await wait_for(pilot, lambda: len(table.rows) > 0, "the users once the lock is gone")
    finally:
        blocker.close()

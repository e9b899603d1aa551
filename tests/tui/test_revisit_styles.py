"""A screen visited once is shown again without Textual re-parsing every style sheet.

Textual refreshes all styles (a parse of every CSS source, a restyle of every widget) whenever a
mode's screen is switched to, until one refresh has happened while that screen was on show. A real
session does that refresh once, at a quiet moment after the screen's first data.
"""

from __future__ import annotations

import gc

from erp_console.app import ErpConsoleApp
from erp_console.widgets.paged_table import PagedTable
from tests.support.pilot import settle, wait_for


def _count_reparses(app) -> list[int]:
    """Counts the style sheet's re-parses while the real one runs (a spy, not a stand-in)."""
    count = [0]
    reparse = app.stylesheet.reparse

    def counted() -> None:
        count[0] += 1
        reparse()

    app.stylesheet.reparse = counted
    return count


async def test_a_revisited_screen_is_shown_without_reparsing_the_styles(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice", settle_heap=True)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            dashboard = app.screen
            await wait_for(
                pilot, lambda: dashboard in app._styles_current, "the dashboard's quiet refresh"
            )
            reparses = _count_reparses(app)
            await pilot.press("2")
            await settle(app, pilot, rest=0.15)
            assert app.screen.query_one("#users-table", PagedTable).rows
            assert reparses[0] >= 1  # the first visit pays for the new screen's styles
            # The quiet moment after the first data: one refresh while screen 2 is on show.
            users = app.screen
            await wait_for(pilot, lambda: users in app._styles_current, "screen 2's quiet refresh")
            before_revisit = reparses[0]

            await pilot.press("1")
            await settle(app, pilot)
            await pilot.press("2")
            await settle(app, pilot)

            assert app.screen.query_one("#users-table", PagedTable).rows
            assert reparses[0] == before_revisit
    finally:
        gc.unfreeze()

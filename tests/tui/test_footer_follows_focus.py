"""The footer shows the keys of where focus is, even when focus moves while it rebuilds."""

from __future__ import annotations

import asyncio

from erp_console.app import ErpConsoleApp
from erp_console.widgets.console_footer import ConsoleFooter
from erp_console.widgets.paged_table import PagedTable
from tests.support.pilot import settle
from tests.support.screen_text import screen_text


def _footer_line(app) -> str:
    return screen_text(app).rstrip("\n").splitlines()[-1]


async def test_focus_moving_away_and_back_during_a_rebuild_leaves_the_right_keys(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(app, pilot)
        for key in ("4", "t"):
            await pilot.press(key)
            await settle(app, pilot, rest=0.1)
        screen = app.screen
        documents = screen.focused
        assert screen.query_one("#docs-table", PagedTable) in documents.ancestors_with_self
        footer = screen.query_one(ConsoleFooter)
        assert "New" in _footer_line(app)

        screen.set_focus(None)
        await settle(app, pilot)
        assert "New" not in _footer_line(app)

        # A rebuild starts while the documents have focus; focus leaves before the new keys are
        # built and comes back once they are, as it does when a tab switch hides the old pane.
        async def rebuild_while_focus_moves() -> None:
            screen.set_focus(documents)
            rebuild = asyncio.ensure_future(footer.recompose())
            await asyncio.sleep(0)
            screen.set_focus(None)
            await rebuild
            screen.set_focus(documents)

        footer.call_later(rebuild_while_focus_moves)  # the footer's own rebuilds run in its loop
        await settle(app, pilot, rest=0.1)

        assert screen.focused is documents
        assert "New" in _footer_line(app), _footer_line(app)

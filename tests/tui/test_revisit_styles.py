"""Number keys switch main screens without re-reading the style sheets, and never leave a dialog.

The main screens are installed by name and switched in place. Textual's modes, used before,
re-parsed every CSS source and restyled every widget on a screen's first visit (twice) and on
revisits, and held each frame for 50 ms.
"""

from __future__ import annotations

import gc

from textual.color import Color
from textual.widgets import DataTable, Input, Static

from erp_console.app import ErpConsoleApp
from erp_console.screens.style_inputs import StyleInputs
from erp_console.widgets.paged_table import PagedTable
from tests.support.pilot import press_settled, settle, wait_for

SHOWN = {
    "1": "DashboardScreen",
    "2": "UsersScreen",
    "3": "ProcessesScreen",
    "4": "RecordsScreen",
    "5": "MaintenanceScreen",
}


def _count_reparses(app) -> list[int]:
    """Counts the style sheet's re-parses while the real one runs (a spy, not a stand-in)."""
    count = [0]
    reparse = app.stylesheet.reparse

    def counted() -> None:
        count[0] += 1
        reparse()

    app.stylesheet.reparse = counted
    return count


async def test_first_visits_and_revisits_reparse_no_style_sheet(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice", settle_heap=True)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            reparses = _count_reparses(app)
            made = {}
            for key in ("2", "1", "3", "4", "5", "2", "1", "4"):
                await pilot.press(key)
                await settle(app, pilot)
                screen = app.screen
                assert type(screen).__name__ == SHOWN[key]
                assert made.setdefault(key, screen) is screen  # made once, shown again
                await wait_for(pilot, lambda s=screen: s.data_shown, f"screen {key}'s data")
            assert app.screen.query_one("#logs-table", PagedTable).rows
            assert reparses[0] == 0
    finally:
        gc.unfreeze()


async def test_a_number_key_leaves_no_dialog_behind(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        users = app.screen
        await pilot.press("question_mark")
        await settle(app, pilot)
        help_screen = app.screen
        assert type(help_screen).__name__ == "HelpScreen"

        await pilot.press("3")
        await settle(app, pilot)
        assert app.screen is help_screen
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is users
        assert users.query_one("#users-text", Input)  # the screen under the dialog, intact


async def test_the_palette_goes_to_a_screen(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        for char in "Go to Processes":
            await pilot.press("space" if char == " " else char)
        await settle(app, pilot, rest=0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        await wait_for(
            pilot, lambda: type(app.screen).__name__ == "ProcessesScreen", "screen 3 from palette"
        )


def _restyled_nodes(app) -> list:
    """The nodes the style sheet restyles while the real one runs (a spy, not a stand-in)."""
    restyled: list = []
    update_nodes = app.stylesheet.update_nodes

    def spied(nodes, animate: bool = False) -> None:
        nodes = list(nodes)
        restyled.extend(nodes)
        update_nodes(nodes, animate=animate)

    app.stylesheet.update_nodes = spied
    return restyled


async def test_a_revisit_restyles_nothing_when_no_style_changed_meanwhile(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press_settled(app, pilot, "2")
        users = app.screen
        await press_settled(app, pilot, "1")
        restyled = _restyled_nodes(app)
        await press_settled(app, pilot, "2")
        assert app.screen is users
        # Textual restyles every node of a screen it switches back to: ~20 ms for a main screen.
        assert users not in restyled
        assert len(restyled) < len(list(users.walk_children())) // 4


async def test_a_theme_changed_on_another_screen_shows_when_a_screen_is_revisited(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press_settled(app, pilot, "2")
        table = app.screen.query_one("#users-table", PagedTable).table
        dark = table.styles.background
        await press_settled(app, pilot, "1")
        dashboard_table = app.screen.query(DataTable).first()
        assert dashboard_table.styles.background == dark
        app.theme = "textual-light"
        await press_settled(app, pilot, "2")
        assert table.styles.background != dark
        # As the dashboard's tables, restyled by Textual when the theme changed under them.
        assert table.styles.background == dashboard_table.styles.background


async def test_css_that_can_match_a_screen_away_restyles_it_when_shown_again(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press_settled(app, pilot, "2")
        title = app.screen.query_one("#header-title")
        await press_settled(app, pilot, "1")
        red = Color.parse("red")
        assert title.styles.color != red
        app.stylesheet.add_source("#header-title { color: red; }", read_from=("test", "extra"))
        await press_settled(app, pilot, "2")
        assert title.styles.color == red


class _Gauge(Static):
    DEFAULT_CSS = "_Gauge { color: red; }"


async def test_a_new_widget_types_own_css_does_not_restyle_the_screens_away(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        inputs = StyleInputs.of(app)
        await app.screen.mount(_Gauge("first of its type"))
        await settle(app, pilot)
        assert inputs.unchanged_in(app)  # its rules match only _Gauge and what is inside one
        app.stylesheet.add_source("Label { color: red; }", read_from=("test", "extra"))
        assert not inputs.unchanged_in(app)

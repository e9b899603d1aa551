"""A table's free-text column fitted while the table is empty still leaves its last column
whole once enough rows come to show the vertical scrollbar."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from erp_console.widgets.fit_columns import fit_flex_column


class _Table(App):
    def compose(self) -> ComposeResult:
        table = DataTable()
        table.add_column("Login", key="login", width=11)
        table.add_column("Name", key="name", width=10)
        table.add_column("Dept", key="dept", width=6)
        yield table


async def test_last_column_stays_whole_when_the_scrollbar_appears():
    app = _Table()
    async with app.run_test(size=(48, 12)) as pilot:
        table = app.query_one(DataTable)
        fit_flex_column(table, "name")
        await pilot.pause()
        assert not table.show_vertical_scrollbar
        for n in range(100):
            table.add_row(f"user{n}", f"Person {n}", "PRD-PL")
        await pilot.pause()
        assert table.show_vertical_scrollbar
        widths = sum(c.get_render_width(table) for c in table.columns.values())
        assert widths <= table.scrollable_content_region.width  # Dept not under the scrollbar
        assert table.columns["name"].width >= 10  # the name still takes the room left


class _Steps(App):
    """Like screen 3's steps: the free-text column beside columns as wide as their cells, in a
    pane taller than its rows (a horizontal scrollbar does not bring the vertical one)."""

    CSS = "DataTable { height: 1fr; }"

    def compose(self) -> ComposeResult:
        table = DataTable()
        table.add_column("Step", key="step")
        table.add_column("Flags", key="flags")
        yield table


async def test_a_fit_made_before_new_rows_are_measured_is_made_again_after():
    app = _Steps()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(DataTable)
        table.add_row("Create purchase order", "gap")
        await pilot.pause()
        fit_flex_column(table, "step")
        await pilot.pause()
        # rows with a wider flag arrive, and the fit runs before the table measured them
        table.clear()
        table.add_row("Create purchase order", "single SoD")
        fit_flex_column(table, "step")
        await pilot.pause()
        await pilot.pause()
        widths = sum(c.get_render_width(table) for c in table.columns.values())
        assert widths <= table.scrollable_content_region.width  # no column under the edge
        assert not table.show_horizontal_scrollbar
        assert widths >= table.scrollable_content_region.width - 1  # and the step takes the rest

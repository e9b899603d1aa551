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

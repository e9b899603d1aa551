"""Table rows are written with their cells joined where they look the same (fewer bytes per key
over SSH, see widgets/joined_cells.py); the mouse still picks the row clicked."""

from __future__ import annotations

from erp_console.app import ErpConsoleApp
from erp_console.widgets.paged_table import PagedTable
from tests.support.pilot import press_settled, settle


def _looks(strip) -> list:
    return [style.clear_meta_and_links() for _text, style, _control in strip if style]


async def test_a_row_of_one_look_is_written_once_and_a_click_still_picks_its_row(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press_settled(app, pilot, "2")
        paged = app.screen.query_one("#users-table", PagedTable)
        table = paged.table
        line = table.render_line(2)  # the header, the cursor row, then a plain row
        looks = _looks(line)
        assert len(looks) < len(table.columns)  # five cells of one look, written as one run
        assert all(a != b for a, b in zip(looks, looks[1:], strict=False))
        assert "abecker" in line.text and "active" in line.text

        first = paged.current_row.login
        await pilot.click(table, offset=(20, 4))  # the fourth user's name
        await settle(app, pilot)
        assert table.cursor_row == 3
        assert paged.current_row.login != first

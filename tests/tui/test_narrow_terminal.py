"""At 60x20 (a small SSH window) the side-by-side panes stack, so names and details stay readable;
widening the terminal puts them side by side again with the columns refitted."""

from __future__ import annotations

from textual.widgets import DataTable

from erp_console.app import ErpConsoleApp
from tests.support.pilot import settle, wait_for
from tests.support.screen_text import screen_text


def _text(widget) -> str:
    """What the terminal shows inside the widget's region."""
    r = widget.region
    lines = screen_text(widget.app).splitlines()[r.y : r.bottom]
    return "\n".join(line[r.x : r.right] for line in lines)


async def test_users_details_go_under_the_list_and_show_the_whole_name(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        table = app.screen.query_one("#users-table")
        details = app.screen.query_one("#users-details")
        assert details.region.y > table.region.y and details.region.width >= 58
        first = app.screen.current_login
        assert first and f"{first} · " in _text(details)
        await pilot.resize_terminal(100, 30)
        await settle(app, pilot)
        assert details.region.x > table.region.x and details.region.y == table.region.y


async def test_process_steps_keep_every_column_at_60_and_after_widening(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        steps = app.screen.query_one("#proc-steps", DataTable)
        assert "Flags" in _text(steps) and "Hold" in _text(steps)
        detail = app.screen.query_one("#proc-step-detail")
        assert detail.region.height > 0 and detail.region.bottom <= 19  # above the footer
        await pilot.resize_terminal(100, 30)
        await settle(app, pilot)
        await pilot.pause(0.1)
        assert "Flags" in _text(steps)  # refitted to the new width, not cut at the old one


async def test_the_log_counts_wrap_and_keep_following_and_every_level_in_view(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        label = app.screen.query_one("#logs-counts")
        # On the terminal, not only in the widget: a loaded machine paints a frame later.
        await wait_for(
            pilot,
            lambda: _text(label).lstrip().startswith("● FOLLOWING"),
            "the follow line painted",
        )
        shown = " ".join(_text(label).split())
        assert shown.startswith("● FOLLOWING · last hour to")
        assert "INFO" in shown
        assert shown == " ".join(str(label.render()).split())  # nothing cut off
        assert label.region.height >= 2

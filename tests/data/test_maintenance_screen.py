"""Screen 5 driven by keys at 80x24 on the demo: health and tables, a check recorded in the
history, an import whose dry-run report is shown before writing, and a read-only session."""

from __future__ import annotations

from sqlalchemy import func, select
from textual.widgets import DataTable, Input, Static

from erp_console.app import ErpConsoleApp
from erp_console.db.engine import connect
from erp_console.db.models import Document, ErpUser, MaintenanceLog
from erp_console.widgets.confirm_change import ConfirmChange
from erp_console.widgets.forms import FormScreen, ResultScreen
from tests.support.damage import reverse_validity
from tests.support.pilot import settle


async def _open(app, pilot):
    await settle(app, pilot)
    await pilot.press("5")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "MaintenanceScreen"
    return app.screen


def _count(db, model, *where):
    with db.session() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


async def test_health_tables_and_a_recorded_check(demo_sqlite):
    reverse_validity(demo_sqlite, "abakker")
    app = ErpConsoleApp(demo_sqlite, operator="dba")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        summary = str(screen.query_one("#db-summary", Static).render())
        assert "sqlite" in summary and "quick_check ok" in summary
        table = screen.query_one("#db-tables", DataTable)
        assert table.get_row("erp_user")[1] == "400"
        await pilot.press("s")  # by rows
        assert table.get_row_at(0)[0] == "system_log"
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmChange)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
        assert "problem" in app.screen.result_title.lower()
        await pilot.press("escape")
        await settle(app, pilot)
        history = str(screen.query_one("#db-history", Static).render())
        assert "db.check" in history and "dba" in history
    assert _count(demo_sqlite, MaintenanceLog, MaintenanceLog.action == "db.check") == 1
    assert _count(demo_sqlite, Document, Document.title == "Database check (problems found)") == 1


async def test_sizes_follow_the_rows_and_refresh_keeps_the_highlighted_table(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="dba")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        table = screen.query_one("#db-tables", DataTable)
        assert table.get_row("erp_user")[2].endswith("KiB")  # the page scan filled the sizes in
        biggest = table.get_row_at(table.cursor_row)[0]
        await pilot.press("s", "s")  # by name: the highlighted table stays highlighted
        assert table.get_row_at(table.cursor_row)[0] == biggest
        await pilot.press("ctrl+home", "down", "down", "down")
        chosen = table.get_row_at(table.cursor_row)[0]
        await pilot.press("r")
        await settle(app, pilot)
        assert table.get_row_at(table.cursor_row)[0] == chosen
        assert table.cursor_row == 3


async def test_import_shows_dry_run_before_writing(demo_sqlite, tmp_path):
    path = tmp_path / "new.csv"
    path.write_text("Login;Name;Dept\nnew.one;New One;FIN-AP\nnew.two;New Two;FIN-AP\n")
    app = ErpConsoleApp(demo_sqlite, operator="hr")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
        app.screen.query_one("#field-kind", Input).value = "users"
        app.screen.query_one("#field-file", Input).value = str(path)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmChange)
        assert "2 to insert, 0 to update" in app.screen.preview
        assert "insert new.one" in app.screen.preview
        assert _count(demo_sqlite, ErpUser) == 400
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert _count(demo_sqlite, ErpUser) == 402
    assert _count(demo_sqlite, MaintenanceLog, MaintenanceLog.action == "import.users") == 1


async def test_bad_import_lists_problems(demo_sqlite, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("login,full_name,department\nx,X,FIN-AP\nok.user,Ok,NOPE\n")
    app = ErpConsoleApp(demo_sqlite, operator="hr")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        app.screen.query_one("#field-kind", Input).value = "users"
        app.screen.query_one("#field-file", Input).value = str(path)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
        assert app.screen.body.splitlines() == [
            "bad.csv:2:login: 'x' must be 3-64 letters, digits, '.', '_' or '-'",
            "bad.csv:3:department: no department 'NOPE' in the database",
        ]
    assert _count(demo_sqlite, ErpUser) == 400


async def test_hr_export_with_new_departments_and_an_ignored_column(demo_sqlite):
    from pathlib import Path

    from erp_console.db.models import Department

    path = Path(__file__).parent / "samples" / "hr_export_de.csv"
    departments = _count(demo_sqlite, Department)
    app = ErpConsoleApp(demo_sqlite, operator="hr")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        app.screen.query_one("#field-kind", Input).value = "users"
        app.screen.query_one("#field-file", Input).value = str(path)
        app.screen.query_one("#field-ignore", Input).value = "Kostenstelle"
        app.screen.query_one("#field-create_departments", Input).value = "yes"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmChange), getattr(app.screen, "body", "")
        assert "create department VERTRIEB" in app.screen.preview
        assert _count(demo_sqlite, Department) == departments
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert _count(demo_sqlite, Department) == departments + 2
    assert _count(demo_sqlite, ErpUser) == 403


async def test_read_only_hides_write_actions(demo_sqlite):
    url = demo_sqlite.url.render_as_string(hide_password=False)
    ro = connect(url, read_only=True)
    entries = _count(demo_sqlite, MaintenanceLog)
    try:
        app = ErpConsoleApp(ro, operator="helpdesk")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _open(app, pilot)
            active = {b.binding.action for b in screen.active_bindings.values() if b.enabled}
            assert "check" in active and "export" in active
            assert not active & {"vacuum", "analyze", "import_file", "restore"}
            await pilot.press("v")
            await settle(app, pilot)
            assert not isinstance(app.screen, ConfirmChange)
            await pilot.press("i")
            await settle(app, pilot)
            assert not isinstance(app.screen, FormScreen)
    finally:
        ro.dispose()
    assert _count(demo_sqlite, MaintenanceLog) == entries

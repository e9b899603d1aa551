"""Screen 4 watches log files itself, driven by keys at 80x24 on a real SQLite file: `w`, a path
typed into the form, new Odoo lines (a traceback among them) showing at the top as they are
written, a rotation, a bad path kept in the form with its problem beside it, and read-only."""

from __future__ import annotations

import datetime as dt
import os
import time

from sqlalchemy import select, text
from textual.widgets import Label, Static

from erp_console.app import ErpConsoleApp
from erp_console.db.engine import connect
from erp_console.db.models import SystemLog, utcnow
from erp_console.screens.help import HelpScreen
from erp_console.screens.logs.pane import LogsPane
from erp_console.screens.records import RecordsScreen
from erp_console.widgets.paged_table import PagedTable
from tests.support.pilot import settle, type_text, wait_for

DEADLINE_S = 20.0


def odoo_line(message: str, level: str = "INFO", logger: str = "odoo.addons.account") -> str:
    now = utcnow()
    return f"{now:%Y-%m-%d %H:%M:%S},{now.microsecond // 1000:03d} 4242 {level} prod {logger}: {message}\n"


def append(path, *lines: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write("".join(lines))


async def open_logs(app, pilot) -> RecordsScreen:
    await settle(app, pilot)
    await pilot.press("4")
    await settle(app, pilot)
    assert isinstance(app.screen, RecordsScreen)
    return app.screen


def footer_keys(screen) -> dict[str, str]:
    return {
        b.binding.key: b.binding.description
        for b in screen.active_bindings.values()
        if b.binding.show
    }


def messages(table: PagedTable) -> list[str]:
    return [row.message.partition("\n")[0] for row in table.rows]


async def start_watch(app, pilot, screen, typed: str, fmt: str = "") -> None:
    await pilot.press("w")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "FormScreen"
    await type_text(pilot, typed)
    if fmt:
        await pilot.press("enter")  # the next field
        await type_text(pilot, fmt)
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    assert app.screen is screen, (
        f"the form stayed open: {[str(x.render()) for x in app.screen.query('.form-error, #form-problem')]}"
    )


async def test_watch_a_growing_odoo_log_then_stop(sqlite_db, tmp_path, monkeypatch):
    monkeypatch.setattr(LogsPane, "WATCH_SECONDS", 0.2)
    log = tmp_path / "odoo-server.log"
    log.write_text(odoo_line("Odoo version 17.0"), encoding="utf-8")
    app = ErpConsoleApp(sqlite_db, operator="helpdesk1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_logs(app, pilot)
        pane = screen.logs
        table = screen.query_one("#logs-table", PagedTable)
        assert footer_keys(screen)["w"] == "Watch files"
        await start_watch(app, pilot, screen, str(log))
        assert pane.watch is not None and pane.following
        assert footer_keys(screen)["w"] == "Stop watching"
        status = screen.query_one("#logs-watch", Label)
        await wait_for(pilot, lambda: messages(table) == ["Odoo version 17.0"], "the first line")

        append(
            log,
            odoo_line("User abakker logged on", logger="odoo.addons.base.models.res_users"),
            odoo_line("Posting of move INV/2026/00412 failed", level="ERROR"),
            "Traceback (most recent call last):\n",
            '  File "account_move.py", line 4127, in _post\n',
            "odoo.exceptions.UserError: The move is not balanced.\n",
            odoo_line("Job done", logger="odoo.addons.base.models.ir_cron"),
        )
        await wait_for(pilot, lambda: messages(table)[:1] == ["Job done"], "the new lines")
        assert messages(table) == [
            "Job done",
            "Posting of move INV/2026/00412 failed",
            "User abakker logged on",
            "Odoo version 17.0",
        ]
        await wait_for(pilot, lambda: "+4 lines" in str(status.render()), "the status")
        assert "WATCHING odoo-server.log" in str(status.render())
        assert "FOLLOWING" in str(screen.query_one("#logs-counts", Label).render())

        table.focus()
        await pilot.press("down")
        await settle(app, pilot)
        detail = str(screen.query_one("#logs-detail", Static).render())
        assert detail.splitlines()[-1] == "odoo.exceptions.UserError: The move is not balanced."

        await pilot.press("w")
        await settle(app, pilot)
        assert pane.watch is None and not pane.following
        assert not status.display
        assert footer_keys(screen)["w"] == "Watch files"
        append(log, odoo_line("Written after the watch stopped"))
        await pilot.pause(0.6)
        await settle(app, pilot)

    with sqlite_db.session() as s:
        rows = s.scalars(select(SystemLog).order_by(SystemLog.id)).all()
    assert [(r.level, r.source) for r in rows] == [
        ("INFO", "odoo.addons.account"),
        ("INFO", "odoo.addons.base.models.res_users"),
        ("ERROR", "odoo.addons.account"),
        ("INFO", "odoo.addons.base.models.ir_cron"),
    ]
    failed = rows[2]
    assert failed.message.splitlines() == [
        "Posting of move INV/2026/00412 failed",
        "Traceback (most recent call last):",
        '  File "account_move.py", line 4127, in _post',
        "odoo.exceptions.UserError: The move is not balanced.",
    ]
    assert abs(failed.ts - utcnow()) < dt.timedelta(minutes=5)
    assert (
        failed.raw.startswith(f"{failed.ts:%Y-%m-%d %H:%M:%S}")
        and " 4242 ERROR prod " in failed.raw
    )


async def test_a_rotated_file_is_followed_into_the_new_one_and_bad_lines_are_counted(
    sqlite_db, tmp_path, monkeypatch
):
    monkeypatch.setattr(LogsPane, "WATCH_SECONDS", 0.2)
    log = tmp_path / "odoo server.log"  # a space in the path: quoted in the form
    log.write_text(odoo_line("Before the rotation"), encoding="utf-8")
    app = ErpConsoleApp(sqlite_db, operator="helpdesk1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_logs(app, pilot)
        table = screen.query_one("#logs-table", PagedTable)
        status = screen.query_one("#logs-watch", Label)
        await start_watch(app, pilot, screen, f'"{log}"')
        await wait_for(pilot, lambda: messages(table) == ["Before the rotation"], "the first line")
        append(log, odoo_line("Last line of the old file"))
        os.rename(log, tmp_path / "odoo server.log.1")
        await wait_for(pilot, lambda: "file gone, waiting" in str(status.render()), "the gap")
        await wait_for(pilot, lambda: messages(table)[0] == "Last line of the old file", "rest")
        log.write_text("a line that starts no entry\n" + odoo_line("First of the new file"))
        await wait_for(pilot, lambda: messages(table)[0] == "First of the new file", "new file")
        await wait_for(pilot, lambda: "1 bad skipped" in str(status.render()), "the bad count")
        assert "gone" not in str(status.render())
        await pilot.press("f")  # following off ends the watch too
        await settle(app, pilot)
        assert screen.logs.watch is None
        # The form offers the files watched last; the new file's first line is no Odoo line,
        # so its format cannot be detected any more: named.
        await start_watch(app, pilot, screen, "", fmt="odoo")
        watch = screen.logs.watch
        assert watch is not None and watch.files == ("odoo server.log",)
        await wait_for(pilot, lambda: "+0 lines" in str(status.render()), "a look")
    # The app left while watching: the watch's thread stops and closes the files.
    deadline = time.monotonic() + DEADLINE_S
    while any(t.handle is not None for t in watch.follower.files):
        assert time.monotonic() < deadline, "the watched files were not closed"
        time.sleep(0.05)


async def test_a_bad_path_is_named_beside_the_field_and_what_was_typed_is_kept(sqlite_db, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Dear team,\nthe server is slow.\n")
    app = ErpConsoleApp(sqlite_db, operator="helpdesk1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_logs(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
        form = app.screen
        missing = str(tmp_path / "gone.log")
        await type_text(pilot, missing)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        error = form.error_label("paths")
        assert error.display and str(error.render()) == f"{missing}: no such file"
        assert form.input("paths").value == missing

        form.input("paths").value = str(notes)
        form.input("format").value = "odo"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert form.error_label("format").display
        assert str(form.error_label("format").render()).startswith("'odo' is not one of")
        assert form.input("format").value == "odo"

        form.input("format").value = ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert str(form.error_label("paths").render()).startswith(
            "notes.txt: its first lines are not text lines"
        )
        form.input("paths").value = '"unclosed'
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "close the quote" in str(form.error_label("paths").render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and screen.logs.watch is None


async def test_read_only_hides_the_watch_key_and_command(sqlite_db):
    ro = connect(sqlite_db.url.render_as_string(hide_password=False), read_only=True)
    app = ErpConsoleApp(ro, operator="auditor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_logs(app, pilot)
        assert screen.logs.check_action("watch", ()) is False
        assert "w" not in footer_keys(screen)
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Logs: follow new lines" in titles
        assert "Logs: watch files" not in titles and "Logs: stop watching" not in titles
        await pilot.press("w")
        await settle(app, pilot)
        assert app.screen is screen
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        from erp_console.screens.key_table import key_rows

        assert "Watch files" not in [row.description for row in key_rows(screen)]
    ro.dispose()


async def test_a_failing_look_stops_the_watch_with_a_toast(sqlite_db, tmp_path, monkeypatch):
    monkeypatch.setattr(LogsPane, "WATCH_SECONDS", 0.2)
    log = tmp_path / "odoo-server.log"
    log.write_text(odoo_line("Odoo version 17.0"), encoding="utf-8")
    app = ErpConsoleApp(sqlite_db, operator="helpdesk1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_logs(app, pilot)
        table = screen.query_one("#logs-table", PagedTable)
        await start_watch(app, pilot, screen, str(log))
        await wait_for(pilot, lambda: messages(table) == ["Odoo version 17.0"], "the first line")
        with sqlite_db.begin() as s:  # someone breaks the store under the console's feet
            s.execute(text("DROP TABLE log_checkpoint"))
        append(log, odoo_line("Never stored"))
        await wait_for(pilot, lambda: screen.logs.watch is None, "the watch to stop")

        def errors_shown() -> list[str]:
            return [n.message for n in app._notifications if n.severity == "error"]

        # a toast is a message to the app: it is shown a turn after the watch stopped
        await wait_for(pilot, errors_shown, "the error toast")
        shown = errors_shown()
        assert len(shown) == 1 and shown[0].startswith("Stopped watching odoo-server.log: ")
        assert "log_checkpoint" in shown[0] and "Traceback" not in shown[0]
        assert footer_keys(screen)["w"] == "Watch files"
        assert not screen.query_one("#logs-watch", Label).display


async def test_the_console_can_start_on_screen_4_watching(sqlite_db, tmp_path, monkeypatch):
    """`erp-console --watch FILE`: the app opens screen 4 once the session is open and watches;
    a file it cannot watch is said in a toast and the form opens with the paths to correct."""
    monkeypatch.setattr(LogsPane, "WATCH_SECONDS", 0.2)
    log = tmp_path / "odoo-server.log"
    log.write_text(odoo_line("Odoo version 17.0"), encoding="utf-8")
    app = ErpConsoleApp(sqlite_db, operator="helpdesk1", watch=(str(log),))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RecordsScreen), "screen 4")
        screen = app.screen
        table = screen.query_one("#logs-table", PagedTable)
        await wait_for(pilot, lambda: messages(table) == ["Odoo version 17.0"], "the first line")
        assert screen.logs.watch is not None and screen.logs.watch.files == ("odoo-server.log",)
        await pilot.press("w")
        await settle(app, pilot)
        assert screen.logs.watch is None

    gone = str(tmp_path / "gone log.txt")
    app = ErpConsoleApp(sqlite_db, operator="helpdesk1", watch=(gone,))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot,
            lambda: type(app.screen).__name__ == "FormScreen" and app.screen.query("#field-paths"),
            "the form",
        )
        assert app.screen.input("paths").value == f"'{gone}'"  # quoted: it has a space
        await wait_for(pilot, lambda: len(app._notifications) > 0, "the toast")
        shown = [n.message for n in app._notifications]
        assert shown == [f"Cannot watch: {gone}: no such file"]


def test_watch_is_an_option_of_the_console_not_of_commands(tmp_path):
    from click.testing import CliRunner

    from erp_console.cli.root import main

    db = f"sqlite:///{tmp_path / 'erp.sqlite3'}"
    log = tmp_path / "odoo.log"
    log.write_text("")
    runner = CliRunner()
    result = runner.invoke(main, ["--url", db, "--watch", str(log), "logs", "stats"])
    assert result.exit_code == 2 and "use `logs follow FILE…` in a command" in result.output
    result = runner.invoke(main, ["--url", db, "--read-only", "--watch", str(log)])
    assert result.exit_code == 2 and "not with --read-only" in result.output

"""Screen 4 driven by keys at 80x24: find a user's log lines of the last hour, follow new lines,
write a document from its template, revise it, and a stale edit that is refused."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select
from textual.widgets import DataTable, Label, Markdown, Static

from erp_console.app import ErpConsoleApp
from erp_console.db.models import Document, DocumentRevision, SystemLog, utcnow
from erp_console.screens.logs.pane import LogsPane
from erp_console.screens.records import RecordsScreen
from erp_console.services.records import documents
from erp_console.widgets.paged_table import PagedTable
from tests.support.pilot import settle, type_text
from tests.support.screen_text import screen_text


def _add_lines(db, *lines):
    now = utcnow()
    with db.begin() as s:
        for minutes_ago, level, user, message in lines:
            s.add(
                SystemLog(
                    ts=now - dt.timedelta(minutes=minutes_ago),
                    level=level,
                    source="FI",
                    user_login=user,
                    host="erp-app01",
                    message=message,
                )
            )


async def _open(app, pilot):
    await settle(app, pilot)
    await pilot.press("4")
    await settle(app, pilot)
    assert isinstance(app.screen, RecordsScreen)
    return app.screen


async def test_last_hour_of_a_user_and_follow(sqlite_db, monkeypatch):
    monkeypatch.setattr(LogsPane, "FOLLOW_SECONDS", 0.2)
    _add_lines(
        sqlite_db,
        (5, "INFO", "abakker", "User abakker logged on"),
        (10, "ERROR", "abakker", "Payment run [F110] aborted"),
        (20, "INFO", "cdiaz", "User cdiaz logged on"),
        (180, "ERROR", "abakker", "Three hours ago"),
    )
    app = ErpConsoleApp(sqlite_db, operator="helpdesk1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        table = screen.query_one("#logs-table", PagedTable)
        assert [r.message for r in table.rows] == [
            "User abakker logged on",
            "Payment run [F110] aborted",
            "User cdiaz logged on",
        ]
        counts = str(screen.query_one("#logs-counts", Label).render())
        assert "INFO 2" in counts and "ERROR 1" in counts
        screen.query_one("#logs-user").focus()
        await type_text(pilot, "abakker")
        await pilot.press("enter")
        await settle(app, pilot)
        assert [r.message for r in table.rows] == [
            "User abakker logged on",
            "Payment run [F110] aborted",
        ]
        await pilot.press("down")
        await settle(app, pilot)
        detail = str(screen.query_one("#logs-detail", Static).render())
        assert "Payment run [F110] aborted" in detail and "host erp-app01" in detail
        await pilot.press("f")
        await settle(app, pilot)
        assert "FOLLOWING" in str(screen.query_one("#logs-counts", Label).render())
        _add_lines(sqlite_db, (0, "WARNING", "abakker", "Brand new line"))
        await asyncio.sleep(0.5)
        await settle(app, pilot)
        assert table.rows[0].message == "Brand new line"
        await pilot.press("f")
        await settle(app, pilot)
        assert screen.logs._follow_timer is None


async def test_a_login_too_long_for_its_column_is_marked_cut_not_shown_as_another(sqlite_db):
    _add_lines(
        sqlite_db,
        (2, "INFO", "elehmann17", "elehmann17 started transaction PA30"),
        (1, "INFO", "elehmann1", "elehmann1 started transaction PA20"),
    )
    app = ErpConsoleApp(sqlite_db, operator="helpdesk")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        rows = [line for line in screen_text(app).splitlines() if "  INFO  " in line]
        assert len(rows) == 2
        assert " elehmann1 " in rows[0] and "elehmann…" in rows[1]
        await pilot.press("down")
        await settle(app, pilot)
        detail = str(app.screen.query_one("#logs-detail", Static).render())
        assert "user elehmann17" in detail  # the whole login is one line below


async def test_a_snapshot_shows_the_last_hour_of_its_log_and_names_where_it_ends(sqlite_db):
    three_days = 3 * 24 * 60
    _add_lines(
        sqlite_db,
        (three_days, "ERROR", "abakker", "Newest line of the snapshot"),
        (three_days + 30, "INFO", "cdiaz", "Half an hour before it"),
        (three_days + 90, "INFO", "cdiaz", "An hour and a half before it"),
    )
    app = ErpConsoleApp(sqlite_db, operator="auditor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        table = screen.query_one("#logs-table", PagedTable)
        assert [r.message for r in table.rows] == [
            "Newest line of the snapshot",
            "Half an hour before it",
        ]
        newest = utcnow() - dt.timedelta(minutes=three_days)
        counts = str(screen.query_one("#logs-counts", Label).render())
        assert f"last hour to {newest:%Y-%m-%d}" in counts
        assert "INFO 1" in counts and "ERROR 1" in counts


async def test_write_revise_and_stale_edit(sqlite_db):
    app = ErpConsoleApp(sqlite_db, operator="mkeller")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "FormScreen"
        await pilot.press("enter")  # kind: technical_support (prefilled)
        await type_text(pilot, "F110 stops")
        await pilot.press("enter")
        await type_text(pilot, "fi")
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "TextEditorScreen"
        assert "## Symptom" in app.screen.text_area.text
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        with sqlite_db.session() as s:
            doc = s.scalars(select(Document)).one()
        assert (doc.title, doc.kind, doc.tags, doc.author) == (
            "F110 stops",
            "technical_support",
            "fi",
            "mkeller",
        )
        assert "## Resolution" in doc.body
        markdown = screen.query_one("#docs-markdown", Markdown)
        assert "F110 stops" in markdown.source
        await pilot.press("e")
        await settle(app, pilot)
        await type_text(pilot, "Note ")
        app.screen.query_one("#editor-summary").focus()
        await type_text(pilot, "first note")
        await pilot.press("enter")
        await settle(app, pilot)
        history = documents.revisions(sqlite_db, doc.id)
        assert [(r.number, r.summary) for r in history] == [(2, "first note"), (1, "Created")]
        assert history[0].body.startswith("Note # F110 stops")
        documents.edit_document(
            sqlite_db, doc.id, actor="other", expected_version=2, status="published"
        )
        await pilot.press("e")
        await settle(app, pilot)
        await type_text(pilot, "X")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        with sqlite_db.session() as s:
            assert s.scalar(select(func.count()).select_from(DocumentRevision)) == 3
        assert not documents.get_document(sqlite_db, doc.id).body.startswith("X")
        # Refused, but the editor stays open with the text typed and says why.
        assert type(app.screen).__name__ == "TextEditorScreen"
        assert app.screen.query_one("#editor-text").text.startswith("X")
        assert "Not saved" in str(app.screen.query_one("#editor-problem").render())
        await pilot.press("escape")  # changed text: asks first
        await pilot.pause()
        await pilot.press("ctrl+s")  # Discard
        await settle(app, pilot)
        await pilot.press("h")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ResultScreen"


async def test_read_only_hides_writes(sqlite_db):
    documents.create_document(sqlite_db, actor="x", kind="process", title="P2P")
    from erp_console.db.engine import connect

    ro = connect(sqlite_db.url.render_as_string(hide_password=False), read_only=True)
    app = ErpConsoleApp(ro, operator="auditor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        assert screen.check_action("add_doc", ()) is False
        await pilot.press("a")
        await settle(app, pilot)
        assert app.screen is screen
    ro.dispose()


async def test_unlink_then_delete_with_a_reason(sqlite_db):
    from erp_console.services.core.audit import list_entries
    from erp_console.services.lifecycle import incidents

    incident = incidents.record_incident(
        sqlite_db, actor="desk", title="F110 stops", category="bug", severity="high"
    )
    doc = documents.create_document(
        sqlite_db,
        actor="desk",
        kind="technical_support",
        title="F110 stops at vendor 4711",
        links=[f"incident:{incident.id}"],
    )
    app = ErpConsoleApp(sqlite_db, operator="mkeller")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        assert screen.document is not None and screen.document.id == doc.id
        await pilot.press("u")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "FormScreen"  # prefilled with the only link
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert documents.get_document(sqlite_db, doc.id).links == ()
        await pilot.press("x")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ConfirmChange"
        assert "F110 stops at vendor 4711" in app.screen.preview
        await pilot.press("enter")  # no reason yet: refused
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmChange"
        await type_text(pilot, "duplicate of KB-12")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.document is None
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 0
    assert list_entries(sqlite_db, action="document.unlink")[0].actor == "mkeller"
    assert list_entries(sqlite_db, action="document.delete")[0].reason == "duplicate of KB-12"


async def test_a_traceback_entry_is_one_row_with_the_whole_entry_below(sqlite_db):
    _add_lines(
        sqlite_db,
        (5, "INFO", "abakker", "User abakker logged on"),
        (
            10,
            "ERROR",
            None,
            'Posting failed\nTraceback (most recent call last):\n  File "account_move.py", '
            "line 4127, in _post\nodoo.exceptions.UserError: The move is not balanced.",
        ),
    )
    app = ErpConsoleApp(sqlite_db, operator="helpdesk1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        table = screen.query_one("#logs-table", PagedTable)
        assert len(table.rows) == 2
        grid = table.query_one(DataTable)
        assert str(grid.get_row_at(1)[4]) == "Posting failed  (+3 lines)"
        await pilot.press("down")
        await settle(app, pilot)
        detail = str(screen.query_one("#logs-detail", Static).render())
        assert detail.splitlines()[-1] == "odoo.exceptions.UserError: The move is not balanced."

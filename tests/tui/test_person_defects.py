"""Issue 18 walked through as a person would at 80x24: each test is a defect a user met."""

from __future__ import annotations

from sqlalchemy import func, select
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static, TextArea

from erp_console.app import ErpConsoleApp
from erp_console.db.models import Document, MaintenanceLog
from erp_console.widgets.forms import FormScreen
from erp_console.widgets.text_editor import TextEditorScreen
from tests.support.pilot import settle, type_text, wait_for


def _audit_count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(MaintenanceLog))


async def test_thresholds_form_opens_from_key_and_palette(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
        assert app.screen.input("stage.assurance.min_days").value.isdigit()
        await pilot.press("escape")
        await pilot.pause()
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Dashboard: edit thresholds"].callback()
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)


async def test_help_scrolls_to_its_key_table_and_lists_the_screens_own_keys(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        title = str(app.screen.query_one("#help-title").render())
        assert "esc" in title
        source = app.screen.query_one(Markdown).source
        assert "| `f` | Flags only |" in source and "| `m` | New plan |" in source
        assert "sgl" in source  # the badge the list shows, not "1"
        body = app.screen.query_one("#help-body", VerticalScroll)
        assert body.max_scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y


async def test_new_document_editor_leaves_with_escape_and_asks_before_losing_text(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("tab")  # kind keeps its value; title
        await type_text(pilot, "Printer jam in Hall 3")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, TextEditorScreen)
        await pilot.press("escape")  # nothing typed yet: leaves at once
        await pilot.pause()
        assert not isinstance(app.screen, TextEditorScreen)

        await pilot.press("e")  # edit the highlighted document
        await settle(app, pilot)
        assert isinstance(app.screen, TextEditorScreen)
        await type_text(pilot, "xyz")
        await pilot.press("escape")
        await pilot.pause()
        assert "Discard" in str(app.screen.query_one("#confirm-title").render())
        await pilot.press("escape")  # keep editing
        await pilot.pause()
        assert isinstance(app.screen, TextEditorScreen)
        assert "xyz" in app.screen.query_one(TextArea).text


async def test_duplicate_document_title_is_named_before_the_body_is_written(demo_sqlite):
    with demo_sqlite.session() as s:
        existing = s.scalars(
            select(Document).where(Document.kind == "technical_support").limit(1)
        ).one()
        title = existing.title
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        form.input("kind").value = "technical_support"
        form.input("title").value = title.upper()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # still the form, with the title kept
        assert "exists already" in str(form.error_label("title").render())
        assert form.input("title").value == title.upper()


async def test_a_failed_document_save_keeps_the_typed_text(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, TextEditorScreen)
        doc_id = app.screen_stack[-2].document.id
        with demo_sqlite.begin() as s:  # someone else saves a revision meanwhile
            s.get(Document, doc_id).version += 1
        editor.query_one(TextArea).insert("my careful words\n")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is editor
        assert "my careful words" in editor.query_one(TextArea).text
        assert "Not saved" in str(editor.query_one("#editor-problem", Static).render())


async def _users_screen(app, pilot):
    await settle(app, pilot)
    await pilot.press("2")
    await settle(app, pilot, rest=0.15)
    return app.screen


async def test_add_user_form_shows_every_problem_at_once_and_stays_open(demo_sqlite):
    before = _audit_count(demo_sqlite)
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await _users_screen(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        for name, value in {
            "login": "new.user",
            "full_name": "New User",
            "email": "not-an-address",
            "department": "NOPE",
            "valid_from": "2026-05-01",
            "valid_to": "2026-04-01",
            "reason": "",
        }.items():
            form.input(name).value = value
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        shown = {
            name: str(form.error_label(name).render())
            for name in ("email", "department", "valid_to", "reason")
        }
        assert "not an e-mail" in shown["email"]
        assert "NOPE" in shown["department"]
        assert "before" in shown["valid_to"]
        assert "required" in shown["reason"]

        # A login someone already has is only known to the database: the form stays open.
        with demo_sqlite.session() as s:
            from erp_console.db.models import ErpUser

            taken = s.scalars(select(ErpUser.login).limit(1)).one()
        form.input("login").value = taken.upper()
        form.input("email").value = "new.user@example.com"
        form.input("department").value = ""
        form.input("valid_to").value = ""
        form.input("reason").value = "ticket 4711"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "taken" in str(form.error_label("login").render())
        assert form.input("reason").value == "ticket 4711"
    assert _audit_count(demo_sqlite) == before


async def test_read_only_palette_offers_no_write_action(demo_sqlite):
    from erp_console.db.engine import connect

    ro = connect(demo_sqlite.url.render_as_string(hide_password=False), read_only=True)
    app = ErpConsoleApp(ro, operator="bob")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Dashboard: maintenance report" in titles
        assert not {"Dashboard: edit thresholds", "Dashboard: record incident"} & titles
        await pilot.press("2")
        await settle(app, pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Users: explain permission" in titles
        assert "Users: grant role" not in titles and "Users: add user" not in titles
    ro.dispose()


async def test_raise_change_focuses_raise_and_warns_about_an_existing_change(demo_sqlite):
    from erp_console.db.models import ChangeRequest
    from erp_console.services.lifecycle.incidents import record_incident
    from erp_console.widgets.confirm_change import ConfirmChange

    record_incident(
        demo_sqlite, actor="alice", title="Invoice print fails", category="bug", severity="high"
    )
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for _ in range(2):
            await pilot.press("right_square_bracket")
        await settle(app, pilot)
        pane = app.screen.query_one("#incidents-pane")
        incident = pane.current
        assert incident.title == "Invoice print fails"
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmChange)
        assert not app.screen.query("#confirm-warning")
        await pilot.press("enter")  # focus is on Raise
        await settle(app, pilot)
        with demo_sqlite.session() as s:
            raised = s.scalars(
                select(ChangeRequest).where(ChangeRequest.origin_incident_id == incident.id)
            ).all()
        assert len(raised) == 1
        await pilot.press("c")
        await settle(app, pilot)
        warning = str(app.screen.query_one("#confirm-warning").render())
        assert f"#{raised[0].id}" in warning and "already" in warning
        await pilot.press("enter")  # with a warning, Enter cancels
        await settle(app, pilot)
        with demo_sqlite.session() as s:
            assert (
                s.scalar(
                    select(func.count())
                    .select_from(ChangeRequest)
                    .where(ChangeRequest.origin_incident_id == incident.id)
                )
                == 1
            )


async def test_users_details_clear_when_the_filter_matches_nobody(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _users_screen(app, pilot)
        details = screen.query_one("#users-details-text", Static)
        assert "Roles" in str(details.render())
        await pilot.press("slash")
        await type_text(pilot, "zzzznobody")
        await settle(app, pilot, rest=0.2)
        assert "Roles" not in str(details.render())
        assert "No user matches" in str(details.render())
        assert screen.panel is None


async def test_last_hour_is_the_same_hour_in_the_console_and_the_cli(sqlite_db):
    """A quiet log (newest line three hours old): both show its last hour, and the screen
    says where that hour ends."""
    import datetime as dt

    from click.testing import CliRunner
    from textual.widgets import Label

    from erp_console.cli import main
    from erp_console.db.models import SystemLog, utcnow
    from erp_console.widgets.paged_table import PagedTable

    newest = utcnow().replace(microsecond=0) - dt.timedelta(hours=3)
    with sqlite_db.begin() as s:
        for minutes, message in ((0, "newest"), (50, "within the hour"), (70, "too old")):
            s.add(
                SystemLog(
                    ts=newest - dt.timedelta(minutes=minutes),
                    level="INFO",
                    source="FI",
                    message=message,
                )
            )
    url = sqlite_db.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(
        main, ["--url", url, "--format", "json", "logs", "search", "--since", "1h"]
    )
    assert out.exit_code == 0, out.output
    import json

    cli_messages = [row["message"] for row in json.loads(out.stdout)]
    assert cli_messages == ["newest", "within the hour"]

    app = ErpConsoleApp(sqlite_db, operator="helpdesk1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        table = app.screen.query_one("#logs-table", PagedTable)
        assert [r.message for r in table.rows] == cli_messages
        counts = str(app.screen.query_one("#logs-counts", Label).render())
        assert f"last hour to {newest:%Y-%m-%d %H:%M}" in counts


async def _footer_is_whole(app, pilot) -> None:
    from tests.support.screen_text import screen_text

    def cut() -> list[str]:
        footer = screen_text(app).rstrip("\n").splitlines()[-1]
        active = app.screen.active_bindings.values()
        shown = [b.description for (_, b, enabled, _tip) in active if b.show and enabled]
        assert shown
        return [
            f"{description!r} cut from {footer!r}"
            for description in shown
            if description not in footer
        ]

    # A loaded machine paints the refocused footer a frame later.
    await wait_for(pilot, lambda: not cut(), lambda: "; ".join(cut()), seconds=5)


async def test_footers_show_their_keys_whole_at_80_columns(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for keys in (
            (),
            ("right_square_bracket",) * 2,
            ("right_square_bracket",),
            ("2",),
            ("R",),
            ("escape", "3"),
            ("v",),
            ("p",),
            ("4",),
            ("t",),
            ("5",),
        ):
            for key in keys:
                await pilot.press(key)
                await settle(app, pilot, rest=0.1)
            await _footer_is_whole(app, pilot)
        await pilot.press("a")  # a modal shows its own keys
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ConfirmChange"
        await _footer_is_whole(app, pilot)


async def test_snapshot_header_is_not_cut(demo_sqlite):
    from tests.support.screen_text import screen_text

    label = "snapshot of postgresql://erp@db1.example/erp taken at 2026-11-30T21:55:00Z"
    for size in ((80, 24), (160, 48)):
        app = ErpConsoleApp(demo_sqlite, operator="auditor")
        app.connection_note = label
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            top = " ".join(screen_text(app).splitlines()[:3])
            assert "taken at 2026-11-30T21:55:00Z" in " ".join(top.split())


async def test_copy_key_puts_the_users_details_and_a_log_line_on_the_clipboard(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="helpdesk1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _users_screen(app, pilot)
        login = screen.current_login
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard.startswith(login) and "Roles (" in app.clipboard
        assert "[b]" not in app.clipboard
        await pilot.press("4")
        await settle(app, pilot)
        await pilot.press("y")
        await pilot.pause()
        row = app.screen.query_one("#logs-table").current_row
        assert row.message in app.clipboard and f"{row.ts:%H:%M:%S}" in app.clipboard


async def test_grant_form_has_a_from_date_that_lands_on_the_grant(demo_sqlite):
    import datetime as dt

    from erp_console.db.models import ErpUser, Role, UserRole

    start = dt.date.today() + dt.timedelta(days=7)
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _users_screen(app, pilot)
        login = screen.current_login
        await pilot.press("g")
        await settle(app, pilot)
        form = app.screen
        form.input("role").value = "MGR_APPROVER"
        form.input("valid_from").value = start.isoformat()
        form.input("valid_to").value = (start - dt.timedelta(days=1)).isoformat()
        form.input("reason").value = "stand-in from next week"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form and "before From" in str(form.error_label("valid_to").render())
        form.input("valid_to").value = ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert f"from {start}" in str(app.screen.query_one("#confirm-preview Static").render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    with demo_sqlite.session() as s:
        grant = s.scalars(
            select(UserRole)
            .join(ErpUser, ErpUser.id == UserRole.user_id)
            .join(Role, Role.id == UserRole.role_id)
            .where(ErpUser.login == login, Role.code == "MGR_APPROVER")
        ).one()
        assert grant.valid_from == start


async def test_planner_suggests_logins_and_keeps_the_form_on_an_unknown_one(demo_sqlite):
    from erp_console.widgets.forms import FormScreen as Form

    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        await pilot.press("p")
        await pilot.press("m")
        await settle(app, pilot)
        await type_text(pilot, "move")
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, Form)
        users = form.input("users")
        await type_text(pilot, "abakker abe")
        await pilot.pause(0.3)
        assert users._suggestion.startswith("abakker abe") and len(users._suggestion) > 11
        users.value = "abakker nobody.here"
        form.input("dept").value = "FIN-AP"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "nobody.here" in str(form.query_one("#form-problem").render())
        assert users.value == "abakker nobody.here"


async def test_explain_suggests_permission_codes_typed_in_lower_case(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="helpdesk1")
    async with app.run_test(size=(80, 24)) as pilot:
        await _users_screen(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        await type_text(pilot, "fi.payment.a")
        await pilot.pause(0.3)
        await pilot.press("right")  # accept the suggestion
        field = app.screen.input("permission")
        assert field.value == "FI.PAYMENT.APPROVE"


def test_database_row_total_does_not_count_the_text_index(demo_sqlite):
    from erp_console.db.models import SystemLog
    from erp_console.services.data.health import database_health

    health = database_health(demo_sqlite)
    names = {t.name for t in health.tables}
    assert not any(name.startswith("system_log_fts") for name in names)
    with demo_sqlite.session() as s:
        log_lines = s.scalar(select(func.count()).select_from(SystemLog))
    assert log_lines > health.total_rows / 2  # the log is most of the rows, counted once
    assert health.total_rows == sum(t.rows for t in health.tables)


async def test_thresholds_form_names_every_refused_value_and_writes_none(demo_sqlite):
    before = _audit_count(demo_sqlite)
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        form = app.screen
        form.input("stage.assurance.min_days").value = "ninety"
        form.input("stage.assurance.rate_fraction").value = "1.5"
        form.input("stage.assurance.warn_days").value = "200"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "whole number" in str(form.error_label("stage.assurance.min_days").render())
        assert "out of range" in str(form.error_label("stage.assurance.rate_fraction").render())
        assert _audit_count(demo_sqlite) == before
        form.input("stage.assurance.min_days").value = "120"
        form.input("stage.assurance.rate_fraction").value = "0.5"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, FormScreen)
    assert _audit_count(demo_sqlite) == before + 3


async def test_record_incident_names_its_new_id_and_keeps_the_form_on_a_refusal(demo_sqlite):
    from erp_console.db.models import Incident

    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for _ in range(2):
            await pilot.press("right_square_bracket")
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        form = app.screen
        form.input("title").value = "x" * 301  # the service allows 300 characters
        form.input("category").value = "bug"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "300" in str(form.error_label("title").render())
        form.input("title").value = "Label printer offline"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        with demo_sqlite.session() as s:
            new_id = s.scalar(select(func.max(Incident.id)))
        shown = [n.message for n in app._notifications]
        assert f"Incident #{new_id} recorded" in shown


def test_demo_log_lines_do_not_pile_up_on_one_timestamp(demo_sqlite):
    from erp_console.db.models import SystemLog

    with demo_sqlite.session() as s:
        most = s.execute(
            select(func.count())
            .select_from(SystemLog)
            .group_by(SystemLog.ts)
            .order_by(func.count().desc())
        ).first()[0]
    assert most <= 3


async def test_small_items_ctrl_c_resolution_and_dashboard_as_of(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        banner = str(app.screen.query_one("#stage-banner").render())
        assert "as of" in banner
        assert "To advance to" in str(app.screen.query_one("#criteria").render())
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert any("Press [b]q[/b] to quit" in n.message for n in app._notifications)
        for _ in range(2):
            await pilot.press("right_square_bracket")
        await settle(app, pilot)
        await pilot.press("v")  # resolve the highlighted incident
        await settle(app, pilot)
        await pilot.press("ctrl+s")  # no resolution typed
        await pilot.pause()
        assert "Resolution is required" in str(app.screen.query_one("#confirm-error").render())
        await pilot.press("escape")
        await settle(app, pilot)
        dashboard = app.screen
        before = dashboard.as_of
        await pilot.press("2")
        await settle(app, pilot)
        await pilot.pause(0.1)
        await pilot.press("1")
        await settle(app, pilot)
        assert dashboard.as_of > before  # read again on return

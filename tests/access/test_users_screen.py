"""Screen 2 driven by keys at 80x24 on the demo: filter, details, lock with reason, grant with
preview and SoD override, explain, and a read-only session that cannot change anything."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input, Label, Static

from erp_console.app import ErpConsoleApp
from erp_console.db.engine import connect
from erp_console.db.models import ErpUser, Role, RolePermission, UserRole
from erp_console.services.core.audit import list_entries
from erp_console.widgets.paged_table import PagedTable
from tests.support.pilot import settle, type_text


async def _open_users(app, pilot):
    await settle(app, pilot, rest=0.15)
    await pilot.press("2")
    await settle(app, pilot, rest=0.15)
    assert type(app.screen).__name__ == "UsersScreen"
    return app.screen.query_one(PagedTable)


async def test_filter_and_details(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_users(app, pilot)
        assert "of 400" in str(table.query_one(".paged-status", Label).render())
        await pilot.press("slash")
        await type_text(pilot, "bakker")
        await settle(app, pilot, rest=0.15)
        logins = [r.login for r in table.rows]
        assert logins and all(
            "bakker" in (r.login + r.full_name + (r.email or "")).lower() for r in table.rows
        )
        await pilot.press("enter")
        await settle(app, pilot, rest=0.15)
        details = str(app.screen.query_one("#users-details-text", Static).render())
        assert table.current_row.login in details and "Effective permissions" in details


async def test_lock_needs_a_reason_and_is_written_with_it(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="helpdesk1")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_users(app, pilot)
        login = table.current_row.login
        await pilot.press("l")
        await settle(app, pilot, rest=0.15)
        assert type(app.screen).__name__ == "ConfirmChange"
        await pilot.press("enter")
        await pilot.pause()
        assert "Reason is required" in str(app.screen.query_one("#confirm-error", Label).render())
        await type_text(pilot, "phishing victim")
        await pilot.press("enter")
        await settle(app, pilot, rest=0.15)
    with demo_sqlite.session() as s:
        user = s.scalars(select(ErpUser).where(ErpUser.login == login)).one()
    assert user.status == "locked" and user.lock_reason == "phishing victim"
    entry = list_entries(demo_sqlite, action="user.lock")[0]
    assert entry.actor == "helpdesk1" and entry.target_label == login


async def test_grant_shows_preview_and_needs_override_for_critical_sod(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_users(app, pilot)
        login = table.current_row.login
        for role in ("FI_VENDOR_MASTER", "FI_TREASURY"):
            await pilot.press("g")
            await settle(app, pilot, rest=0.15)
            await type_text(pilot, role)
            await pilot.press("enter")  # next field: from (empty)
            await pilot.press("enter")  # next field: until (empty)
            await pilot.press("enter")  # next field: reason
            await type_text(pilot, "REQ-42")
            await pilot.press("enter")  # preview
            await settle(app, pilot, rest=0.15)
            assert type(app.screen).__name__ == "ConfirmChange"
            preview = str(app.screen.query_one("#confirm-preview Static", Static).render())
            assert f"{login} gains" in preview
            if role == "FI_TREASURY":
                assert "SoD CRITICAL" in preview and "override reason is required" in preview
                await type_text(pilot, "CFO sign-off")
                await pilot.press("enter")
            else:
                await pilot.press("ctrl+s")
            await settle(app, pilot, rest=0.15)
    with demo_sqlite.session() as s:
        held = set(
            s.scalars(select(Role.code).join(UserRole).join(ErpUser).where(ErpUser.login == login))
        )
    assert {"FI_VENDOR_MASTER", "FI_TREASURY"} <= held
    grant_entry = [
        e for e in list_entries(demo_sqlite, action="role.grant") if e.target_label == login
    ][0]
    assert grant_entry.after["role"] == "FI_TREASURY" and "CFO sign-off" in grant_entry.reason


async def test_explain_from_the_screen(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="helpdesk1")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_users(app, pilot)
        login = table.current_row.login
        await pilot.press("x")
        await settle(app, pilot, rest=0.15)
        await type_text(pilot, "FI.PAYMENT.APPROVE")
        await pilot.press("enter")
        await settle(app, pilot, rest=0.15)
        assert type(app.screen).__name__ == "ResultScreen"
        text = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert f"NO: {login} cannot FI.PAYMENT.APPROVE" in text and "FI_TREASURY" in text


async def test_read_only_session_hides_and_refuses_writes(demo_sqlite):
    ro = connect(demo_sqlite.url.render_as_string(hide_password=False), read_only=True)
    app = ErpConsoleApp(ro, operator="auditor")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_users(app, pilot)
        screen = app.screen
        assert (
            screen.check_action("lock", ()) is False and screen.check_action("grant", ()) is False
        )
        assert screen.check_action("explain", ()) is True
        shown = {
            b.binding.action
            for b in screen.active_bindings.values()
            if screen.check_action(b.binding.action, ()) is not False
        }
        assert "lock" not in shown and "grant" not in shown
        await pilot.press("l")
        await settle(app, pilot, rest=0.15)
        assert type(app.screen).__name__ == "UsersScreen"
        assert str(app.screen.query_one("#read-only-badge", Label).render()).strip() == "READ-ONLY"
    ro.dispose()
    assert list_entries(demo_sqlite, actor="auditor") == []


async def test_user_filter_input_is_escaped_not_sql(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_users(app, pilot)
        app.screen.query_one("#users-text", Input).value = "%' OR 1=1 --"
        await settle(app, pilot, rest=0.15)
        assert table.rows == []
        assert "No user matches" in str(table.query_one(".paged-status", Label).render())


async def test_role_filter_roles_view_and_compare(demo_sqlite):
    with demo_sqlite.session() as s:
        treasury = s.scalars(select(Role).where(Role.code == "FI_TREASURY")).one()
        holders = sorted(
            s.scalars(
                select(ErpUser.login)
                .join(UserRole, UserRole.user_id == ErpUser.id)
                .where(UserRole.role_id == treasury.id)
            )
        )
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_users(app, pilot)
        app.screen.query_one("#users-role").value = "FI_TREASURY"
        await settle(app, pilot, rest=0.15)
        assert sorted(r.login for r in table.rows) == holders
        await pilot.press("R")
        await settle(app, pilot, rest=0.15)
        assert type(app.screen).__name__ == "RolesScreen"
        roles = app.screen.query_one("#roles-table")
        codes = [roles.get_row_at(i)[0] for i in range(roles.row_count)]
        first, second = codes.index("FI_VENDOR_MASTER"), codes.index("FI_TREASURY")
        roles.move_cursor(row=first)
        await pilot.press("c")
        roles.move_cursor(row=second)
        await settle(app, pilot, rest=0.15)
        details = str(app.screen.query_one("#role-details-text", Static).render())
        assert details.startswith("FI_TREASURY") and f"Members ({len(holders)})" in details
        await pilot.press("c")
        await settle(app, pilot, rest=0.15)
        assert type(app.screen).__name__ == "ResultScreen"
        body = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "Only FI_VENDOR_MASTER" in body and "FI.VENDOR.CREATE" in body
        assert "Only FI_TREASURY" in body and "FI.PAYMENT.APPROVE" in body
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(app, pilot, rest=0.15)
        assert type(app.screen).__name__ == "UsersScreen"


async def _submit_role_permissions(app, pilot, add: str) -> None:
    """`p` on the highlighted role: add these permissions, remove none, reason REQ-9, save."""
    await pilot.press("p")
    await settle(app, pilot)
    await type_text(pilot, add)
    await pilot.press("enter")
    await pilot.press("enter")
    await type_text(pilot, "REQ-9")
    await pilot.press("ctrl+s")
    await settle(app, pilot)


async def test_roles_are_created_and_their_permissions_changed_with_a_preview(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_users(app, pilot)
        await pilot.press("R")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        for value in ("QA_TESTER", "Quality tester"):
            await type_text(pilot, value)
            await pilot.press("enter")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        roles = app.screen.query_one("#roles-table")
        codes = [roles.get_row_at(i)[0] for i in range(roles.row_count)]
        roles.move_cursor(row=codes.index("QA_TESTER"))
        await settle(app, pilot)
        await _submit_role_permissions(app, pilot, "BASIS.AUDIT_LOG.DISPLAY,NO.SUCH.PERM")
        assert type(app.screen).__name__ == "ConfirmChange"
        assert "+ NO.SUCH.PERM" in app.screen.preview
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "RolesScreen"
        assert list_entries(demo_sqlite, action="role.permissions") == []  # refused whole
        await _submit_role_permissions(app, pilot, "BASIS.AUDIT_LOG.DISPLAY")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        details = str(app.screen.query_one("#role-details-text", Static).render())
        assert details.startswith("QA_TESTER") and "BASIS.AUDIT_LOG.DISPLAY" in details
    with demo_sqlite.session() as s:
        role = s.scalars(select(Role).where(Role.code == "QA_TESTER")).one()
        held = s.scalars(select(RolePermission).where(RolePermission.role_id == role.id)).all()
    assert role.name == "Quality tester" and len(held) == 1
    assert list_entries(demo_sqlite, action="role.permissions")[0].reason == "REQ-9"
    assert list_entries(demo_sqlite, action="role.create")[0].actor == "admin"


async def test_add_user_form_refuses_a_half_read_date(demo_sqlite):
    from erp_console.widgets.forms import FormScreen

    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_users(app, pilot)
        await pilot.press("a")
        await settle(app, pilot, rest=0.15)
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-login", Input).value = "new.person"
        form.query_one("#field-full_name", Input).value = "New Person"
        form.query_one("#field-valid_from", Input).value = "2026-05-02junk"
        await pilot.press("ctrl+s")
        await settle(app, pilot, rest=0.15)
        assert app.screen is form
        shown = " ".join(str(label.render()) for label in form.query(Static))
        assert "'2026-05-02junk' is not a date" in shown
    with demo_sqlite.session() as s:
        assert s.scalars(select(ErpUser).where(ErpUser.login == "new.person")).first() is None


async def test_a_grant_is_refused_when_the_user_changed_after_its_preview(demo_sqlite):
    from erp_console.services.access import users as access

    app = ErpConsoleApp(demo_sqlite, operator="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_users(app, pilot)
        login = table.current_row.login
        await pilot.press("g")
        await settle(app, pilot, rest=0.15)
        await type_text(pilot, "FI_VENDOR_MASTER")
        await pilot.press("enter")  # from (empty)
        await pilot.press("enter")  # until (empty)
        await pilot.press("enter")  # reason
        await type_text(pilot, "REQ-43")
        await pilot.press("enter")  # preview
        await settle(app, pilot, rest=0.15)
        assert type(app.screen).__name__ == "ConfirmChange"
        # someone else edits the user while the preview is on screen
        access.edit_user(demo_sqlite, login, actor="other", expected_version=None,
                         full_name="Renamed Meanwhile")  # fmt: skip
        await pilot.press("ctrl+s")
        await settle(app, pilot, rest=0.3)
    with demo_sqlite.session() as s:
        held = set(
            s.scalars(select(Role.code).join(UserRole).join(ErpUser).where(ErpUser.login == login))
        )
    assert "FI_VENDOR_MASTER" not in held
    assert not [
        e for e in list_entries(demo_sqlite, action="role.grant") if e.target_label == login
    ]


async def test_compare_with_an_unknown_login_keeps_the_form_with_the_error(demo_sqlite):
    """The question is asked while its form is open: an error leaves the form and what was typed."""
    from erp_console.widgets.forms import FormScreen

    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_users(app, pilot)
        login = table.current_row.login
        await pilot.press("C")
        await settle(app, pilot, rest=0.15)
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-b", Input).value = "nobody.here"
        await pilot.press("ctrl+s")
        await settle(app, pilot, rest=0.15)
        assert app.screen is form
        assert "no user with login 'nobody.here'" in str(
            form.query_one("#form-problem", Static).render()
        )
        assert form.values() == {"a": login, "b": "nobody.here"}
        await pilot.press("escape")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "UsersScreen"

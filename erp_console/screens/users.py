"""Screen 2: users and permissions — find a user, see what they can do and why, change it safely."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Select, Static

from erp_console.screens.base import ErpScreen
from erp_console.widgets.confirm_change import ConfirmChange
from erp_console.widgets.console_footer import ConsoleFooter
from erp_console.widgets.forms import Field, FormScreen, ResultScreen
from erp_console.widgets.paged_table import Column, PagedTable, PageSource

STATUS_CELLS = {"active": "active", "locked": "[yellow]locked[/]", "disabled": "[red]disab.[/]"}
STATUS_OPTIONS = [
    ("any status", ""),
    ("active", "active"),
    ("locked", "locked"),
    ("disabled", "disabled"),
]


class UserSource(PageSource):
    """Users matching a filter, in login order, from the access service."""

    columns = (
        Column("sel", " ", 1),
        Column("login", "Login", 11),
        Column("name", "Name", 10),
        Column("status", "Status", 8),
        Column("dept", "Dept", 6),
    )

    def __init__(self, db, flt, selected: set[str]) -> None:
        self.db, self.flt, self.selected = db, flt, selected

    def page_after(self, key, limit):
        from erp_console.services.access import list_users

        return list_users(self.db, self.flt, after=key, limit=limit)

    def page_before(self, key, limit):
        from erp_console.services.access import list_users_before

        return list_users_before(self.db, self.flt, before=key, limit=limit)

    def total(self):
        from erp_console.services.access import count_users

        return count_users(self.db, self.flt)

    def key_of(self, row):
        return row.sort_key

    def cells(self, row):
        return (
            "✓" if row.login in self.selected else " ",
            row.login,
            row.full_name,
            row.status,
            row.department or "",
        )


def _panel_text(panel) -> str:
    u = panel.user
    today = dt.date.today()
    lines = [
        f"[b]{u.login}[/b] · {u.full_name}",
        f"{u.email or '-'}",
        f"Dept {u.department or '-'} {u.department_name or ''}",
        f"Status [b]{u.status}[/b]" + (f" ({u.lock_reason})" if u.lock_reason else ""),
        f"Valid {u.valid_from or '…'} → {u.valid_to or '…'}"
        + (" [red]EXPIRED[/red]" if u.valid_to and u.valid_to < today else ""),
        f"Last login {u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "Never logged in",
        "",
        f"[b]Roles ({len(u.grants)})[/b]",
    ]
    for g in u.grants:
        state = "" if g.is_valid(today) else " [red](not valid now)[/red]"
        until = f" until {g.valid_to}" if g.valid_to else ""
        lines.append(f" {g.role}{until}{state}")
    if panel.conflicts:
        lines += ["", f"[b red]SoD conflicts ({len(panel.conflicts)})[/b red]"]
        for c in panel.conflicts:
            tag = " (accepted)" if c.accepted else ""
            lines.append(f" {c.severity}: {c.rule}{tag}")
            lines.append(f"   {c.permission_a} ← {', '.join(c.roles_a)}")
            lines.append(f"   {c.permission_b} ← {', '.join(c.roles_b)}")
    lines += ["", f"[b]Effective permissions ({len(panel.permissions)})[/b]"]
    if not u.is_usable(today):
        lines.append(" none: the user cannot log on now")
    for module, perms in panel.permissions_by_module().items():
        lines.append(f" [u]{module}[/u]")
        for p in perms:
            risk = {"critical": "[red]!![/red]", "high": "[yellow]![/yellow]"}.get(p.risk, " ")
            lines.append(f"  {risk}{p.code} ← {', '.join(p.roles)}")
    if panel.history:
        lines += ["", "[b]Recent changes[/b]"]
        lines += [f" {e.at:%Y-%m-%d} {e.action} by {e.actor}" for e in panel.history]
    if panel.log_lines:
        lines += ["", "[b]Recent log lines[/b]"]
        lines += [
            f" {line.ts:%m-%d %H:%M} {line.level} {line.message[:60]}" for line in panel.log_lines
        ]
    return "\n".join(lines)


DETAILS_DELAY_S = 0.12


class UsersScreen(ErpScreen):
    TITLE = "Users"
    AUTO_FOCUS = "#users-table WindowTable"
    CSS_PATH = Path(__file__).with_name("users.tcss")
    _details_timer = None
    HELP = """\
# Users and permissions

Find a user by typing in the filter (login, name or e-mail) and narrow by status or
department. The right pane shows the profile, role grants with validity, effective
permissions grouped by module with the roles they come from, SoD conflicts, recent changes
and recent system log lines.

Changes ask for a reason (it goes to the audit trail) and show a preview before they are
applied: grants list the permissions gained and any SoD conflict they would create; a
critical conflict needs an override reason. `space` marks users for bulk disable (`D`).
Read-only sessions can look but not change.
"""
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", key_display="/", id="users.filter"),
        Binding("a", "add_user", "Add", id="users.add"),
        Binding("e", "edit_user", "Edit", id="users.edit"),
        Binding("g", "grant", "Grant", id="users.grant"),
        Binding("v", "revoke", "Revoke", id="users.revoke"),
        Binding("l", "lock", "Lock", id="users.lock"),
        Binding("u", "unlock", "Unlock", show=False, id="users.unlock"),
        Binding("d", "disable", "Disable", show=False, id="users.disable"),
        Binding("n", "enable", "Enable", show=False, id="users.enable"),
        Binding("x", "explain", "Explain", id="users.explain"),
        Binding("w", "who_has", "Who has", show=False, id="users.who_has"),
        Binding("space", "toggle_select", "Mark", show=False, id="users.mark"),
        Binding("D", "bulk_disable", "Disable marked", show=False, id="users.bulk_disable"),
        Binding("r", "refresh", "Refresh", show=False, id="users.refresh"),
        Binding("R", "roles", "Roles", key_display="R", id="users.roles"),
        Binding("C", "compare_users", "Compare users", show=False, id="users.compare"),
    ]
    WRITE_ACTIONS = frozenset(
        {
            "add_user",
            "edit_user",
            "grant",
            "revoke",
            "lock",
            "unlock",
            "disable",
            "enable",
            "bulk_disable",
        }
    )

    def __init__(self) -> None:
        super().__init__()
        self.selected: set[str] = set()
        self.panel = None
        self._shown_filter = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="users-filters"):
            # Compact: one line for the whole filter bar leaves the rows to the list at 80x24.
            yield Input(placeholder="Filter: login, name, e-mail", id="users-text", compact=True)
            yield Select(
                STATUS_OPTIONS, value="", allow_blank=False, id="users-status", compact=True
            )
            yield Select(
                [("any dept", "")], value="", allow_blank=False, id="users-dept", compact=True
            )
            yield Select(
                [("any role", "")], value="", allow_blank=False, id="users-role", compact=True
            )
        with Horizontal(id="users-body"):
            yield PagedTable(id="users-table", empty_text="No user matches the filter.")
            with VerticalScroll(id="users-details"):
                yield Static("Select a user to see the details.", id="users-details-text")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.apply_filter()
        self.run_service(self._departments, on_result=self._show_departments, group="load-depts")
        self.run_service(self._role_codes, on_result=self._show_roles, group="load-role-filter")

    def _show_roles(self, codes: list[str]) -> None:
        self.query_one("#users-role", Select).set_options(
            [("any role", "")] + [(code, code) for code in codes]
        )

    def _departments(self):
        from erp_console.services.access import departments

        return departments(self.db)

    def _show_departments(self, rows) -> None:
        self.query_one("#users-dept", Select).set_options(
            [("any dept", "")] + [(code, code) for code, _name in rows]
        )

    def palette_commands(self):
        return [
            ("Users: add user", "Create a user", self.action_add_user),
            (
                "Users: grant role",
                "Grant a role to the user (or the marked users)",
                self.action_grant,
            ),
            ("Users: revoke role", "Revoke a role from the user", self.action_revoke),
            ("Users: lock user", "Lock with a reason", self.action_lock),
            ("Users: unlock user", "Unlock", self.action_unlock),
            ("Users: disable user", "Disable with a reason", self.action_disable),
            ("Users: enable user", "Enable", self.action_enable),
            ("Users: explain permission", "Can this user do P? Why (not)?", self.action_explain),
            ("Users: who has permission", "Active holders of a permission", self.action_who_has),
            (
                "Users: roles",
                "Roles, their permissions and members; compare two",
                self.action_roles,
            ),
            (
                "Users: compare two users",
                "Effective permissions only in one, only in the other, in both",
                self.action_compare_users,
            ),
            (
                "Users: disable marked users",
                "Bulk disable with a preview",
                self.action_bulk_disable,
            ),
        ]

    # -- list and filter ----------------------------------------------------------------

    def current_filter(self):
        from erp_console.services.access import UserFilter

        return UserFilter(
            text=self.query_one("#users-text", Input).value,
            status=self.query_one("#users-status", Select).value or None,
            department=self.query_one("#users-dept", Select).value or None,
            role=self.query_one("#users-role", Select).value or None,
        )

    def apply_filter(self) -> None:
        """Show the users of the filter; a change event that leaves it as it is loads nothing
        (filling the department and role choices reports a change of the Selects)."""
        flt = self.current_filter()
        if flt == self._shown_filter:
            return
        self._shown_filter = flt
        self.query_one(PagedTable).set_source(UserSource(self.db, flt, self.selected))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "users-text":
            self.apply_filter()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id in ("users-status", "users-dept", "users-role"):
            self.apply_filter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "users-text":
            self.query_one(PagedTable).focus()

    def action_roles(self) -> None:
        from erp_console.screens.roles import RolesScreen

        self.app.push_screen(RolesScreen())

    def action_compare_users(self) -> None:
        fields = [
            Field("a", "First user", value=self.current_login or "", required=True),
            Field("b", "Second user", required=True, placeholder="login"),
        ]
        self.app.push_screen(
            FormScreen("Compare effective permissions", fields, save_label="Compare"),
            self._compare_users,
        )

    def _compare_users(self, values: dict[str, str] | None) -> None:
        if values is None:
            return
        from erp_console.screens.roles import comparison_text
        from erp_console.services.roles import compare_users

        self.run_service(
            compare_users,
            self.db,
            values["a"],
            values["b"],
            on_result=lambda cmp: self.app.push_screen(
                ResultScreen(f"{cmp.a} vs {cmp.b}", comparison_text(cmp))
            ),
        )

    def action_focus_filter(self) -> None:
        self.query_one("#users-text", Input).focus()

    def action_refresh(self) -> None:
        self.query_one(PagedTable).reload()

    def on_paged_table_row_highlighted(self, event: PagedTable.RowHighlighted) -> None:
        # Wait until the cursor rests: holding PageDown must not queue a details load per row.
        if self._details_timer is not None:
            self._details_timer.stop()
        login = event.row.login
        self._details_timer = self.set_timer(
            DETAILS_DELAY_S, lambda: self.load_details(login), name="details"
        )

    def load_details(self, login: str) -> None:
        from erp_console.services.user_panel import load_user_panel

        self.run_service(
            load_user_panel, self.db, login, on_result=self.show_details, group="load-details"
        )

    def show_details(self, panel) -> None:
        self.panel = panel
        self.query_one("#users-details-text", Static).update(_panel_text(panel))

    @property
    def current_login(self) -> str | None:
        row = self.query_one(PagedTable).current_row
        return row.login if row is not None else None

    def _after_change(self, message: str) -> None:
        self.notify(message, timeout=4)
        self.query_one(PagedTable).reload()
        if self.current_login:
            self.load_details(self.current_login)

    def _write(self, fn, *args, done: str, **kwargs) -> None:
        self.run_service(
            fn, *args, on_result=lambda _r: self._after_change(done), group="write", **kwargs
        )

    def _need_user(self) -> str | None:
        login = self.current_login
        if login is None:
            self.notify("No user selected.", severity="warning")
        return login

    # -- marking ------------------------------------------------------------------------

    def action_toggle_select(self) -> None:
        login = self._need_user()
        if login is None:
            return
        self.selected.symmetric_difference_update({login})
        table = self.query_one(PagedTable)
        row = table.current_row
        table.table.update_cell(repr(row.sort_key), "sel", "✓" if login in self.selected else " ")
        self.notify(f"{len(self.selected)} user(s) marked", timeout=2)

    # -- forms --------------------------------------------------------------------------

    def action_add_user(self) -> None:
        fields = [
            Field("login", "Login", required=True, placeholder="3-64 letters, digits . _ -"),
            Field("full_name", "Full name", required=True),
            Field("email", "E-mail"),
            Field("department", "Department", placeholder="code, e.g. FIN-AP"),
            Field("valid_from", "Valid from", placeholder="YYYY-MM-DD"),
            Field("valid_to", "Valid to", placeholder="YYYY-MM-DD"),
            Field("reason", "Reason", placeholder="ticket or request"),
        ]
        self.app.push_screen(
            FormScreen("Add user", fields, check=self._check_dates), self._add_user
        )

    @staticmethod
    def _check_dates(values: dict[str, str]) -> dict[str, str]:
        errors = {}
        for name in ("valid_from", "valid_to"):
            if values.get(name):
                try:
                    dt.date.fromisoformat(values[name])
                except ValueError:
                    errors[name] = f"'{values[name]}' is not a date (YYYY-MM-DD)"
        return errors

    @staticmethod
    def _date(value: str) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    def _add_user(self, values) -> None:
        if values is None:
            return
        from erp_console.services.access import add_user

        self._write(
            add_user,
            self.db,
            actor=self.operator,
            login=values["login"],
            full_name=values["full_name"],
            email=values["email"] or None,
            department=values["department"] or None,
            valid_from=self._date(values["valid_from"]),
            valid_to=self._date(values["valid_to"]),
            reason=values["reason"] or None,
            done=f"User {values['login']} added.",
        )

    def action_edit_user(self) -> None:
        if self._need_user() is None or self.panel is None:
            return
        u = self.panel.user
        fields = [
            Field("login", "Login", value=u.login, disabled=True),
            Field("full_name", "Full name", value=u.full_name, required=True),
            Field("email", "E-mail", value=u.email or ""),
            Field("department", "Department", value=u.department or ""),
            Field("valid_from", "Valid from", value=str(u.valid_from or "")),
            Field(
                "valid_to", "Valid to", value=str(u.valid_to or ""), placeholder="empty = no end"
            ),
            Field("reason", "Reason"),
        ]
        self.app.push_screen(
            FormScreen(f"Edit {u.login}", fields, check=self._check_dates),
            lambda v: self._edit_user(u, v),
        )

    def _edit_user(self, user, values) -> None:
        if values is None:
            return
        from erp_console.services.access import edit_user

        self._write(
            edit_user,
            self.db,
            user.login,
            actor=self.operator,
            expected_version=user.version,
            full_name=values["full_name"],
            email=values["email"],
            department=values["department"],
            valid_from=self._date(values["valid_from"]),
            valid_to=self._date(values["valid_to"]),
            clear_valid_to=not values["valid_to"] and user.valid_to is not None,
            reason=values["reason"] or None,
            done=f"User {user.login} updated.",
        )

    def _status(self, action: str, needs_reason: bool) -> None:
        login = self._need_user()
        if login is None or self.panel is None:
            return
        u = self.panel.user
        target = {"lock": "locked", "unlock": "active", "disable": "disabled", "enable": "active"}[
            action
        ]
        preview = (
            f"User {u.login} ({u.full_name}), department {u.department or '-'}\n"
            f"Status: {u.status} → {target}\n"
            + (
                "They will not be able to log on; their roles stay assigned."
                if target != "active"
                else "They can log on again."
            )
        )
        screen = ConfirmChange(
            f"{action.title()} {u.login}?",
            preview,
            confirm_label=action.title(),
            ask_reason=needs_reason,
            destructive=target != "active",
        )
        self.app.push_screen(screen, lambda reason: self._apply_status(u, action, reason))

    def _apply_status(self, user, action: str, reason: str | None) -> None:
        if reason is None:
            return
        from erp_console.services.access import set_status

        self._write(
            set_status,
            self.db,
            user.login,
            action,
            actor=self.operator,
            reason=reason or None,
            expected_version=user.version,
            done=f"{user.login}: {action} done.",
        )

    def action_lock(self) -> None:
        self._status("lock", True)

    def action_unlock(self) -> None:
        self._status("unlock", False)

    def action_disable(self) -> None:
        self._status("disable", True)

    def action_enable(self) -> None:
        self._status("enable", False)

    def action_bulk_disable(self) -> None:
        if not self.selected:
            self.notify("Mark users with space first.", severity="warning")
            return
        logins = sorted(self.selected)
        preview = f"{len(logins)} user(s) will be disabled:\n" + "\n".join(
            f"  {login}" for login in logins
        )
        self.app.push_screen(
            ConfirmChange(
                "Disable marked users?", preview, confirm_label="Disable all", ask_reason=True
            ),
            lambda reason: self._bulk_disable(logins, reason),
        )

    def _bulk_disable(self, logins: list[str], reason: str | None) -> None:
        if reason is None:
            return
        from erp_console.services.access import bulk_set_status

        self.selected.clear()
        self._write(
            bulk_set_status,
            self.db,
            logins,
            "disable",
            actor=self.operator,
            reason=reason,
            done=f"{len(logins)} user(s) disabled.",
        )

    # -- grants -------------------------------------------------------------------------

    def _targets(self) -> list[str]:
        if self.selected:
            return sorted(self.selected)
        login = self._need_user()
        return [login] if login else []

    def action_grant(self) -> None:
        logins = self._targets()
        if not logins:
            return
        self.run_service(
            self._role_codes,
            on_result=lambda codes: self._grant_form(logins, codes),
            group="load-roles",
        )

    def _role_codes(self) -> list[str]:
        from erp_console.services.roles import list_roles

        return [r.code for r in list_roles(self.db)]

    def _grant_form(self, logins: list[str], codes: list[str]) -> None:
        fields = [
            Field("role", "Role", required=True, suggestions=tuple(codes), placeholder="role code"),
            Field("valid_to", "Until", placeholder="YYYY-MM-DD (empty = no end)"),
            Field("reason", "Reason", required=True, placeholder="ticket / approval"),
        ]

        def check(values):
            errors = self._check_dates(values)
            if values["role"] not in codes:
                errors["role"] = f"no role '{values['role']}'"
            return errors

        title = (
            f"Grant a role to {', '.join(logins) if len(logins) <= 3 else f'{len(logins)} users'}"
        )
        self.app.push_screen(
            FormScreen(title, fields, save_label="Preview", check=check),
            lambda v: self._grant_preview(logins, v),
        )

    def _grant_preview(self, logins: list[str], values) -> None:
        if values is None:
            return
        from erp_console.services.grants import preview_grant

        self.run_service(
            preview_grant,
            self.db,
            values["role"],
            logins,
            on_result=lambda p: self._confirm_grant(logins, values, p),
            group="load-preview",
        )

    def _confirm_grant(self, logins, values, preview) -> None:
        lines = [
            f"Role {preview.role}"
            + (f" until {values['valid_to']}" if values["valid_to"] else "")
            + f" — reason: {values['reason']}",
            "",
        ]
        for login, perms in preview.gained.items():
            lines.append(f"{login} gains {len(perms)} permission(s): {', '.join(perms) or '-'}")
        for login in preview.already:
            lines.append(f"{login} already holds the role (nothing to do)")
        for c in preview.conflicts:
            lines.append(
                f"SoD {c.severity.upper()}: {c.login}: {c.rule} ({c.permission_a} + {c.permission_b})"
            )
        critical = bool(preview.critical)
        if critical:
            lines += ["", "Critical conflicts: an override reason is required to grant anyway."]
        if not preview.gained:
            self.notify("Nothing to grant: every user already holds the role.", severity="warning")
            return
        screen = ConfirmChange(
            "Grant role?",
            "\n".join(lines),
            confirm_label="Grant",
            ask_reason=critical,
            reason_placeholder="Override reason (SoD exception)",
            destructive=critical,
        )
        self.app.push_screen(
            screen, lambda override: self._grant(logins, values, override, critical)
        )

    def _grant(self, logins, values, override, critical) -> None:
        if override is None:
            return
        from erp_console.services.grants import grant

        self.selected.clear()
        self._write(
            grant,
            self.db,
            values["role"],
            logins,
            actor=self.operator,
            reason=values["reason"],
            valid_to=self._date(values["valid_to"]),
            override_reason=override if critical else None,
            done=f"Role {values['role']} granted.",
        )

    def action_revoke(self) -> None:
        login = self._need_user()
        if login is None or self.panel is None:
            return
        held = tuple(g.role for g in self.panel.user.grants)
        if not held:
            self.notify(f"{login} holds no role.", severity="warning")
            return
        fields = [
            Field(
                "role", "Role", required=True, suggestions=held, placeholder=", ".join(held)[:60]
            ),
            Field("reason", "Reason", required=True),
        ]

        def check(values):
            return (
                {}
                if values["role"] in held
                else {"role": f"{login} does not hold '{values['role']}'"}
            )

        self.app.push_screen(
            FormScreen(f"Revoke a role from {login}", fields, save_label="Preview", check=check),
            lambda v: self._revoke_preview(login, v),
        )

    def _revoke_preview(self, login, values) -> None:
        if values is None:
            return
        from erp_console.services.grants import preview_revoke

        def confirm(preview) -> None:
            lost = preview.lost.get(login, ())
            text = f"Role {preview.role} from {login} — reason: {values['reason']}\n\n" + (
                f"{login} loses {len(lost)} permission(s): {', '.join(lost)}"
                if lost
                else "No permission is lost (other roles grant them too)."
            )
            self.app.push_screen(
                ConfirmChange("Revoke role?", text, confirm_label="Revoke"),
                lambda ok: self._revoke(login, values, ok),
            )

        self.run_service(
            preview_revoke,
            self.db,
            values["role"],
            [login],
            on_result=confirm,
            group="load-preview",
        )

    def _revoke(self, login, values, ok) -> None:
        if ok is None:
            return
        from erp_console.services.grants import revoke

        self._write(
            revoke,
            self.db,
            values["role"],
            [login],
            actor=self.operator,
            reason=values["reason"],
            done=f"Role {values['role']} revoked from {login}.",
        )

    # -- questions ----------------------------------------------------------------------

    def action_explain(self) -> None:
        login = self._need_user()
        if login is None:
            return
        self.app.push_screen(
            FormScreen(
                f"Can {login} do …?",
                [
                    Field(
                        "permission",
                        "Permission",
                        required=True,
                        placeholder="e.g. FI.PAYMENT.APPROVE",
                    )
                ],
                save_label="Explain",
            ),
            lambda v: self._explain(login, v),
        )

    def _explain(self, login, values) -> None:
        if values is None:
            return
        from erp_console.services.grants import explain

        def show(result) -> None:
            verdict = "YES" if result.allowed else "NO"
            body = (
                f"{verdict}: {result.login} {'can' if result.allowed else 'cannot'} {result.permission}\n\n"
                + "\n".join(f"• {r}" for r in result.reasons)
            )
            self.app.push_screen(ResultScreen("Explain", body))

        self.run_service(
            explain, self.db, login, values["permission"], on_result=show, group="load-explain"
        )

    def action_who_has(self) -> None:
        self.app.push_screen(
            FormScreen(
                "Who has permission …?",
                [
                    Field(
                        "permission",
                        "Permission",
                        required=True,
                        placeholder="e.g. FI.PERIOD.CLOSE",
                    )
                ],
                save_label="Search",
            ),
            self._who_has,
        )

    def _who_has(self, values) -> None:
        if values is None:
            return
        from erp_console.services.grants import who_has

        def show(holders) -> None:
            body = (
                "\n".join(
                    f"{h.login:<16} {h.department or '-':<8} via {', '.join(h.roles)}"
                    for h in holders
                )
                or "Nobody active holds it now."
            )
            self.app.push_screen(
                ResultScreen(f"{values['permission']}: {len(holders)} active holder(s)", body)
            )

        self.run_service(who_has, self.db, values["permission"], on_result=show, group="load-who")

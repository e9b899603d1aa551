"""Screen 2: users and permissions — find a user, see what they can do and why, change it safely.

The list, the filter and the details pane are here; each change and question is a straight-line
workflow in its own module: user_form.py (add, edit), status.py (lock, unlock, disable, enable,
bulk disable), grant.py, revoke.py, questions.py (explain, who-has, compare).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.lazy import Lazy
from textual.widgets import Input, Select, Static

from erp_console.screens.base import ErpScreen
from erp_console.screens.users.details import panel_text
from erp_console.screens.users.grant import GrantPart
from erp_console.screens.users.questions import QuestionsPart
from erp_console.screens.users.revoke import RevokePart
from erp_console.screens.users.source import STATUS_OPTIONS, UserSource
from erp_console.screens.users.status import StatusPart
from erp_console.screens.users.user_form import UserFormPart
from erp_console.widgets.console_footer import ConsoleFooter
from erp_console.widgets.lazy_select import select_value, set_options_when_mounted
from erp_console.widgets.paged_table import PagedTable, read_ahead
from erp_console.widgets.stable_text import StableText

DETAILS_DELAY_S = 0.12


class UsersScreen(UserFormPart, StatusPart, GrantPart, RevokePart, QuestionsPart, ErpScreen):
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
        Binding("e", "edit_user", "Edit", show=False, id="users.edit"),
        Binding("g", "grant", "Grant", id="users.grant"),
        Binding("v", "revoke", "Revoke", show=False, id="users.revoke"),
        Binding("l", "lock", "Lock", show=False, id="users.lock"),
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
    IDENTITY_ACTIONS = {
        "add_user": "add_user",
        "edit_user": "edit_user",
        "grant": "grant",
        "revoke": "grant",
        "lock": "lock",
        "unlock": "lock",
        "disable": "disable",
        "enable": "disable",
        "bulk_disable": "disable",
    }
    WRITE_ACTIONS = frozenset(IDENTITY_ACTIONS)

    def __init__(self) -> None:
        super().__init__()
        self.selected: set[str] = set()
        self.panel = None
        self._shown_filter = None
        self.department_codes: list[str] = []
        self.permission_codes: list[str] = []
        from erp_console.services.access.users import UserFilter

        # The unfiltered list, read while the widgets are built: the first frame shows it.
        self._first_page = read_ahead(UserSource(self.identity, UserFilter(), self.selected))

    def early_reads(self):
        return self._first_page.reads if self._first_page is not None else ()

    def compose(self) -> ComposeResult:
        with Horizontal(id="users-filters"):
            # Compact: one line for the whole filter bar leaves the rows to the list at 80x24.
            yield Input(placeholder="Filter: login, name, e-mail", id="users-text", compact=True)
            # The choices mount after the first frame (which shows the users); their place is kept.
            with Horizontal(id="users-choices"):
                for choices, select_id in (
                    (STATUS_OPTIONS, "users-status"),
                    ([("any dept", "")], "users-dept"),
                    ([("any role", "")], "users-role"),
                ):
                    yield Lazy(
                        Select(choices, value="", allow_blank=False, id=select_id, compact=True)
                    )
        with Horizontal(id="users-body"):
            yield PagedTable(id="users-table", empty_text="No user matches the filter.")
            with VerticalScroll(id="users-details"):
                yield StableText("Select a user to see the details.", id="users-details-text")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.apply_filter()
        # The filter's choices once the users are on screen: they must not hold up the list.
        self.call_after_refresh(self._load_choices)

    def _load_choices(self) -> None:
        self.run_service(self._departments, on_result=self._show_departments, group="load-depts")
        self.run_service(self._role_codes, on_result=self._show_roles, group="load-role-filter")
        self.run_service(
            self._permission_codes, on_result=self._keep_permissions, group="load-perm-codes"
        )

    def _permission_codes(self) -> list[str]:
        return [row[0] for row in self.identity.list_permissions()]

    def _keep_permissions(self, codes: list[str]) -> None:
        self.permission_codes = codes

    def _show_roles(self, codes: list[str]) -> None:
        set_options_when_mounted(
            self, "#users-role", [("any role", "")] + [(code, code) for code in codes]
        )

    def _departments(self):
        return self.identity.departments()

    def _show_departments(self, rows) -> None:
        self.department_codes = [code for code, _name in rows]
        set_options_when_mounted(
            self, "#users-dept", [("any dept", "")] + [(code, code) for code, _name in rows]
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
        from erp_console.services.access.users import UserFilter

        return UserFilter(
            text=self.query_one("#users-text", Input).value,
            status=select_value(self, "#users-status", "") or None,
            department=select_value(self, "#users-dept", "") or None,
            role=select_value(self, "#users-role", "") or None,
        )

    def apply_filter(self) -> None:
        """Show the users of the filter; a change event that leaves it as it is loads nothing
        (filling the department and role choices reports a change of the Selects)."""
        flt = self.current_filter()
        if flt == self._shown_filter:
            return
        self._shown_filter = flt
        first, self._first_page = self._first_page, None
        if first is not None and first.source.flt == flt:
            self.query_one(PagedTable).set_source(first.source, first_page=first)
        else:
            self.query_one(PagedTable).set_source(UserSource(self.identity, flt, self.selected))

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

    def on_paged_table_emptied(self, event: PagedTable.Emptied) -> None:
        if self._details_timer is not None:
            self._details_timer.stop()
        self.workers.cancel_group(self, "load-details")
        self.panel = None
        self.query_one("#users-details-text", Static).update("No user matches the filter.")

    def copy_target(self):
        if self.panel is None or isinstance(self.focused, Input):
            return super().copy_target()
        from erp_console.screens.base import plain_text

        return f"user {self.panel.user.login}", plain_text(panel_text(self.panel))

    def load_details(self, login: str) -> None:
        from erp_console.services.access.user_panel import identity_panel

        self.run_service(
            identity_panel,
            self.identity,
            self.db,
            login,
            on_result=self.show_details,
            group="load-details",
        )

    def show_details(self, panel) -> None:
        self.panel = panel
        self.query_one("#users-details-text", StableText).show(panel_text(panel))

    @property
    def current_login(self) -> str | None:
        row = self.query_one(PagedTable).current_row
        return row.login if row is not None else None

    def _after_change(self, message: str) -> None:
        self.notify(message, timeout=4)
        self.query_one(PagedTable).reload()
        if self.current_login:
            self.load_details(self.current_login)

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

    def _targets(self) -> list[str]:
        if self.selected:
            return sorted(self.selected)
        login = self._need_user()
        return [login] if login else []

    def _role_codes(self) -> list[str]:
        return [r.code for r in self.identity.list_roles()]

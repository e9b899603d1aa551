"""Roles from the users screen (`R`): each role's permissions and members, and a comparison of two
roles (mark one with `c`, then press `c` on the other)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from erp_console.screens.base import ErpScreen
from erp_console.widgets.console_footer import ConsoleFooter
from erp_console.widgets.forms import ResultScreen


def comparison_text(cmp) -> str:
    def block(title: str, codes) -> list[str]:
        return [f"{title} ({len(codes)}):", *(f"  {c}" for c in codes), ""]

    return "\n".join(
        block(f"Only {cmp.a}", cmp.only_a)
        + block(f"Only {cmp.b}", cmp.only_b)
        + block("Both", cmp.both)
    ).rstrip()


class RolesScreen(ErpScreen):
    TITLE = "Roles"
    CSS_PATH = Path(__file__).with_name("roles.tcss")
    HELP = """\
# Roles

Every role with its number of permissions and members. The right pane shows the highlighted
role's permissions (with module and risk) and its members with the end of their grant.

To compare two roles, press `c` on the first, move to the second and press `c` again: you get
the permissions only in the first, only in the second, and in both.

`n` creates a role, `e` edits its name and description, `p` adds or removes permissions of the
highlighted role (comma-separated codes) with a preview of who gains or loses what; every change
needs a reason and is written with its audit entry.
"""
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("c", "compare", "Compare"),
        Binding("n", "new_role", "New"),
        Binding("e", "edit_role", "Edit"),
        Binding("p", "permissions", "Permissions"),
        Binding("r", "refresh", "Refresh", show=False),
    ]
    IDENTITY_ACTIONS = {
        "new_role": "edit_roles",
        "edit_role": "edit_roles",
        "permissions": "edit_roles",
    }
    WRITE_ACTIONS = frozenset(IDENTITY_ACTIONS)

    def __init__(self) -> None:
        super().__init__()
        self.compare_from: str | None = None
        self.role = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="roles-body"):
            yield DataTable(id="roles-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="role-details"):
                yield Static("Highlight a role.", id="role-details-text", markup=False)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Role", "Name", "Perms", "Members")
        self.action_refresh()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.run_service(self.identity.list_roles, on_result=self._show_roles)

    def _write(self, fn, *args, done: str, **kwargs) -> None:
        def finished(_result) -> None:
            self.notify(done, timeout=4)
            self.action_refresh()

        self.run_service(
            fn, *args, actor=self.operator, on_result=finished, group="write", **kwargs
        )

    def action_new_role(self) -> None:
        from erp_console.widgets.forms import Field, FormScreen

        fields = [
            Field("code", "Code", required=True, placeholder="e.g. FI_AP_CLERK"),
            Field("name", "Name", required=True),
            Field("description", "Description"),
            Field("reason", "Reason", placeholder="ticket or request"),
        ]

        def create(values: dict[str, str] | None) -> None:
            if values is None:
                return
            self._write(
                self.identity.create_role,
                code=values["code"],
                name=values["name"],
                description=values["description"] or None,
                reason=values["reason"] or None,
                done=f"Role {values['code']} created",
            )

        self.app.push_screen(FormScreen("New role", fields), create)

    def action_edit_role(self) -> None:
        role = self.role
        if role is None:
            return
        from erp_console.widgets.forms import Field, FormScreen

        fields = [
            Field("name", "Name", value=role.name, required=True),
            Field("description", "Description", value=role.description or ""),
            Field("reason", "Reason", placeholder="ticket or request"),
        ]

        def save(values: dict[str, str] | None) -> None:
            if values is None:
                return
            self._write(
                self.identity.edit_role,
                role.code,
                expected_version=role.version,
                name=values["name"],
                description=values["description"] or None,
                reason=values["reason"] or None,
                done=f"Role {role.code} updated",
            )

        self.app.push_screen(FormScreen(f"Edit role {role.code}", fields), save)

    def action_permissions(self) -> None:
        role = self.role
        if role is None:
            return
        from erp_console.widgets.forms import Field, FormScreen

        fields = [
            Field("add", "Add", placeholder="permission codes, comma-separated"),
            Field("remove", "Remove", placeholder="permission codes, comma-separated"),
            Field("reason", "Reason", required=True, placeholder="ticket or request"),
        ]

        def split(text: str) -> list[str]:
            return [code.strip() for code in text.split(",") if code.strip()]

        def check(values: dict[str, str]) -> dict[str, str]:
            if not split(values["add"]) and not split(values["remove"]):
                return {"add": "name permissions to add or remove"}
            held = {code for code, _module, _risk in role.permissions}
            missing = [c for c in split(values["remove"]) if c not in held]
            return {"remove": f"{role.code} does not hold {', '.join(missing)}"} if missing else {}

        def confirm(values: dict[str, str] | None) -> None:
            if values is None:
                return
            from erp_console.widgets.confirm_change import ConfirmChange

            add, remove = split(values["add"]), split(values["remove"])
            members = [login for login, _until in role.members]
            preview = "\n".join(
                [
                    *(f"+ {code}" for code in add),
                    *(f"- {code}" for code in remove),
                    f"for the {len(members)} member(s) of {role.code}: "
                    + (", ".join(members[:12]) + (" …" if len(members) > 12 else "") or "none"),
                    f"reason: {values['reason']}",
                ]
            )
            self.app.push_screen(
                ConfirmChange(
                    f"Change permissions of {role.code}?", preview, confirm_label="Apply"
                ),
                lambda ok: ok is not None and apply(add, remove, values["reason"]),
            )

        def apply(add: list[str], remove: list[str], reason: str) -> None:
            self._write(
                self.identity.change_role_permissions,
                role.code,
                add=add,
                remove=remove,
                reason=reason,
                expected_version=role.version,
                done=f"Permissions of {role.code} changed",
            )

        self.app.push_screen(
            FormScreen(f"Permissions of {role.code}", fields, save_label="Preview", check=check),
            confirm,
        )

    def _show_roles(self, roles) -> None:
        table = self.query_one(DataTable)
        keep = self.current_code
        table.clear()
        for role in roles:
            table.add_row(role.code, role.name, role.permissions, role.members, key=role.code)
        codes = [role.code for role in roles]
        if keep in codes:  # stay on the role just changed
            table.move_cursor(row=codes.index(keep))
        table.focus()

    @property
    def current_code(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        code = event.row_key.value
        self.run_service(self.identity.get_role, code, on_result=self._show_role, group="load-role")

    def _show_role(self, role) -> None:
        self.role = role
        lines = [f"{role.code} — {role.name}"]
        if role.description:
            lines.append(role.description)
        lines.append(f"\nPermissions ({len(role.permissions)}):")
        lines += [f"  {code}  {module}  {risk}" for code, module, risk in role.permissions]
        lines.append(f"\nMembers ({len(role.members)}):")
        lines += [
            f"  {login}" + (f" until {until}" if until else "") for login, until in role.members
        ]
        self.query_one("#role-details-text", Static).update("\n".join(lines))

    def action_compare(self) -> None:
        code = self.current_code
        if code is None:
            return
        if self.compare_from is None or self.compare_from == code:
            self.compare_from = code
            self.notify(f"Comparing from {code}: move to another role and press c.", timeout=4)
            return
        first, self.compare_from = self.compare_from, None
        self.run_service(
            self.identity.compare_roles,
            first,
            code,
            on_result=lambda cmp: self.app.push_screen(
                ResultScreen(f"{cmp.a} vs {cmp.b}", comparison_text(cmp))
            ),
        )

"""Roles from the users screen (`R`): each role's permissions and members, and a comparison of two
roles (mark one with `c`, then press `c` on the other)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Static

from erp_console.screens.base import ErpScreen
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
"""
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("c", "compare", "Compare"),
        Binding("r", "refresh", "Refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.compare_from: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="roles-body"):
            yield DataTable(id="roles-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="role-details"):
                yield Static("Highlight a role.", id="role-details-text", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Role", "Name", "Perms", "Members")
        self.action_refresh()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        from erp_console.services.roles import list_roles

        self.run_service(list_roles, self.db, on_result=self._show_roles)

    def _show_roles(self, roles) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for role in roles:
            table.add_row(role.code, role.name, role.permissions, role.members, key=role.code)
        table.focus()

    @property
    def current_code(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        from erp_console.services.roles import get_role

        code = event.row_key.value
        self.run_service(get_role, self.db, code, on_result=self._show_role, group="load-role")

    def _show_role(self, role) -> None:
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
        from erp_console.services.roles import compare_roles

        first, self.compare_from = self.compare_from, None
        self.run_service(
            compare_roles,
            self.db,
            first,
            code,
            on_result=lambda cmp: self.app.push_screen(
                ResultScreen(f"{cmp.a} vs {cmp.b}", comparison_text(cmp))
            ),
        )

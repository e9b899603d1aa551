"""Baselines of bench/person.py, each run in a real pseudo-terminal like the console.

`minimal`: a minimal Textual app (Header, 200-row DataTable, Footer), for launch to first data.
`floor URL`: the same app with its 200 rows read from the console's database the way the guide asks
a program to read it: SQLAlchemy 2.0's ORM (a typed mapped class, `select()`), imported and queried
in a thread once the first frame is on screen. What no console built that way can go under.
`push`: a bare Textual app whose key 2 pushes a screen with a 50-row DataTable (installed on the
first push, so a later push only switches back to it) and whose key 1 pops it: first visit and
revisit of a screen.
"""

from __future__ import annotations

import sys
import threading

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static


class Minimal(App):
    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", "login", "name", "status")
        for i in range(200):
            table.add_row(i, f"user{i:03}", f"User {i}", "active")


class Floor(App):
    """Minimal, its rows read with SQLAlchemy's ORM from the console's own user table."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("id", "login", "name", "status")

    def on_ready(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        from _floor_model import first_users

        rows = first_users(sys.argv[2])
        self.call_from_thread(self.query_one(DataTable).add_rows, rows)


class TableScreen(Screen):
    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", "login", "name", "status")
        for i in range(50):
            table.add_row(i, f"pushed{i:02}", f"User {i}", "active")


class Push(App):
    BINDINGS = [("1", "home", "Home"), ("2", "table", "Table")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("bare home screen")
        yield Footer()

    def action_table(self) -> None:
        if not self.is_screen_installed("table"):
            self.install_screen(TableScreen(), "table")
        self.push_screen("table")

    def action_home(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()


if __name__ == "__main__":
    {"minimal": Minimal, "floor": Floor, "push": Push}[sys.argv[1]]().run()

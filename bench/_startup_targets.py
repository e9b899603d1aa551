"""Child processes for bench/startup.py: each exits as soon as its first useful frame is painted.

argv: which ("console" | "baseline"), the parent's time.time() at spawn, database URL (console).
Prints seconds from spawn to the painted frame.
"""

from __future__ import annotations

import sys
import time

which, spawned = sys.argv[1], float(sys.argv[2])


def report() -> None:
    print(f"{time.time() - spawned:.4f}")


if which == "baseline":
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header

    class Minimal(App):
        def compose(self) -> ComposeResult:
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("id", "login", "name", "status")
            for i in range(200):
                table.add_row(i, f"user{i}", f"User {i}", "active")
            self.call_after_refresh(self._painted)

        def _painted(self) -> None:
            report()
            self.exit()

    Minimal().run(headless=True, size=(80, 24))
else:
    from erp_console.config import resolve_target
    from erp_console.session import PendingSession

    db = PendingSession(resolve_target(sys.argv[3]))
    from erp_console.app import ErpConsoleApp

    mode = sys.argv[4] if len(sys.argv) > 4 else "figures"

    class Measured(ErpConsoleApp):
        """Reports the first painted home screen ("paint") or the first one showing figures."""

        def on_ready(self) -> None:
            super().on_ready()
            if mode == "paint":
                self.call_after_refresh(self._painted)
            else:
                self.set_interval(0.002, self._check)

        def _check(self) -> None:
            cards = self.screen.query(".stat-card")
            if cards and cards.first().value:
                self.call_after_refresh(self._painted)

        def _painted(self) -> None:
            if self.is_running and not getattr(self, "_reported", False):
                self._reported = True
                report()
                self.exit()

    Measured(db, operator="bench").run(headless=True, size=(80, 24))

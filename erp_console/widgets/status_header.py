"""The top bar: ERP name, the connected ERP product (read-only or writes on), masked connection
and dialect, operator, and the READ-ONLY badge.

A snapshot says so on a line of its own ("snapshot of X taken at T"), never cut.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Label

SNAPSHOT_PREFIXES = ("snapshot of", "anonymized snapshot of")


class StatusHeader(Vertical):
    erp_name: reactive[str] = reactive("erp-console")
    screen_title: reactive[str] = reactive("")

    def __init__(self, connection: str, dialect: str, operator: str, read_only: bool) -> None:
        super().__init__(id="status-header")
        self.connection = connection
        self.dialect = dialect
        self.operator = operator
        self.read_only = read_only

    @property
    def is_snapshot(self) -> bool:
        return self.connection.startswith(SNAPSHOT_PREFIXES)

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-row"):
            yield Label("erp-console", id="header-app")
            yield Label(self._title_text(), id="header-title")
            yield Label("", id="header-erp")
            connection = self.dialect if self.is_snapshot else f"{self.dialect} · {self.connection}"
            yield Label(connection, id="header-connection")
            yield Label(f"@{self.operator}", id="header-operator")
            if self.read_only:
                yield Label(" READ-ONLY ", id="read-only-badge")
        if self.is_snapshot:
            yield Label(self.connection, id="header-snapshot", markup=False)

    def watch_erp_name(self, name: str) -> None:
        self._refresh_title()

    def watch_screen_title(self, title: str) -> None:
        self._refresh_title()

    def _title_text(self) -> str:
        return " › ".join(p for p in (self.erp_name, self.screen_title) if p)

    def _refresh_title(self) -> None:
        if self.is_mounted:
            self.query_one("#header-title", Label).update(self._title_text())

    def show_erp(self, label: str, writes_on: bool) -> None:
        """An ERP connector's product and version, and whether the console may change the ERP."""
        erp = self.query_one("#header-erp", Label)
        erp.update(f"{label} · {'writes on' if writes_on else 'read-only'}")
        erp.set_class(writes_on, "erp-writes-on")
        erp.set_class(not writes_on, "erp-read-only")
        erp.display = True

"""The top bar: ERP name, masked connection and dialect, operator, and the READ-ONLY badge."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label


class StatusHeader(Horizontal):
    erp_name: reactive[str] = reactive("erp-console")
    screen_title: reactive[str] = reactive("")

    def __init__(self, connection: str, dialect: str, operator: str, read_only: bool) -> None:
        super().__init__(id="status-header")
        self.connection = connection
        self.dialect = dialect
        self.operator = operator
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        yield Label("erp-console", id="header-app")
        yield Label(self._title_text(), id="header-title")
        yield Label(f"{self.dialect} · {self.connection}", id="header-connection")
        yield Label(f"@{self.operator}", id="header-operator")
        if self.read_only:
            yield Label(" READ-ONLY ", id="read-only-badge")

    def watch_erp_name(self, name: str) -> None:
        self._refresh_title()

    def watch_screen_title(self, title: str) -> None:
        self._refresh_title()

    def _title_text(self) -> str:
        return " › ".join(p for p in (self.erp_name, self.screen_title) if p)

    def _refresh_title(self) -> None:
        if self.is_mounted:
            self.query_one("#header-title", Label).update(self._title_text())

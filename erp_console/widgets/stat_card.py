"""A small labelled figure for dashboards."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label


class StatCard(Vertical):
    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="stat-card")
        self.border_title = title

    def compose(self) -> ComposeResult:
        yield Label("…", classes="stat-value")
        yield Label("", classes="stat-detail")

    def show(self, value: str, detail: str = "", *, alert: bool = False) -> None:
        self.query_one(".stat-value", Label).update(value)
        self.query_one(".stat-detail", Label).update(detail)
        self.set_class(alert, "alert")

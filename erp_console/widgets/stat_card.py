"""A small labelled figure for dashboards: one widget, a bold value over a muted detail line."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatCard(Static):
    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__("…", id=id, classes="stat-card", markup=False)
        self.border_title = title
        self.value = ""

    def show(self, value: str, detail: str = "", *, alert: bool = False) -> None:
        self.value = value
        text = Text(value, style="bold", no_wrap=True, overflow="ellipsis")
        text.append("\n" + detail, style="dim")
        self.update(text, layout=False)
        self.set_class(alert, "alert")

"""A full-screen Markdown editor: a TextArea and a one-line summary; ctrl+s saves, Esc cancels."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, TextArea

from erp_console.widgets.console_footer import ConsoleFooter


@dataclass(frozen=True)
class EditResult:
    body: str
    summary: str


class TextEditorScreen(ModalScreen[EditResult | None]):
    DEFAULT_CSS = """
    TextEditorScreen { align: center middle; }
    TextEditorScreen > Vertical { width: 100%; height: 100%; background: $surface; }
    TextEditorScreen #editor-title { height: 1; padding: 0 1; background: $primary; width: 100%; }
    TextEditorScreen TextArea { height: 1fr; }
    TextEditorScreen #editor-summary { height: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="editor.save"),
        Binding("escape", "cancel", "Cancel", id="editor.cancel"),
    ]

    def __init__(self, title: str, body: str, *, ask_summary: bool = True) -> None:
        super().__init__()
        self.editor_title = title
        self.body = body
        self.ask_summary = ask_summary

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.editor_title, id="editor-title")
            yield TextArea(self.body, id="editor-text", soft_wrap=True, tab_behavior="indent")
            if self.ask_summary:
                yield Input(
                    placeholder="Summary of the change (optional)",
                    id="editor-summary",
                    compact=True,
                )
            yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @property
    def text_area(self) -> TextArea:
        return self.query_one(TextArea)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        summary = self.query_one("#editor-summary", Input).value if self.ask_summary else ""
        self.dismiss(EditResult(self.text_area.text, summary.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)

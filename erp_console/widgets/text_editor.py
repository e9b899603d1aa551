"""A full-screen Markdown editor: a TextArea and a one-line summary; ctrl+s saves, Esc cancels.

Esc always leaves (Tab indents inside the text); when the text was changed it asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from erp_console.widgets.console_footer import ConsoleFooter


@dataclass(frozen=True)
class EditResult:
    body: str
    summary: str


class TextEditorScreen(ModalScreen[Any]):
    """Dismisses with an EditResult (or what `submit` returned for it), None when cancelled.

    `submit` (optional) saves the text in a thread; when it fails the editor stays open with
    the error under the title, so nothing typed is lost.
    """

    DEFAULT_CSS = """
    TextEditorScreen { align: center middle; }
    TextEditorScreen > Vertical { width: 100%; height: 100%; background: $surface; }
    TextEditorScreen #editor-title { height: 1; padding: 0 1; background: $primary; width: 100%; }
    TextEditorScreen #editor-problem { height: auto; color: $error; padding: 0 1; }
    TextEditorScreen TextArea { height: 1fr; }
    TextEditorScreen #editor-summary { height: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="editor.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="editor.cancel", priority=True),
        Binding("ctrl+t", "focus_summary", "Summary", id="editor.summary"),
    ]

    def __init__(
        self,
        title: str,
        body: str,
        *,
        ask_summary: bool = True,
        submit: Callable[[EditResult], Any] | None = None,
    ) -> None:
        super().__init__()
        self.editor_title = title
        self.body = body
        self.ask_summary = ask_summary
        self.submit = submit

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.editor_title, id="editor-title")
            yield Static("", id="editor-problem", markup=False)
            yield TextArea(self.body, id="editor-text", soft_wrap=True, tab_behavior="indent")
            if self.ask_summary:
                yield Input(
                    placeholder="Summary of the change (optional; ctrl+t)",
                    id="editor-summary",
                    compact=True,
                )
            yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one("#editor-problem").display = False
        self.query_one(TextArea).focus()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "focus_summary":
            return self.ask_summary
        return True

    @property
    def text_area(self) -> TextArea:
        return self.query_one(TextArea)

    @property
    def changed(self) -> bool:
        return self.text_area.text != self.body

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_focus_summary(self) -> None:
        self.query_one("#editor-summary", Input).focus()

    def action_save(self) -> None:
        summary = self.query_one("#editor-summary", Input).value if self.ask_summary else ""
        result = EditResult(self.text_area.text, summary.strip())
        if self.submit is None:
            self.dismiss(result)
            return
        submit = self.submit

        def job() -> None:
            try:
                saved = submit(result)
            except Exception as exc:  # noqa: BLE001 - shown in the editor, the text stays
                self.app.call_from_thread(self._save_failed, exc)
                return
            self.app.call_from_thread(self.dismiss, saved)

        self.run_worker(job, thread=True, exclusive=True, group="editor-save")

    def _save_failed(self, exc: BaseException) -> None:
        from erp_console.error_text import describe_error

        message, _severity = describe_error(
            exc, getattr(getattr(self.app, "db", None), "url", None)
        )
        problem = self.query_one("#editor-problem", Static)
        problem.update(f"Not saved: {message}")
        problem.display = True

    def action_cancel(self) -> None:
        if not self.changed:
            self.dismiss(None)
            return
        from erp_console.widgets.confirm_change import ConfirmChange

        def decided(discard: str | None) -> None:
            if discard is not None:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmChange(
                "Discard your changes?",
                "The text was changed and is not saved. Discard it?",
                confirm_label="Discard",
                destructive=True,
                cancel_note="",
            ),
            decided,
        )

"""Confirm a change after seeing its preview; optionally ask for the reason that goes to the audit trail."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class ConfirmChange(ModalScreen[str | None]):
    """Dismisses with the reason (or "" when none is asked) on confirm, None on cancel."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
        Binding("ctrl+s", "confirm", "Confirm", id="confirm.ok"),
    ]

    def __init__(
        self,
        title: str,
        preview: str,
        *,
        confirm_label: str = "Apply",
        ask_reason: bool = False,
        reason_placeholder: str = "Reason (goes to the audit trail)",
        destructive: bool = True,
    ) -> None:
        super().__init__(classes="confirm-change")
        self.title_text = title
        self.preview = preview
        self.confirm_label = confirm_label
        self.ask_reason = ask_reason
        self.reason_placeholder = reason_placeholder
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Label(self.title_text, id="confirm-title")
            with VerticalScroll(id="confirm-preview"):
                yield Static(self.preview, markup=False)
            if self.ask_reason:
                yield Input(placeholder=self.reason_placeholder, id="confirm-reason")
                yield Label("", id="confirm-error")
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    self.confirm_label,
                    variant="error" if self.destructive else "primary",
                    id="confirm-ok",
                )
                yield Button("Cancel", id="confirm-cancel")

    def on_mount(self) -> None:
        if self.ask_reason:
            self.query_one("#confirm-reason", Input).focus()
        else:
            self.query_one("#confirm-cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm-ok":
            self.action_confirm()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_confirm()

    def action_confirm(self) -> None:
        reason = ""
        if self.ask_reason:
            reason = self.query_one("#confirm-reason", Input).value.strip()
            if not reason:
                self.query_one("#confirm-error", Label).update("A reason is required.")
                self.query_one("#confirm-reason", Input).focus()
                return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)

"""Confirm a change after seeing its preview; optionally ask for the reason that goes to the audit trail."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from erp_console.widgets.console_footer import ConsoleFooter


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
        warning: str = "",
        cancel_note: str = "Cancelled: nothing changed.",
    ) -> None:
        super().__init__(classes="confirm-change")
        self.title_text = title
        self.preview = preview
        self.confirm_label = confirm_label
        self.ask_reason = ask_reason
        self.reason_placeholder = reason_placeholder
        self.destructive = destructive
        self.warning = warning
        self.cancel_note = cancel_note

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Label(self.title_text, id="confirm-title")
            if self.warning:
                yield Static(self.warning, id="confirm-warning", markup=False)
            with VerticalScroll(id="confirm-preview"):
                yield Static(self.preview, markup=False)
            if self.ask_reason:
                yield Input(placeholder=self.reason_placeholder, id="confirm-reason", compact=True)
                yield Label("", id="confirm-error")
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    self.confirm_label,
                    variant="error" if self.destructive else "primary",
                    id="confirm-ok",
                    compact=True,
                )
                yield Button("Cancel", id="confirm-cancel", compact=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        """A reason to type gets the focus; otherwise Enter confirms a harmless change and
        cancels a destructive one (or one with a warning)."""
        if self.ask_reason:
            self.query_one("#confirm-reason", Input).focus()
        elif self.destructive or self.warning:
            self.query_one("#confirm-cancel", Button).focus()
        else:
            self.query_one("#confirm-ok", Button).focus()

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
                name = self.reason_placeholder.split(" (")[0]  # "Resolution (what fixed it)"
                self.query_one("#confirm-error", Label).update(f"{name} is required.")
                self.query_one("#confirm-reason", Input).focus()
                return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        if self.cancel_note:
            self.notify(self.cancel_note, timeout=2)
        self.dismiss(None)

"""Small modal forms: labelled inputs, validation messages next to the field, Save/Cancel by key."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    required: bool = False
    suggestions: tuple[str, ...] = ()
    disabled: bool = False


class FormScreen(ModalScreen[dict[str, str] | None]):
    """Dismisses with {field name: stripped text} on save, None on cancel.

    `check` (optional) validates the values before dismissing and returns {field: message}.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
    ]

    def __init__(
        self,
        title: str,
        fields: list[Field],
        *,
        save_label: str = "Save",
        note: str = "",
        check=None,
    ) -> None:
        super().__init__(classes="form-screen")
        self.form_title = title
        self.fields = fields
        self.save_label = save_label
        self.note = note
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="form-dialog"):
            yield Label(self.form_title, id="form-title")
            if self.note:
                yield Label(self.note, classes="form-note")
            with VerticalScroll(id="form-fields"):
                for field in self.fields:
                    with Horizontal(classes="form-row"):
                        yield Label(
                            field.label + (" *" if field.required else ""), classes="form-label"
                        )
                        yield Input(
                            value=field.value,
                            placeholder=field.placeholder,
                            id=f"field-{field.name}",
                            disabled=field.disabled,
                            suggester=SuggestFromList(field.suggestions, case_sensitive=False)
                            if field.suggestions
                            else None,
                        )
                    yield Label("", id=f"error-{field.name}", classes="form-error")
            with Horizontal(id="form-buttons"):
                yield Button(self.save_label, variant="primary", id="form-save")
                yield Button("Cancel", id="form-cancel")

    def on_mount(self) -> None:
        for label in self.query(".form-error"):
            label.display = False
        for field in self.fields:
            if not field.disabled:
                self.query_one(f"#field-{field.name}", Input).focus()
                break

    def values(self) -> dict[str, str]:
        return {
            f.name: self.query_one(f"#field-{f.name}", Input).value.strip() for f in self.fields
        }

    def show_errors(self, errors: dict[str, str]) -> None:
        for field in self.fields:
            label = self.query_one(f"#error-{field.name}", Label)
            label.update(errors.get(field.name, ""))
            label.display = field.name in errors
        for field in self.fields:
            if field.name in errors:
                self.query_one(f"#field-{field.name}", Input).focus()
                break

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "form-save":
            self.action_save()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        inputs = [i for i in self.query(Input) if not i.disabled]
        index = inputs.index(event.input) if event.input in inputs else -1
        if 0 <= index < len(inputs) - 1:
            inputs[index + 1].focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        values = self.values()
        errors = {f.name: "required" for f in self.fields if f.required and not values[f.name]}
        if not errors and self.check is not None:
            errors = self.check(values) or {}
        if errors:
            self.show_errors(errors)
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ResultScreen(ModalScreen[None]):
    """Show a read-only result (explain, who-has) until Esc/Enter."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="result.close")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__(classes="form-screen")
        self.result_title = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="form-dialog"):
            yield Label(self.result_title, id="form-title")
            with VerticalScroll(id="result-body"):
                yield Label(self.body, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)

"""Small modal forms: labelled inputs, every problem next to its field, Save/Cancel by key.

A form that writes (`submit`) runs the service call itself and stays open when it fails: a
`ValidationError` is shown next to the field it names, any other error under the title, and
nothing typed is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import Button, Input, Label, Markdown, Static

from erp_console.widgets.console_footer import ConsoleFooter


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    required: bool = False
    suggestions: tuple[str, ...] = ()
    disabled: bool = False
    suggester: Suggester | None = None


@dataclass(frozen=True)
class Submitted:
    """What a form with `submit` dismisses with: the values typed and the service's result."""

    values: dict[str, str]
    result: Any


def widget_id(prefix: str, name: str) -> str:
    """A valid Textual id for any key (`stage.assurance.min_days` has dots, ids may not)."""
    return f"{prefix}-{re.sub(r'[^A-Za-z0-9_-]', '_', name)}"


def collect_problems(checks: dict[str, Callable[[], object]]) -> dict[str, str]:
    """Run every check, keep each one's ValidationError message under its field: all at once."""
    from erp_console.errors import ValidationError

    problems: dict[str, str] = {}
    for field, check in checks.items():
        try:
            check()
        except ValidationError as exc:
            problems[exc.field if exc.field in checks else field] = exc.message
    return problems


class FormScreen(ModalScreen[Any]):
    """Dismisses with {field name: stripped text} on save (or `Submitted` when it has `submit`),
    None on cancel.

    `check` (optional) validates the values before saving and returns {field: message}.
    `submit` (optional) is the service call, run in a thread with the values; the form closes
    only when it succeeds. `field_of` maps a service's field names to the form's.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
        # Handled in the app's key loop, before later keys are routed: what is typed after Enter
        # lands in the next field even when the keys arrive together (type-ahead over SSH).
        Binding("enter", "next_field", "Next field", show=False, priority=True),
    ]

    def __init__(
        self,
        title: str,
        fields: list[Field],
        *,
        save_label: str = "Save",
        note: str = "",
        check: Callable[[dict[str, str]], dict[str, str] | None] | None = None,
        submit: Callable[[dict[str, str]], Any] | None = None,
        field_of: dict[str, str] | None = None,
        wide: bool = False,
    ) -> None:
        super().__init__(classes="form-screen")
        self.wide = wide  # rows of long text (process steps): the dialog takes a wide terminal
        self.form_title = title
        self.fields = fields
        self.save_label = save_label
        self.note = note
        self.check = check
        self.submit = submit
        self.field_of = field_of or {}
        self._ids = {}
        for field in fields:
            wid = widget_id("field", field.name)
            while wid in self._ids.values():
                wid += "_"
            self._ids[field.name] = wid

    def compose(self) -> ComposeResult:
        with Vertical(id="form-dialog", classes="wide-form" if self.wide else ""):
            yield Label(self.form_title, id="form-title")
            yield Static("", id="form-problem", markup=False)
            with VerticalScroll(id="form-fields"):
                if self.note:
                    yield Static(self.note, classes="form-note", markup=False)
                for field in self.fields:
                    with Horizontal(classes="form-row"):
                        yield Label(
                            field.label + (" *" if field.required else ""), classes="form-label"
                        )
                        yield Input(
                            value=field.value,
                            placeholder=field.placeholder,
                            id=self._ids[field.name],
                            disabled=field.disabled,
                            compact=True,
                            suggester=field.suggester
                            or (
                                SuggestFromList(field.suggestions, case_sensitive=False)
                                if field.suggestions
                                else None
                            ),
                        )
                    yield Static(
                        "",
                        id="error-" + self._ids[field.name].removeprefix("field-"),
                        classes="form-error",
                        markup=False,
                    )
            with Horizontal(id="form-buttons"):
                yield Button(self.save_label, variant="primary", id="form-save", compact=True)
                yield Button("Cancel", id="form-cancel", compact=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        # Labels as wide as the longest one needs (threshold keys are long), within reason.
        width = min(max(len(f.label) + 3 for f in self.fields), 34) if self.fields else 16
        for label in self.query(".form-label"):
            label.styles.width = width
        for label in self.query(".form-error"):
            label.styles.padding = (0, 0, 0, width)
            label.display = False
        self.query_one("#form-problem").display = False
        for field in self.fields:
            if not field.disabled:
                self.input(field.name).focus()
                break

    def input(self, name: str) -> Input:
        return self.query_one(f"#{self._ids[name]}", Input)

    def error_label(self, name: str) -> Static:
        return self.query_one("#error-" + self._ids[name].removeprefix("field-"), Static)

    def values(self) -> dict[str, str]:
        return {f.name: self.input(f.name).value.strip() for f in self.fields}

    def show_errors(self, errors: dict[str, str], problem: str = "") -> None:
        """Each message next to its field; one not about a field goes under the title."""
        names = {f.name for f in self.fields}
        loose = [f"{k}: {v}" for k, v in errors.items() if k not in names]
        general = "\n".join(filter(None, [problem, *loose]))
        banner = self.query_one("#form-problem", Static)
        banner.update(general)
        banner.display = bool(general)
        for field in self.fields:
            label = self.error_label(field.name)
            label.update(errors.get(field.name, ""))
            label.display = field.name in errors
        for field in self.fields:
            if field.name in errors:
                self.input(field.name).focus()
                # the message is under the field: once it has its height, bring both in view
                self.call_after_refresh(self.error_label(field.name).scroll_visible)
                break

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "form-save":
            self.action_save()
        else:
            self.action_cancel()

    async def action_next_field(self) -> None:
        focused = self.focused
        if isinstance(focused, Button):
            focused.press()
            return
        inputs = [i for i in self.query(Input) if not i.disabled]
        await self._typed_keys_applied(inputs)
        index = inputs.index(focused) if focused in inputs else -1
        if 0 <= index < len(inputs) - 1:
            self.set_focus(inputs[index + 1])  # now, not after a message round: see BINDINGS
        else:
            self.action_save()

    @staticmethod
    async def _typed_keys_applied(inputs: list[Input]) -> None:
        """Wait until each field has taken the keys already routed to it. This runs in the app's
        key loop, so keys typed after Enter wait too, and then go to the next field."""
        for field in inputs:
            applied = asyncio.Event()
            field.call_later(applied.set)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(applied.wait(), timeout=2.0)

    def action_save(self) -> None:
        values = self.values()
        errors = {f.name: "required" for f in self.fields if f.required and not values[f.name]}
        if self.check is not None:
            for name, message in (self.check(values) or {}).items():
                errors.setdefault(name, message)
        if errors:
            self.show_errors(errors)
            return
        if self.submit is None:
            self.dismiss(values)
            return
        self._run_submit(values)

    def _run_submit(self, values: dict[str, str]) -> None:
        save = self.query_one("#form-save", Button)
        save.disabled = True
        submit = self.submit

        def job() -> None:
            try:
                result = submit(values)  # type: ignore[misc]
            except Exception as exc:  # noqa: BLE001 - every failure is shown in the form
                self.app.call_from_thread(self._submit_failed, exc)
                return
            self.app.call_from_thread(self.dismiss, Submitted(values, result))

        self.run_worker(job, thread=True, exclusive=True, group="form-submit")

    def _submit_failed(self, exc: BaseException) -> None:
        from erp_console.error_text import describe_error
        from erp_console.errors import ValidationError

        self.query_one("#form-save", Button).disabled = False
        if isinstance(exc, ValidationError) and exc.field:
            errors = {self.field_of.get(exc.field, exc.field): exc.message}
            for problem in exc.problems:  # "field: message" for each problem found at once
                name, _, message = problem.partition(": ")
                errors.setdefault(self.field_of.get(name, name), message)
            if any(name in self._ids for name in errors):
                self.show_errors(errors)
                return
        db = getattr(self.app, "db", None)
        message, _severity = describe_error(exc, getattr(db, "url", None))
        self.show_errors({}, message)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ResultScreen(ModalScreen[None]):
    """Show a read-only result (explain, who-has, a report) until Esc/Enter; long lines wrap."""

    BINDINGS = [
        Binding("escape,enter,q", "close", "Close", id="result.close"),
        Binding("c", "copy", "Copy", id="result.copy"),
    ]

    def __init__(self, title: str, body: str, *, markdown: bool = False) -> None:
        super().__init__(classes="form-screen")
        self.result_title = title
        self.body = body
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with Vertical(id="form-dialog", classes="result-dialog"):
            yield Label(self.result_title, id="form-title")
            with VerticalScroll(id="result-body"):
                if self.markdown:
                    yield Markdown(self.body)
                else:
                    yield Static(self.body, markup=False, id="result-text")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one("#result-body").focus()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.body)
        self.notify(f"Copied: {self.result_title}", timeout=3)

    def action_close(self) -> None:
        self.dismiss(None)

"""What every console screen shares: running service calls off the UI thread, errors, help, read-only."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from erp_console.error_text import describe_error, is_connection_lost
from erp_console.screens.style_inputs import StyleInputs
from erp_console.widgets.early_read import EarlyRead

RETRIES = 2


def plain_text(value: Any) -> str:
    """A table cell or a markup string as the text a person sees."""
    from rich.text import Text

    if isinstance(value, Text):
        return value.plain
    try:
        return Text.from_markup(str(value)).plain
    except Exception:  # noqa: BLE001 - not markup after all
        return str(value)


RETRY_DELAY_S = 2.0


class ErpScreen(Screen):
    """Base class of the main screens."""

    HELP: ClassVar[str] = ""
    """Markdown shown by `?` above the list of keys."""

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    """Actions hidden and refused when the session is read-only."""

    IDENTITY_ACTIONS: ClassVar[dict[str, str]] = {}
    """Actions that change users or roles, each with the identity capability it needs: hidden
    when the ERP's connector lacks it or its database is open read-only."""

    BINDINGS = [
        Binding("question_mark", "app.help", "Help", key_display="?", id="help"),
        Binding("escape", "cancel_loading", "Cancel", show=False, id="cancel-loading"),
        Binding("y", "copy", "Copy", show=False, id="copy"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._busy: dict[str, Widget] = {}
        self._data_shown = False  # the first service result shown (see app.screen_data_shown)
        # The app's side of the styles its nodes were last given: as it is made (its widgets
        # are styled as they mount), then as it is suspended.
        self._styled_with = StyleInputs.of(self.app)

    # Textual calls these before Screen's own handlers of the same events.
    def _on_screen_suspend(self) -> None:
        self._styled_with = StyleInputs.of(self.app)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        if self._styled_with.unchanged_in(self.app):
            event.refresh_styles = False

    def on_mount(self) -> None:
        self.mount(self.app.make_header(self.TITLE or ""), before=0)  # type: ignore[attr-defined]

    def early_reads(self) -> tuple[EarlyRead, ...]:
        """The reads begun as the screen was made, until its widgets take their results: on a
        first visit the app builds the widgets once these are done (see app.show_screen)."""
        return ()

    @property
    def data_shown(self) -> bool:
        """A service result has been shown on this screen."""
        return self._data_shown

    @property
    def db(self):
        return self.app.db  # type: ignore[attr-defined]

    @property
    def operator(self) -> str:
        return self.app.operator  # type: ignore[attr-defined]

    @property
    def identity(self):
        """The users, roles and permissions of the connected ERP (an IdentityBackend)."""
        return self.app.identity  # type: ignore[attr-defined]

    @property
    def read_only(self) -> bool:
        return self.app.db.read_only  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITE_ACTIONS and self.read_only:
            return False
        capability = self.IDENTITY_ACTIONS.get(action)
        if capability is not None:
            identity = self.identity
            return not identity.read_only and capability in identity.capabilities
        return True

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        """(title, help, callback) entries this screen adds to the command palette."""
        return []

    def copy_target(self) -> tuple[str, str] | None:
        """(what, text) the copy key puts on the clipboard: by default the highlighted row of
        the focused table. Screens with a detail pane give its whole text instead."""
        from textual.widgets import DataTable

        table = self.focused
        if not isinstance(table, DataTable) or table.row_count == 0:
            return None
        cells = table.get_row_at(table.cursor_row)
        return "the highlighted row", "\t".join(plain_text(c) for c in cells)

    def action_copy(self) -> None:
        """Copy through the terminal (OSC 52): works over SSH and tmux."""
        target = self.copy_target()
        if target is None:
            self.notify("Nothing to copy here: highlight a row first.", severity="warning")
            return
        what, text = target
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {what} ({len(text):,} characters).", timeout=3)

    def run_service(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], Any] | None = None,
        on_error: Callable[[BaseException], Any] | None = None,
        group: str = "load",
        busy: Widget | None = None,
        retries: int | None = None,
        early: EarlyRead | None = None,
        **kwargs: Any,
    ) -> Worker | None:
        """Run a service call in a thread worker; deliver its result on the UI thread.

        `early`: the same call, begun as the screen was made (EarlyRead). Its result is
        delivered at once when it is in (no worker: None is returned); else a worker waits for it.

        Workers of one group are exclusive: a newer call makes an older one's result be dropped.
        A read (group "load…", or `retries` given) is retried when the connection drops; a write
        is never retried, since it may have been committed before the connection went away.
        """
        if early is not None:
            if early.succeeded:
                self._service_done(early.value, None, on_result)
                return None
            fn, args, kwargs = early.get, (), {}
        attempts = 1 + (
            retries if retries is not None else (RETRIES if group.startswith("load") else 0)
        )
        if busy is not None:
            busy.loading = True
            self._busy[group] = busy

        def job() -> None:
            worker = get_current_worker()
            first_paint = getattr(self.app, "first_paint", None)
            if first_paint is not None:
                first_paint.wait(timeout=5)
            for attempt in range(1, attempts + 1):
                try:
                    result = fn(*args, **kwargs)
                    break
                except Exception as exc:  # noqa: BLE001 - every failure is reported on screen
                    if worker.is_cancelled:
                        return
                    if attempt < attempts and is_connection_lost(exc):
                        self.app.call_from_thread(
                            self.notify,
                            f"Connection to the database lost; retrying ({attempt}/{attempts - 1})…",
                            severity="warning",
                            timeout=RETRY_DELAY_S + 1,
                        )
                        time.sleep(RETRY_DELAY_S)
                        continue
                    self.app.call_from_thread(self._service_failed, exc, busy, on_error)
                    return
            if not worker.is_cancelled:
                self.app.call_from_thread(self._service_done, result, busy, on_result)

        return self.run_worker(
            job, thread=True, exclusive=True, group=group, name=getattr(fn, "__name__", "service")
        )

    def action_cancel_loading(self) -> None:
        """Esc: stop waiting for slow reads; their results are dropped when they arrive."""
        cancelled = 0
        for worker in list(self.workers):
            if worker.group.startswith("load") and worker.is_running:
                worker.cancel()
                cancelled += 1
                busy = self._busy.pop(worker.group, None)
                if busy is not None:
                    busy.loading = False
        if cancelled:
            self.notify("Stopped waiting for the database.", timeout=3)

    def _service_done(self, result: Any, busy: Widget | None, on_result) -> None:
        if not self.app.is_running:
            return  # the console is closing: its widgets are being removed
        if busy is not None:
            busy.loading = False
        if on_result is not None:
            on_result(result)
        if not self.app.first_data_shown:  # type: ignore[attr-defined]
            self.call_after_refresh(self.app.startup_done)  # type: ignore[attr-defined]
        elif not self._data_shown:
            self.call_after_refresh(self.app.screen_data_shown)  # type: ignore[attr-defined]
        self._data_shown = True

    def _service_failed(self, exc: BaseException, busy: Widget | None, on_error) -> None:
        if not self.app.is_running:
            return
        if busy is not None:
            busy.loading = False
        if on_error is not None and on_error(exc):
            return
        message, severity = describe_error(exc, self.db.url)
        self.notify(message, severity=severity, timeout=8)

"""What every console screen shares: running service calls off the UI thread, errors, help, read-only."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, get_current_worker


def describe_error(exc: BaseException, url=None) -> tuple[str, str]:
    """A one-line message and a notification severity for an exception from a service."""
    from sqlalchemy.exc import DBAPIError

    from erp_console.errors import Conflict, ErpConsoleError

    if isinstance(exc, Conflict):
        return str(exc), "warning"
    if isinstance(exc, ErpConsoleError):
        return str(exc), "error"
    if isinstance(exc, DBAPIError) and url is not None:
        from erp_console.db.engine import translate_db_error

        return str(translate_db_error(url, exc)), "error"
    return f"{type(exc).__name__}: {exc}", "error"


RETRIES = 2
RETRY_DELAY_S = 2.0


def is_connection_lost(exc: BaseException) -> bool:
    from sqlalchemy.exc import DBAPIError, OperationalError

    from erp_console.errors import ConnectionProblem

    if isinstance(exc, ConnectionProblem):
        return True
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, OperationalError)
    )


class ErpScreen(Screen):
    """Base class of the main screens."""

    HELP: ClassVar[str] = ""
    """Markdown shown by `?` above the list of keys."""

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    """Actions hidden and refused when the session is read-only."""

    BINDINGS = [
        Binding("question_mark", "app.help", "Help", key_display="?", id="help"),
        Binding("escape", "cancel_loading", "Cancel", show=False, id="cancel-loading"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._busy: dict[str, Widget] = {}
        self._data_shown = False  # the first service result shown (see app.screen_data_shown)

    def on_mount(self) -> None:
        self.mount(self.app.make_header(self.TITLE or ""), before=0)  # type: ignore[attr-defined]

    @property
    def db(self):
        return self.app.db  # type: ignore[attr-defined]

    @property
    def operator(self) -> str:
        return self.app.operator  # type: ignore[attr-defined]

    @property
    def read_only(self) -> bool:
        return self.app.db.read_only  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self.WRITE_ACTIONS and self.read_only)

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        """(title, help, callback) entries this screen adds to the command palette."""
        return []

    def run_service(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], Any] | None = None,
        on_error: Callable[[BaseException], Any] | None = None,
        group: str = "load",
        busy: Widget | None = None,
        retries: int | None = None,
        **kwargs: Any,
    ) -> Worker:
        """Run a service call in a thread worker; deliver its result on the UI thread.

        Workers of one group are exclusive: a newer call makes an older one's result be dropped.
        A read (group "load…", or `retries` given) is retried when the connection drops; a write
        is never retried, since it may have been committed before the connection went away.
        """
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
        if busy is not None:
            busy.loading = False
        if on_error is not None and on_error(exc):
            return
        message, severity = describe_error(exc, self.db.url)
        self.notify(message, severity=severity, timeout=8)

"""The Textual application shell: header, screens by number key, help, command palette."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from erp_console.heap import HeapKeeper
from erp_console.screens import SCREENS
from erp_console.widgets.status_header import StatusHeader


def _screen_bindings() -> list[Binding]:
    return [
        Binding(
            entry.key,
            f"app.switch_mode('{entry.mode}')",
            entry.title,
            show=False,
            id=f"screen.{entry.mode}",
        )
        for entry in SCREENS
    ]


class ErpConsoleApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "erp-console"
    MODES = {entry.mode: (lambda entry=entry: entry.load()()) for entry in SCREENS}
    DEFAULT_MODE = SCREENS[0].mode
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        *_screen_bindings(),
    ]

    def __init__(self, db, *, operator: str, source: str = "", settle_heap: bool = False) -> None:
        super().__init__()
        self.db = db
        # A real session collects garbage at quiet moments (see erp_console.heap); tests do not.
        self.heap = HeapKeeper() if settle_heap else None
        self.operator = operator
        self.source = source
        self.erp_name = ""
        self.connection_note = ""  # e.g. "snapshot of X taken at T", shown instead of the URL
        # Service workers wait for the first frame so their imports do not compete with it.
        self.first_paint = threading.Event()
        self._headers: list[StatusHeader] = []
        self.first_data_shown = False  # set by startup_done

    def on_ready(self) -> None:
        """First frame is on screen: now let database work (and its heavy imports) begin."""
        from erp_console.db.pending import PendingDatabase

        if isinstance(self.db, PendingDatabase):
            self.db.start()
            self.run_worker(self._await_connection, thread=True, group="connect")
        self.first_paint.set()

    def startup_done(self) -> None:
        """The first screen shows its data: what start-up made (modules, the ORM's mappers,
        Textual's styles, the first screen) lives as long as the console, so it is frozen out of
        the garbage collector (see erp_console.heap). Only for a real session (`settle_heap`)."""
        if self.first_data_shown:
            return
        self.first_data_shown = True
        if self.heap is not None:
            self.heap.settle()
            self.set_interval(0.5, self._collect_when_idle)

    def screen_data_shown(self) -> None:
        """A screen shows its first data: it lives as long as the console (see heap.park)."""
        if self.heap is not None:
            self.heap.park()

    def _collect_when_idle(self) -> None:
        busy = any(worker.is_running for worker in self.workers)
        self.heap.collect_if_idle(busy=busy)  # type: ignore[union-attr]

    async def on_event(self, event: events.Event) -> None:
        if self.heap is not None and isinstance(event, (events.Key, events.MouseEvent)):
            self.heap.touch()
        await super().on_event(event)

    def _await_connection(self) -> None:
        """Leave with the connection's error (one line, its exit code) if it cannot be opened."""
        try:
            self.db.wait()
        except BaseException as exc:  # noqa: BLE001
            from erp_console.screens.base import describe_error

            message, _severity = describe_error(exc)
            self.call_from_thread(
                self.exit, None, getattr(exc, "exit_code", 3), f"error: {message}"
            )

    def make_header(self, screen_title: str) -> StatusHeader:
        """The top bar each main screen mounts: connection, operator, READ-ONLY badge."""
        header = StatusHeader(
            self.connection_note or self.db.masked_url,
            self.db.dialect,
            self.operator,
            self.db.read_only,
        )
        header.screen_title = screen_title
        header.erp_name = self.erp_name
        self._headers.append(header)
        return header

    def set_erp_name(self, name: str) -> None:
        self.erp_name = name
        for header in self._headers:
            header.erp_name = name

    def action_help(self) -> None:
        from erp_console.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for entry in SCREENS:
            yield SystemCommand(
                f"Go to {entry.title}",
                f"Switch to screen {entry.key}",
                lambda mode=entry.mode: self.switch_mode(mode),
            )
        commands = getattr(screen, "palette_commands", None)
        if commands:
            for title, help_text, callback in commands():
                yield SystemCommand(title, help_text, callback)
        yield SystemCommand("Help", "Keys and purpose of this screen", self.action_help)
        yield from super().get_system_commands(screen)

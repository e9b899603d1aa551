"""The Textual application shell: header, screens by number key, help, command palette."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from contextlib import suppress
from functools import partial
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled

from erp_console.heap import HeapKeeper
from erp_console.screens import SCREENS as MAIN_SCREENS
from erp_console.screens import import_screens
from erp_console.widgets.early_read import EarlyRead, wait_all
from erp_console.widgets.status_header import StatusHeader


def _screen_bindings() -> list[Binding]:
    return [
        Binding(
            entry.key,
            f"app.show_screen('{entry.name}')",
            entry.title,
            show=False,
            id=f"screen.{entry.name}",
        )
        for entry in MAIN_SCREENS
    ]


# Every screen's style sheet is read with the app's. A screen whose CSS_PATH the app has not read
# yet makes Textual re-parse every source and restyle every widget when it is first shown; read
# here, the screen's own CSS_PATH is found already loaded. Its rules are global either way (Textual
# does not scope a CSS_PATH), so reading them early changes no style.
SCREEN_CSS = sorted((Path(__file__).parent / "screens").rglob("*.tcss"))


FIRST_READS_WAIT_S = 0.05  # a slow server's rows come after the first frame, as before


async def _finished(worker: Worker) -> None:
    """Wait for a worker; one cancelled by a later key is not an error of its caller."""
    with suppress(WorkerCancelled):
        await worker.wait()


class ErpConsoleApp(App[None]):
    CSS_PATH = [Path(__file__).with_name("app.tcss"), *SCREEN_CSS]
    TITLE = "erp-console"
    # The main screens are installed by name, made on their first visit and kept: a number key
    # switches the one on show for another (Textual's modes would re-read every style sheet and
    # hold the frame for 50 ms on every switch).
    SCREENS = {entry.name: (lambda entry=entry: entry.load()()) for entry in MAIN_SCREENS}
    # Screens get the class "-narrow" under 72 columns and lay out their panes for it.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (72, "-normal")]
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        *_screen_bindings(),
    ]

    def __init__(
        self,
        session,
        *,
        operator: str,
        source: str = "",
        settle_heap: bool = False,
        watch: tuple[str, ...] = (),
    ) -> None:
        """`session`: a ConsoleSession, a PendingSession (opened once the first frame is painted)
        or a Database with the console's native schema. `watch`: log files screen 4 watches once
        the session is open (`--watch`)."""
        super().__init__()
        from erp_console.session import ConsoleSession, PendingSession, native_session

        if not isinstance(session, (ConsoleSession, PendingSession)):
            session = native_session(session)
        self.session = session
        self.db = session.store  # the console store: every screen but the identity of screen 2
        self.identity = session.identity  # users, roles and permissions (screen 2)
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
        self.watch_on_start = watch

    def on_mount(self) -> None:
        self.push_screen(MAIN_SCREENS[0].name)

    def show_screen(self, name: str) -> AwaitComplete:
        """Show main screen `name` in place of the one on show. With a dialog open it stays: the
        dialog is answered or closed first, so no half-filled form is left behind a screen.

        On a first visit the screen, made here, begins reading its first data; its widgets are
        built once those reads are done (for FIRST_READS_WAIT_S at most). Read while the widgets
        are built, the reads and the building took turns on the interpreter's lock: SQLite gives
        it up for every row, and took each back only after the building thread's turn (5 ms),
        so a page of 100 rows took up to 140 ms instead of 5 and missed the first frame."""
        if self.screen.is_modal:
            return AwaitComplete.nothing()
        self.workers.cancel_group(self, "show-screen")  # the last key pressed wins
        screen = self.get_screen(name)
        reads = [read for read in getattr(screen, "early_reads", tuple)() if not read.done]
        if not reads:
            return self.switch_screen(name)
        worker = self.run_worker(partial(self._show_when_read, name, reads), group="show-screen")
        return AwaitComplete(_finished(worker))

    async def _show_when_read(self, name: str, reads: list[EarlyRead]) -> None:
        await asyncio.to_thread(wait_all, reads, FIRST_READS_WAIT_S)
        if not self.screen.is_modal:
            await self.switch_screen(name)

    def action_show_screen(self, name: str) -> None:
        self.show_screen(name)

    def on_ready(self) -> None:
        """First frame is on screen: now let database work (and its heavy imports) begin."""
        from erp_console.session import PendingSession

        if isinstance(self.session, PendingSession):
            self.session.start()
            self.run_worker(self._await_connection, thread=True, group="connect")
        else:
            self._connected()
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
            self.set_interval(0.5, self._at_quiet_moments)
            # The other screens' modules, while the person reads the dashboard: a first visit
            # waited ~100 ms for screen 2's.
            self.run_worker(import_screens, thread=True, group="import-screens")

    def screen_data_shown(self) -> None:
        """A screen shows its first data: it lives as long as the console (see heap.park)."""
        if self.heap is not None:
            self.heap.park()

    def _at_quiet_moments(self) -> None:
        # Workers of a "flow…" group wait for the person (a dialog, screen 4's file watch that
        # runs until stopped): they do not keep the console from being idle.
        busy = any(w.is_running and not w.group.startswith("flow") for w in self.workers)
        self.heap.collect_if_idle(busy=busy)  # type: ignore[union-attr]

    async def on_event(self, event: events.Event) -> None:
        if self.heap is not None and isinstance(event, (events.Key, events.MouseEvent)):
            self.heap.touch()
        await super().on_event(event)

    def _await_connection(self) -> None:
        """Leave with the connection's error (one line, its exit code) if it cannot be opened."""
        try:
            self.session.wait()
        except BaseException as exc:  # noqa: BLE001
            from erp_console.error_text import describe_error

            message, _severity = describe_error(exc)
            self.call_from_thread(
                self.exit, None, getattr(exc, "exit_code", 3), f"error: {message}"
            )
            return
        self.call_from_thread(self._connected)

    def _connected(self) -> None:
        """The session is open: show an ERP connector in the headers, offer what it allows."""
        for header in self._headers:
            self._show_erp(header)
        self.refresh_bindings()
        if self.watch_on_start:
            self.show_screen("records")  # its logs pane takes the files when it mounts

    def _show_erp(self, header: StatusHeader) -> None:
        session = self.session
        if getattr(session, "ready", True) and session.identity.identity.kind != "native":
            header.show_erp(session.identity.identity.label, not session.identity.read_only)

    def make_header(self, screen_title: str) -> StatusHeader:
        """The top bar each main screen mounts: connection, operator, READ-ONLY badge."""
        header = StatusHeader(
            self.connection_note or self.session.masked_url,
            self.session.dialect,
            self.operator,
            self.session.read_only,
        )
        header.screen_title = screen_title
        header.erp_name = self.erp_name
        self._headers.append(header)
        if getattr(self.session, "ready", True):
            self.call_after_refresh(self._show_erp, header)
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

    def action_help_quit(self) -> None:
        """ctrl+c (copy in a text field) does not quit: say which key does, the one shown."""
        self.notify("Press [b]q[/b] to quit (outside a text field).", title="Quit?")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for entry in MAIN_SCREENS:
            yield SystemCommand(
                f"Go to {entry.title}",
                f"Switch to screen {entry.key}",
                lambda name=entry.name: self.show_screen(name),
            )
        commands = getattr(screen, "palette_commands", None)
        if commands:
            for title, help_text, callback, *named in commands():
                # The action a command runs: named explicitly (lambdas), else its method's name.
                action = (named[0] if named else getattr(callback, "__name__", "")).removeprefix(
                    "action_"
                )
                if screen.check_action(action, ()) is False:
                    continue  # hidden from the keys, so from the palette too
                yield SystemCommand(title, help_text, callback)
        yield SystemCommand("Help", "Keys and purpose of this screen", self.action_help)
        yield from super().get_system_commands(screen)

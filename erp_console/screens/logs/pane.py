"""The Logs tab: filter by words, level, module, user and a range ending at the newest line;
the lines page on demand; `f` follows new lines as they arrive; `w` watches log files: a
`Watch` (services/records/log_follow) ingests their new lines on a thread until stopped."""

from __future__ import annotations

import datetime as dt
import shlex
import threading
from contextlib import suppress

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.lazy import Lazy
from textual.widgets import Input, Label, Select, Static

from erp_console.screens.logs.source import (
    DEFAULT_RANGE,
    LEVEL_OPTIONS,
    RANGE_WORDS,
    RANGES,
    STALE_LOG,
    FirstLogs,
    LogSource,
    counts_text,
    detail_text,
    now_utc,
    watch_text,
)
from erp_console.vocabulary import LOG_FORMATS
from erp_console.widgets.forms import Field, FormScreen
from erp_console.widgets.lazy_select import select_value
from erp_console.widgets.paged_table import PagedTable

WATCH_NOTE = (
    "New complete lines are ingested into the console's log as the files grow, across "
    "rotation (a file not read before is read from its start). Separate files by spaces; "
    "quote a path with spaces. Format: empty to detect it from the first lines."
)


class LogsPane(Vertical):
    HELP_SECTION = "Logs tab"
    FOLLOW_SECONDS = 2.0
    WATCH_SECONDS = 1.0  # between looks at watched files
    BINDINGS = [
        Binding("f", "follow", "Follow", id="records.follow"),
        # One key: the footer shows the one of the two that applies.
        Binding("w", "watch", "Watch files", id="records.watch"),
        Binding("w", "stop_watch", "Stop watching", id="records.stop_watch"),
        Binding("r", "refresh_logs", "Refresh", show=False, id="records.refresh"),
    ]
    WRITE_ACTIONS = frozenset({"watch"})  # ingesting writes lines: not in a read-only session

    def __init__(self, *, id: str, first: FirstLogs | None = None) -> None:
        """`first`: the opening view, read ahead (shown at once when it is in)."""
        super().__init__(id=id)
        self._first = first
        self.following = False
        self._follow_timer = None
        self.log_end: dt.datetime | None = None  # the newest line: time ranges end there
        self._shown_logs = None  # the filter and range of the lines on screen
        self._source: LogSource | None = None
        self.watch = None  # the Watch running, if any
        self._watch_stop: threading.Event | None = None
        self._watch_paths = ""  # what was typed last, offered again
        self._watch_label = Label("", id="logs-watch")

    def compose(self) -> ComposeResult:
        with Horizontal(id="logs-filters", classes="filter-bar"):
            yield Input(placeholder="words…", id="logs-text", compact=True)
            # The Selects mount after the first frame (which shows the lines), in slots that keep
            # their place; until then their values are the defaults.
            with Horizontal(id="logs-level-slot"):
                yield Lazy(
                    Select(
                        LEVEL_OPTIONS, value="", allow_blank=False, id="logs-level", compact=True
                    )
                )
            yield Input(placeholder="module", id="logs-source", compact=True)
            yield Input(placeholder="user", id="logs-user", compact=True)
            with Horizontal(id="logs-range-slot"):
                yield Lazy(
                    Select(
                        [(k, k) for k in RANGES],
                        value=DEFAULT_RANGE,
                        allow_blank=False,
                        id="logs-range",
                        compact=True,
                    )
                )
        yield Label("", id="logs-counts")
        yield self._watch_label
        yield PagedTable(id="logs-table", empty_text="No log line matches the filter.")
        yield Static("", id="logs-detail")

    def on_mount(self) -> None:
        self._watch_label.display = False
        self.apply_log_filter()
        paths = getattr(self.app, "watch_on_start", ())
        if paths:
            self.app.watch_on_start = ()  # type: ignore[attr-defined]
            self.watch_files(list(paths))

    def on_unmount(self) -> None:
        if self._watch_stop is not None:
            self._watch_stop.set()  # the watch's thread closes its files

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "watch":
            return self.watch is None and not self.screen.read_only  # type: ignore[attr-defined]
        if action == "stop_watch":
            return self.watch is not None
        return True

    def focus_filter(self) -> None:
        self.query_one("#logs-text", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#logs-table", PagedTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.apply_log_filter(only_if_changed=True)

    def on_select_changed(self, event: Select.Changed) -> None:
        # Selects report a change when they mount: that must not load the lines a second time.
        self.apply_log_filter(only_if_changed=True)

    def on_paged_table_row_highlighted(self, event: PagedTable.RowHighlighted) -> None:
        self.query_one("#logs-detail", Static).update(detail_text(event.row))

    def on_paged_table_emptied(self, event: PagedTable.Emptied) -> None:
        self.query_one("#logs-detail", Static).update("")

    def copy_target(self) -> tuple[str, str] | None:
        from erp_console.screens.base import plain_text

        row = self.query_one("#logs-table", PagedTable).current_row
        if row is None:
            return None
        return f"the log line of {row.ts:%H:%M:%S}", plain_text(detail_text(row))

    def _range(self) -> str:
        return select_value(self, "#logs-range", DEFAULT_RANGE)

    def log_filter(self):
        """The fields' filter and its range (a span ending at the newest line, or None: all)."""
        from erp_console.services.records.logs import LogFilter

        minutes = RANGES.get(self._range())
        level = select_value(self, "#logs-level", "")
        flt = LogFilter(
            levels=(level,) if level else (),
            source=self.query_one("#logs-source", Input).value or None,
            user=self.query_one("#logs-user", Input).value or None,
            text=self.query_one("#logs-text", Input).value or None,
        )
        return flt, (dt.timedelta(minutes=minutes) if minutes else None)

    def apply_log_filter(self, *, only_if_changed: bool = False) -> None:
        """Load the lines of the fields' filter. Ranges ("last hour") end at the newest line,
        read again on each load, so a snapshot or a quiet log shows its last hour instead of an
        empty one and new lines move the range on."""
        wanted = self.log_filter()
        if only_if_changed and (self._shown_logs is None or wanted == self._shown_logs):
            return  # before the first load (it reads the fields itself), or nothing changed
        self._shown_logs = wanted
        first, self._first = self._first, None
        if first is not None and first.page.source.asked == wanted:
            self._source = source = first.page.source
        else:
            first = None
            self._source = source = LogSource(self.screen.db, *wanted)
        table = self.query_one("#logs-table", PagedTable)
        table.set_source(source, first_page=first.page if first else None)
        self.query_one("#logs-detail", Static).update("")
        self.screen.run_service(
            source.level_counts,
            on_result=self._show_counts,
            group="load-counts",
            early=first.counts if first else None,
        )

    def _show_counts(self, found: tuple[dt.datetime | None, dict[str, int]]) -> None:
        self.log_end, counts = found
        self.query_one("#logs-counts", Label).update(
            ("[b green]● FOLLOWING[/] · " if self.following else "")
            + f"{self._range_text()} · {counts_text(counts)}"
        )

    def _range_text(self) -> str:
        """What the range covers, said on screen: "last hour to 21:55" (the newest line)."""
        words = RANGE_WORDS.get(self._range())
        if words is None:
            return "all lines"
        end = self.log_end or now_utc()
        stale = now_utc() - end > STALE_LOG
        return f"{words} to {end:%Y-%m-%d %H:%M}" if stale else f"{words} to {end:%H:%M}"

    def action_refresh_logs(self) -> None:
        self.apply_log_filter()

    def action_follow(self) -> None:
        if self.watch is not None:
            self.action_stop_watch()  # following off ends the watch it belongs to
            return
        self._set_following(not self.following)
        if self.following:
            self.notify("Following: new lines appear at the top.", timeout=3)
        self.apply_log_filter()

    def _set_following(self, on: bool) -> None:
        if on == self.following:
            return
        self.following = on
        if self.following:
            self._follow_timer = self.set_interval(self.FOLLOW_SECONDS, self._poll_new_lines)
        elif self._follow_timer is not None:
            self._follow_timer.stop()
            self._follow_timer = None

    def _poll_new_lines(self) -> None:
        if self._source is None:
            return
        table = self.query_one("#logs-table", PagedTable)
        top = table.rows[0].sort_key if table.rows else None
        self.screen.run_service(
            self._source.newer_than,
            top,
            on_result=self._new_lines,
            group="load-follow",
            retries=0,
        )

    def _new_lines(self, count: int) -> None:
        if count and self.following:
            self.apply_log_filter()  # the range moves on to the newest line

    # --- watching files ---------------------------------------------------------------------

    @work(group="flow-watch-form")
    async def action_watch(self) -> None:
        """Ask for the files (and a format), check them in the form, then watch them."""
        if self.watch is not None:
            return
        from erp_console.services.records.log_follow import Watch

        db, actor = self.screen.db, self.screen.operator  # type: ignore[attr-defined]

        def paths_of(values: dict[str, str]) -> list[str]:
            return shlex.split(values["paths"])

        def check(values: dict[str, str]) -> dict[str, str]:
            try:
                paths_of(values)
            except ValueError as exc:  # an unclosed quote
                return {"paths": f"{exc}: close the quote around a path with spaces"}
            return {}

        form = await self.app.push_screen_wait(
            FormScreen(
                "Watch log files",
                [
                    Field(
                        "paths",
                        "Files",
                        value=self._watch_paths,
                        placeholder="/var/log/odoo/odoo-server.log …",
                        required=True,
                    ),
                    Field("format", "Format", placeholder="detect", suggestions=LOG_FORMATS),
                ],
                save_label="Watch",
                note=WATCH_NOTE,
                check=check,
                submit=lambda v: Watch(db, paths_of(v), actor=actor, fmt=v["format"] or None),
            )
        )
        if form is None:
            return
        self._watch_paths = form.values["paths"]
        self._start_watch(form.result)

    def watch_files(self, paths: list[str]) -> None:
        """Watch these files (`--watch`): checked on a thread; a problem is said in a toast and
        the form opens with the paths, to be corrected."""
        from erp_console.services.records.log_follow import Watch

        self._watch_paths = shlex.join(paths)
        if not self.check_action("watch", ()):
            self.notify("Cannot watch files: this session is read-only.", severity="error")
            return

        def failed(exc: BaseException) -> bool:
            from erp_console.error_text import describe_error
            from erp_console.errors import ValidationError

            message, _severity = describe_error(exc, self.screen.db.url)  # type: ignore[attr-defined]
            if isinstance(exc, ValidationError):
                message = exc.message  # it names the file; "paths:" is the form's field
            self.notify(f"Cannot watch: {message}", severity="error", timeout=10)
            self.action_watch()
            return True

        self.screen.run_service(  # type: ignore[attr-defined]
            lambda: Watch(self.screen.db, paths, actor=self.screen.operator),  # type: ignore[attr-defined]
            on_result=self._start_watch,
            on_error=failed,
            group="watch-start",
        )

    def _start_watch(self, watch) -> None:
        self.watch = watch
        self._watch_stop = stop = threading.Event()
        self._show_watch(watch.status())
        self._set_following(True)
        self.apply_log_filter()
        self.screen.refresh_bindings()
        self.notify(f"Watching {', '.join(watch.files)}: new lines appear at the top.", timeout=4)
        self.run_worker(
            lambda: self._watch_loop(watch, stop),
            thread=True,
            # "flow…": it runs until the person stops it (tests' settle() does not wait for it)
            group="flow-watch",
            exclusive=True,
            name="watch-files",
        )

    def _watch_loop(self, watch, stop: threading.Event) -> None:
        """On a thread: a look every WATCH_SECONDS until stopped; the files are closed here."""
        try:
            while not stop.is_set():
                try:
                    status = watch.poll()
                except Exception as exc:  # noqa: BLE001 - any failure ends the watch, said in a toast
                    if not stop.is_set():
                        self._tell(self._watch_failed, watch, exc)
                    return
                if not stop.is_set():
                    self._tell(self._watch_polled, watch, status)
                stop.wait(self.WATCH_SECONDS)
        finally:
            watch.close()

    def _tell(self, callback, *args) -> None:
        with suppress(RuntimeError):  # the app is closing: nobody to tell
            self.app.call_from_thread(callback, *args)

    def _show_watch(self, status) -> None:
        self._watch_label.update(watch_text(status))
        self._watch_label.display = True

    def _watching(self, watch) -> bool:
        """Whether a look's result is still wanted: not stopped meanwhile, nor the app closing
        (its widgets go before the pane's unmount stops the watch)."""
        return watch is self.watch and self._watch_label.is_attached

    def _watch_polled(self, watch, status) -> None:
        if not self._watching(watch):
            return
        self._show_watch(status)
        if status.new:
            self.apply_log_filter()  # show them now, and the range moves on to the newest

    def _watch_failed(self, watch, exc: BaseException) -> None:
        if not self._watching(watch):
            return
        from erp_console.error_text import describe_error

        self._end_watch()
        message, _severity = describe_error(exc, self.screen.db.url)  # type: ignore[attr-defined]
        self.notify(
            f"Stopped watching {', '.join(watch.files)}: {message}",
            severity="error",
            timeout=10,
        )

    def action_stop_watch(self) -> None:
        watch = self.watch
        if watch is None:
            return
        self._end_watch()
        self.notify(
            f"Stopped watching {', '.join(watch.files)} ({watch.lines:,} lines ingested).",
            timeout=4,
        )

    def _end_watch(self) -> None:
        if self._watch_stop is not None:
            self._watch_stop.set()
        self.watch, self._watch_stop = None, None
        self._watch_label.display = False
        self._set_following(False)
        self.apply_log_filter()
        self.screen.refresh_bindings()

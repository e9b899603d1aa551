"""A table over any number of rows that holds only a window of them.

Textual's DataTable needs seconds to paint 100k rows. `PagedTable` keeps at most `max_window`
rows in its DataTable and fetches pages from a `PageSource` with keyset paging as the cursor
approaches either edge of the window; Home/End jump to the first/last page. The total is shown
beside the position. Fetches run in thread workers; a newer source (e.g. a changed filter)
makes results of older fetches be dropped.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable, Label
from textual.worker import get_current_worker

from erp_console.widgets.early_read import EarlyRead
from erp_console.widgets.fit_columns import clip_cell
from erp_console.widgets.joined_cells import join_cells

PAGE_SIZE = 100


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int | None = None
    flex: bool = False  # free text: takes the width the other columns leave


class PageSource(ABC):
    """Where the rows come from. Methods run in worker threads; they may block on the database."""

    columns: Sequence[Column] = ()

    @abstractmethod
    def page_after(self, key: Any | None, limit: int) -> list[Any]:
        """Rows after `key` in display order (from the start when None)."""

    @abstractmethod
    def page_before(self, key: Any | None, limit: int) -> list[Any]:
        """Rows before `key`, in display order (the last rows when None)."""

    @abstractmethod
    def total(self):
        """A `services.paging.Total` (count and whether it is exact)."""

    @abstractmethod
    def key_of(self, row: Any) -> Any:
        """The keyset sort key of a row (hashable)."""

    @abstractmethod
    def cells(self, row: Any) -> Sequence[Any]:
        """The cell values of a row, one per column."""


class CallableSource(PageSource):
    """A PageSource from plain functions, for screens wrapping a service's list/count calls."""

    def __init__(
        self,
        columns: Sequence[Column],
        page_after: Callable[[Any | None, int], list[Any]],
        page_before: Callable[[Any | None, int], list[Any]],
        total: Callable[[], Any],
        key_of: Callable[[Any], Any],
        cells: Callable[[Any], Sequence[Any]],
    ) -> None:
        self.columns = columns
        self._after, self._before, self._total = page_after, page_before, total
        self._key_of, self._cells = key_of, cells

    def page_after(self, key, limit):
        return self._after(key, limit)

    def page_before(self, key, limit):
        return self._before(key, limit)

    def total(self):
        return self._total()

    def key_of(self, row):
        return self._key_of(row)

    def cells(self, row):
        return self._cells(row)


class Cell:
    """A cell of a PagedTable: drawn from its markup when its row is drawn, never measured.

    DataTable measures every cell of every row it is given, to size auto-width columns: 40 ms
    for a page of 100 users, before the frame that shows them. A PagedTable's columns all have
    their widths, and a renderable without `__rich_measure__` is not measured.
    """

    __slots__ = ("markup",)

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def __str__(self) -> str:
        return self.markup

    def __rich_console__(self, console, options):
        text = Text.from_markup(self.markup, end="")
        text.no_wrap = True  # one line a row, as DataTable draws a plain string
        yield text


def _cell(value: Any) -> Any:
    return Cell(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class FirstPage:
    """A source's first page and its total, each read on its own thread from the moment the
    screen that shows them is made (see erp_console.widgets.early_read)."""

    source: PageSource
    page_size: int
    rows: EarlyRead
    total: EarlyRead

    @property
    def reads(self) -> tuple[EarlyRead, ...]:
        return (self.rows, self.total)


def read_ahead(source: PageSource, page_size: int = PAGE_SIZE) -> FirstPage:
    rows = EarlyRead(source.page_after, None, page_size)
    return FirstPage(source, page_size, rows, EarlyRead(source.total))


class WindowTable(DataTable):
    BINDINGS: ClassVar = [
        Binding("home,ctrl+home", "first", "First", show=False, id="table.first"),
        Binding("end,ctrl+end", "last", "Last", show=False, id="table.last"),
    ]

    def action_first(self) -> None:
        self.parent.jump_first()  # type: ignore[union-attr]

    def action_last(self) -> None:
        self.parent.jump_last()  # type: ignore[union-attr]

    def render_line(self, y: int) -> Strip:
        return join_cells(super().render_line(y))

    def watch_cursor_coordinate(self, old_coordinate, new_coordinate) -> None:
        super().watch_cursor_coordinate(old_coordinate, new_coordinate)
        # In the same tick as the key, so the status line is painted in the same frame.
        if not self.parent._filling:  # type: ignore[union-attr]
            self.parent._update_status()  # type: ignore[union-attr]


SPINNER_DELAY_S = 0.15


class PagedTable(Vertical):
    """A keyset-paged view; the screen gives it a `PageSource` and listens for its messages."""

    DEFAULT_CSS = """
    PagedTable { height: 1fr; }
    PagedTable > WindowTable { height: 1fr; }
    PagedTable > .paged-status { height: 1; width: 1fr; color: $text-muted; padding: 0 1; }
    """

    class RowHighlighted(Message):
        def __init__(self, table: PagedTable, row: Any) -> None:
            super().__init__()
            self.table = table
            self.row = row

    class Emptied(Message):
        """The source has no row (e.g. the filter matches nothing): nothing is highlighted."""

        def __init__(self, table: PagedTable) -> None:
            super().__init__()
            self.table = table

    class RowSelected(Message):
        def __init__(self, table: PagedTable, row: Any) -> None:
            super().__init__()
            self.table = table
            self.row = row

    def __init__(
        self,
        *,
        page_size: int = PAGE_SIZE,
        max_window: int = 300,
        empty_text: str = "No rows match.",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.page_size = page_size
        self.max_window = max_window
        self.empty_text = empty_text
        self.source: PageSource | None = None
        self.rows: list[Any] = []
        self.window_start: int | None = 0
        self.at_start = True
        self.at_end = True
        self.total_count = None
        self._generation = 0
        self._loading = False
        self._spinner_timer = None
        self._filling = False

    def compose(self) -> ComposeResult:
        yield WindowTable(cursor_type="row", zebra_stripes=True)
        yield Label("", classes="paged-status")

    @property
    def table(self) -> DataTable:
        return self.query_one(WindowTable)

    @property
    def current_row(self) -> Any | None:
        index = self.table.cursor_row
        return self.rows[index] if self.rows and 0 <= index < len(self.rows) else None

    def focus(self, scroll_visible: bool = True):  # noqa: D102 - focus goes to the inner table
        self.table.focus(scroll_visible)
        return self

    # -- loading --------------------------------------------------------------------------

    def set_source(
        self,
        source: PageSource,
        *,
        keep_position: bool = False,
        first_page: FirstPage | None = None,
    ) -> None:
        """Show a new source (e.g. a changed filter); stale fetches of the old one are dropped.
        `first_page`, read ahead for this source, is shown at once when it is in (in the frame
        that shows the table), and waited for on a worker when it is not."""
        if first_page is not None and (
            first_page.source is not source
            or first_page.page_size != self.page_size
            or keep_position
        ):
            first_page = None
        anchor = (
            self.source.key_of(self.current_row)
            if keep_position and self.current_row is not None and self.source
            else None
        )
        self.source = source
        self._generation += 1
        table = self.table
        if not table.columns or [str(c.label) for c in table.columns.values()] != [
            c.label for c in source.columns
        ]:
            table.clear(columns=True)
            for column in source.columns:
                table.add_column(column.label, key=column.key, width=column.width)
            self.call_after_refresh(self._fit_columns)
        self.total_count = None
        if first_page is not None and first_page.total.succeeded:
            self.total_count = first_page.total.value
        else:
            self._fetch_total(first_page.total if first_page is not None else None)
        if first_page is not None and first_page.rows.succeeded:
            rows = first_page.rows.value
            self._apply(self._generation, "reset", None, rows, True, len(rows) < self.page_size)
        else:
            self._fetch("reset", anchor, first_page.rows if first_page is not None else None)

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        from erp_console.widgets.fit_columns import fit_flex_column

        flex = next((c.key for c in self.source.columns if c.flex), None) if self.source else None
        if flex is not None:
            fit_flex_column(self.table, flex)

    def reload(self) -> None:
        """Re-read the rows around the cursor (after an edit), keeping the cursor on the same row."""
        if self.source is not None:
            self.set_source(self.source, keep_position=True)

    def jump_first(self) -> None:
        if self.at_start:
            self.table.move_cursor(row=0)
        else:
            self._fetch("first", None)

    def jump_last(self) -> None:
        if self.at_end:
            self.table.move_cursor(row=max(0, len(self.rows) - 1))
        else:
            self._fetch("last", None)

    def _fetch(self, mode: str, anchor: Any | None, early: EarlyRead | None = None) -> None:
        source = self.source
        if source is None:
            return
        generation = self._generation
        self._loading = True
        if mode in ("reset", "first", "last"):
            self._show_spinner_later(generation)
        first_key = source.key_of(self.rows[0]) if self.rows else None
        last_key = source.key_of(self.rows[-1]) if self.rows else None
        size = self.page_size

        def work() -> None:
            worker = get_current_worker()
            try:
                if mode == "reset" and anchor is not None:
                    before = source.page_before(anchor, size // 2)
                    after = source.page_after(source.key_of(before[-1]) if before else None, size)
                    result = (before + after, len(before) < size // 2, len(after) < size)
                elif mode in ("reset", "first"):
                    rows = early.get() if early is not None else source.page_after(None, size)
                    result = (rows, True, len(rows) < size)
                elif mode == "last":
                    rows = source.page_before(None, size)
                    result = (rows, len(rows) < size, True)
                elif mode == "down":
                    result = (source.page_after(last_key, size), None, None)
                else:
                    result = (source.page_before(first_key, size), None, None)
            except Exception as exc:  # noqa: BLE001 - shown to the user, the table stays usable
                if not worker.is_cancelled:
                    self.app.call_from_thread(self._failed, generation, exc)
                return
            if not worker.is_cancelled:
                self.app.call_from_thread(self._apply, generation, mode, anchor, *result)

        self.run_worker(
            work, thread=True, group="paged-fetch", exclusive=mode in ("reset", "first", "last")
        )

    def _show_spinner_later(self, generation: int) -> None:
        """A spinner only for fetches slower than SPINNER_DELAY_S: fast ones must not flash it."""
        if self._spinner_timer is not None:
            self._spinner_timer.stop()

        def show() -> None:
            if self._loading and generation == self._generation:
                self.table.loading = True

        self._spinner_timer = self.set_timer(SPINNER_DELAY_S, show)

    def _hide_spinner(self) -> None:
        if self._spinner_timer is not None:
            self._spinner_timer.stop()
            self._spinner_timer = None
        if self.table.loading:
            self.table.loading = False

    def _fetch_total(self, early: EarlyRead | None = None) -> None:
        source, generation = self.source, self._generation

        def work() -> None:
            try:
                total = early.get() if early is not None else source.total()  # type: ignore[union-attr]
            except Exception:  # noqa: BLE001 - the total is optional information
                return
            self.app.call_from_thread(self._apply_total, generation, total)

        self.run_worker(work, thread=True, group="paged-total", exclusive=True)

    def _stale(self, generation: int) -> bool:
        """A result of an older source, or one arriving while the console closes."""
        return generation != self._generation or not self.app.is_running

    def _failed(self, generation: int, exc: BaseException) -> None:
        if self._stale(generation):
            return
        self._loading = False
        self._hide_spinner()
        from erp_console.error_text import describe_error

        message, severity = describe_error(exc, getattr(self.app, "db", None) and self.app.db.url)
        self.notify(message, severity=severity, timeout=8)

    def _apply_total(self, generation: int, total) -> None:
        if not self._stale(generation):
            self.total_count = total
            self._update_status()

    def _apply(self, generation: int, mode: str, anchor, rows: list[Any], at_start, at_end) -> None:
        if self._stale(generation):
            return
        self._loading = False
        self._hide_spinner()
        table = self.table
        key_of = self.source.key_of  # type: ignore[union-attr]
        if mode in ("reset", "first", "last"):
            self.rows = rows
            self.at_start, self.at_end = at_start, at_end
            self.window_start = 0 if self.at_start else None
            cursor = 0
            if mode == "last":
                cursor = len(rows) - 1
            elif anchor is not None:
                keys = [key_of(r) for r in rows]
                cursor = keys.index(anchor) if anchor in keys else 0
            self._show_rows(cursor)
            return
        cursor = table.cursor_row
        if mode == "down":
            self.at_end = len(rows) < self.page_size
            self.rows = self.rows + rows
            overflow = max(0, len(self.rows) - self.max_window)
            if overflow:
                self.rows = self.rows[overflow:]
                self.at_start = False
                cursor -= overflow
                if self.window_start is not None:
                    self.window_start += overflow
        else:
            self.at_start = len(rows) < self.page_size
            self.rows = rows + self.rows
            cursor += len(rows)
            if self.window_start is not None:
                self.window_start = max(0, self.window_start - len(rows))
            elif self.at_start:
                self.window_start = 0
            overflow = max(0, len(self.rows) - self.max_window)
            if overflow:
                self.rows = self.rows[: len(self.rows) - overflow]
                self.at_end = False
        self._show_rows(cursor)

    def _show_rows(self, cursor: int) -> None:
        source = self.source
        table = self.table
        self._filling = True
        try:
            with self.app.batch_update():
                table.clear()
                widths = [None if c.flex else c.width for c in source.columns]  # type: ignore[union-attr]
                for row in self.rows:
                    cells = map(_cell, map(clip_cell, source.cells(row), widths))  # type: ignore[union-attr]
                    table.add_row(*cells, key=repr(source.key_of(row)))  # type: ignore[union-attr]
                if self.rows:
                    table.move_cursor(
                        row=max(0, min(cursor, len(self.rows) - 1)), animate=False, scroll=True
                    )
        finally:
            self._filling = False
        self._update_status()
        if not self.rows:
            self.post_message(self.Emptied(self))

    def _position(self) -> str:
        if not self.rows:
            return self.empty_text
        index = self.table.cursor_row
        total = self.total_count
        if self.window_start is not None:
            absolute = self.window_start + index + 1
        elif self.at_end and total is not None and total.exact:
            absolute = total.count - (len(self.rows) - 1 - index)
        else:
            absolute = None
        where = f"row {absolute:,}" if absolute is not None else "row …"
        return f"{where} of {total.label() if total is not None else '…'}"

    def _update_status(self) -> None:
        # Fixed size (one line, 1fr): repaint it without a layout pass of the whole screen.
        self.query_one(".paged-status", Label).update(self._position(), layout=False)

    # -- following the cursor -------------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        row = self.current_row  # the status line was updated by WindowTable's cursor watcher
        if row is not None:
            self.post_message(self.RowHighlighted(self, row))
        if self._loading or self.source is None:
            return
        # Re-rendering the window posts highlights of stale positions: judge by the cursor now.
        cursor = self.table.cursor_row
        margin = max(5, self.page_size // 5)
        if cursor >= len(self.rows) - margin and not self.at_end:
            self._fetch("down", None)
        elif cursor < margin and not self.at_start:
            self._fetch("up", None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.current_row
        if row is not None:
            self.post_message(self.RowSelected(self, row))

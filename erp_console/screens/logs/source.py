"""What the Logs tab shows: the paged lines, their cells, the counts line and the detail text."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from erp_console.vocabulary import LOG_LEVELS
from erp_console.widgets.early_read import EarlyRead
from erp_console.widgets.paged_table import Column, FirstPage, PageSource, read_ahead

STALE_LOG = dt.timedelta(minutes=5)  # a newest line older than this is named under the filter
RANGES = {"15m": 15, "1h": 60, "24h": 24 * 60, "7d": 7 * 24 * 60, "all": None}
DEFAULT_RANGE = "1h"
RANGE_WORDS = {"15m": "last 15 min", "1h": "last hour", "24h": "last 24 h", "7d": "last 7 days"}
LEVEL_OPTIONS = (
    [("any level", "")]
    + [(x, x) for x in LOG_LEVELS]
    + [
        ("WARNING+", "WARNING+"),
        ("ERROR+", "ERROR+"),
    ]
)
LEVEL_CELLS = {
    "DEBUG": "[dim]DEBUG[/]",
    "WARNING": "[yellow]WARN[/]",
    "ERROR": "[red]ERROR[/]",
    "CRITICAL": "[b red]CRIT[/]",
}


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class LogSource(PageSource):
    columns = (
        Column("ts", "Time (UTC)", 14),
        Column("level", "Level", 5),
        Column("source", "Source", 10),
        Column("user", "User", 9),
        Column("message", "Message", 33, flex=True),
    )

    def __init__(self, db, flt, span: dt.timedelta | None) -> None:
        self.db, self._flt, self._span = db, flt, span
        self._lock = threading.Lock()
        self._anchored = None

    @property
    def asked(self):
        """(filter, span) as the fields gave them, before the range is anchored."""
        return self._flt, self._span

    def anchored(self):
        """(filter, newest line's time): the range is counted back from the newest line, read
        once on whichever worker thread asks first, so the page, the total and the counts
        cover the same lines without a trip back to the UI thread in between."""
        from erp_console.services.records.logs import anchored

        with self._lock:
            if self._anchored is None:
                self._anchored = anchored(self.db, self._flt, self._span)
            return self._anchored

    @property
    def flt(self):
        return self.anchored()[0]

    def page_after(self, key, limit):
        from erp_console.services.records.logs import search

        return search(self.db, self.flt, after=key, limit=limit)

    def page_before(self, key, limit):
        from erp_console.services.records.logs import search_before

        return search_before(self.db, self.flt, before=key, limit=limit)

    def total(self):
        from erp_console.services.records.logs import count

        return count(self.db, self.flt)

    def level_counts(self):
        """(newest line's time, lines per level in the range)."""
        from erp_console.services.records.logs import level_counts

        flt, newest = self.anchored()
        return newest, level_counts(self.db, flt)

    def newer_than(self, key):
        from erp_console.services.records.logs import newer_than

        return newer_than(self.db, self.flt, key)

    def key_of(self, row):
        return row.sort_key

    def cells(self, row):
        return (
            f"{row.ts:%m-%d %H:%M:%S}",
            LEVEL_CELLS.get(row.level, row.level),
            row.source or "",
            row.user_login or "",
            first_line(row.message).replace("[", "\\["),
        )


@dataclass(frozen=True)
class FirstLogs:
    """The tab's opening view (every line of the default range), read as the screen is made."""

    page: FirstPage
    counts: EarlyRead

    @property
    def reads(self) -> tuple[EarlyRead, ...]:
        return (*self.page.reads, self.counts)


def read_logs_ahead(db) -> FirstLogs:
    from erp_console.services.records.logs import LogFilter

    source = LogSource(db, LogFilter(), dt.timedelta(minutes=RANGES[DEFAULT_RANGE]))
    return FirstLogs(read_ahead(source), EarlyRead(source.level_counts))


def first_line(message: str) -> str:
    """A multi-line entry (a traceback) in one table row: its first line and how many follow."""
    first, _, rest = message[:2000].partition("\n")
    more = message.count("\n")
    return first[:200] + (f"  (+{more} lines)" if rest else "")


def counts_text(counts: dict[str, int]) -> str:
    parts = [f"{LEVEL_CELLS.get(k, k)} {v:,}" for k, v in counts.items() if v]
    return " · ".join(parts) if parts else "no lines in range"


def detail_text(line) -> str:
    return (
        f"[b]{line.ts:%Y-%m-%d %H:%M:%S}[/b] {line.level} · {line.source or '-'} · "
        f"user {line.user_login or '-'} · host {line.host or '-'} · {line.event or ''}\n"
        + line.message.replace("[", "\\[")
    )


def watch_text(status) -> str:
    """The line under the counts while files are watched (a WatchStatus after each look)."""
    from rich.markup import escape

    names = ", ".join(status.files)
    parts = [f"[b green]● WATCHING[/] {escape(names)}", f"+{status.lines:,} lines"]
    if status.bad:
        parts.append(f"[yellow]{status.bad:,} bad skipped[/]")
    if status.missing == status.files and len(status.files) == 1:
        parts.append("[yellow]file gone, waiting (rotated?)[/]")
    elif status.missing:
        parts.append(f"[yellow]gone, waiting: {escape(', '.join(status.missing))}[/]")
    return " · ".join(parts)

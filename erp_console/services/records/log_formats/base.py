"""What every built-in log format shares: the row it yields, timestamps, levels and multi-line entries.

A row is a tuple in `ROW_FIELDS` order; `raw` keeps the entry's first line as it was in the file,
so whatever a format has that maps to no column (a process id, a database name) is not lost.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from erp_console.db.models import LOG_LEVELS, utcnow
from erp_console.services.core import dates

ROW_FIELDS = ("ts", "level", "source", "user_login", "host", "event", "message", "raw")
LIMITS = {"source": 64, "user_login": 64, "host": 128, "event": 64, "message": 30_000}
MESSAGE_LIMIT = LIMITS["message"]
TRUNCATED = "\n… (entry cut at 30,000 characters)"
EARLIEST = dt.datetime(1990, 1, 1)
PLAIN_ISO = re.compile(
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,6})?(?:Z|[+-]\d\d:\d\d)?"
).fullmatch
MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# Names each family gives its levels, mapped to the console's levels.
LEVEL_NAMES = {
    **{name: name for name in LOG_LEVELS},
    "WARN": "WARNING",
    "ERR": "ERROR",
    "FATAL": "CRITICAL",
    "CRIT": "CRITICAL",
    "ALERT": "CRITICAL",
    "EMERG": "CRITICAL",
    "EMERGENCY": "CRITICAL",
    "PANIC": "CRITICAL",
    "NOTICE": "INFO",
    "NOTE": "INFO",
    "LOG": "INFO",
    "INFORMATION": "INFO",
    "STATEMENT": "INFO",
    "DETAIL": "INFO",
    "HINT": "INFO",
    "CONTEXT": "INFO",
    "TRACE": "DEBUG",
    "DEBUG1": "DEBUG",
    "DEBUG2": "DEBUG",
    "DEBUG3": "DEBUG",
    "DEBUG4": "DEBUG",
    "DEBUG5": "DEBUG",
    "DEBUG_RPC": "DEBUG",
    "DEBUG_SQL": "DEBUG",
}
# Syslog severities 0-7 (RFC 5424 §6.2.1); journald's PRIORITY uses the same numbers.
SYSLOG_LEVELS = ("CRITICAL", "CRITICAL", "CRITICAL", "ERROR", "WARNING", "INFO", "INFO", "DEBUG")


class EntryError(Exception):
    """One entry that cannot become a row; `column` names the field when there is one."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Clock:
    """Turns a format's timestamps into naive UTC and checks they are plausible."""

    tz: dt.tzinfo
    latest: dt.datetime

    @classmethod
    def for_zone(cls, tz: dt.tzinfo) -> Clock:
        return cls(tz, utcnow() + dt.timedelta(days=1))

    def utc(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            if self.tz is dt.timezone.utc:
                if EARLIEST <= moment <= self.latest:
                    return moment
            else:
                moment = moment.replace(tzinfo=self.tz).astimezone(dt.timezone.utc)
        else:
            moment = moment.astimezone(dt.timezone.utc)
        moment = moment.replace(tzinfo=None)
        if moment < EARLIEST or moment > self.latest:
            raise EntryError(
                f"{moment:%Y-%m-%d %H:%M:%S} UTC is out of range (1990 … tomorrow)", "ts"
            )
        return moment

    def iso(self, text: str) -> dt.datetime:
        """A log timestamp as the product reads them (`dates`): `2026-05-01 10:00:00,123`,
        `…T10:00:00.123456+02:00`, `01/May/2026:10:00:00 +0200`.

        The plain ISO shape most lines carry is read by the standard library, which gives the
        same moment as `dates` for exactly that shape (a test holds them equal) in a tenth of
        the time; every other text, and a shaped one that is not a real time, goes to `dates`.
        """
        if PLAIN_ISO(text):
            try:
                return self.utc(dt.datetime.fromisoformat(text))
            except ValueError:
                pass
        try:
            return self.utc(dates.parse_log_timestamp(text))
        except dates.DateError as exc:
            raise EntryError(str(exc), "ts") from None

    def epoch(self, seconds: float) -> dt.datetime:
        try:
            return self.utc(dates.from_epoch(seconds))
        except dates.DateError as exc:
            raise EntryError(str(exc), "ts") from None

    def without_year(
        self, month: str, day: str, clock: str, year: int | None = None
    ) -> dt.datetime:
        """`May  1 10:00:00` (RFC 3164): the year is the one that puts it not after tomorrow."""
        number = MONTHS.get(month)
        if number is None:
            raise EntryError(f"'{month}' is not a month", "ts")
        try:
            hour, minute, second = (int(x) for x in clock.split(":"))
            year = year or self.latest.year
            moment = dt.datetime(year, number, int(day), hour, minute, second)
            if moment.replace(tzinfo=None) > self.latest:
                moment = moment.replace(year=year - 1)
        except ValueError:
            raise EntryError(f"'{month} {day} {clock}' is not a timestamp", "ts") from None
        return self.utc(moment)


def level_of(name: str) -> str:
    level = LEVEL_NAMES.get(name) or LEVEL_NAMES.get(name.upper())
    if level is None:
        raise EntryError(f"'{name[:20]}' is not a log level", "level")
    return level


def text(value: str | None, field: str) -> str | None:
    """An optional column: stripped, None when empty or '-', refused when too long."""
    if value is None:
        return None
    value = value.strip()
    if not value or value == "-":
        return None
    if len(value) > LIMITS[field]:
        raise EntryError(f"is longer than {LIMITS[field]:,} characters", field)
    return value


def message(value: str) -> str:
    """The message column: a multi-line entry longer than the column keeps its start."""
    if "\x00" in value:
        raise EntryError("contains a NUL character", "message")
    if len(value) > MESSAGE_LIMIT:
        return value[: MESSAGE_LIMIT - len(TRUNCATED)] + TRUNCATED
    return value or "-"


@dataclass(frozen=True)
class BadEntry:
    """An entry (starting at `line`) that could not be read."""

    line: int
    column: str | None
    message: str

    def describe(self, source: str) -> str:
        where = f"{source}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.message}"


Lines = Iterator[tuple[int, object]]  # (line number, text) or (line number, a BadEntry-like)
Build = Callable[[re.Match[str], list[str], str], tuple]


def entries(lines: Lines, head: re.Pattern[str], build: Build, what: str) -> Iterator[object]:
    """Multi-line entries: a line matching `head` starts one; lines that do not continue it.

    `build(match, continuation_lines, first_line)` makes the row. Lines before the first entry,
    or an undecodable line, are reported as bad; blank lines are skipped.
    """
    match = None
    start = 0
    first = ""
    more: list[str] = []
    size = 0
    head_match = head.match
    for number, line in lines:
        if line.__class__ is not str:
            yield line
            continue
        found = head_match(line)
        if found is None:
            if not line.strip():
                continue
            if match is None:
                yield BadEntry(number, None, f"does not start {what} entry")
            elif size < MESSAGE_LIMIT:
                more.append(line)
                size += len(line) + 1
            continue
        if match is not None:
            try:
                yield build(match, more, first)
            except EntryError as exc:
                yield BadEntry(start, exc.column, exc.message)
        match, start, first, more, size = found, number, line, [], len(line)
    if match is not None:
        yield _built(build, match, more, first, start)


def _built(build: Build, match: re.Match[str], more: list[str], first: str, start: int):
    try:
        return build(match, more, first)
    except EntryError as exc:
        return BadEntry(start, exc.column, exc.message)


def single(lines: Lines, parse: Callable[[str], tuple], what: str) -> Iterator[object]:
    """One entry per line: blank lines skipped, every other line parsed on its own."""
    for number, line in lines:
        if not isinstance(line, str):
            yield line
            continue
        if not line.strip():
            continue
        try:
            yield parse(line)
        except EntryError as exc:
            yield BadEntry(number, exc.column, exc.message)

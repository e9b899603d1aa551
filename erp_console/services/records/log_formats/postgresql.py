"""PostgreSQL server logs: stderr with the default prefix, and csvlog.

stderr: `log_line_prefix` '%m [%p] ' (the default since PostgreSQL 10) or Debian's
'%m [%p] %q%u@%d ': `2026-05-01 10:00:00.123 UTC [4242] odoo@prod ERROR:  message`. DETAIL,
HINT, CONTEXT, STATEMENT and QUERY lines of the same process, and tab-indented lines, belong to
the entry above them.

csvlog: one CSV record per entry (quoted fields may span lines); columns as documented for
`log_destination = 'csvlog'` (23 to 26 of them, by version).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator

from erp_console.services.records.log_formats.base import (
    BadEntry,
    Clock,
    EntryError,
    Lines,
    level_of,
    message,
    text,
)

PREFIX = re.compile(
    r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)(?: ([A-Za-z]{1,6}|[+-]\d\d(?::?\d\d)?))? "
    r"\[(\d+)\] (?:(\S*)@(\S*) )?([A-Z0-9]+):  (.*)"
)
ATTACHED = frozenset({"DETAIL", "HINT", "CONTEXT", "STATEMENT", "QUERY", "LOCATION"})
UTC_NAMES = frozenset({"UTC", "GMT", "Z"})
CSV_COLUMNS = (
    "log_time",
    "user_name",
    "database_name",
    "process_id",
    "connection_from",
    "session_id",
    "session_line_num",
    "command_tag",
    "session_start_time",
    "virtual_transaction_id",
    "transaction_id",
    "error_severity",
    "sql_state_code",
    "message",
    "detail",
    "hint",
    "internal_query",
    "internal_query_pos",
    "context",
    "query",
    "query_pos",
    "location",
    "application_name",
)


def _moment(clock: Clock, ts: str, zone: str | None) -> dt.datetime:
    if zone is None:
        return clock.iso(ts)
    if zone in UTC_NAMES:
        return clock.iso(ts + "Z")
    if zone[0] in "+-":
        return clock.iso(ts + zone)
    return clock.iso(ts)  # a zone abbreviation (CEST) is ambiguous: the log's --tz decides


def stderr(lines: Lines, clock: Clock, **_) -> Iterator[object]:
    current: list | None = None
    for number, line in lines:
        if not isinstance(line, str):
            yield line
            continue
        m = PREFIX.match(line)
        if (
            m is not None
            and m.group(6) in ATTACHED
            and current is not None
            and m.group(3) == current[2]
        ):
            current[1].append(f"{m.group(6)}:  {m.group(7)}")
            continue
        if m is None:
            if not line.strip():
                continue
            if current is None:
                yield BadEntry(number, None, "does not start a PostgreSQL log entry")
            else:
                current[1].append(line)
            continue
        if current is not None:
            yield _stderr_row(clock, *current)
        current = [m, [], m.group(3), number, line]
    if current is not None:
        yield _stderr_row(clock, *current)


def _stderr_row(clock: Clock, m: re.Match[str], more: list[str], _pid, number: int, line: str):
    ts, zone, _pid, user, _database, level, msg = m.groups()
    try:
        return (
            _moment(clock, ts, zone),
            level_of(level),
            "postgresql",
            text(user, "user_login"),
            None,
            None,
            message("\n".join([msg, *more]) if more else msg),
            line,
        )
    except (EntryError, ValueError) as exc:
        column = exc.column if isinstance(exc, EntryError) else "ts"
        return BadEntry(number, column, getattr(exc, "message", str(exc)))


def csvlog(lines: Lines, clock: Clock, **_) -> Iterator[object]:
    problems: list[object] = []
    where = [0, 0]  # line number where the current record starts, line number read

    def feed() -> Iterator[str]:
        for number, line in lines:
            if not isinstance(line, str):
                problems.append(line)
                continue
            where[1] = number
            yield line + "\n"

    reader = csv.reader(feed())
    while True:
        where[0] = where[1] + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield BadEntry(where[1], None, f"not valid CSV ({exc})")
            continue
        yield from problems
        problems.clear()
        if not record or not any(record):
            continue
        yield _csv_row(clock, record, where[0])
    yield from problems


def _csv_row(clock: Clock, record: list[str], number: int):
    if len(record) < len(CSV_COLUMNS):
        return BadEntry(number, None, f"has {len(record)} columns, a csvlog record has 23 or more")
    field = dict(zip(CSV_COLUMNS, record, strict=False))
    ts, _, zone = field["log_time"].rpartition(" ")
    if not ts:
        ts, zone = zone, "UTC"
    try:
        body = field["message"]
        for extra in ("detail", "hint", "context", "query"):
            if field[extra]:
                body += f"\n{extra.upper()}:  {field[extra]}"
        application = field["application_name"] or (record[23] if len(record) > 23 else "")
        return (
            _moment(clock, ts, zone),
            level_of(field["error_severity"]),
            text(application or "postgresql", "source"),
            text(field["user_name"], "user_login"),
            text(field["connection_from"], "host"),
            text(field["sql_state_code"], "event"),
            message(body),
            ",".join(record[:13])[:2000],
        )
    except EntryError as exc:
        return BadEntry(number, exc.column, exc.message)

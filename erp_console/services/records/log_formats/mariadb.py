"""MariaDB (and MySQL) error log and slow query log.

Error log: `2026-05-01 10:00:00 0 [ERROR] InnoDB: message` (MariaDB 10.x: time, thread id,
[level]), `260501 10:00:00 [Note] message` (older), `2026-05-01T10:00:00.123456Z 0 [ERROR]
[MY-010119] [Server] message` (MySQL 8). A subsystem named before a colon (`InnoDB:`) is the
source; lines that start no entry (a stack trace) belong to the entry above.

Slow query log: an entry starts at `# User@Host:` (a `# Time:` line may come before it); its
`SET timestamp=N;` gives the time, `# Query_time:` the figures, the rest is the statement.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from erp_console.services.records.log_formats.base import (
    BadEntry,
    Clock,
    EntryError,
    Lines,
    entries,
    level_of,
    message,
    text,
)

ERROR_LINE = re.compile(
    r"(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?Z?|\d{6} {1,2}\d{1,2}:\d\d:\d\d)"
    r"(?: +(\d+))? \[(\w+)\](?: \[(MY-\d+)\] \[(\w+)\])? (.*)"
)
SUBSYSTEM = re.compile(r"([A-Za-z][\w-]{1,30}): ")
LEVELS = {"NOTE": "INFO", "SYSTEM": "INFO"}
USER_HOST = re.compile(r"# User@Host: (\S*?)\[[^\]]*\] @ (\S*) \[([^\]]*)\]")
TIME = re.compile(r"# Time: (\S+)(?: +(\S+))?")
TIMESTAMP = re.compile(r"SET timestamp=(\d+);")
QUERY_TIME = re.compile(r"# Query_time: ([\d.]+)")
PREAMBLE = re.compile(r"(?:\S+, Version: |Tcp port: |Time\s+Id\s+Command\s+Argument)")
SLOW_SECONDS_ERROR = 10.0


def _old_style(ts: str) -> str:
    day, _, clock = ts.partition(" ")
    clock = clock.strip()
    return f"20{day[:2]}-{day[2:4]}-{day[4:6]} {clock:0>8}"


def error_log(lines: Lines, clock: Clock, **_) -> Iterator[object]:
    def build(m: re.Match[str], more: list[str], line: str) -> tuple:
        ts, _thread, level, code, subsystem, msg = m.groups()
        if len(ts) < 19 or ts[6] == " ":
            ts = _old_style(ts)
        name = level.upper()
        found = SUBSYSTEM.match(msg) if subsystem is None else None
        source = subsystem or (found.group(1) if found else "mariadb")
        body = "\n".join([msg, *more]) if more else msg
        return (
            clock.iso(ts),
            LEVELS.get(name) or level_of(name),
            text(source, "source"),
            None,
            None,
            code,
            message(body),
            line,
        )

    return entries(lines, ERROR_LINE, build, "a MariaDB error log")


def slow_log(lines: Lines, clock: Clock, **_) -> Iterator[object]:
    pending: list[str] = []
    start = 0
    last_time: str | None = None
    for number, line in lines:
        if not isinstance(line, str):
            yield line
            continue
        if line.startswith("# Time: "):
            if pending:
                yield _slow_entry(clock, pending, start, last_time)
                pending = []
            last_time = line
            continue
        if line.startswith("# User@Host: "):
            if pending:
                yield _slow_entry(clock, pending, start, last_time)
            pending, start = [line], number
            continue
        if not line.strip() or (not pending and PREAMBLE.match(line)):
            continue
        if not pending:
            yield BadEntry(number, None, "does not start a slow query log entry (# User@Host:)")
            continue
        pending.append(line)
    if pending:
        yield _slow_entry(clock, pending, start, last_time)


def _slow_entry(clock: Clock, lines: list[str], start: int, time_line: str | None):
    try:
        return _slow_row(clock, lines, time_line)
    except EntryError as exc:
        return BadEntry(start, exc.column, exc.message)


def _slow_row(clock: Clock, lines: list[str], time_line: str | None) -> tuple:
    who = USER_HOST.match(lines[0])
    user, host, ip = who.groups() if who else (None, None, None)
    moment: dt.datetime | None = None
    seconds = 0.0
    statement: list[str] = []
    figures: list[str] = []
    for line in lines[1:]:
        stamp = TIMESTAMP.match(line)
        if stamp:
            moment = clock.epoch(float(stamp.group(1)))
            continue
        if line.startswith("# "):
            query_time = QUERY_TIME.match(line)
            if query_time:
                seconds = float(query_time.group(1))
            figures.append(line[2:])
            continue
        if line.startswith("use ") and not statement:
            continue
        statement.append(line)
    if moment is None:
        if time_line is None:
            raise EntryError("has no SET timestamp and no # Time: line before it", "ts")
        day, _, rest = TIME.match(time_line).group(0)[8:].partition(" ")  # type: ignore[union-attr]
        moment = clock.iso(_old_style(f"{day} {rest}") if "-" not in day else day)
    body = "\n".join(statement) + ("\n-- " + "; ".join(figures) if figures else "")
    return (
        moment,
        "ERROR" if seconds >= SLOW_SECONDS_ERROR else "WARNING",
        "mariadb.slow",
        text(user, "user_login"),
        text(ip or host, "host"),
        "slow_query",
        message(body.strip() or "-"),
        lines[0],
    )

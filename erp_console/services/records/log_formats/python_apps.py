"""Odoo and Frappe/ERPNext logs: Python `logging` lines with their tracebacks kept in the entry.

- Odoo (odoo/netsvc.py): `2026-05-01 10:00:00,123 4242 ERROR prod odoo.addons.x.models.y: msg`
  (time, process id, level, database or `?`, logger name, message).
- Frappe (frappe/utils/logger.py): `2026-05-01 10:00:00,123 ERROR frappe msg` (time, level, log
  module), in `frappe.log`, `database.log`, `scheduler.log` and the like.
- Gunicorn, which serves Frappe (`web.error.log`): `[2026-05-01 10:00:00 +0000] [4242] [ERROR] msg`.
- RQ workers of Frappe (`worker.log`, `worker.error.log`): `10:00:00 default: msg`, a time without
  a date: the date is the file's modification date (a time after the file's time is the day
  before). Lines that start no entry (a traceback's) belong to the entry above them.
"""

from __future__ import annotations

import datetime as dt
import re

from erp_console.services.records.log_formats.base import (
    Clock,
    EntryError,
    Lines,
    entries,
    level_of,
    message,
)

ODOO = re.compile(
    r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:,\d{3})?) (\d+) ([A-Z_]+) (\S+) (\S+?): ?(.*)"
)
FRAPPE = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:,\d{3})?) ([A-Z]+) (\S+) (.*)")
GUNICORN = re.compile(
    r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?: [+-]\d{4})?)\] \[(\d+)\] \[([A-Z]+)\] (.*)"
)
RQ = re.compile(r"(\d\d:\d\d:\d\d) (.*)")
WERKZEUG = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]+:[0-9a-fA-F:]*) - - \[")
PYTHON_ERROR = re.compile(r"(?:Traceback|\w+(?:\.\w+)*(?:Error|Exception)\b)")


def source_name(name: str) -> str:
    """A logger name too long for the column keeps its end (the module is the telling part)."""
    return name if len(name) <= 64 else "…" + name[-63:]


def _joined(first: str, more: list[str]) -> str:
    if more:
        return message("\n".join([first, *more]))
    return first if first and "\x00" not in first else message(first)


def odoo(lines: Lines, clock: Clock, **_) -> object:
    iso = clock.iso

    def build(m: re.Match[str], more: list[str], line: str) -> tuple:
        ts, _pid, level, _db, logger, msg = m.groups()
        client = WERKZEUG.match(msg) if logger == "werkzeug" else None
        return (
            iso(ts),
            level_of(level),
            source_name(logger),
            None,
            client.group(1) if client else None,
            None,
            _joined(msg, more),
            line,
        )

    return entries(lines, ODOO, build, "an Odoo log")


def frappe(lines: Lines, clock: Clock, **_) -> object:
    iso = clock.iso

    def build(m: re.Match[str], more: list[str], line: str) -> tuple:
        ts, level, module, msg = m.groups()
        return (
            iso(ts),
            level_of(level),
            source_name(module),
            None,
            None,
            None,
            _joined(msg, more),
            line,
        )

    return entries(lines, FRAPPE, build, "a Frappe log")


def gunicorn(lines: Lines, clock: Clock, **_) -> object:
    def build(m: re.Match[str], more: list[str], line: str) -> tuple:
        ts, _pid, level, msg = m.groups()
        return (
            clock.iso(ts),
            level_of(level),
            "gunicorn",
            None,
            None,
            None,
            _joined(msg, more),
            line,
        )

    return entries(lines, GUNICORN, build, "a gunicorn log")


def rq_worker(lines: Lines, clock: Clock, modified: dt.datetime | None = None, **_) -> object:
    """`modified` is the file's modification time in the log's zone (naive)."""
    last = modified or dt.datetime.now()

    def build(m: re.Match[str], more: list[str], line: str) -> tuple:
        clock_text, msg = m.groups()
        try:
            hour, minute, second = (int(x) for x in clock_text.split(":"))
            moment = dt.datetime.combine(last.date(), dt.time(hour, minute, second))
        except ValueError:
            raise EntryError(f"'{clock_text}' is not a time of day", "ts") from None
        if moment > last:
            moment -= dt.timedelta(days=1)
        body = _joined(msg, more)
        failed = bool(more) and any(PYTHON_ERROR.match(x) for x in more)
        level = "ERROR" if failed or " failed" in msg.lower() else "INFO"
        return (clock.utc(moment), level, "rq.worker", None, None, None, body, line)

    return entries(lines, RQ, build, "an RQ worker log")

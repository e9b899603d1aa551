"""Built-in log formats: each named, detected from a file's first lines, parsed into rows.

A parser takes (line number, text) pairs — or a bad-line marker, passed through — and yields rows
(tuples in `ROW_FIELDS` order) or `BadEntry`s. JSON Lines, CSV and regex text (`log_lines`) are
the general formats; these are the logs ERPs and their servers write.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from erp_console.services.records.log_formats import (
    access,
    dolibarr,
    journald,
    mariadb,
    postgresql,
    python_apps,
    syslog,
)
from erp_console.services.records.log_formats.base import BadEntry, Clock, Lines

Parser = Callable[..., Iterator[object]]


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    parse: Parser
    looks_like: Callable[[list[str]], bool]


def _first_matches(pattern: re.Pattern[str]) -> Callable[[list[str]], bool]:
    return lambda lines: bool(lines) and pattern.match(lines[0]) is not None


def _journald(lines: list[str]) -> bool:
    try:
        first = json.loads(lines[0]) if lines else None
    except json.JSONDecodeError:
        return False
    return isinstance(first, dict) and "__REALTIME_TIMESTAMP" in first


def _pg_csv(lines: list[str]) -> bool:
    if not lines:
        return False
    record = next(csv.reader(line + "\n" for line in lines), [])
    return (
        len(record) >= len(postgresql.CSV_COLUMNS)
        and re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", record[0]) is not None
    )


def _slow(lines: list[str]) -> bool:
    return any(x.startswith(("# User@Host: ", "# Time: ")) for x in lines[:12])


BUILT_IN = (
    Format("journald", "journalctl -o json", journald.journald, _journald),
    Format("postgresql-csv", "PostgreSQL csvlog", postgresql.csvlog, _pg_csv),
    Format("odoo", "Odoo server log", python_apps.odoo, _first_matches(python_apps.ODOO)),
    Format("frappe", "Frappe/ERPNext log", python_apps.frappe, _first_matches(python_apps.FRAPPE)),
    Format(
        "gunicorn",
        "gunicorn error log (Frappe web)",
        python_apps.gunicorn,
        _first_matches(python_apps.GUNICORN),
    ),
    Format("dolibarr", "dolibarr.log", dolibarr.dolibarr, _first_matches(dolibarr.LINE)),
    Format(
        "postgresql", "PostgreSQL server log", postgresql.stderr, _first_matches(postgresql.PREFIX)
    ),
    Format(
        "mariadb-error",
        "MariaDB/MySQL error log",
        mariadb.error_log,
        _first_matches(mariadb.ERROR_LINE),
    ),
    Format("mariadb-slow", "MariaDB/MySQL slow query log", mariadb.slow_log, _slow),
    Format(
        "syslog",
        "syslog (RFC 3164, RFC 5424)",
        syslog.syslog,
        lambda lines: (
            bool(lines)
            and any(p.match(lines[0]) for p in (syslog.RFC5424, syslog.RFC3339, syslog.BSD))
        ),
    ),
    Format("access", "nginx/Apache access log", access.access, _first_matches(access.LINE)),
    Format(
        "rq-worker", "RQ worker log (Frappe)", python_apps.rq_worker, _first_matches(python_apps.RQ)
    ),
)
BY_NAME = {f.name: f for f in BUILT_IN}


def detect(first_lines: list[str]) -> Format | None:
    """The built-in format the file's first non-blank lines are written in, if any."""
    lines = [x for x in first_lines if x.strip()]
    for fmt in BUILT_IN:
        if fmt.looks_like(lines):
            return fmt
    return None


__all__ = ["BUILT_IN", "BY_NAME", "BadEntry", "Clock", "Format", "Lines", "detect"]

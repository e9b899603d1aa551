"""Dolibarr's `dolibarr.log` (htdocs/core/modules/syslog/mod_syslog_file.php).

`2026-05-01 10:00:00 ERR     192.168.1.20       4242 www-da message`: time in UTC, level
padded to 7, client IP padded to 15, then (since Dolibarr 13) the process id and OS user, then the
message. An optional delay (`MAIN_SYSLOG_SHOW_DELAY`) may follow the time.
"""

from __future__ import annotations

import datetime as dt
import re

from erp_console.services.records.log_formats.base import (
    Clock,
    Lines,
    entries,
    level_of,
    message,
    text,
)

LINE = re.compile(
    r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?: \d+\.\d+)? "
    r"(EMERG|ALERT|CRIT|ERR|ERROR|WARNING|NOTICE|INFO|DEBUG) +(\S+) +"
    r"(?:(\d+) +(\S+) )?(.*)"
)


def dolibarr(lines: Lines, clock: Clock, **_) -> object:
    utc = Clock(dt.timezone.utc, clock.latest)

    def build(m: re.Match[str], more: list[str], line: str) -> tuple:
        ts, level, ip, _pid, _osuser, msg = m.groups()
        body = "\n".join([msg, *more]) if more else msg
        return (
            utc.iso(ts),
            level_of(level),
            "dolibarr",
            None,
            text(ip, "host"),
            None,
            message(body),
            line,
        )

    return entries(lines, LINE, build, "a dolibarr.log")

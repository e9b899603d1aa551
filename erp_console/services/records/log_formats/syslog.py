"""syslog files: RFC 3164 (BSD), rsyslog's RFC 3339 file format, and RFC 5424.

- RFC 3164: `[<PRI>]May  1 10:00:00 host tag[pid]: message` (no year: the one that puts the
  line not after tomorrow).
- rsyslog file format: `2026-05-01T10:00:00.123456+02:00 host tag[pid]: message`.
- RFC 5424: `<PRI>1 2026-05-01T10:00:00.003Z host app procid msgid [structured data] message`.

The level is the priority's severity when the line has one, else INFO. The tag (app name) is the
source, the host is the host; RFC 5424's MSGID is the event.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from erp_console.services.records.log_formats.base import (
    SYSLOG_LEVELS,
    Clock,
    EntryError,
    Lines,
    message,
    single,
    text,
)

BSD = re.compile(
    r"(?:<(\d{1,3})>)?([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d) (\S+) ([^\s:\[]+)(?:\[(\d+)\])?: ?(.*)"
)
RFC3339 = re.compile(
    r"(?:<(\d{1,3})>)?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (\S+) "
    r"([^\s:\[]+)(?:\[(\d+)\])?: ?(.*)"
)
RFC5424 = re.compile(
    r"<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+) ?(?:\ufeff)?(.*)"
)


def _severity(pri: str | None) -> str:
    if pri is None:
        return "INFO"
    value = int(pri)
    if value > 191:
        raise EntryError(f"<{pri}> is not a syslog priority", "level")
    return SYSLOG_LEVELS[value & 7]


def syslog(lines: Lines, clock: Clock, **_) -> Iterator[object]:
    def parse(line: str) -> tuple:
        m = RFC5424.match(line)
        if m:
            pri, ts, host, app, _procid, msgid, _data, msg = m.groups()
            if ts == "-":
                raise EntryError("has no timestamp (NILVALUE)", "ts")
            return (
                clock.iso(ts),
                _severity(pri),
                text(app, "source"),
                None,
                text(host, "host"),
                text(msgid, "event"),
                message(msg),
                line,
            )
        m = RFC3339.match(line)
        if m:
            pri, ts, host, tag, _pid, msg = m.groups()
            moment = clock.iso(ts)
        else:
            m = BSD.match(line)
            if m is None:
                raise EntryError("is not a syslog line (RFC 3164 or RFC 5424)")
            pri, month, day, hour, host, tag, _pid, msg = m.groups()
            moment = clock.without_year(month, day, hour)
        return (
            moment,
            _severity(pri),
            text(tag, "source"),
            None,
            text(host, "host"),
            None,
            message(msg),
            line,
        )

    return single(lines, parse, "a syslog")

"""`journalctl -o json`: one JSON object per line with journald's fields.

__REALTIME_TIMESTAMP (microseconds since the epoch) is the time, PRIORITY (0-7) the level,
SYSLOG_IDENTIFIER (or _COMM) the source, _HOSTNAME the host, _SYSTEMD_UNIT the event, MESSAGE the
message (a list of byte values when it was not valid UTF-8).
"""

from __future__ import annotations

import json
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


def _text_of(value: object) -> str:
    if isinstance(value, list):
        return bytes(v for v in value if isinstance(v, int) and 0 <= v < 256).decode(
            "utf-8", "replace"
        )
    return "" if value is None else str(value)


def journald(lines: Lines, clock: Clock, **_) -> Iterator[object]:
    def parse(line: str) -> tuple:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EntryError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(entry, dict):
            raise EntryError("is not a JSON object")
        stamp = entry.get("__REALTIME_TIMESTAMP")
        if not isinstance(stamp, str) or not stamp.isdigit():
            raise EntryError("missing __REALTIME_TIMESTAMP", "ts")
        priority = str(entry.get("PRIORITY", "6"))
        if not priority.isdigit() or int(priority) > 7:
            raise EntryError(f"'{priority[:20]}' is not a journald PRIORITY", "level")
        source = entry.get("SYSLOG_IDENTIFIER") or entry.get("_COMM")
        return (
            clock.epoch(int(stamp) / 1_000_000),
            SYSLOG_LEVELS[int(priority)],
            text(_text_of(source), "source") if source else None,
            None,
            text(_text_of(entry.get("_HOSTNAME")), "host"),
            text(_text_of(entry.get("_SYSTEMD_UNIT")), "event"),
            message(_text_of(entry.get("MESSAGE")).rstrip("\n")),
            line,
        )

    return single(lines, parse, "a journald export")

"""Text lines matched by a regular expression with named groups (`--pattern`, or the default).

The common line — an ISO 8601 time, a known level, fields within their limits — becomes a row
directly; any other line goes through `log_lines.to_row`, which accepts exactly what this does
and names the problem of everything else, so both paths give the same rows and the same errors.
"""

from __future__ import annotations

from collections.abc import Iterator

from erp_console.db.models import LOG_LEVELS
from erp_console.services.records.log_formats.base import BadEntry, Clock, EntryError, Lines
from erp_console.services.records.log_lines import (
    ALIASES,
    FIELDS,
    LIMITS,
    LineError,
    compile_pattern,
    to_row,
)
from erp_console.services.records.logs import LEVEL_ALIASES

LEVELS = {
    **{name: name for name in LOG_LEVELS},
    **{name.lower(): name for name in LOG_LEVELS},
    **LEVEL_ALIASES,
    **{k.lower(): v for k, v in LEVEL_ALIASES.items()},
}
OPTIONAL = ("source", "user_login", "host", "event")


def regex_text(lines: Lines, clock: Clock, pattern: str | None = None, **_) -> Iterator[object]:
    regex = compile_pattern(pattern)
    groups: dict[str, str] = {}
    for name in regex.groupindex:
        field = ALIASES.get(name.strip().lower())
        if field is not None and field not in groups:
            groups[field] = name
    match_line = regex.match
    fast = all(f in groups for f in ("ts", "level", "message"))
    index = [groups.get(f) for f in FIELDS]
    tz = clock.tz
    for number, line in lines:
        if line.__class__ is not str:
            yield line
            continue
        if not line.strip():  # type: ignore[attr-defined]
            continue
        m = match_line(line)  # type: ignore[arg-type]
        if m is None:
            yield BadEntry(number, None, "does not match the line pattern")
            continue
        row = _quick(m, index, clock) if fast else None
        if row is None:
            try:
                raw = to_row(m.groupdict(), tz)
            except LineError as exc:
                yield BadEntry(number, exc.column, exc.message)
                continue
            row = (*(raw[f] for f in FIELDS), None)
        yield row


def _quick(m, index: list[str | None], clock: Clock) -> tuple | None:
    """The row of a plain line, or None to leave it to `to_row` (which explains problems)."""
    ts_name, level_name, *optional_names, message_name = index
    try:
        ts = clock.iso(m.group(ts_name))
    except (EntryError, TypeError):
        return None
    level = LEVELS.get(m.group(level_name))
    message = m.group(message_name)
    if level is None or not message or "\x00" in message:
        return None
    message = message.rstrip("\r\n")
    if len(message) > LIMITS["message"] or message.strip() in ("", "-"):
        return None
    values = []
    for field, name in zip(OPTIONAL, optional_names, strict=True):
        value = m.group(name) if name else None
        if value is not None:
            value = value.strip()
            if not value or value == "-":
                value = None
            elif len(value) > LIMITS[field] or "\x00" in value:
                return None
        values.append(value)
    return (ts, level, *values, message, None)

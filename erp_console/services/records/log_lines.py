"""One log line → one system_log row: field names, timestamps, levels and length limits.

Formats: JSON Lines (one object per line), CSV with a header row, and plain text matched by a
regular expression with named groups. Every problem raises `LineError` naming the field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from erp_console.db.models import utcnow
from erp_console.errors import ValidationError
from erp_console.services.core import dates
from erp_console.services.records.logs import normalize_level

FIELDS = ("ts", "level", "source", "user_login", "host", "event", "message")
REQUIRED = ("ts", "level", "message")
ALIASES = {
    "ts": "ts",
    "timestamp": "ts",
    "time": "ts",
    "@timestamp": "ts",
    "datetime": "ts",
    "date": "ts",
    "level": "level",
    "severity": "level",
    "loglevel": "level",
    "source": "source",
    "module": "source",
    "logger": "source",
    "component": "source",
    "user": "user_login",
    "user_login": "user_login",
    "login": "user_login",
    "username": "user_login",
    "host": "host",
    "hostname": "host",
    "server": "host",
    "event": "event",
    "event_type": "event",
    "message": "message",
    "msg": "message",
    "text": "message",
}
LIMITS = {"source": 64, "user_login": 64, "host": 128, "event": 64, "message": 30_000}
DEFAULT_PATTERN = (
    r"^(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)"
    r"\s+(?P<level>[A-Za-z]+)\s+(?P<source>\S+)\s+(?P<user>\S+)\s+(?P<message>.*?)\s*$"
)
EARLIEST = dt.datetime(1990, 1, 1)
EMPTY = ("", "-")


class LineError(Exception):
    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


def zone(name: str | None) -> dt.tzinfo:
    if not name or name.upper() == "UTC":
        return dt.timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"'{name}' is not a time zone (e.g. UTC, Europe/Berlin)", field="tz"
        ) from None


def parse_timestamp(value: object, tz: dt.tzinfo = dt.timezone.utc) -> dt.datetime:
    """ISO 8601 and common log formats, or epoch seconds/milliseconds, to naive UTC.

    A timestamp without a zone is read in `tz` (UTC unless told otherwise).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        parsed = _epoch(float(value))
    else:
        text = str(value).strip()
        if not text:
            raise LineError("is empty", "ts")
        parsed = _parse_text(text)
        if parsed is None:
            raise LineError(
                f"'{text[:40]}' is not a timestamp (use ISO 8601, e.g. 2024-05-01T12:00:00Z)",
                "ts",
            )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    result = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if result < EARLIEST or result > utcnow() + dt.timedelta(days=1):
        raise LineError(f"{result:%Y-%m-%d %H:%M:%S} UTC is out of range (1990 … tomorrow)", "ts")
    return result


def _epoch(number: float) -> dt.datetime:
    try:
        return dates.from_epoch(number)
    except dates.DateError as exc:
        raise LineError(str(exc), "ts") from None


def _parse_text(text: str) -> dt.datetime | None:
    try:
        return dates.parse_log_timestamp(text)
    except dates.DateError:
        return None


def to_row(raw: dict[str, object], tz: dt.tzinfo) -> dict[str, object]:
    """Known fields of one parsed line to a system_log row; unknown names are ignored."""
    values: dict[str, object] = {}
    for name, value in raw.items():
        field = ALIASES.get(str(name).strip().lower())
        if field is not None and field not in values:
            values[field] = value
    for field in REQUIRED:
        value = values.get(field)
        if value is None or (isinstance(value, str) and value.strip() in EMPTY):
            raise LineError(f"missing {field}", field)
    row: dict[str, object] = {"ts": parse_timestamp(values["ts"], tz)}
    level = normalize_level(str(values["level"]))
    if level is None:
        raise LineError(f"'{str(values['level'])[:20]}' is not a log level", "level")
    row["level"] = level
    for field in ("source", "user_login", "host", "event", "message"):
        value = values.get(field)
        if value is None or isinstance(value, (dict, list)) and field != "message":
            row[field] = None
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        text = text.strip() if field != "message" else text.rstrip("\r\n")
        if field != "message" and text in EMPTY:
            row[field] = None
            continue
        if "\x00" in text:
            raise LineError("contains a NUL character", field)
        if len(text) > LIMITS[field]:
            raise LineError(f"is longer than {LIMITS[field]:,} characters", field)
        row[field] = text
    return row


# --- formats --------------------------------------------------------------------------------


def json_parser() -> Callable[[str], dict[str, object]]:
    def parse(line: str) -> dict[str, object]:
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LineError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(value, dict):
            raise LineError("is not a JSON object")
        return value

    return parse


def text_parser(pattern: str | None) -> Callable[[str], dict[str, object]]:
    regex = compile_pattern(pattern)

    def parse(line: str) -> dict[str, object]:
        match = regex.match(line)
        if match is None:
            raise LineError("does not match the line pattern")
        return match.groupdict()

    return parse


def compile_pattern(pattern: str | None) -> re.Pattern[str]:
    try:
        regex = re.compile(pattern or DEFAULT_PATTERN)
    except re.error as exc:
        raise ValidationError(f"is not a regular expression: {exc}", field="pattern") from None
    names = {ALIASES.get(n.lower(), n) for n in regex.groupindex}
    missing = [f for f in ("ts", "message") if f not in names]
    if missing:
        raise ValidationError(
            f"needs the named groups {', '.join(f'(?P<{m}>…)' for m in missing)}",
            field="pattern",
        )
    return regex


def csv_columns(header: list[str], source: str) -> list[str | None]:
    """Header names → row fields; every required field must have a column."""
    fields = [ALIASES.get(h.strip().lstrip("\ufeff").lower()) for h in header]
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise ValidationError(
            f"the header has no column for {', '.join(missing)} (found: {', '.join(header)[:200]})",
            source=source,
            row=1,
        )
    return fields

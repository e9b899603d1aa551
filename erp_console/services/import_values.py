"""Cell parsers for imports: each returns the typed value or raises ValueError with a clear message.

Dates are accepted as `2026-03-01`, `01.03.2026` and `3/1/2026`; a slash date whose day and month
could be swapped is refused as ambiguous unless `--date-format` (`iso`, `dmy`, `mdy` or a
strftime pattern such as `%d/%m/%Y`) says how to read it.
"""

from __future__ import annotations

import datetime as dt
import re

from erp_console.services.validation import EMAIL_RE, LOGIN_RE

DATE_FORMATS = {"iso": "%Y-%m-%d", "dmy": "%d/%m/%Y", "mdy": "%m/%d/%Y"}
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
TRUE = {"1", "true", "t", "yes", "y", "x", "ja", "active"}
FALSE = {"0", "false", "f", "no", "n", "", "nein", "inactive"}


def _text(value: object) -> str:
    if value.__class__ is str:
        return value.strip()  # type: ignore[union-attr]
    return "" if value is None else str(value).strip()


def _formatted(text: str, date_format: str) -> dt.date:
    pattern = DATE_FORMATS.get(date_format.lower(), date_format)
    for candidate in (pattern, pattern.replace("/", "."), pattern.replace("/", "-")):
        try:
            return dt.datetime.strptime(text, candidate).date()
        except ValueError:
            continue
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date in the format {pattern}") from None


def _date(value: object, date_format: str | None) -> dt.date | None:
    text = _text(value)
    if not text:
        return None
    if date_format:
        return _formatted(text, date_format)
    if len(text) >= 10 and text[4:5] == "-":
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            raise ValueError(f"'{text}' is not a date (YYYY-MM-DD)") from None
    dotted = _DOTTED.match(text)
    if dotted:
        day, month, year = (int(g) for g in dotted.groups())
        return _make(text, year, month, day)
    slash = _SLASH.match(text)
    if slash:
        first, second, year = (int(g) for g in slash.groups())
        if first > 12:
            return _make(text, year, second, first)
        if second > 12 or first == second:
            return _make(text, year, first, second)
        raise ValueError(
            f"'{text}' is ambiguous (day/month or month/day?); pass --date-format dmy or mdy"
        )
    raise ValueError(f"'{text}' is not a date (use YYYY-MM-DD, DD.MM.YYYY or M/D/YYYY)")


def _make(text: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"'{text}' is not a valid date") from None


def date_value(value: object, date_format: str | None = None) -> dt.date | None:
    return _date(value, date_format)


def datetime_value(value: object, date_format: str | None = None) -> dt.datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return parsed
    except ValueError:
        pass
    day_part, _, time_part = text.partition(" ")
    day = _date(day_part, date_format)
    if day is None:
        return None
    if not time_part:
        return dt.datetime.combine(day, dt.time())
    try:
        clock = dt.time.fromisoformat(time_part.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a date and time (YYYY-MM-DD HH:MM)") from None
    return dt.datetime.combine(day, clock)


def bool_value(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False if text else None
    raise ValueError(f"'{value}' is not yes/no (true/false, 1/0)")


def text_value(value: object, *, max_len: int, required: bool = False) -> str | None:
    text = _text(value)
    if not text:
        if required:
            raise ValueError("is required")
        return None
    if len(text) > max_len:
        raise ValueError(f"is longer than {max_len} characters")
    return text


def choice_value(value: object, choices: tuple[str, ...], default: str | None = None) -> str:
    text = _text(value).lower()
    if not text and default is not None:
        return default
    if text not in choices:
        raise ValueError(f"'{_text(value)}' is not one of {', '.join(choices)}")
    return text


def login_value(value: object) -> str:
    text = _text(value)
    if not text:
        raise ValueError("is required")
    if not LOGIN_RE.match(text):
        raise ValueError(f"'{text}' must be 3-64 letters, digits, '.', '_' or '-'")
    return text


def email_value(value: object) -> str | None:
    text = _text(value)
    if text and not EMAIL_RE.match(text):
        raise ValueError(f"'{text}' is not an e-mail address")
    return text or None

"""Cell parsers for imports: each returns the typed value or raises ValueError with a clear message.

Dates and times are read by `services.core.dates` (strict; `--date-format` is its `order`).
"""

from __future__ import annotations

import datetime as dt

from erp_console.services.core.dates import parse_date, parse_datetime
from erp_console.services.core.validation import EMAIL_RE, LOGIN_RE, control_problem

ORDER_HINT = "pass --date-format dmy or mdy"
TRUE = {"1", "true", "t", "yes", "y", "x", "ja", "active"}
FALSE = {"0", "false", "f", "no", "n", "", "nein", "inactive"}


def _text(value: object) -> str:
    if value.__class__ is str:
        return value.strip()  # type: ignore[union-attr]
    return "" if value is None else str(value).strip()


def date_value(value: object, date_format: str | None = None) -> dt.date | None:
    text = _text(value)
    return parse_date(text, date_format, hint=ORDER_HINT) if text else None


def datetime_value(value: object, date_format: str | None = None) -> dt.datetime | None:
    text = _text(value)
    return parse_datetime(text, date_format, hint=ORDER_HINT) if text else None


def bool_value(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False if text else None
    raise ValueError(f"'{value}' is not yes/no (true/false, 1/0)")


def text_value(
    value: object, *, max_len: int, required: bool = False, multiline: bool = False
) -> str | None:
    text = _text(value)
    if not text:
        if required:
            raise ValueError("is required")
        return None
    if len(text) > max_len:
        raise ValueError(f"is longer than {max_len} characters")
    problem = control_problem(text, multiline=multiline)
    if problem:
        raise ValueError(problem)
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

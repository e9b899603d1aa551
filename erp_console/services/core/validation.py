"""Checks of user input shared by services: each raises ValidationError naming the field."""

from __future__ import annotations

import datetime as dt
import re

from erp_console.errors import ValidationError
from erp_console.services.core import dates

LOGIN_RE = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
_EMAIL_PART = r"[^@\s\x00-\x1f\x7f-\x9f]+"
EMAIL_RE = re.compile(rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$")
# C0 controls, DEL and C1 controls: never text a person means; PostgreSQL refuses NUL outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\t\n\r]")
_NAMES = {"\x00": "NUL", "\t": "a tab", "\n": "a line break", "\r": "a line break"}


def control_problem(text: str, *, multiline: bool = True) -> str | None:
    """Why `text` cannot be stored as typed text, or None: control characters (NUL and the rest)
    are refused everywhere; tab and line breaks only where the field is single-line."""
    found = _CONTROL.search(text)
    if found is None and not multiline:
        found = _LINE_BREAK.search(text)
    if found is None:
        return None
    char = found.group()
    name = _NAMES.get(char, "a control character")
    return f"contains {name} (U+{ord(char):04X}) at character {found.start() + 1}"


def check_control(text: str, field: str, *, multiline: bool = True) -> str:
    problem = control_problem(text, multiline=multiline)
    if problem:
        raise ValidationError(problem, field=field)
    return text


def require_text(value: str | None, field: str, *, max_len: int = 500) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError("is required", field=field)
    if len(text) > max_len:
        raise ValidationError(f"is longer than {max_len} characters", field=field)
    return check_control(text, field)


def optional_text(value: str | None, field: str, *, max_len: int = 500) -> str | None:
    text = (value or "").strip()
    if len(text) > max_len:
        raise ValidationError(f"is longer than {max_len} characters", field=field)
    return check_control(text, field) or None


def check_login(login: str | None) -> str:
    text = (login or "").strip()
    if not LOGIN_RE.match(text):
        raise ValidationError("must be 3-64 letters, digits, '.', '_' or '-'", field="login")
    return text


def check_email(email: str | None) -> str | None:
    text = (email or "").strip()
    if text and not EMAIL_RE.match(text):
        raise ValidationError(f"'{text}' is not an e-mail address", field="email")
    return text or None


def check_period(
    valid_from: dt.date | None, valid_to: dt.date | None, field: str = "valid_to"
) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError(f"{valid_to} is before valid_from {valid_from}", field=field)


def check_choice(value: str | None, choices: tuple[str, ...], field: str) -> str:
    if value not in choices:
        raise ValidationError(f"'{value}' is not one of {', '.join(choices)}", field=field)
    return value


def parse_date(value: str | dt.date | None, field: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return dates.parse_date(text)
    except dates.DateError as exc:
        raise ValidationError(str(exc), field=field) from None

"""Checks of user input shared by services: each raises ValidationError naming the field."""

from __future__ import annotations

import datetime as dt
import re

from erp_console.errors import ValidationError

LOGIN_RE = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def require_text(value: str | None, field: str, *, max_len: int = 500) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError("is required", field=field)
    if len(text) > max_len:
        raise ValidationError(f"is longer than {max_len} characters", field=field)
    return text


def optional_text(value: str | None, field: str, *, max_len: int = 500) -> str | None:
    text = (value or "").strip()
    if len(text) > max_len:
        raise ValidationError(f"is longer than {max_len} characters", field=field)
    return text or None


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
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"'{text}' is not a date (YYYY-MM-DD)", field=field) from None

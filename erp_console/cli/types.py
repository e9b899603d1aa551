"""Click parameter types shared by commands."""

from __future__ import annotations

import datetime as dt
import re

import click

_RELATIVE = re.compile(r"^(\d+)\s*(m|min|h|d|w)$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class DateTimeType(click.ParamType):
    """YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], ISO 8601, or a span ago such as 15m, 2h, 3d, 1w (UTC)."""

    name = "datetime"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.datetime):
            return value
        text = str(value).strip()
        match = _RELATIVE.match(text)
        if match:
            amount, unit = int(match.group(1)), match.group(2)
            return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(
                **{_UNITS[unit]: amount}
            )
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            self.fail(
                f"'{text}' is not a time; use YYYY-MM-DD, 'YYYY-MM-DD HH:MM' or a span like 2h or 3d",
                param,
                ctx,
            )
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return parsed


class DateType(click.ParamType):
    name = "date"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"'{value}' is not a date; use YYYY-MM-DD", param, ctx)


DATETIME = DateTimeType()
DATE = DateType()

"""Click parameter types shared by commands; the reading itself is `services.core.dates`."""

from __future__ import annotations

import datetime as dt

import click

from erp_console.services.core.dates import (
    DateError,
    parse_date,
    parse_moment,
    parse_month,
    parse_span,
)


class DateTimeType(click.ParamType):
    """YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], ISO 8601, or a span ago such as 15m, 2h, 3d, 1w (UTC)."""

    name = "datetime"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.datetime):
            return value
        try:
            return parse_moment(str(value))
        except DateError as exc:
            self.fail(str(exc), param, ctx)


class LogSinceType(DateTimeType):
    """Like DateTimeType, but a span (1h, 2d) stays a timedelta: log commands count it back
    from the log's newest line, as the console's ranges do (services.records.logs.span_start)."""

    def convert(self, value, param, ctx):
        span = parse_span(value) if isinstance(value, str) else None
        if span is not None:
            return span
        return super().convert(value, param, ctx)


class DateType(click.ParamType):
    name = "date"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(str(value))
        except DateError as exc:
            self.fail(str(exc), param, ctx)


class MonthType(click.ParamType):
    """A calendar month YYYY-MM, as its first day."""

    name = "month"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return parse_month(str(value))
        except DateError as exc:
            self.fail(str(exc), param, ctx)


DATETIME = DateTimeType()
LOG_SINCE = LogSinceType()
DATE = DateType()
MONTH = MonthType()

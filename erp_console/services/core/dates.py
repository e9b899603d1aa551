"""The one reader of dates and times for the whole product: imports, CLI options, forms, log
ingest, report periods and archives.

Every function reads the whole text or raises `DateError`; nothing is taken from a prefix, so
`2026-05-02junk`, `2026-05-02T99:99` and `2026-05-02 is wrong` are errors, never 2026-05-02.

Accepted dates: ISO `2026-03-01`, German `01.03.2026` (always day first) and slash dates
`3/1/2026`. A slash date whose day and month could be swapped is refused as ambiguous unless an
order is given: `iso`, `dmy`, `mdy` or a strftime pattern such as `%d/%m/%Y`. A time may follow
the date after `T` or a space (`HH:MM[:SS[.ffffff]]`), with an optional zone (`Z`, `+02:00`);
times with a zone are turned into naive UTC, the form every timestamp is stored in.
"""

from __future__ import annotations

import datetime as dt
import re

DATE_ORDERS = {"iso": "%Y-%m-%d", "dmy": "%d/%m/%Y", "mdy": "%m/%d/%Y"}
SPAN_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
LOG_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S.%f",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y%m%d%H%M%S",
    "%d/%b/%Y:%H:%M:%S %z",
    "%a %b %d %H:%M:%S %Y",
)
ACCEPTED = "YYYY-MM-DD, DD.MM.YYYY or M/D/YYYY"
ORDER_HINT = "write it as YYYY-MM-DD"

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_SLASH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_CLOCK = re.compile(
    r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?"
)
_SPAN = re.compile(r"(\d+)\s*(m|min|h|d|w)")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_EPOCH = re.compile(r"\d{9,13}(\.\d+)?")


class DateError(ValueError):
    """A date or time that cannot be read; the message names the text and what is expected."""


class AmbiguousDate(DateError):
    """A slash date whose day and month could be swapped, read without an order."""


def parse_date(text: str, order: str | None = None, *, hint: str = ORDER_HINT) -> dt.date:
    """A calendar date; `order` (`iso`, `dmy`, `mdy` or a strftime pattern) settles slash dates.

    `hint` ends the message for an ambiguous slash date (how the caller's user gives the order).
    """
    text = _clean(text, "date")
    if order:
        return _ordered(text, order)
    for pattern, read in ((_ISO, _ymd), (_DOTTED, _dmy)):
        match = pattern.fullmatch(text)
        if match:
            return read(text, *(int(g) for g in match.groups()))
    slash = _SLASH.fullmatch(text)
    if slash:
        return _slash(text, *(int(g) for g in slash.groups()), hint=hint)
    raise DateError(_explain(text, f"is not a date (use {ACCEPTED})"))


def parse_datetime(
    text: str,
    order: str | None = None,
    *,
    assume: dt.tzinfo | None = None,
    hint: str = ORDER_HINT,
) -> dt.datetime:
    """A date with an optional time and zone, as naive UTC.

    A date alone is midnight. A time without a zone is read in `assume` (kept as given if None).
    """
    text = _clean(text, "date and time")
    day_text, clock_text = _split(text)
    try:
        day = parse_date(day_text, order, hint=hint)
    except DateError as exc:
        if day_text == text:
            raise
        raise type(exc)(str(exc).replace(f"'{day_text}'", f"'{text}'", 1)) from None
    if clock_text is None:
        moment = dt.datetime.combine(day, dt.time())
    else:
        moment = _with_clock(text, day, clock_text)
    if moment.tzinfo is None and assume is not None:
        moment = moment.replace(tzinfo=assume)
    return _naive_utc(moment)


def parse_span(text: str) -> dt.timedelta | None:
    """A span such as 15m, 2h, 3d, 1w; None when the text is not one."""
    span = _SPAN.fullmatch(text.strip())
    if span is None:
        return None
    return dt.timedelta(**{SPAN_UNITS[span.group(2)]: int(span.group(1))})


def parse_moment(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """A point in time for a command option: a date/time, or a span ago such as 15m, 2h, 3d, 1w."""
    text = _clean(text, "time")
    span = _SPAN.fullmatch(text)
    if span:
        now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        return now - dt.timedelta(**{SPAN_UNITS[span.group(2)]: int(span.group(1))})
    try:
        return parse_datetime(text)
    except DateError as exc:
        raise DateError(f"{exc}; or a span ago like 2h or 3d") from None


def parse_month(text: str) -> dt.date:
    """A calendar month `YYYY-MM`, as its first day."""
    text = _clean(text, "month")
    match = _MONTH.fullmatch(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise DateError(f"'{text}' is not a month (use YYYY-MM, e.g. 2026-10)")
    return _ymd(text, int(match.group(1)), int(match.group(2)), 1)


def parse_stored(text: str, kind: str) -> dt.date | dt.datetime:
    """A value as the product writes it into exports and archives (ISO, naive UTC)."""
    return parse_date(text, "iso") if kind == "date" else parse_datetime(text, "iso")


def parse_log_timestamp(text: str) -> dt.datetime:
    """A log line's time: ISO 8601, common log formats or epoch (milli)seconds; zone kept."""
    text = _clean(text, "timestamp")
    if _EPOCH.fullmatch(text):
        return from_epoch(float(text))
    day_text, clock_text = _split(text)
    iso = _ISO.fullmatch(day_text)
    if iso:
        day = _ymd(text, *(int(g) for g in iso.groups()))
        if clock_text is None:
            return dt.datetime.combine(day, dt.time())
        return _with_clock(text, day, clock_text)
    for fmt in LOG_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise DateError(_explain(text, "is not a timestamp (use ISO 8601, e.g. 2024-05-01T12:00:00Z)"))


def from_epoch(number: float) -> dt.datetime:
    """Epoch seconds (or milliseconds, when larger than any plausible seconds) as aware UTC."""
    if number > 1e11:
        number /= 1000.0
    try:
        return dt.datetime.fromtimestamp(number, dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise DateError(f"{number} is not a valid epoch time") from None


# --- pieces ---------------------------------------------------------------------------------


def _clean(text: object, what: str) -> str:
    result = str(text).strip() if text is not None else ""
    if not result:
        raise DateError(f"a {what} is required")
    return result


def _split(text: str) -> tuple[str, str | None]:
    for separator in ("T", "t", " "):
        day, found, clock = text.partition(separator)
        if found and day and not any(c.isalpha() for c in day):
            return day, clock.strip()
    return text, None


def _ordered(text: str, order: str) -> dt.date:
    pattern = DATE_ORDERS.get(order.lower(), order)
    for candidate in (pattern, pattern.replace("/", "."), pattern.replace("/", "-")):
        try:
            return dt.datetime.strptime(text, candidate).date()
        except ValueError:
            continue
    iso = _ISO.fullmatch(text)
    if iso:
        return _ymd(text, *(int(g) for g in iso.groups()))
    raise DateError(_explain(text, f"is not a date in the format {pattern}"))


def _slash(text: str, first: int, second: int, year: int, *, hint: str) -> dt.date:
    if first > 12:
        return _ymd(text, year, second, first)
    if second > 12 or first == second:
        return _ymd(text, year, first, second)
    raise AmbiguousDate(f"'{text}' is ambiguous (day/month or month/day?); {hint}")


def _dmy(text: str, day: int, month: int, year: int) -> dt.date:
    return _ymd(text, year, month, day)


def _ymd(text: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateError(f"'{text}' is not a valid date") from None


def _with_clock(text: str, day: dt.date, clock_text: str) -> dt.datetime:
    match = _CLOCK.fullmatch(clock_text)
    if not match:
        raise DateError(_explain(text, "is not a date and time (the time must be HH:MM[:SS])"))
    hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        clock = dt.time(int(hour), int(minute), int(second or 0), micro)
    except ValueError as exc:
        raise DateError(f"'{text}' is not a valid time ({exc})") from None
    return dt.datetime.combine(day, clock, tzinfo=_zone(text, zone))


def _zone(text: str, zone: str | None) -> dt.tzinfo | None:
    if zone is None:
        return None
    if zone in ("Z", "z"):
        return dt.timezone.utc
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise DateError(f"'{text}' has an invalid zone offset {zone}")
    offset = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-offset if zone[0] == "-" else offset)


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _explain(text: str, problem: str) -> str:
    """The message for unreadable text, naming what follows a readable date when that is why."""
    for pattern in (_ISO, _DOTTED, _SLASH):
        match = pattern.match(text)
        if match and match.end() < len(text):
            rest = text[match.end() :]
            clock = _CLOCK.match(rest.lstrip("Tt "))
            if clock and rest[:1] in "Tt " and clock.end() == len(rest.lstrip("Tt ")):
                break
            return f"'{text}' {problem}: '{rest[:20]}' after the date is not understood"
    return f"'{text}' {problem}"

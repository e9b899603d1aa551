"""System log search: filters, newest-first keyset pages, counts per level and hour, retention.

Pages are sorted by (ts, id) descending and asked for relative to a row already shown, so the
page after row 900,000 costs what the first page costs. Text search uses the dialect's full-text
index (see `log_text_search`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, delete, func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from erp_console.db.engine import Database
from erp_console.db.models import LOG_LEVELS, SystemLog, utcnow
from erp_console.errors import ValidationError
from erp_console.services.core import audit
from erp_console.services.core.dates import parse_datetime
from erp_console.services.core.paging import SortColumn, Total, keyset_page, page_after, page_before
from erp_console.services.records.log_text_search import literal_match, terms, text_condition
from erp_console.services.records.maintenance_records import add_maintenance_record

SORT = (SortColumn(SystemLog.ts, descending=True), SortColumn(SystemLog.id, descending=True))
COUNT_CAP = 10_000
LEVEL_ALIASES = {
    "WARN": "WARNING",
    "ERR": "ERROR",
    "FATAL": "CRITICAL",
    "CRIT": "CRITICAL",
    "INFORMATION": "INFO",
    "TRACE": "DEBUG",
}


def normalize_level(value: str) -> str | None:
    """A level name in any case or a common alias (warn, err, fatal), or None if unknown."""
    name = value.strip().upper()
    name = LEVEL_ALIASES.get(name, name)
    return name if name in LOG_LEVELS else None


def parse_levels(spec: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """`ERROR`, `warn`, `WARNING+` (that level and above) or several of them."""
    if not spec:
        return ()
    items = [spec] if isinstance(spec, str) else list(spec)
    levels: list[str] = []
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            at_least = part.endswith("+")
            level = normalize_level(part.rstrip("+"))
            if level is None:
                raise ValidationError(
                    f"'{part}' is not a level; use one of {', '.join(LOG_LEVELS)} (or LEVEL+)",
                    field="level",
                )
            chosen = LOG_LEVELS[LOG_LEVELS.index(level) :] if at_least else (level,)
            levels += [x for x in chosen if x not in levels]
    return tuple(levels)


class CappedTotal(Total):
    """A count that stopped at its cap: shown as "10,000+"."""

    def label(self) -> str:
        return f"{self.count:,}" if self.exact else f"{self.count:,}+"


@dataclass(frozen=True)
class LogFilter:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    levels: tuple[str, ...] = ()
    source: str | None = None
    user: str | None = None
    host: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class LogLine:
    id: int
    ts: dt.datetime
    level: str
    source: str | None
    user_login: str | None
    host: str | None
    event: str | None
    message: str

    @property
    def sort_key(self) -> tuple[dt.datetime, int]:
        return (self.ts, self.id)


COLUMNS = (
    SystemLog.id,
    SystemLog.ts,
    SystemLog.level,
    SystemLog.source,
    SystemLog.user_login,
    SystemLog.host,
    SystemLog.event,
    SystemLog.message,
)


def _values(flt: LogFilter) -> dict[str, object]:
    """The filter's values other than the text, named as the statement's bound parameters."""
    values: dict[str, object] = {}
    if flt.since is not None:
        values["since"] = flt.since
    if flt.until is not None:
        values["until"] = flt.until
    for i, level in enumerate(parse_levels(flt.levels)):
        values[f"level{i}"] = level
    for name in ("source", "user", "host"):
        value = getattr(flt, name)
        if value and value.strip():
            values[name] = value.strip()
    return values


def _conditions(values: dict[str, object]) -> list[ColumnElement[bool]]:
    def param(name: str):
        return bindparam(name, values[name])

    conditions = []
    if "since" in values:
        conditions.append(SystemLog.ts >= param("since"))
    if "until" in values:
        conditions.append(SystemLog.ts < param("until"))
    levels = [param(name) for name in values if name.startswith("level")]
    if levels:
        conditions.append(
            SystemLog.level == levels[0] if len(levels) == 1 else SystemLog.level.in_(levels)
        )
    for name, column in (
        ("source", SystemLog.source),
        ("user", SystemLog.user_login),
        ("host", SystemLog.host),
    ):
        if name in values:
            conditions.append(column == param(name))
    return conditions


def _query(session: Session, flt: LogFilter, *, use_index: bool = True) -> Select:
    stmt = select(*COLUMNS).where(*_conditions(_values(flt)))
    if use_index:
        condition = text_condition(session, flt.text)
    else:
        parts = [literal_match(t) for t in terms(flt.text)]
        condition = and_(*parts) if parts else None
    if condition is not None:
        stmt = stmt.where(condition)
    return stmt


@lru_cache(maxsize=64)
def _structured_page(names: tuple[str, ...], keyed: bool, limit: int, forward: bool) -> Select:
    """The page statement of every filter without text that sets these fields.

    It is built on placeholder values of the right types; each call binds its own.
    """
    values = dict.fromkeys(names, "")
    if "since" in names or "until" in names:
        values.update({n: dt.datetime.min for n in ("since", "until") if n in names})
    key = (bindparam("after_ts", dt.datetime.min), bindparam("after_id", 0)) if keyed else None
    stmt = select(*COLUMNS).where(*_conditions(values))
    return keyset_page(stmt, SORT, key, limit, forward=forward)


def _page(
    db: Database, flt: LogFilter, key: tuple | None, limit: int, forward: bool
) -> list[LogLine]:
    """One page of a filter without text: one statement built per filter shape, cached."""
    values = _values(flt)
    read = _structured_page(tuple(values), key is not None, limit, forward)
    if key is not None:
        values["after_ts"], values["after_id"] = key
    with db.engine.connect() as conn:
        return [LogLine(*row) for row in conn.execute(read, values)]


def _check(flt: LogFilter) -> None:
    if flt.since and flt.until and flt.until <= flt.since:
        raise ValidationError(f"{flt.until} is not after since {flt.since}", field="until")
    if flt.text and len(flt.text) > 500:
        raise ValidationError("is longer than 500 characters", field="text")


def search(
    db: Database,
    flt: LogFilter = LogFilter(),
    *,
    after: tuple | None = None,
    limit: int = 100,
    use_index: bool = True,
) -> list[LogLine]:
    """Matching lines newest first; the page after the sort key `after` (from the newest if None).

    `use_index=False` runs the same text search as a plain scan (for benchmarks and checks).
    """
    _check(flt)
    if not terms(flt.text):
        return _page(db, flt, after, limit, forward=True)
    with db.session() as s:
        rows = page_after(s, _query(s, flt, use_index=use_index), SORT, after, limit)
    return [LogLine(*r) for r in rows]


def search_before(
    db: Database, flt: LogFilter = LogFilter(), *, before: tuple | None = None, limit: int = 100
) -> list[LogLine]:
    """The page just before `before` in display order (newer lines); the oldest page if None."""
    _check(flt)
    if not terms(flt.text):
        lines = _page(db, flt, before, limit, forward=False)
        lines.reverse()
        return lines
    with db.session() as s:
        rows = page_before(s, _query(s, flt), SORT, before, limit)
    return [LogLine(*r) for r in rows]


def count(db: Database, flt: LogFilter = LogFilter(), *, cap: int = COUNT_CAP) -> Total:
    """How many lines match, counted up to `cap` (then marked approximate: "≈10,000+")."""
    _check(flt)
    with db.session() as s:
        capped = _query(s, flt).with_only_columns(SystemLog.id).limit(cap + 1).subquery()
        n = s.execute(select(func.count()).select_from(capped)).scalar_one()
    return CappedTotal(min(n, cap), exact=n <= cap)


def newer_than(db: Database, flt: LogFilter, key: tuple | None, *, limit: int = 500) -> int:
    """How many matching lines are newer than the row with sort key `key` (follow mode)."""
    if key is None:
        return count(db, flt, cap=limit).count
    return len(search_before(db, flt, before=key, limit=limit))


def newest_time(db: Database) -> dt.datetime | None:
    """When the newest line was logged (None for an empty log): where the screen's ranges end."""
    with db.session() as s:
        return s.scalar(select(func.max(SystemLog.ts)))


def span_start(newest: dt.datetime | None, span: dt.timedelta) -> dt.datetime:
    """Where "the last <span>" of the log starts: counted back from its newest line (so a
    snapshot or a quiet system shows its last hour of activity), from now when it is empty.
    The one definition used by the console's ranges and the CLI's `--since 1h`."""
    end = newest or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return end - span


def anchored(
    db: Database, flt: LogFilter, span: dt.timedelta | None
) -> tuple[LogFilter, dt.datetime | None]:
    """`flt` limited to the last `span` of the log (see span_start; all lines for None), and the
    newest line's time it was counted from, read in one call."""
    newest = newest_time(db)
    return (replace(flt, since=span_start(newest, span)) if span else flt), newest


def get_line(db: Database, line_id: int) -> LogLine | None:
    with db.session() as s:
        row = s.execute(select(*COLUMNS).where(SystemLog.id == line_id)).first()
    return LogLine(*row) if row else None


# --- counts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogStats:
    by_level: dict[str, int]
    by_hour: list[tuple[dt.datetime, dict[str, int]]]

    @property
    def total(self) -> int:
        return sum(self.by_level.values())


def _hour(dialect: str):
    if dialect == "postgresql":
        return func.date_trunc(literal_column("'hour'"), SystemLog.ts)
    if dialect == "mysql":
        return func.date_format(SystemLog.ts, literal_column("'%Y-%m-%d %H:00:00'"))
    return func.strftime(literal_column("'%Y-%m-%d %H:00:00'"), SystemLog.ts)


def level_counts(db: Database, flt: LogFilter = LogFilter()) -> dict[str, int]:
    """Lines per level in the filter's range, every level present (zero when none)."""
    _check(flt)
    with db.session() as s:
        sub = _query(s, flt).subquery()
        rows = s.execute(select(sub.c.level, func.count()).group_by(sub.c.level)).all()
    counts = dict.fromkeys(LOG_LEVELS, 0)
    for level, n in rows:
        counts[level] = counts.get(level, 0) + n
    return counts


def stats(db: Database, flt: LogFilter = LogFilter()) -> LogStats:
    """Counts per level and per hour and level for the filter (give it a time range)."""
    _check(flt)
    with db.session() as s:
        base = _query(s, flt)
        hour = _hour(db.dialect).label("hour")
        stmt = (
            base.with_only_columns(hour, SystemLog.level, func.count())
            .group_by(hour, SystemLog.level)
            .order_by(hour)
        )
        rows = s.execute(stmt).all()
    by_level = dict.fromkeys(LOG_LEVELS, 0)
    hours: dict[dt.datetime, dict[str, int]] = {}
    for hour_value, level, n in rows:
        when = _as_hour(hour_value)
        by_level[level] = by_level.get(level, 0) + n
        hours.setdefault(when, dict.fromkeys(LOG_LEVELS, 0))[level] = n
    return LogStats(by_level, sorted(hours.items()))


def _as_hour(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return parse_datetime(str(value), "iso")


# --- retention ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    cutoff: dt.datetime
    deleted: int
    audit_id: int | None


def purge_preview(db: Database, older_than_days: int) -> PurgeResult:
    cutoff = _cutoff(older_than_days)
    with db.session() as s:
        n = s.execute(select(func.count()).where(SystemLog.ts < cutoff)).scalar_one()
    return PurgeResult(cutoff, n, None)


def _cutoff(days: int) -> dt.datetime:
    if not isinstance(days, int) or days < 1:
        raise ValidationError("must be a whole number of days, at least 1", field="older_than")
    return utcnow() - dt.timedelta(days=days)


def purge(
    db: Database, older_than_days: int, *, actor: str, reason: str | None = None
) -> PurgeResult:
    """Delete lines older than N days in one transaction with its audit entry and a record."""
    cutoff = _cutoff(older_than_days)
    with db.begin() as s:
        deleted = s.execute(delete(SystemLog).where(SystemLog.ts < cutoff)).rowcount
        entry = audit.append_entry(
            s,
            actor=actor,
            action="logs.purge",
            target_type="system_log",
            target_label=f"older than {older_than_days} days",
            after={"cutoff": cutoff, "deleted": deleted, "older_than_days": older_than_days},
            reason=reason,
        )
        add_maintenance_record(
            s,
            title=f"System log retention purge ({cutoff:%Y-%m-%d %H:%M})",
            body=(
                f"# System log retention purge\n\nDeleted **{deleted:,}** system log lines older "
                f"than {older_than_days} days (before {cutoff:%Y-%m-%d %H:%M} UTC).\n"
                + (f"\nReason: {reason}\n" if reason else "")
            ),
            author=actor,
            tags=("maintenance", "logs", "retention"),
            audit_entry=entry,
        )
        entry_id = entry.id
    return PurgeResult(cutoff, deleted, entry_id)

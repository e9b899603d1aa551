"""Full-text conditions on system_log.message per dialect, always literal, never executable.

The query text is split on white space into terms; every term must occur in the message (case
insensitively), starting at a word. Each term becomes two conditions: the dialect's full-text index
(SQLite FTS5 table `system_log_fts`, PostgreSQL GIN index `ix_system_log_fts` on
`to_tsvector('simple', message)`, MySQL/MariaDB FULLTEXT index `ix_system_log_fts`) narrows the
rows fast by the term's words used as prefixes, and an escaped LIKE keeps only messages holding
the term literally (quotes, `%`, `_`, backslashes and operator characters included). A term with
no indexable word (e.g. only punctuation) is matched by the escaped LIKE alone. What counts as a
word boundary follows each database's parser: PostgreSQL keeps dotted names such as
`FI.PAYMENT.APPROVE` as one word, MySQL treats `_` as part of a word.

For words matching many lines (a capped count over `COMMON_MATCHES`), fetching and sorting every
match costs more than walking the newest lines by time until a page is full: on SQLite the match
set then only filters the time-ordered walk, on MySQL the escaped LIKE alone does it.
PostgreSQL's planner makes that choice itself from its statistics.
"""

from __future__ import annotations

import re

from sqlalchemy import and_, bindparam, func, literal_column, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from erp_console.db.models import SystemLog

WORD = re.compile(r"[^\W_]+")
MYSQL_WORD = re.compile(r"\w+")
MYSQL_MIN_TOKEN = 3
MYSQL_MAX_TOKEN = 84
COMMON_MATCHES = 2000
# InnoDB's default full-text stop words: a query word among them would match nothing.
MYSQL_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "an",
        "are",
        "as",
        "at",
        "be",
        "by",
        "com",
        "de",
        "en",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "la",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "who",
        "will",
        "with",
        "und",
        "www",
    ]
)


def terms(query: str | None) -> list[str]:
    return [t for t in (query or "").split() if t]


def text_condition(session: Session, query: str | None) -> ColumnElement[bool] | None:
    """The WHERE condition for a free-text query, or None when the query is blank."""
    parts = terms(query)
    if not parts:
        return None
    conditions: list[ColumnElement[bool]] = []
    index_condition = _index_condition(session, session.get_bind().dialect.name, parts)
    if index_condition is not None:
        conditions.append(index_condition)
    conditions += [literal_match(term) for term in parts]
    return and_(*conditions)


def literal_match(term: str) -> ColumnElement[bool]:
    """The message holds `term` literally, case-insensitively (LIKE with escaping)."""
    return SystemLog.message.icontains(term, autoescape=True)


def _index_condition(
    session: Session, dialect: str, parts: list[str]
) -> ColumnElement[bool] | None:
    """One full-text match of every indexable word of every term (as prefixes)."""
    if dialect == "sqlite":
        words = [w for term in parts for w in WORD.findall(term)]
        if not words:
            return None
        match = " AND ".join('"' + w.replace('"', '""') + '"*' for w in dict.fromkeys(words))
        condition = text("system_log_fts MATCH :fts_query").bindparams(
            bindparam("fts_query", match, unique=True)
        )
        fts = select(literal_column("rowid")).select_from(text("system_log_fts")).where(condition)
        if _many(session, SystemLog.id.in_(fts.scalar_subquery())):
            # Common words: walk the newest lines by time and keep those in the match set,
            # instead of fetching and sorting every matching line (`id + 0` hides the key).
            return (SystemLog.id + 0).in_(fts.scalar_subquery())
        return SystemLog.id.in_(fts.scalar_subquery())
    if dialect == "postgresql":
        lexemes = [x for term in parts for x in _pg_lexemes(session, term)]
        if not lexemes:
            return None
        tsquery = " & ".join(
            "'" + x.replace("\\", "\\\\").replace("'", "''") + "':*" for x in dict.fromkeys(lexemes)
        )
        simple = literal_column("'simple'")
        query = func.to_tsquery(simple, tsquery)
        return func.to_tsvector(simple, SystemLog.message).op("@@")(query)
    if dialect == "mysql":
        words = [
            w
            for term in parts
            for w in MYSQL_WORD.findall(term.lower())
            if MYSQL_MIN_TOKEN <= len(w) <= MYSQL_MAX_TOKEN and w not in MYSQL_STOPWORDS
        ]
        if not words:
            return None
        match = SystemLog.message.match(" ".join(f"+{w}*" for w in dict.fromkeys(words)))
        # Common words: the escaped LIKE over the newest lines finds a page sooner.
        return None if _many(session, match) else match
    return None


def _many(session: Session, condition: ColumnElement[bool]) -> bool:
    """More matches than are cheap to fetch one by one and sort (a capped count)."""
    capped = select(SystemLog.id).where(condition).limit(COMMON_MATCHES).subquery()
    return session.execute(select(func.count()).select_from(capped)).scalar_one() >= COMMON_MATCHES


def _pg_lexemes(session: Session, term: str) -> list[str]:
    """The words PostgreSQL's own parser finds in the term, so they match the indexed vector."""
    rows = session.execute(
        text("SELECT lexemes[1] FROM ts_debug('simple', :term) WHERE lexemes IS NOT NULL"),
        {"term": term},
    ).scalars()
    return [x for x in rows if x]

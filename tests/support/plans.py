"""EXPLAIN a captured statement on its own dialect and say how each table is read.

A table access is *bounded* when the database seeks into an index (or the primary key) with a
condition; it is a *full* read when it scans the table, or walks a whole index without a bound.
`prefer_indexes` asks the planner to use an index wherever the query shape allows one
(PostgreSQL `enable_seqscan`, `enable_hashjoin` and `enable_mergejoin` off, so a join has to
seek its inner side; MariaDB/MySQL `max_seeks_for_key = 1`; SQLite has no such switch and needs
none): it checks the shape on tables so small that a scan is the cheaper plan.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event

from erp_console.db.engine import Database


@dataclass(frozen=True)
class Access:
    table: str
    index: str | None
    bounded: bool


@dataclass(frozen=True)
class Plan:
    statement: str
    accesses: tuple[Access, ...]
    sorts: bool  # a sort of the whole input (not one the index order already gives)
    text: str

    def of(self, table: str) -> list[Access]:
        pattern = re.compile(rf"{re.escape(table)}(_\d+)?")
        return [a for a in self.accesses if pattern.fullmatch(a.table)]

    def __str__(self) -> str:
        return f"{' '.join(self.statement.split())[:300]}\n{self.text}"


@contextmanager
def capturing(db: Database) -> Iterator[list[tuple[str, object]]]:
    """The SELECT statements (with their parameters) a piece of work sends."""
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def explain(db: Database, statement: str, params, *, prefer_indexes: bool = False) -> Plan:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.dialect == "sqlite":
            plan = _sqlite(cursor, statement, params)
        elif db.dialect == "postgresql":
            if prefer_indexes:
                for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
                    cursor.execute(f"SET LOCAL {setting} = off")
            plan = _postgresql(cursor, statement, params)
        else:
            if prefer_indexes:
                cursor.execute("SET SESSION max_seeks_for_key = 1")
            try:
                plan = _mysql(cursor, statement, params)
            finally:
                cursor.execute("SET SESSION max_seeks_for_key = DEFAULT")
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return plan


def _sqlite(cursor, statement: str, params) -> Plan:
    cursor.execute("EXPLAIN QUERY PLAN " + statement, params)
    details = [row[3] for row in cursor.fetchall()]
    accesses = []
    for detail in details:
        found = re.match(
            r"(SCAN|SEARCH) (\S+)(?: USING (?:COVERING )?(?:INDEX (\S+)|(INTEGER PRIMARY KEY)))?",
            detail,
        )
        if found:
            kind, table, index, rowid = found.groups()
            accesses.append(Access(table, index or (rowid and "rowid"), kind == "SEARCH"))
    sorts = any(d.startswith("USE TEMP B-TREE FOR ORDER BY") for d in details)
    return Plan(statement, tuple(accesses), sorts, "\n".join(details))


def _postgresql(cursor, statement: str, params) -> Plan:
    cursor.execute("EXPLAIN (FORMAT JSON) " + statement, params)
    (document,) = cursor.fetchone()
    root = (document if isinstance(document, list) else json.loads(document))[0]["Plan"]
    accesses, sorts, lines = [], False, []

    def walk(node: dict, depth: int) -> None:
        nonlocal sorts
        kind = node["Node Type"]
        cond = node.get("Index Cond") or node.get("Recheck Cond")
        lines.append(
            "  " * depth
            + kind
            + (f" on {node['Relation Name']}" if "Relation Name" in node else "")
            + (f" using {node['Index Name']}" if "Index Name" in node else "")
            + (f" [{cond}]" if cond else "")
            + (f" filter {node['Filter']}" if "Filter" in node else "")
        )
        if kind == "Sort":
            sorts = True
        if kind == "Seq Scan":
            accesses.append(Access(node["Relation Name"], None, False))
        elif kind in ("Index Scan", "Index Only Scan"):
            accesses.append(Access(node["Relation Name"], node["Index Name"], bool(cond)))
        elif kind == "Bitmap Heap Scan":
            index = next(
                (c.get("Index Name") for c in node.get("Plans", []) if "Index Name" in c), None
            )
            accesses.append(Access(node["Relation Name"], index, True))
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(root, 0)
    return Plan(statement, tuple(accesses), sorts, "\n".join(lines))


_MYSQL_BOUNDED = {"system", "const", "eq_ref", "ref", "ref_or_null", "range", "index_merge"}


def _mysql(cursor, statement: str, params) -> Plan:
    cursor.execute("EXPLAIN " + statement, params)
    names = [d[0].lower() for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    accesses = tuple(
        Access(r["table"], r["key"], r["type"] in _MYSQL_BOUNDED)
        for r in rows
        if r["table"] and not r["table"].startswith("<")
    )
    sorts = any("filesort" in (r["extra"] or "") for r in rows)
    text = "\n".join(
        f"{r['table']}: {r['type']} key={r['key']} rows={r['rows']} {r['extra'] or ''}"
        for r in rows
    )
    return Plan(statement, accesses, sorts, text)


def analyze(db: Database, tables: list[str]) -> None:
    """Fresh planner statistics, as a live database has them (a bulk load leaves none)."""
    with db.engine.connect() as conn:
        for table in tables:
            conn.exec_driver_sql(f"ANALYZE {'TABLE ' if db.dialect == 'mysql' else ''}{table}")
        conn.commit()

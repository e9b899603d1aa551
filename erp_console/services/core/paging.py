"""Keyset pagination: pages of a sorted query without OFFSET, so page 5,000 costs what page 1 costs.

A page is asked for relative to the sort key of a row already shown: the rows after it, or the
rows before it (returned in display order). The key is a tuple of the sort columns' values; the
last sort column must be unique (usually the primary key).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True)
class SortColumn:
    column: Any
    descending: bool = False


@dataclass(frozen=True)
class Total:
    count: int
    exact: bool = True

    def label(self) -> str:
        return f"{self.count:,}" if self.exact else f"≈{self.count:,}"


def _beyond(sort: Sequence[SortColumn], key: Sequence[Any], forward: bool) -> ColumnElement[bool]:
    """Rows strictly after (forward) or before the key in display order.

    Expanded as (a > x) OR (a = x AND b > y) ..., and bounded by a >= x: planners do not derive a
    range from the OR, so without the bound SQLite and PostgreSQL walk the index from its start and
    a deep page costs as much as every page before it.
    """
    clauses = []
    for i, col in enumerate(sort):
        goes_up = forward != col.descending
        cmp = col.column > key[i] if goes_up else col.column < key[i]
        equal_prefix = [sort[j].column == key[j] for j in range(i)]
        clauses.append(and_(*equal_prefix, cmp) if equal_prefix else cmp)
    first = sort[0]
    bound = first.column >= key[0] if forward != first.descending else first.column <= key[0]
    return and_(bound, or_(*clauses)) if len(sort) > 1 else clauses[0]


def _ordered(stmt: Select, sort: Sequence[SortColumn], forward: bool) -> Select:
    order = []
    for col in sort:
        ascending = forward != col.descending
        order.append(col.column.asc() if ascending else col.column.desc())
    return stmt.order_by(*order)


def keyset_page(
    stmt: Select,
    sort: Sequence[SortColumn],
    key: Sequence[Any] | None,
    limit: int,
    *,
    forward: bool = True,
) -> Select:
    """One page: `limit` rows beyond `key` (from the start when None), in the walking direction.

    Backwards (forward=False) the rows come in reverse display order. The key's values may be
    bound parameters, for a statement built once and run with many keys.
    """
    if key is not None:
        stmt = stmt.where(_beyond(sort, key, forward))
    return _ordered(stmt, sort, forward).limit(limit)


def page_after(
    session: Session,
    stmt: Select,
    sort: Sequence[SortColumn],
    key: Sequence[Any] | None,
    limit: int,
) -> list[Any]:
    """The first `limit` rows after `key` (from the start when None), in display order."""
    return list(session.execute(keyset_page(stmt, sort, key, limit)).all())


def page_before(
    session: Session,
    stmt: Select,
    sort: Sequence[SortColumn],
    key: Sequence[Any] | None,
    limit: int,
) -> list[Any]:
    """The `limit` rows just before `key` (the last rows when None), in display order."""
    rows = list(session.execute(keyset_page(stmt, sort, key, limit, forward=False)).all())
    rows.reverse()
    return rows


def count_rows(session: Session, stmt: Select) -> Total:
    subquery = stmt.order_by(None).subquery()
    return Total(session.execute(select(func.count()).select_from(subquery)).scalar_one())

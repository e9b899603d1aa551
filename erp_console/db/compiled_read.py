"""Hot reads compiled once per dialect and run on the pooled DB-API cursor.

SQLAlchemy's execution layer costs about 20 µs per statement. For the lookups the user panel and
`explain` run on every cursor move, that is several times the query itself on SQLite (a 10 µs
index probe). A `CompiledRead` keeps everything else SQLAlchemy gives: the statement is a
SQLAlchemy construct with bound parameters, compiled by the dialect, with the type's own bind
and result conversions; the engine's cursor events fire (statement counting and logging still see
it); driver errors become `sqlalchemy.exc.DBAPIError`, and a lost connection is invalidated.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Select
from sqlalchemy.exc import DBAPIError


@dataclass(frozen=True)
class _Prepared:
    sql: str
    constants: dict[str, Any]  # the values of the statement's own literals (status = 'active')
    positional: tuple[str, ...] | None  # parameter names in order, for positional paramstyles
    bind: dict[str, Callable[[Any], Any]]
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column index, result processor)


class CompiledRead:
    """A SELECT with named bound parameters; `rows(conn, params)` returns a list of rows,
    `tuples(conn, params)` the same values as plain tuples.

    A row is a named tuple of the selected columns, or `into(*values)` when `into` is given
    (a dataclass of the service's result, say), so no intermediate object is made per row.
    """

    def __init__(self, statement: Select, *, into: Callable[..., Any] | None = None) -> None:
        self.statement = statement
        self.into = into or namedtuple("Row", statement.selected_columns.keys())  # type: ignore[misc]
        self._prepared: dict[str, _Prepared] = {}

    def _prepare(self, dialect: Dialect) -> _Prepared:
        prepared = self._prepared.get(dialect.name)
        if prepared is None:
            compiled = self.statement.compile(dialect=dialect)
            bind = {}
            for name, param in compiled.binds.items():
                processor = param.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    bind[name] = processor
            processors = (
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in self.statement.selected_columns
            )
            converters = tuple((i, p) for i, p in enumerate(processors) if p is not None)
            positional = tuple(compiled.positiontup) if compiled.positional else None
            constants = {
                name: value
                for name, value in compiled.params.items()
                if not compiled.binds[name].required
            }
            prepared = _Prepared(str(compiled), constants, positional, bind, converters)
            self._prepared[dialect.name] = prepared
        return prepared

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list:
        into = self.into
        return [into(*values) for values in self.tuples(conn, params)]

    def tuples(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple]:
        """The rows as plain tuples in the order of the selected columns (no object per row)."""
        prepared = self._prepare(conn.dialect)
        bind = prepared.bind
        values = {
            name: (bind[name](value) if name in bind else value)
            for name, value in {**prepared.constants, **params}.items()
        }
        parameters: Any = (
            tuple(values[name] for name in prepared.positional)
            if prepared.positional is not None
            else values
        )
        dbapi = conn.connection
        cursor = dbapi.cursor()
        conn.dispatch.before_cursor_execute(conn, cursor, prepared.sql, parameters, None, False)
        try:
            cursor.execute(prepared.sql, parameters)
            fetched = cursor.fetchall()
        except conn.dialect.loaded_dbapi.Error as exc:
            lost = conn.dialect.is_disconnect(exc, dbapi, cursor)
            if lost:
                conn.invalidate(exc)
            raise DBAPIError.instance(
                prepared.sql,
                parameters,
                exc,
                conn.dialect.loaded_dbapi.Error,
                connection_invalidated=lost,
                dialect=conn.dialect,
            ) from exc
        finally:
            cursor.close()
        conn.dispatch.after_cursor_execute(conn, cursor, prepared.sql, parameters, None, False)
        if not prepared.converters:
            return fetched
        rows = []
        for row in fetched:
            values = list(row)
            for i, convert in prepared.converters:
                values[i] = convert(values[i])
            rows.append(tuple(values))
        return rows

    def first(self, conn: Connection, params: Mapping[str, Any]):
        found = self.rows(conn, params)
        return found[0] if found else None

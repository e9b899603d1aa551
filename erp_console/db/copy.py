"""PostgreSQL's COPY … FROM STDIN for many rows of any table, inside the caller's transaction.

Rows are streamed in COPY's text format as the server reads them, so decoding the next rows and
the server's inserting overlap, and memory stays flat.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Table

ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
CHUNK = 1 << 16
TICK_ROWS = 5000


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(ESCAPES)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).translate(ESCAPES)


class _Lines(io.TextIOBase):
    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.pending = ""
        self.failure: Exception | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        while len(self.pending) < CHUNK:
            try:
                line = next(self.lines, None)
            except Exception as exc:  # noqa: BLE001 - raised again once COPY has ended
                self.failure = exc
                line = None
            if line is None:
                break
            self.pending += line
        if size is None or size < 0:
            size = len(self.pending)
        chunk, self.pending = self.pending[:size], self.pending[size:]
        return chunk


def copy_records(
    conn: Connection,
    table: Table,
    records: Iterable[dict[str, Any]],
    *,
    tick: Callable[[int], None] | None = None,
) -> int:
    """COPY the records (dicts of column values; the first one names the columns) into `table`."""
    iterator = iter(records)
    first = next(iterator, None)
    if first is None:
        return 0
    columns = list(first)
    done = 0

    def lines() -> Iterator[str]:
        nonlocal done
        for record in _chain(first, iterator):
            yield "\t".join([_text(record.get(c)) for c in columns]) + "\n"
            done += 1
            if tick and done % TICK_ROWS == 0:
                tick(done)

    quote = conn.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    stream = _Lines(lines())
    with conn.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.copy_expert(statement, stream, size=CHUNK)
    if stream.failure is not None:
        raise stream.failure
    return done


def _chain(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest

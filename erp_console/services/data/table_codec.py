"""Native table rows as plain JSON values and back: the one encoding of exports, backups and snapshots.

Timestamps are ISO 8601 with microseconds (naive UTC), dates ISO, booleans true/false; text stays
text. Decoding follows the column types of the model, so a row read from any dialect restores
equal into any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Table

from erp_console.db.models import Base
from erp_console.services.core.dates import parse_stored


def native_tables() -> list[Table]:
    """Every table of the schema, parents before children."""
    return list(Base.metadata.sorted_tables)


def table_named(name: str) -> Table | None:
    return Base.metadata.tables.get(name)


def _kind(column) -> str:
    kind = column.type
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Integer):
        return "int"
    return "text"


def column_kinds(table: Table) -> dict[str, str]:
    return {c.name: _kind(c) for c in table.columns}


def encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _decode_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    return str(value).strip().lower() in ("1", "true", "t", "yes", "y")


DECODERS: dict[str, Callable[[Any], Any]] = {
    "datetime": lambda v: parse_stored(v, "datetime") if isinstance(v, str) else v,
    "date": lambda v: parse_stored(v, "date") if isinstance(v, str) else v,
    "bool": _decode_bool,
    "int": lambda v: int(v) if isinstance(v, (str, float)) else v,
    "text": lambda v: v if v is None or isinstance(v, str) else str(v),
}


def row_decoder(table: Table) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function turning an encoded row (dict) into column values for an insert."""
    decoders = {name: DECODERS[kind] for name, kind in column_kinds(table).items()}

    def decode(row: dict[str, Any]) -> dict[str, Any]:
        unknown = set(row) - set(decoders)
        if unknown:
            raise ValueError(f"unknown column(s) {', '.join(sorted(unknown))}")
        return {
            name: None if value is None else decoders[name](value) for name, value in row.items()
        }

    return decode

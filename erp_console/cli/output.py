"""Command output as a table, JSON or CSV (docs/ARCHITECTURE.md §9)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click
from tabulate import tabulate

from erp_console.csv_safety import escape_cell


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(v) for v in value)
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def emit(
    rows: Iterable[dict[str, Any]], columns: Sequence[str] | None = None, fmt: str | None = None
) -> None:
    """Print rows in the format chosen by the global --format option."""
    fmt = fmt or current_format()
    rows = list(rows)
    if columns is None:
        columns = list(rows[0].keys()) if rows else []
    if fmt == "json":
        click.echo(
            json.dumps(
                [{c: r.get(c) for c in columns} for r in rows],
                default=_json_value,
                ensure_ascii=False,
                indent=2,
            )
        )
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow([escape_cell(_plain(r.get(c))) for c in columns])
    else:
        if not rows:
            click.echo("(no rows)")
            return
        click.echo(
            tabulate(
                [[_plain(r.get(c)) for c in columns] for r in rows],
                headers=list(columns),
                tablefmt="simple",
            )
        )


def emit_record(record: dict[str, Any], fmt: str | None = None) -> None:
    """Print one object: key/value lines as a table, an object in JSON, a header+row in CSV."""
    fmt = fmt or current_format()
    if fmt == "table":
        click.echo(tabulate([[k, _plain(v)] for k, v in record.items()], tablefmt="plain"))
    elif fmt == "json":
        click.echo(json.dumps(record, default=_json_value, ensure_ascii=False, indent=2))
    else:
        emit([record], list(record.keys()), fmt)


def current_format() -> str:
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if isinstance(ctx.obj, object) and getattr(ctx.obj, "fmt", None):
            return ctx.obj.fmt
        ctx = ctx.parent
    return "table"


def success(message: str) -> None:
    """A confirmation line; kept off stdout in json/csv mode so output stays machine-readable."""
    click.echo(message, err=current_format() != "table")

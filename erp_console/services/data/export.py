"""Export a native table or a service view to CSV or JSON Lines, streamed with constant memory.

CSV is UTF-8 with a header row; cells that a spreadsheet would run as a formula are escaped
with a leading quote (the import removes it again). The file is written under a temporary name
and renamed only when every row is in it, so a failed export (e.g. the database went away)
never leaves a file that looks complete.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.exc import DBAPIError

from erp_console.csv_safety import FORMULA_PREFIXES, escape_cell
from erp_console.db.engine import Database, translate_db_error
from erp_console.errors import ConnectionProblem, ValidationError
from erp_console.services.core import audit
from erp_console.services.data.export_views import STREAM, VIEWS
from erp_console.services.data.table_codec import (
    column_kinds,
    encode_value,
    native_tables,
    table_named,
)

FORMATS = ("csv", "jsonl")
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 5000


@dataclass(frozen=True)
class ExportResult:
    source: str
    path: str
    fmt: str
    rows: int
    columns: tuple[str, ...]
    seconds: float


def export_sources() -> list[tuple[str, str]]:
    """(name, what it is) of everything `export` accepts."""
    return [(name, view.description) for name, view in VIEWS.items()] + [
        (t.name, "native table") for t in sorted(native_tables(), key=lambda t: t.name)
    ]


def _table_rows(
    db: Database, name: str, fmt: str
) -> tuple[list[str], Iterator[tuple], Callable[[], int]]:
    table = table_named(name)
    assert table is not None
    columns = [c.name for c in table.columns]
    kinds = column_kinds(table)
    selected = [
        # SQLite stores timestamps as ISO text: hand the text on instead of parsing it first.
        type_coerce(c, String) if raw_text and kinds[c.name] in ("date", "datetime") else c
        for c in table.columns
        for raw_text in [db.dialect == "sqlite" and fmt == "csv"]
    ]

    def rows() -> Iterator[tuple]:
        with (
            db.engine.connect() as conn,
            conn.execution_options(**STREAM).execute(
                select(*selected).order_by(*table.primary_key.columns)
            ) as result,
        ):
            yield from result

    def count() -> int:
        with db.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()

    return columns, rows(), count


def _view_rows(db: Database, name: str) -> tuple[list[str], Iterator[tuple], Callable[[], int]]:
    view = VIEWS[name]
    columns = view.columns(db)

    def rows() -> Iterator[tuple]:
        with closing(view.rows(db)) as source:
            for row in source:
                yield tuple(row.get(c) for c in columns)

    return columns, rows(), lambda: view.count(db)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape_cell(encode_value(value))


def _text_cell(value: str) -> str:
    return "'" + value if value[:1] in FORMULA_STARTS else value


FORMULA_STARTS = frozenset(FORMULA_PREFIXES)
CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "text": _text_cell,
    "datetime": lambda v: (
        v.replace(" ", "T", 1) if isinstance(v, str) else v.isoformat(timespec="microseconds")
    ),
    "date": lambda v: v if isinstance(v, str) else v.isoformat(),
    "bool": lambda v: "true" if v else "false",
}


def _write_csv(
    fh,
    columns: list[str],
    rows: Iterator[tuple],
    tick: Callable[[int], None],
    kinds: dict[str, str] | None = None,
) -> int:
    """Native tables convert only the columns whose type needs it; views convert every cell."""
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(columns)
    done = 0
    if kinds is None:
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            done += 1
            if done % PROGRESS_EVERY == 0:
                tick(done)
        return done
    convert = [(i, CONVERTERS[kinds[c]]) for i, c in enumerate(columns) if kinds[c] in CONVERTERS]
    writerow = writer.writerow
    for row in rows:
        cells = list(row)
        for i, fn in convert:
            value = cells[i]
            if value is not None:
                cells[i] = fn(value)
        writerow(cells)
        done += 1
        if done % PROGRESS_EVERY == 0:
            tick(done)
    return done


def _write_jsonl(fh, columns: list[str], rows: Iterator[tuple], tick: Callable[[int], None]) -> int:
    done = 0
    dumps = json.dumps
    for row in rows:
        fh.write(
            dumps(
                {c: encode_value(v) for c, v in zip(columns, row, strict=False)},
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )
        fh.write("\n")
        done += 1
        if done % PROGRESS_EVERY == 0:
            tick(done)
    return done


def export(
    db: Database,
    source: str,
    out: Path | str,
    *,
    fmt: str | None = None,
    actor: str = "",
    progress: Progress | None = None,
) -> ExportResult:
    """Write `source` (a view name or a native table) to `out`; the format defaults from the
    file extension (.jsonl/.ndjson → JSON Lines, otherwise CSV). Data leaving the database is
    audited (`db.export`) unless the connection is read-only."""
    progress = progress or (lambda *_: None)
    out = Path(out)
    fmt = fmt or ("jsonl" if out.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv")
    if fmt not in FORMATS:
        raise ValidationError(f"'{fmt}' is not one of {', '.join(FORMATS)}", field="--format")
    if source in VIEWS:
        columns, rows, count = _view_rows(db, source)
    elif table_named(source) is not None:
        columns, rows, count = _table_rows(db, source, fmt)
    else:
        known = ", ".join(name for name, _ in export_sources())
        raise ValidationError(f"no table or view '{source}' (known: {known})", field="source")
    if out.is_dir():
        raise ValidationError(f"{out} is a directory; give a file name", field="--out")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    started = time.perf_counter()
    try:
        total = count()
        progress("export", 0, total)

        def tick(done: int) -> None:
            progress("export", done, max(total, done))

        with partial.open("w", encoding="utf-8", newline="") as fh:
            if fmt == "csv":
                native = table_named(source) if source not in VIEWS else None
                kinds = column_kinds(native) if native is not None else None
                written = _write_csv(fh, columns, rows, tick, kinds)
            else:
                written = _write_jsonl(fh, columns, rows, tick)
            fh.flush()
            os.fsync(fh.fileno())
        partial.replace(out)
    except DBAPIError as exc:
        partial.unlink(missing_ok=True)
        problem = translate_db_error(db.url, exc)
        raise ConnectionProblem(
            f"export of {source} stopped: {problem}; no file was written to {out}"
        ) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        rows.close()  # its cursor and connection, also when the export stopped half-way
    progress("export", written, written)
    if not db.read_only:
        with audit.change(
            db,
            actor=actor or "erp-console",
            action="db.export",
            target_type="file",
            target_label=out.name[:300],
        ) as change:
            change.after = {"source": source, "file": str(out), "format": fmt, "rows": written}
    return ExportResult(
        source, str(out), fmt, written, tuple(columns), time.perf_counter() - started
    )

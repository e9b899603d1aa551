"""Import users, departments, role grants, incidents or documents from CSV or JSON Lines.

Every row is validated first and every problem reported as `file:row:column: message`; only a
clean file is written, all of it in one transaction with one audit entry (`import.<kind>`) and a
maintenance record. `dry_run` stops after the plan: inserts, updates, unchanged and the first
changes. Rows are matched by natural key (login, code, login+role, title+opened_at, kind+title);
`mode="insert"` refuses rows that exist, `mode="upsert"` updates them (only the columns the
file has).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from erp_console.db.engine import Database
from erp_console.db.models import Department, DocumentRevision, utcnow
from erp_console.errors import ValidationError
from erp_console.services.core import audit, dates
from erp_console.services.core.validation import control_problem
from erp_console.services.data.import_kinds import KINDS, Col, Context, Kind, max_revision
from erp_console.services.data.import_read import Problem, SourceRows, normalise_header, read_source
from erp_console.services.records.maintenance_records import add_maintenance_record

MODES = ("insert", "upsert")
BATCH = 5000
SHOWN_CHANGES = 20
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ImportResult:
    kind: str
    source: str
    mode: str
    dry_run: bool
    rows: int
    inserted: int
    updated: int
    unchanged: int
    changes: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    seconds: float
    audit_id: int | None = None
    document_id: int | None = None
    created_departments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parsed:
    line: int
    values: dict[str, Any]
    present: set[str]
    failed: set[str]


@dataclass
class Plan:
    inserts: list[tuple[tuple, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[tuple, int, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    changes: list[str] = field(default_factory=list)


def _map_header(kind: Kind, rows: SourceRows, problems: list[Problem]) -> dict[str, str]:
    """file header -> kind column; reports missing key columns and doubled columns. Fallback
    names (Personalnummer, Kostenstelle) count only when the column is not there by a main name."""
    lookup: dict[str, str] = {}
    for col in kind.columns:
        lookup[normalise_header(col.name)] = col.name
        for alias in col.aliases:
            lookup.setdefault(normalise_header(alias), col.name)
    fallback = {normalise_header(a): col.name for col in kind.columns for a in col.fallback}
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    header_row = _header_row(rows)
    for name in rows.header:
        col = lookup.get(normalise_header(name))
        if col is None:
            continue
        if col in seen:
            problems.append(
                Problem(header_row, name, f"is the same column as '{seen[col]}' ({col}); keep one")
            )
            continue
        seen[col] = name
        mapping[name] = col
    for name in rows.header:
        col = fallback.get(normalise_header(name))
        if col is not None and col not in seen:
            seen[col] = name
            mapping[name] = col
    for col in kind.columns:
        if col.key and col.name not in seen:
            accepted = ", ".join((col.name, *col.aliases[:4]))
            problems.append(
                Problem(
                    header_row,
                    col.name,
                    f"required column is missing (accepted names: {accepted}); "
                    f"the header has: {', '.join(rows.header) or 'nothing'}",
                )
            )
    return mapping


def _header_row(rows: SourceRows) -> int:
    return max(rows.rows[0][0] - 1 if rows.rows else 1, 1)


DATE_WORDS = frozenset(
    [
        "date",
        "datum",
        "dat",
        "birth",
        "birthday",
        "geburt",
        "geburtstag",
        "geburtsdatum",
        "naissance",
        "eintritt",
        "austritt",
        "entree",
        "sortie",
        "hire",
        "exit",
        "leave",
        "start",
        "end",
        "since",
        "until",
        "valid",
        "expiry",
        "expires",
    ]
)


def _unmapped_problems(
    kind: Kind,
    rows: SourceRows,
    mapping: dict[str, str],
    ignore: tuple[str, ...],
) -> tuple[list[Problem], tuple[str, ...]]:
    """Columns the import would drop: harmless ones are listed as ignored; one that looks like a
    date or a field the kind knows is refused unless named with --ignore-column."""
    problems: list[Problem] = []
    wanted = {normalise_header(name): name for name in ignore}
    header_keys = {normalise_header(h) for h in rows.header}
    for key, name in wanted.items():
        if key not in header_keys:
            problems.append(
                Problem(None, None, f"--ignore-column '{name}' is not a column of the file")
            )
    fallback = {normalise_header(a): col.name for col in kind.columns for a in col.fallback}
    ignored = []
    for header in rows.header:
        if header in mapping:
            continue
        ignored.append(header)
        key = normalise_header(header)
        if key in wanted or not key or key in kind.system_columns:
            continue
        reason = None
        if key in fallback:
            reason = (
                f"{fallback[key]} (but '{_mapped_as(mapping, fallback[key])}' is already the "
                f"{fallback[key]})"
            )
        elif DATE_WORDS & set(key.split("_")) or key.endswith(("datum", "date")):
            reason = "a date"
        elif _holds_dates(rows, header):
            reason = "dates"
        if reason:
            problems.append(
                Problem(
                    _header_row(rows),
                    header,
                    f"looks like {reason} but is not imported; rename it to a column of "
                    f"{kind.name}, or pass --ignore-column '{header}' to drop it",
                )
            )
    return problems, tuple(ignored)


def _mapped_as(mapping: dict[str, str], column: str) -> str:
    return next((h for h, c in mapping.items() if c == column), column)


def _holds_dates(rows: SourceRows, header: str, sample: int = 50) -> bool:
    values = [
        raw[header]
        for _line, raw in rows.rows[:sample]
        if isinstance(raw.get(header), str) and raw[header].strip()
    ]
    if not values:
        return False
    readable = 0
    for value in values:
        try:
            dates.parse_datetime(value)
            readable += 1
        except dates.DateError as exc:
            readable += isinstance(exc, dates.AmbiguousDate)
    return readable * 2 > len(values)


def _cell_problem(raw: object, col: Col) -> str | None:
    """What is wrong with a cell before its column reads it: JSON values of the wrong type
    (stored as Python reprs before) and control characters that no text field accepts."""
    if raw is None or isinstance(raw, str):
        return control_problem(raw, multiline=True) if raw else None
    if isinstance(raw, bool):
        return None if col.accepts_bool else f"is {str(raw).lower()}; give text (in quotes)"
    if isinstance(raw, (int, float)):
        return None
    shape = "an object {…}" if isinstance(raw, dict) else "a list […]"
    return f"is {shape}; give text (in quotes)"


def _parse_rows(
    kind: Kind, rows: SourceRows, mapping: dict[str, str], ctx: Context, problems: list[Problem]
) -> list[Parsed]:
    """Every row with the values its cells gave; every problem of every cell is reported."""
    parsed = []
    by_name = {c.name: c for c in kind.columns}
    parsers = [(header, by_name[col_name]) for header, col_name in mapping.items()]
    keys = [c.name for c in kind.columns if c.key]
    every_column = frozenset(mapping.values())
    for line, raw in rows.rows:
        values: dict[str, Any] = {}
        failed: set[str] = set()
        # A CSV row has every header cell; a JSON Lines row only the fields it names.
        complete = len(raw) == len(rows.header)
        present = set(every_column) if complete else {c for h, c in mapping.items() if h in raw}
        for header, col in parsers:
            if not complete and header not in raw:
                continue
            cell = raw.get(header)
            problem = _cell_problem(cell, col)
            if problem is None:
                try:
                    values[col.name] = col.parse(_json_text(cell), ctx)
                    continue
                except ValueError as exc:
                    problem = str(exc)
            problems.append(Problem(line, header, problem))
            failed.add(col.name)
        for name in keys:
            if name in present and name not in failed and values.get(name) is None:
                problems.append(Problem(line, name, "is required"))
                failed.add(name)
        kind.compose(values, present)
        parsed.append(Parsed(line, values, present, failed))
    return parsed


def _json_text(cell: object) -> object:
    """A JSON number read as the text it was written as (a bool stays a bool for yes/no)."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return json.dumps(cell)
    return cell


def _plan(
    kind: Kind,
    parsed: list[Parsed],
    existing: dict[tuple, dict[str, Any]],
    mode: str,
    ctx: Context,
    problems: list[Problem],
) -> Plan:
    plan = Plan()
    seen: dict[tuple, int] = {}
    not_null = {c.name for c in kind.columns if c.key or c.required_new or c.default}
    key_column = next(c.name for c in kind.columns if c.key)
    required_new = [c.name for c in kind.columns if c.required_new]
    defaulted = [(c.name, c.default) for c in kind.columns if c.default is not None]
    for row in parsed:
        line, values, present, failed = row.line, row.values, row.present, row.failed
        for column, message in kind.check(values, present, ctx):
            if column not in failed:
                problems.append(Problem(line, column, message))
        if any(name in failed for name in kind.key_names):
            continue
        key = kind.key(values)
        if key in seen:
            problems.append(
                Problem(
                    line,
                    key_column,
                    f"'{kind.label(key)}' is already on row {seen[key]} of this file",
                )
            )
            continue
        seen[key] = line
        current = existing.get(key)
        if current is None:
            missing = [name for name in required_new if values.get(name) is None]
            for name in missing:
                if name not in failed:
                    problems.append(Problem(line, name, f"is required for a new {kind.name[:-1]}"))
            if missing or failed:
                continue
            full = dict(values)
            for name, default in defaulted:
                if full.get(name) is None:
                    full[name] = default(ctx)
            plan.inserts.append((key, full))
            if len(plan.changes) < SHOWN_CHANGES:
                plan.changes.append(f"insert {kind.label(key)}")
            continue
        if mode == "insert":
            problems.append(
                Problem(
                    line,
                    key_column,
                    f"'{kind.label(key)}' already exists in the database (use --mode upsert to update it)",
                )
            )
            continue
        if failed:
            continue
        changed = {
            name: values.get(name)
            for name in (c.name for c in kind.columns if c.name in present)
            if name in values
            and values.get(name) != current.get(name)
            and not (values.get(name) is None and name in not_null)
        }
        if not changed:
            plan.unchanged += 1
            continue
        plan.updates.append((key, current["_id"], changed, current))
        if len(plan.changes) < SHOWN_CHANGES:
            detail = ", ".join(f"{n}: {current.get(n)!s} → {val!s}" for n, val in changed.items())
            plan.changes.append(f"update {kind.label(key)}: {detail}")
    return plan


def _write(session, kind: Kind, plan: Plan, ctx: Context, progress: Progress) -> None:
    table = kind.model.__table__
    total = len(plan.inserts) + len(plan.updates)
    done = 0
    progress("write", 0, total)
    defaults = kind.insert_defaults(ctx)
    columns = {c.name for c in table.columns}
    batch: list[dict[str, Any]] = []
    for _key, values in plan.inserts:
        row = {**defaults, **kind.to_row(values, ctx)}
        batch.append({k: val for k, val in row.items() if k in columns})
        if len(batch) >= BATCH:
            session.execute(insert(table), batch)
            done += len(batch)
            progress("write", done, total)
            batch = []
    if batch:
        session.execute(insert(table), batch)
        done += len(batch)
    groups: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    for _key, row_id, changed, _current in plan.updates:
        row = kind.to_row(changed, ctx)
        if "updated_at" in columns:
            row["updated_at"] = ctx.now
        groups[frozenset(row)].append({"b_id": row_id, **{f"b_{k}": val for k, val in row.items()}})
    for names, rows in groups.items():
        values: dict[str, Any] = {n: bindparam(f"b_{n}") for n in names}
        if "version" in columns:
            values["version"] = table.c.version + 1
        stmt = update(table).where(table.c.id == bindparam("b_id")).values(values)
        for start in range(0, len(rows), BATCH):
            session.connection().execute(stmt, rows[start : start + BATCH])
            done += len(rows[start : start + BATCH])
            progress("write", done, total)
    _after_write(session, kind, plan, ctx)
    progress("write", total, total)


def _create_departments(session, codes: tuple[str, ...], ctx: Context) -> None:
    """Departments a users file names and --create-departments allowed: code as the name."""
    if not codes:
        return
    session.execute(
        insert(Department.__table__),
        [{"code": code, "name": code, "active": True, "version": 1} for code in codes],
    )
    ctx.refs["department"] = dict(session.execute(select(Department.code, Department.id)).all())


def _after_write(session, kind: Kind, plan: Plan, ctx: Context) -> None:
    """What a bulk insert cannot do alone: department parents, document revisions."""
    if kind.name == "departments":
        ids = dict(session.execute(select(Department.code, Department.id)).all())
        rows = [
            {"b_id": ids[values["code"]], "b_parent": ids[values["parent"]]}
            for _key, values in plan.inserts
            if values.get("parent")
        ] + [
            {"b_id": row_id, "b_parent": ids[changed["parent"]] if changed["parent"] else None}
            for _key, row_id, changed, _cur in plan.updates
            if "parent" in changed
        ]
        if rows:
            session.connection().execute(
                update(Department.__table__)
                .where(Department.__table__.c.id == bindparam("b_id"))
                .values(parent_id=bindparam("b_parent")),
                rows,
            )
    elif kind.name == "documents":
        from erp_console.db.models import Document

        keys = [key for key, _values in plan.inserts] + [key for key, *_ in plan.updates]
        if not keys:
            return
        docs = {
            (d.kind, d.title): d
            for d in session.execute(select(Document).execution_options(populate_existing=True))
            .scalars()
            .all()
        }
        numbers = max_revision(session, [docs[k].id for k in keys])
        session.execute(
            insert(DocumentRevision.__table__),
            [
                {
                    "document_id": docs[k].id,
                    "number": numbers.get(docs[k].id, 0) + 1,
                    "title": docs[k].title,
                    "status": docs[k].status,
                    "tags": docs[k].tags,
                    "body": docs[k].body,
                    "author": ctx.actor,
                    "summary": "Imported",
                    "created_at": ctx.now,
                }
                for k in keys
            ],
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _record_body(result: ImportResult, checksum: str) -> str:
    lines = [
        f"# Import of {result.kind}",
        "",
        f"- File: `{result.source}` (SHA-256 `{checksum}`)",
        f"- Mode: {result.mode}",
        f"- Rows: {result.rows}: {result.inserted} inserted, {result.updated} updated, "
        f"{result.unchanged} unchanged",
        f"- Duration: {result.seconds:.2f} s",
    ]
    if result.ignored_columns:
        lines.append(f"- Ignored columns: {', '.join(result.ignored_columns)}")
    if result.created_departments:
        lines.append(f"- Departments created: {', '.join(result.created_departments)}")
    if result.changes:
        lines += ["", "## First changes", ""] + [f"- {c}" for c in result.changes]
    return "\n".join(lines)


def import_file(
    db: Database,
    kind_name: str,
    path: Path | str,
    *,
    actor: str,
    mode: str = "insert",
    dry_run: bool = False,
    date_format: str | None = None,
    ignore_columns: tuple[str, ...] = (),
    create_departments: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate the whole file, then write all of it or nothing. Raises ValidationError listing
    every problem (`problems`) when any row is bad.

    A column the kind does not take is dropped only when it looks harmless; one that looks like a
    date or a known field must be named in `ignore_columns`. `create_departments` creates the
    departments a users file names that do not exist yet (listed in the plan first)."""
    progress = progress or (lambda *_: None)
    started = time.perf_counter()
    if kind_name not in KINDS:
        raise ValidationError(f"'{kind_name}' is not one of {', '.join(KINDS)}", field="kind")
    if mode not in MODES:
        raise ValidationError(f"'{mode}' is not one of {', '.join(MODES)}", field="--mode")
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"no file {path}", field="file")
    kind = KINDS[kind_name]
    source = read_source(path)
    problems = list(source.problems)
    mapping = _map_header(kind, source, problems)
    unmapped, ignored = _unmapped_problems(kind, source, mapping, tuple(ignore_columns))
    problems += unmapped
    missing_key = any(c.key and c.name not in mapping.values() for c in kind.columns)
    progress("validate", 0, len(source.rows))
    with db.session() as session:
        ctx = Context(
            date_format, actor, utcnow(), kind.refs(session), create_departments=create_departments
        )
        parsed = [] if missing_key else _parse_rows(kind, source, mapping, ctx, problems)
        first_key = next(c.name for c in kind.columns if c.key)
        ctx.refs["new"] = {str(row.values.get(first_key)) for row in parsed}
        existing = kind.existing(session, ctx)
    plan = _plan(kind, parsed, existing, mode, ctx, problems)
    new_departments = tuple(ctx.new_departments)
    plan.changes[:0] = [f"create department {code}" for code in new_departments]
    del plan.changes[SHOWN_CHANGES:]
    progress("validate", len(source.rows), len(source.rows))
    if not source.rows and not problems:
        problems.append(Problem(None, None, "holds no data rows"))
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        rendered = [p.render(source.name) for p in problems]
        hint = (
            " (departments that do not exist can be created with --create-departments)"
            if kind.name == "users"
            and not create_departments
            and any("no department '" in p.message for p in problems)
            else ""
        )
        raise ValidationError(
            f"{len(problems)} problem(s) in {source.name}; nothing was written{hint}",
            problems=rendered,
        )
    result = ImportResult(
        kind=kind.name,
        source=str(path),
        mode=mode,
        dry_run=dry_run,
        rows=len(source.rows),
        inserted=len(plan.inserts),
        updated=len(plan.updates),
        unchanged=plan.unchanged,
        changes=tuple(plan.changes),
        ignored_columns=ignored,
        seconds=0.0,
        created_departments=new_departments,
    )
    if dry_run or not (plan.inserts or plan.updates or new_departments):
        return ImportResult(**{**result.__dict__, "seconds": time.perf_counter() - started})
    checksum = _sha256(path)
    with db.begin() as session:
        ctx.now = utcnow()
        _create_departments(session, new_departments, ctx)
        _write(session, kind, plan, ctx, progress)
        seconds = time.perf_counter() - started
        result = ImportResult(**{**result.__dict__, "seconds": seconds})
        entry = audit.append_entry(
            session,
            actor=actor,
            action=f"import.{kind.name}",
            target_type="file",
            target_label=path.name[:300],
            after={
                "file": path.name,
                "sha256": checksum,
                "mode": mode,
                "inserted": result.inserted,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "created_departments": list(new_departments),
                "first_changes": list(plan.changes[:SHOWN_CHANGES]),
            },
        )
        document = add_maintenance_record(
            session,
            title=f"Import of {kind.name} from {path.name}",
            body=_record_body(result, checksum),
            author=actor,
            tags=("maintenance", "import", kind.name),
            audit_entry=entry,
        )
        ids = (entry.id, document.id)
    return ImportResult(**{**result.__dict__, "audit_id": ids[0], "document_id": ids[1]})

"""Ingest ERP log files into system_log: streamed in batches, all or nothing, audited.

A file is read once, in constant memory, and inserted in batches inside one transaction. A bad
line (not parseable, a missing field, an odd timestamp, a gigantic line, a wrong encoding) stops
the inserting; the rest of the file is still read so every bad line is reported with its line
number, and nothing is written — unless `skip_bad`, which ingests the good lines and counts the
bad. A file whose checksum was ingested before is refused unless `force`.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select

from erp_console.db.engine import Database
from erp_console.db.models import LogIngest, SystemLog, utcnow
from erp_console.errors import Conflict, ValidationError
from erp_console.services import audit
from erp_console.services.log_files import TOO_LONG, LogFile, checksum, detect_format
from erp_console.services.log_lines import (
    LineError,
    csv_columns,
    json_parser,
    text_parser,
    to_row,
    zone,
)
from erp_console.services.maintenance_records import add_maintenance_record

BATCH = 5000
REPORTED = 50
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BadLine:
    line: int
    column: str | None
    message: str

    def describe(self, source: str) -> str:
        where = f"{source}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class IngestResult:
    file: str
    ingest_id: int
    checksum: str
    format: str
    lines_ok: int
    lines_bad: int
    bad_lines: tuple[BadLine, ...]
    audit_id: int


@dataclass(frozen=True)
class _Options:
    fmt: str
    pattern: str | None
    encoding: str
    tz: dt.tzinfo


def previous_ingest(db: Database, digest: str) -> LogIngest | None:
    with db.session() as s:
        return s.scalars(
            select(LogIngest).where(LogIngest.checksum == digest).order_by(LogIngest.id.desc())
        ).first()


def ingest_file(
    db: Database,
    path: str | Path,
    *,
    actor: str,
    fmt: str | None = None,
    pattern: str | None = None,
    encoding: str = "utf-8",
    tz: str | None = None,
    force: bool = False,
    skip_bad: bool = False,
    progress: Progress | None = None,
    batch_size: int = BATCH,
) -> IngestResult:
    path = Path(path)
    if not path.is_file():
        raise ValidationError("no such file", source=str(path))
    _check_encoding(encoding)
    options = _Options(detect_format(path, fmt), pattern, encoding, zone(tz))
    if options.fmt == "text":
        text_parser(pattern)  # a bad pattern is refused before anything is read
    digest = checksum(path)
    earlier = previous_ingest(db, digest)
    if earlier is not None and not force:
        raise Conflict(
            f"{path.name} was already ingested on {earlier.ingested_at:%Y-%m-%d %H:%M} by "
            f"{earlier.ingested_by} (ingest #{earlier.id}, {earlier.lines_ok:,} lines); "
            "use --force to ingest it again"
        )
    source = str(path)
    with LogFile(path) as log_file, db.begin() as session:
        ingest = LogIngest(
            file_name=path.name[:500],
            checksum=digest,
            format=options.fmt,
            ingested_at=utcnow(),
            ingested_by=actor,
        )
        session.add(ingest)
        session.flush()
        conn = session.connection()
        stmt = insert(SystemLog.__table__)
        batch: list[dict] = []
        ok = bad_count = 0
        bad: list[BadLine] = []
        for item in _rows(log_file, options, source):
            if isinstance(item, BadLine):
                bad_count += 1
                if len(bad) < REPORTED:
                    bad.append(item)
                continue
            if bad_count and not skip_bad:
                continue
            item["ingest_id"] = ingest.id
            batch.append(item)
            if len(batch) >= batch_size:
                conn.execute(stmt, batch)
                ok += len(batch)
                batch = []
                if progress:
                    progress(path.name, log_file.position, log_file.size)
        if bad_count and not skip_bad:
            raise _bad_file(
                source, bad_count, bad, "nothing was ingested; fix the lines or use --skip-bad"
            )
        if batch:
            conn.execute(stmt, batch)
            ok += len(batch)
        if progress:
            progress(path.name, log_file.size, log_file.size)
        if ok == 0:
            if bad_count:
                raise _bad_file(
                    source, bad_count, bad, "no line could be read; nothing was ingested"
                )
            raise ValidationError("holds no log lines; nothing was ingested", source=source)
        ingest.lines_ok, ingest.lines_bad = ok, bad_count
        summary = {
            "file": path.name,
            "checksum": digest,
            "format": options.fmt,
            "lines_ok": ok,
            "lines_bad": bad_count,
            "forced": earlier is not None,
            "bad_lines": [b.describe(path.name) for b in bad[:10]],
        }
        entry = audit.append_entry(
            session,
            actor=actor,
            action="logs.ingest",
            target_type="log_ingest",
            target_id=ingest.id,
            target_label=path.name[:300],
            after=summary,
        )
        add_maintenance_record(
            session,
            title=f"System log ingest: {path.name}"[:300],
            body=_record_body(path.name, digest, options.fmt, ok, bad_count, bad),
            author=actor,
            tags=("maintenance", "logs", "import"),
            audit_entry=entry,
        )
        result = IngestResult(
            str(path), ingest.id, digest, options.fmt, ok, bad_count, tuple(bad), entry.id
        )
    return result


def _check_encoding(encoding: str) -> None:
    try:
        b"".decode(encoding)
    except LookupError:
        raise ValidationError(
            f"'{encoding}' is not a known text encoding", field="encoding"
        ) from None


def _bad_file(source: str, count: int, bad: list[BadLine], what: str) -> ValidationError:
    problems = [b.describe(source) for b in bad]
    if count > len(bad):
        problems.append(f"… and {count - len(bad):,} more bad line(s)")
    return ValidationError(f"{count:,} bad line(s); {what}", source=source, problems=problems)


def _record_body(name, digest, fmt, ok, bad_count, bad) -> str:
    lines = [
        f"# System log ingest: {name}",
        "",
        f"- Format: {fmt}",
        f"- Checksum (SHA-256): `{digest}`",
        f"- Lines ingested: {ok:,}",
        f"- Bad lines skipped: {bad_count:,}",
    ]
    if bad:
        lines += ["", "## First bad lines", ""] + [f"- {b.describe(name)}" for b in bad[:10]]
    return "\n".join(lines) + "\n"


# --- lines to rows --------------------------------------------------------------------------


def _decoded(log_file: LogFile, encoding: str) -> Iterator[tuple[int, str | BadLine]]:
    first = True
    for number, raw in log_file.lines():
        if raw is TOO_LONG:
            yield number, BadLine(number, None, "line is longer than 32 KiB; not a log line")
            continue
        if (
            first
            and encoding.lower().replace("-", "") == "utf8"
            and raw.startswith(b"\xef\xbb\xbf")
        ):
            raw = raw[3:]
        first = False
        try:
            yield number, raw.decode(encoding)  # type: ignore[union-attr]
        except UnicodeDecodeError as exc:
            byte = raw[exc.start : exc.start + 1].hex()  # type: ignore[index]
            yield (
                number,
                BadLine(
                    number,
                    None,
                    f"not valid {encoding} (byte 0x{byte} at column {exc.start + 1}); "
                    "give the file's --encoding",
                ),
            )


def _rows(log_file: LogFile, options: _Options, source: str) -> Iterator[dict | BadLine]:
    lines = _decoded(log_file, options.encoding)
    if options.fmt == "csv":
        yield from _csv_rows(lines, options, source)
        return
    parse = json_parser() if options.fmt == "jsonl" else text_parser(options.pattern)
    tz = options.tz
    for number, line in lines:
        if isinstance(line, BadLine):
            yield line
            continue
        if not line.strip():
            continue
        try:
            yield to_row(parse(line), tz)
        except LineError as exc:
            yield BadLine(number, exc.column, exc.message)


def _csv_rows(lines, options: _Options, source: str) -> Iterator[dict | BadLine]:
    current = [0]
    problems: list[BadLine] = []

    def feed() -> Iterator[str]:
        for number, line in lines:
            current[0] = number
            if isinstance(line, BadLine):
                problems.append(line)
                continue
            yield line

    text_lines = feed()
    header_line = next((line for line in text_lines if line.strip()), None)
    yield from _drain(problems)
    if header_line is None:
        return
    delimiter = max((";", ",", "\t", "|"), key=header_line.count)
    header = next(csv.reader([header_line], delimiter=delimiter))
    fields = csv_columns(header, source)
    reader = csv.reader(text_lines, delimiter=delimiter)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield from _drain(problems)
            yield BadLine(current[0], None, f"not valid CSV ({exc})")
            continue
        yield from _drain(problems)
        if not record or not any(cell.strip() for cell in record):
            continue
        if len(record) != len(fields):
            yield BadLine(
                current[0], None, f"has {len(record)} columns, the header has {len(fields)}"
            )
            continue
        raw = {f: v for f, v in zip(fields, record, strict=True) if f is not None}
        try:
            yield to_row(raw, options.tz)
        except LineError as exc:
            yield BadLine(current[0], exc.column, exc.message)
    yield from _drain(problems)


def _drain(problems: list[BadLine]) -> Iterator[BadLine]:
    while problems:
        yield problems.pop(0)

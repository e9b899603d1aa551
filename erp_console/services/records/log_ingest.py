"""Ingest ERP log files into system_log: streamed in batches, all or nothing, audited.

A file is read once, in constant memory, and written in batches through the database's bulk path
(`log_bulk`) inside one transaction. A bad line (not parseable, a missing field, an odd timestamp,
a gigantic line, a wrong encoding) stops the writing; the rest of the file is still read so every
bad line is reported with its line number, and nothing is written — unless `skip_bad`, which
ingests the good lines and counts the bad.

A file whose checksum was ingested before is refused unless `force`; a file that has grown since
its last ingest (its first bytes unchanged, see `log_checkpoints`) is read on from where that
ingest stopped.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from erp_console.db.engine import Database
from erp_console.db.models import LogIngest, utcnow
from erp_console.errors import Conflict, ValidationError
from erp_console.services.core import audit
from erp_console.services.records import log_checkpoints, log_formats
from erp_console.services.records.log_bulk import bulk_writer
from erp_console.services.records.log_files import TOO_LONG, LogFile, checksums, detect_format
from erp_console.services.records.log_formats.base import BadEntry, Clock
from erp_console.services.records.log_formats.regex_text import regex_text
from erp_console.services.records.log_lines import (
    FIELDS,
    LineError,
    csv_columns,
    json_parser,
    text_parser,
    to_row,
    zone,
)
from erp_console.services.records.maintenance_records import add_maintenance_record

BATCH = 5000
SAMPLE_BYTES = 64 * 1024  # what check_readable looks at
SAMPLE_ENTRIES = 20
REPORTED = 50
Progress = Callable[[str, int, int], None]
BadLine = BadEntry


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
    from_offset: int = 0


@dataclass(frozen=True)
class _Options:
    fmt: str
    pattern: str | None
    encoding: str
    tz: dt.tzinfo


@dataclass
class _Tally:
    bad_count: int = 0
    bad: list[BadLine] = field(default_factory=list)


@dataclass(frozen=True)
class _Part:
    """The bytes of the file to read: [offset, limit), numbered on from `lines_before`."""

    offset: int
    limit: int
    lines_before: int
    digest: str
    forced: bool


def previous_ingest(db: Database, digest: str) -> LogIngest | None:
    with db.session() as s:
        return s.scalars(
            select(LogIngest).where(LogIngest.checksum == digest).order_by(LogIngest.id.desc())
        ).first()


def options_for(
    path: Path, fmt: str | None, pattern: str | None, encoding: str, tz: str | None
) -> _Options:
    """The checked options of one file (format named or detected); raises before anything is read."""
    _check_encoding(encoding)
    options = _Options(detect_format(path, fmt, encoding), pattern, encoding, zone(tz))
    if options.fmt == "text":
        text_parser(pattern)  # a bad pattern is refused before anything is read
    return options


def check_readable(path: Path, options: _Options) -> None:
    """Refuse a file none of whose first entries its format can read (a format named wrongly, a
    text file that is no log); an empty file passes, its lines are still to come."""
    size = path.stat().st_size
    if size == 0:
        return
    with LogFile(path, limit=min(size, SAMPLE_BYTES)) as log_file:
        context = {"modified": _modified(path, options.tz)}
        first_bad = None
        for item in itertools.islice(
            _rows(log_file, options, str(path), 0, context), SAMPLE_ENTRIES
        ):
            if item.__class__ is not BadEntry:
                return
            first_bad = first_bad or item
    if first_bad is not None:
        raise ValidationError(
            f"its first lines are not {options.fmt} lines ({first_bad.describe(path.name)})",  # type: ignore[attr-defined]
            source=str(path),
        )


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
    options = options_for(path, fmt, pattern, encoding, tz)
    device, inode, size = log_checkpoints.identity(path)
    mark = log_checkpoints.find(db, path)
    grown = mark is not None and (mark.device, mark.inode) == (device, inode) and size > mark.offset
    digest, prefix = checksums(path, mark.offset if grown and mark else None)
    if grown and mark and prefix == mark.prefix_sha256 and not force and not _gzip(path):
        part = _Part(mark.offset, size, mark.lines, digest, False)
    else:
        earlier = previous_ingest(db, digest)
        if earlier is not None and not force:
            raise Conflict(
                f"{path.name} was already ingested on {earlier.ingested_at:%Y-%m-%d %H:%M} by "
                f"{earlier.ingested_by} (ingest #{earlier.id}, {earlier.lines_ok:,} lines); "
                "use --force to ingest it again"
            )
        part = _Part(0, size, 0, digest, earlier is not None)
    result = ingest_part(
        db,
        path,
        options,
        part,
        actor=actor,
        skip_bad=skip_bad,
        progress=progress,
        batch_size=batch_size,
        prefix_hasher=None,
    )
    assert result is not None
    return result


def _gzip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == b"\x1f\x8b"


def ingest_part(
    db: Database,
    path: Path,
    options: _Options,
    part: _Part,
    *,
    actor: str,
    skip_bad: bool = False,
    progress: Progress | None = None,
    batch_size: int = BATCH,
    prefix_hasher=None,
    allow_empty: bool = False,
    read_from: Path | None = None,
    identity: tuple[int, int] | None = None,
    record: bool = True,
) -> IngestResult | None:
    """Write the part's entries with one log_ingest row, its audit entry and the file's checkpoint.

    `prefix_hasher` holds the SHA-256 state of the bytes before `part.offset` (follow mode); without
    it the part must end at the end of the file whose digest is `part.digest`. With `allow_empty`,
    a part without entries only moves the checkpoint and returns None, and a part of bad lines
    only is recorded like any other (0 lines, its bad ones counted) instead of refused. `read_from` is where the
    bytes are read when the path names another file now (a rotated file's old inode);
    `identity` is the (device, inode) the checkpoint is for. A part without a digest (follow
    mode) is recorded with the SHA-256 of the file up to the part's end. `record=False` leaves
    out the maintenance record (follow mode writes a part every few seconds; each still has its
    audit entry).
    """
    source = str(path)
    device, inode = identity or log_checkpoints.identity(path)[:2]
    with (
        LogFile(
            read_from or path, offset=part.offset, limit=part.limit, hasher=prefix_hasher
        ) as log_file,
        db.begin() as session,
    ):
        ingest = LogIngest(
            file_name=path.name[:500],
            checksum=part.digest or "-",
            format=options.fmt,
            ingested_at=utcnow(),
            ingested_by=actor,
        )
        session.add(ingest)
        session.flush()
        ingest_id = ingest.id
        writer = bulk_writer(session)
        tally = _Tally()
        context = {"modified": _modified(read_from or path, options.tz)}
        items = _rows(log_file, options, source, part.lines_before, context)

        def batches() -> Iterator[list[tuple]]:
            batch: list[tuple] = []
            append = batch.append
            for item in items:
                if item.__class__ is BadEntry:
                    tally.bad_count += 1
                    if len(tally.bad) < REPORTED:
                        tally.bad.append(item)  # type: ignore[arg-type]
                    continue
                if tally.bad_count and not skip_bad:
                    continue
                append((*item, ingest_id))  # type: ignore[misc]
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
                    append = batch.append
                    if progress:
                        progress(path.name, log_file.position, log_file.size)
            if batch and not (tally.bad_count and not skip_bad):
                yield batch

        ok = writer.write_all(batches())
        bad_count, bad = tally.bad_count, tally.bad
        if bad_count and not skip_bad:
            raise _bad_file(
                source, bad_count, bad, "nothing was ingested; fix the lines or use --skip-bad"
            )
        if progress:
            progress(path.name, log_file.size, log_file.size)
        if ok == 0 and bad_count and not allow_empty:
            raise _bad_file(source, bad_count, bad, "no line could be read; nothing was ingested")
        if not part.digest and prefix_hasher is not None:
            part = dataclasses.replace(part, digest=prefix_hasher.hexdigest())
            ingest.checksum = part.digest
        mark = None
        if not log_file.compressed:
            prefix = prefix_hasher.hexdigest() if prefix_hasher is not None else part.digest
            mark = log_checkpoints.Mark(
                device,
                inode,
                log_file.offset,
                log_file.lines_read,
                prefix,
                log_checkpoints.line_hash(log_file.last_line),
                options.fmt,
            )
        writer.close()  # before any commit: SQLite's full-text trigger comes back here
        if ok == 0 and not bad_count:
            if not allow_empty:
                raise ValidationError("holds no log lines; nothing was ingested", source=source)
            session.delete(ingest)
            session.flush()
            if mark is not None:
                log_checkpoints.save(session, path, mark, None)
            return None
        ingest.lines_ok, ingest.lines_bad = ok, bad_count
        if mark is not None:
            log_checkpoints.save(session, path, mark, ingest_id)
        summary = {
            "file": path.name,
            "checksum": part.digest,
            "format": options.fmt,
            "lines_ok": ok,
            "lines_bad": bad_count,
            "forced": part.forced,
            "from_offset": part.offset,
            "bad_lines": [b.describe(path.name) for b in bad[:10]],
        }
        entry = audit.append_entry(
            session,
            actor=actor,
            action="logs.ingest",
            target_type="log_ingest",
            target_id=ingest_id,
            target_label=path.name[:300],
            after=summary,
        )
        if record:
            add_maintenance_record(
                session,
                title=f"System log ingest: {path.name}"[:300],
                body=_record_body(path.name, part, options.fmt, ok, bad_count, bad),
                author=actor,
                tags=("maintenance", "logs", "import"),
                audit_entry=entry,
            )
        result = IngestResult(
            str(path),
            ingest_id,
            part.digest,
            options.fmt,
            ok,
            bad_count,
            tuple(bad),
            entry.id,
            part.offset,
        )
    return result


def _modified(path: Path, tz: dt.tzinfo) -> dt.datetime:
    """The file's modification time as a naive time in the log's zone (for time-only lines)."""
    stamp = path.stat().st_mtime
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).astimezone(tz).replace(tzinfo=None)


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


def _record_body(name, part: _Part, fmt, ok, bad_count, bad) -> str:
    lines = [
        f"# System log ingest: {name}",
        "",
        f"- Format: {fmt}",
        f"- Checksum (SHA-256): `{part.digest}`",
        f"- Lines ingested: {ok:,}",
        f"- Bad lines skipped: {bad_count:,}",
    ]
    if part.offset:
        lines.append(f"- Read on from byte {part.offset:,} (line {part.lines_before + 1:,})")
    if bad:
        lines += ["", "## First bad lines", ""] + [f"- {b.describe(name)}" for b in bad[:10]]
    return "\n".join(lines) + "\n"


# --- lines to rows --------------------------------------------------------------------------


def _decoded(
    log_file: LogFile, encoding: str, lines_before: int = 0
) -> Iterator[tuple[int, str | BadLine]]:
    def undecoded(number: int, raw) -> tuple[int, str | BadLine]:
        return _decode(number, raw, encoding)

    lines = log_file.text_lines(encoding, lines_before, undecoded)
    if lines_before == 0 and encoding.lower().replace("-", "") == "utf8":
        for number, line in lines:  # a byte order mark before the first line is not text
            yield number, line[1:] if isinstance(line, str) and line.startswith("\ufeff") else line
            break
    yield from lines


def _decode(number: int, raw, encoding: str) -> tuple[int, str | BadLine]:
    if raw is TOO_LONG:
        return number, BadLine(number, None, "line is longer than 32 KiB; not a log line")
    try:
        return number, raw.decode(encoding)
    except UnicodeDecodeError as exc:
        byte = raw[exc.start : exc.start + 1].hex()
        return (
            number,
            BadLine(
                number,
                None,
                f"not valid {encoding} (byte 0x{byte} at column {exc.start + 1}); "
                "give the file's --encoding",
            ),
        )


def _rows(
    log_file: LogFile, options: _Options, source: str, lines_before: int, context: dict
) -> Iterator[tuple | BadLine]:
    lines = _decoded(log_file, options.encoding, lines_before)
    built_in = log_formats.BY_NAME.get(options.fmt)
    if built_in is not None:
        yield from built_in.parse(lines, Clock.for_zone(options.tz), **context)
        return
    if options.fmt == "text":
        yield from regex_text(lines, Clock.for_zone(options.tz), pattern=options.pattern)
        return
    if options.fmt == "csv":
        generic = _csv_rows(lines, options, source)
    else:
        generic = _line_rows(lines, options)
    for item in generic:
        if isinstance(item, dict):
            yield tuple(item[f] for f in FIELDS) + (None,)
        else:
            yield item


def _line_rows(lines, options: _Options) -> Iterator[dict | BadLine]:
    parse = json_parser()
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

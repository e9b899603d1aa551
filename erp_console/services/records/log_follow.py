"""Following growing log files: new complete lines are ingested as they come, across rotation
and restarts, without duplicates or gaps.

Each file's checkpoint (`log_checkpoints`) is moved in the same transaction as the lines it
covers, so a crash leaves either both or neither. On every poll:

- same inode, grown: once the size has settled for one poll (so a traceback being written is
  read whole), the complete lines after the checkpoint are ingested;
- rotated by rename (the path now names another inode): what was still unread in the old file is
  read from it first (it is kept open), then the new file from its start;
- copytruncate (same inode, shorter than the checkpoint): the unread end is read from the copy
  beside it (the sibling whose first bytes hash like the file did), then the file from its start.

A restart finds each file's checkpoint, checks the first bytes still hash the same (else the file
is a new one and is read from its start), and finds a file rotated meanwhile by its inode.
Bad lines are skipped and reported: a live log must not stop being followed for one odd line.
Each part read is audited (action `logs.ingest`, `from_offset` in its summary); unlike `logs
ingest`, no maintenance record is written per part, as a busy log would leave one every look.

`Watch` is the follower of a form (screen 4's watch): its problems name the field they are about,
and it keeps the totals the screen shows after every look.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from erp_console.db.engine import Database
from erp_console.errors import ValidationError
from erp_console.services.records import log_checkpoints
from erp_console.services.records.log_files import FORMATS
from erp_console.services.records.log_ingest import (
    IngestResult,
    _Options,
    _Part,
    check_readable,
    ingest_part,
    options_for,
)

SETTLE_LIMIT = 4 * 1024 * 1024  # read even while still growing once this much is waiting
TAIL_BLOCK = 64 * 1024
Report = Callable[[str, IngestResult], None]


@dataclass
class _Tracked:
    path: Path
    options: _Options
    device: int = 0
    inode: int = 0
    offset: int = 0
    lines: int = 0
    hasher: object = field(default_factory=hashlib.sha256)
    seen_size: int = -1
    handle: int | None = None  # an open descriptor of the current inode, for after a rename


class Follower:
    def __init__(
        self,
        db: Database,
        paths: list[str | Path],
        *,
        actor: str,
        fmt: str | None = None,
        pattern: str | None = None,
        encoding: str = "utf-8",
        tz: str | None = None,
        report: Report | None = None,
        settle: bool = True,
    ) -> None:
        """`settle`: wait until a file stops growing for one poll before reading its new lines."""
        self.db = db
        self.settle = settle
        self.actor = actor
        self.report = report
        self.settings = (fmt, pattern, encoding, tz)
        self.files: list[_Tracked] = []
        for name in paths:
            path = Path(name).absolute()
            if not path.is_file():
                raise ValidationError("no such file", source=str(path))
            self.files.append(self._start(path))

    # --- start and resume -------------------------------------------------------------------

    def _start(self, path: Path) -> _Tracked:
        options = options_for(path, *self.settings)
        tracked = _Tracked(path, options)
        mark = log_checkpoints.find(self.db, path)
        device, inode, size = log_checkpoints.identity(path)
        if mark is not None:
            if (mark.device, mark.inode) == (device, inode) and size >= mark.offset:
                hasher = _hash_prefix(path, mark.offset)
                if hasher is not None and hasher.hexdigest() == mark.prefix_sha256:
                    self._resume(tracked, mark, hasher)
                    return tracked
            old = self._rotated_while_away(path, mark, device, inode)
            if old is not None:
                self._drain(tracked, old, mark)
        self._open(tracked, device, inode)
        return tracked

    def _rotated_while_away(self, path: Path, mark, device: int, inode: int) -> Path | None:
        """The file holding what the checkpoint had not read yet: renamed, or a truncated copy."""
        if (mark.device, mark.inode) != (device, inode):
            renamed = log_checkpoints.same_inode_in(path.parent, mark.device, mark.inode)
            if renamed is not None:
                return renamed
        return _copy_of(path, mark.offset, mark.prefix_sha256)

    def _drain(self, tracked: _Tracked, old: Path, mark) -> None:
        hasher = _hash_prefix(old, mark.offset)
        if hasher is None or hasher.hexdigest() != mark.prefix_sha256:
            return
        self._resume(tracked, mark, hasher)
        self._ingest(tracked, old, os.stat(old).st_size, complete=False)

    def _resume(self, tracked: _Tracked, mark, hasher) -> None:
        tracked.device, tracked.inode = mark.device, mark.inode
        tracked.offset, tracked.lines, tracked.hasher = mark.offset, mark.lines, hasher

    def _open(self, tracked: _Tracked, device: int, inode: int) -> None:
        if tracked.handle is not None:
            os.close(tracked.handle)
        tracked.handle = os.open(tracked.path, os.O_RDONLY)
        if (tracked.device, tracked.inode) != (device, inode):
            tracked.device, tracked.inode = device, inode
            tracked.offset, tracked.lines, tracked.hasher = 0, 0, hashlib.sha256()
        tracked.seen_size = -1

    def close(self) -> None:
        for tracked in self.files:
            if tracked.handle is not None:
                os.close(tracked.handle)
                tracked.handle = None

    # --- polling ----------------------------------------------------------------------------

    def poll(self) -> int:
        """One look at every file; the number of lines ingested."""
        total = 0
        for tracked in self.files:
            total += self._poll(tracked)
        return total

    def _poll(self, tracked: _Tracked) -> int:
        try:
            device, inode, size = log_checkpoints.identity(tracked.path)
        except FileNotFoundError:
            return self._finish_old(tracked)  # rotated, the new file not there yet
        if (device, inode) != (tracked.device, tracked.inode):
            done = self._finish_old(tracked)
            self._open(tracked, device, inode)
            return done + self._poll(tracked)
        if size < tracked.offset:
            done = 0
            copy = _copy_of(tracked.path, tracked.offset, tracked.hasher.hexdigest())  # type: ignore[attr-defined]
            if copy is not None:
                done = self._ingest(tracked, copy, os.stat(copy).st_size, complete=False)
            tracked.offset, tracked.lines, tracked.hasher = 0, 0, hashlib.sha256()
            tracked.seen_size = -1
            return done + self._poll(tracked)
        if size == tracked.offset:
            return 0
        if self.settle and size != tracked.seen_size and size - tracked.offset < SETTLE_LIMIT:
            tracked.seen_size = size
            return 0
        return self._ingest(tracked, tracked.path, size, complete=True)

    def _finish_old(self, tracked: _Tracked) -> int:
        """Read what is left of the inode the path named before it was rotated away."""
        if tracked.handle is None:
            return 0
        old = Path(f"/proc/self/fd/{tracked.handle}")
        if not old.exists():
            return 0
        return self._ingest(tracked, old, os.fstat(tracked.handle).st_size, complete=False)

    def _ingest(self, tracked: _Tracked, source: Path, size: int, *, complete: bool) -> int:
        """Ingest [offset, end) of `source`; `complete`: stop after the last line end."""
        end = _last_line_end(source, tracked.offset, size) if complete else size
        if end <= tracked.offset:
            return 0
        hasher = tracked.hasher.copy()  # type: ignore[attr-defined]
        part = _Part(tracked.offset, end, tracked.lines, "", False)
        result = ingest_part(
            self.db,
            tracked.path,
            tracked.options,
            part,
            actor=self.actor,
            skip_bad=True,
            prefix_hasher=hasher,
            allow_empty=True,
            read_from=source,
            identity=(tracked.device, tracked.inode),
            record=False,
        )
        tracked.hasher, tracked.offset = hasher, end
        mark = log_checkpoints.find(self.db, tracked.path)
        tracked.lines = mark.lines if mark is not None else tracked.lines
        tracked.seen_size = -1
        if result is None:
            return 0
        if self.report is not None:
            self.report(str(tracked.path), result)
        return result.lines_ok


@dataclass(frozen=True)
class WatchStatus:
    """What a watch has done so far, after one more look."""

    files: tuple[str, ...]  # the names of the files watched
    lines: int  # lines ingested since the watch began
    bad: int  # bad lines skipped since the watch began
    new: int  # lines ingested by the last look
    missing: tuple[str, ...] = ()  # files not there at the last look (rotated, not back yet)
    last_bad: str = ""  # the last bad line, described as file:line: problem


class Watch:
    """A Follower checked like a form: a problem names its field (`paths`, `format`) and the
    file, so a screen shows it next to what was typed. `poll()` returns the running totals."""

    def __init__(
        self, db: Database, paths: list[str], *, actor: str, fmt: str | None = None
    ) -> None:
        if not paths:
            raise ValidationError("name at least one log file", field="paths")
        if fmt and fmt not in FORMATS:
            raise ValidationError(f"'{fmt}' is not one of {', '.join(FORMATS)}", field="format")
        for name in paths:
            _check_watchable(Path(name).expanduser(), fmt)
        self.lines = self.bad = 0
        self.last_bad = ""
        try:
            self.follower = Follower(
                db,
                [Path(name).expanduser() for name in paths],
                actor=actor,
                fmt=fmt or None,
                report=self._report,
            )
        except ValidationError as exc:
            raise _about_paths(exc) from None
        self.files = tuple(t.path.name for t in self.follower.files)

    def _report(self, path: str, result: IngestResult) -> None:
        self.lines += result.lines_ok
        self.bad += result.lines_bad
        if result.bad_lines:
            self.last_bad = result.bad_lines[-1].describe(Path(path).name)

    def status(self, new: int = 0) -> WatchStatus:
        missing = tuple(t.path.name for t in self.follower.files if not t.path.exists())
        return WatchStatus(self.files, self.lines, self.bad, new, missing, self.last_bad)

    def poll(self) -> WatchStatus:
        """One look at every file (new complete lines ingested), then the totals."""
        return self.status(self.follower.poll())

    def close(self) -> None:
        self.follower.close()


def _check_watchable(path: Path, fmt: str | None) -> None:
    """Refuse a path that is no readable log file of the format, naming it."""
    if not path.exists():
        raise ValidationError(f"{path}: no such file", field="paths")
    if not path.is_file():
        raise ValidationError(f"{path}: not a file", field="paths")
    if not os.access(path, os.R_OK):
        raise ValidationError(f"{path}: not readable (permission denied)", field="paths")
    try:
        check_readable(path, options_for(path, fmt or None, None, "utf-8", None))
    except ValidationError as exc:
        raise _about_paths(exc) from None


def _about_paths(exc: ValidationError) -> ValidationError:
    """A file's problem as a problem of the form's `paths` field (its other fields stay)."""
    if exc.field and exc.field != "paths":
        return exc
    where = Path(exc.source).name + ": " if exc.source else ""
    return ValidationError(where + exc.message, field="paths")


def _hash_prefix(path: Path, length: int):
    """SHA-256 state of the first `length` bytes, or None when the file is shorter."""
    hasher = hashlib.sha256()
    left = length
    try:
        with path.open("rb") as f:
            while left > 0:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    return None
                hasher.update(chunk)
                left -= len(chunk)
    except OSError:
        return None
    return hasher


def _copy_of(path: Path, offset: int, prefix_sha256: str) -> Path | None:
    """A rotated copy beside `path` (`app.log.1`, `app.log-20260501`) starting with the same bytes."""
    if offset == 0:
        return None
    try:
        siblings = sorted(
            p
            for p in path.parent.iterdir()
            if p.name.startswith(path.name) and p != path and p.suffix != ".gz" and p.is_file()
        )
    except OSError:
        return None
    for candidate in siblings:
        if candidate.stat().st_size < offset:
            continue
        hasher = _hash_prefix(candidate, offset)
        if hasher is not None and hasher.hexdigest() == prefix_sha256:
            return candidate
    return None


def _last_line_end(path: Path, start: int, size: int) -> int:
    """The offset just after the last line end in [start, size), or start if there is none."""
    with path.open("rb") as f:
        end = size
        while end > start:
            begin = max(start, end - TAIL_BLOCK)
            f.seek(begin)
            block = f.read(end - begin)
            found = block.rfind(b"\n")
            if found >= 0:
                return begin + found + 1
            end = begin
    return start

"""Where reading a log file got to: device, inode, offset, line count and hashes, one row per path.

A checkpoint lets a grown file be read on from where the last ingest stopped (its first `offset`
bytes must still hash to `prefix_sha256`), and `logs follow` resume after a restart.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_console.db.engine import Database
from erp_console.db.models import LogCheckpoint, utcnow


@dataclass(frozen=True)
class Mark:
    device: int
    inode: int
    offset: int
    lines: int
    prefix_sha256: str
    last_line_sha256: str | None
    format: str


def path_key(path: Path) -> str:
    return hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def find(db: Database, path: Path) -> Mark | None:
    with db.session() as s:
        row = s.scalars(
            select(LogCheckpoint).where(LogCheckpoint.path_key == path_key(path))
        ).first()
        if row is None:
            return None
        return Mark(
            row.device,
            row.inode,
            row.offset,
            row.lines,
            row.prefix_sha256,
            row.last_line_sha256,
            row.format,
        )


def save(session: Session, path: Path, mark: Mark, ingest_id: int | None) -> None:
    """Insert or move the path's checkpoint, inside the caller's transaction."""
    key = path_key(path)
    row = session.scalars(select(LogCheckpoint).where(LogCheckpoint.path_key == key)).first()
    if row is None:
        row = LogCheckpoint(path_key=key, path=str(path.resolve())[:1000])
        session.add(row)
    row.device, row.inode, row.offset, row.lines = mark.device, mark.inode, mark.offset, mark.lines
    row.prefix_sha256, row.last_line_sha256 = mark.prefix_sha256, mark.last_line_sha256
    row.format, row.updated_at = mark.format, utcnow()
    if ingest_id is not None:
        row.ingest_id = ingest_id


def identity(path: Path) -> tuple[int, int, int]:
    """(device, inode, size) of the file now at `path`."""
    st = os.stat(path)
    return st.st_dev, st.st_ino, st.st_size


def same_inode_in(directory: Path, device: int, inode: int) -> Path | None:
    """The file in `directory` that is (device, inode): where a renamed (rotated) log went."""
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if st.st_ino == inode and st.st_dev == device and entry.is_file():
                    return Path(entry.path)
    except OSError:
        return None
    return None

"""Is this SQLite file a snapshot? Read with the stdlib only, so the CLI can ask at start-up."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

SNAPSHOT_KEYS = ("snapshot.source", "snapshot.taken_at", "snapshot.anonymized")


@dataclass(frozen=True)
class SnapshotInfo:
    source: str
    taken_at: str
    anonymized: bool

    @property
    def label(self) -> str:
        kind = "anonymized snapshot" if self.anonymized else "snapshot"
        return f"{kind} of {self.source} taken at {self.taken_at}"


def snapshot_info(path: Path | str) -> SnapshotInfo | None:
    """What a SQLite file says about itself, read with the stdlib (cheap, at start-up)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = dict(
                conn.execute(
                    "SELECT key, value FROM setting WHERE key IN (?, ?, ?)", SNAPSHOT_KEYS
                ).fetchall()
            )
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    if "snapshot.taken_at" not in rows:
        return None
    return SnapshotInfo(
        rows.get("snapshot.source", "?"),
        rows["snapshot.taken_at"],
        rows.get("snapshot.anonymized") == "yes",
    )

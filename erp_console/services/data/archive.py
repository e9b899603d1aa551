"""The backup archive on disk: a directory or a .zip holding `manifest.json` and one JSON Lines
file per table. Writers stream and hash as they go; the archive appears under its final name only
when complete, so a half-written backup never looks like a backup."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

MANIFEST = "manifest.json"


class HashingWriter(io.RawIOBase):
    """Counts and hashes bytes on their way into another binary stream."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


class ArchiveWriter:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.is_zip = out.suffix.lower() == ".zip"
        self.partial = out.with_name(out.name + ".partial")
        if self.partial.exists():
            _remove(self.partial)
        if self.is_zip:
            self.zip: zipfile.ZipFile | None = zipfile.ZipFile(
                self.partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
            )
        else:
            self.zip = None
            self.partial.mkdir(parents=True)

    @contextmanager
    def member(self, name: str) -> Iterator[HashingWriter]:
        if self.zip is not None:
            with self.zip.open(name, "w", force_zip64=True) as raw:
                writer = HashingWriter(raw)
                yield writer
        else:
            path = self.partial / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as raw:
                writer = HashingWriter(raw)
                yield writer

    def finish(self) -> None:
        if self.zip is not None:
            self.zip.close()
        self.partial.replace(self.out)

    def abort(self) -> None:
        if self.zip is not None:
            self.zip.close()
        _remove(self.partial)


class ArchiveReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None

    def names(self) -> set[str]:
        if self.zip is not None:
            return set(self.zip.namelist())
        return {str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file()}

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if self.zip is not None:
            with self.zip.open(name) as fh:
                yield fh
        else:
            with (self.path / name).open("rb") as fh:
                yield fh

    def manifest(self) -> dict:
        with self.open(MANIFEST) as fh:
            return json.loads(fh.read().decode("utf-8"))

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)

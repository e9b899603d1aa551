"""Reading a log file line by line in constant memory: gzip, binary files, encodings, huge lines."""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from erp_console.errors import ValidationError

MAX_LINE_BYTES = 32 * 1024
GZIP_MAGIC = b"\x1f\x8b"
FORMATS = ("jsonl", "csv", "text")
BINARY_SAMPLE = 8192


class TooLong:
    """Stands for a line longer than MAX_LINE_BYTES (its bytes are skipped, not kept)."""


TOO_LONG = TooLong()


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise ValidationError(f"cannot read the file: {exc.strerror}", source=str(path)) from None
    return digest.hexdigest()


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise ValidationError(f"'{fmt}' is not one of {', '.join(FORMATS)}", field="format")
        return fmt
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if last in (".csv", ".tsv"):
        return "csv"
    return "text"


class LogFile:
    """A (possibly gzip-compressed) file opened for reading raw lines; `position` is in file bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.raw: BinaryIO = path.open("rb")
        except OSError as exc:
            raise ValidationError(
                f"cannot read the file: {exc.strerror}", source=str(path)
            ) from None
        self.size = path.stat().st_size
        self.compressed = self.raw.read(2) == GZIP_MAGIC
        self.raw.seek(0)
        self.stream: BinaryIO = (
            gzip.GzipFile(fileobj=self.raw, mode="rb") if self.compressed else self.raw  # type: ignore[assignment]
        )
        self.buffered = io.BufferedReader(self.stream, 1 << 16)  # type: ignore[arg-type]
        self._check_not_binary()

    @property
    def position(self) -> int:
        return self.raw.tell()

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> LogFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _check_not_binary(self) -> None:
        sample = self._read(lambda: self.buffered.peek(BINARY_SAMPLE)[:BINARY_SAMPLE])
        if b"\x00" in sample:
            raise ValidationError(
                "looks like a binary file, not a text log (it contains NUL bytes)",
                source=str(self.path),
            )

    def _read(self, fn):
        try:
            return fn()
        except (gzip.BadGzipFile, zlib.error, EOFError) as exc:
            raise ValidationError(
                f"is a damaged gzip file ({exc or 'unexpected end'}); nothing was ingested",
                source=str(self.path),
            ) from None
        except OSError as exc:
            raise ValidationError(
                f"cannot read the file: {exc.strerror or exc}", source=str(self.path)
            ) from None

    def lines(self) -> Iterator[tuple[int, bytes | TooLong]]:
        """(line number, bytes without the line end) — or TOO_LONG for an oversized line."""
        number = 0
        readline = self.buffered.readline
        while True:
            chunk = self._read(lambda: readline(MAX_LINE_BYTES + 1))
            if not chunk:
                return
            number += 1
            if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
                while chunk and not chunk.endswith(b"\n"):
                    chunk = self._read(lambda: readline(1 << 16))
                yield number, TOO_LONG
                continue
            yield number, chunk.rstrip(b"\r\n")

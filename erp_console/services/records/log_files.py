"""Reading a log file line by line in constant memory: gzip, binary files, encodings, huge lines."""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from erp_console.errors import ValidationError
from erp_console.services.records import log_formats
from erp_console.vocabulary import LOG_FORMATS

MAX_LINE_BYTES = 32 * 1024
GZIP_MAGIC = b"\x1f\x8b"
GENERAL_FORMATS = ("jsonl", "csv", "text")
FORMATS = LOG_FORMATS  # the general ones, then every built-in one (a test keeps them equal)
SNIFF_BYTES = 64 * 1024
BINARY_SAMPLE = 8192
CHUNK = 1 << 20


class TooLong:
    """Stands for a line longer than MAX_LINE_BYTES (its bytes are skipped, not kept)."""


TOO_LONG = TooLong()


def checksum(path: Path) -> str:
    return checksums(path)[0]


def checksums(path: Path, prefix: int | None = None) -> tuple[str, str | None]:
    """SHA-256 of the whole file and, when asked, of its first `prefix` bytes (one read)."""
    digest = hashlib.sha256()
    head: str | None = None
    done = 0
    try:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                if prefix is not None and head is None and done + len(chunk) >= prefix:
                    digest.update(chunk[: prefix - done])
                    head = digest.hexdigest()
                    digest.update(chunk[prefix - done :])
                else:
                    digest.update(chunk)
                done += len(chunk)
    except OSError as exc:
        raise ValidationError(f"cannot read the file: {exc.strerror}", source=str(path)) from None
    if prefix == 0:
        head = hashlib.sha256().hexdigest()
    return digest.hexdigest(), head


def detect_format(path: Path, fmt: str | None, encoding: str = "utf-8") -> str:
    """The format named (checked), else the built-in one the first lines are in, else by suffix."""
    if fmt:
        if fmt not in FORMATS:
            raise ValidationError(f"'{fmt}' is not one of {', '.join(FORMATS)}", field="format")
        return fmt
    found = log_formats.detect(first_lines(path, encoding))
    if found is not None:
        return found.name
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if last in (".csv", ".tsv"):
        return "csv"
    return "text"


def first_lines(path: Path, encoding: str, count: int = 20) -> list[str]:
    """The file's first lines (decoded leniently, gzip opened): what format detection looks at."""
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
            sample = stream.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error):
        return []
    lines = sample.decode(encoding, "replace").lstrip("\ufeff").splitlines()
    return lines[:count]


class LogFile:
    """A (possibly gzip-compressed) file opened for reading raw lines; `position` is in file bytes."""

    def __init__(
        self, path: Path, *, offset: int = 0, limit: int | None = None, hasher=None
    ) -> None:
        """`offset`/`limit`: read only these bytes of a plain file; `hasher` sees every byte read."""
        self.path = path
        self.limit = limit
        self.hasher = hasher
        self.last_line = b""
        self.lines_read = 0
        try:
            self.raw: BinaryIO = path.open("rb")
        except OSError as exc:
            raise ValidationError(
                f"cannot read the file: {exc.strerror}", source=str(path)
            ) from None
        self.size = path.stat().st_size
        self.compressed = self.raw.read(2) == GZIP_MAGIC
        self.raw.seek(offset if not self.compressed else 0)
        self.offset = 0 if self.compressed else offset
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

    def lines(self, start: int = 0) -> Iterator[tuple[int, bytes | TooLong]]:
        """(line number, bytes without the line end) — or TOO_LONG for an oversized line.

        Read in 1 MiB chunks; `start` is the number of lines before `offset` (a file read on).
        """
        number = start
        tail = b""
        skipping = False
        while True:
            chunk = self._read(self._chunk)
            if not chunk:
                break
            parts = (tail + chunk).split(b"\n")
            tail = parts.pop()
            if parts:
                self.last_line = parts[-1]
            for part in parts:
                if skipping:
                    skipping = False
                    continue
                number += 1
                if len(part) > MAX_LINE_BYTES:
                    yield number, TOO_LONG
                    continue
                yield number, part[:-1] if part.endswith(b"\r") else part
            if len(tail) > MAX_LINE_BYTES:
                if not skipping:
                    number += 1
                    yield number, TOO_LONG
                skipping = True
                tail = b""
        if tail and not skipping:
            self.last_line = tail
            number += 1
            self.lines_read = number
            yield number, TOO_LONG if len(tail) > MAX_LINE_BYTES else tail.rstrip(b"\r")
        self.lines_read = number

    def text_lines(
        self, encoding: str, start: int, undecoded: Callable[[int, bytes | TooLong], tuple]
    ) -> Iterator[tuple]:
        """(line number, text) — the same lines as `lines`, decoded a chunk at a time.

        A chunk that does not decode whole, or may hold a line over the limit, goes line by line:
        `undecoded(number, bytes or TOO_LONG)` makes those items (and names the problem).
        """
        number = start
        tail = b""
        skipping = False
        while True:
            chunk = self._read(self._chunk)
            if not chunk:
                break
            data = tail + chunk if tail else chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                tail = data
            else:
                body, tail = data[:cut], data[cut + 1 :]
                if skipping:  # the first line of the body ends an over-long line
                    skipping = False
                    rest = body.find(b"\n")
                    body = body[rest + 1 :] if rest >= 0 else None
                if body is not None:
                    self.last_line = body[body.rfind(b"\n") + 1 :]
                    lines = _decoded_whole(body, encoding)
                    if lines is not None:
                        yield from zip(
                            range(number + 1, number + 1 + len(lines)), lines, strict=True
                        )
                        number += len(lines)
                    else:
                        for part in body.split(b"\n"):
                            number += 1
                            if len(part) > MAX_LINE_BYTES:
                                yield undecoded(number, TOO_LONG)
                            else:
                                yield undecoded(number, part[:-1] if part.endswith(b"\r") else part)
            if len(tail) > MAX_LINE_BYTES:
                if not skipping:
                    number += 1
                    yield undecoded(number, TOO_LONG)
                skipping = True
                tail = b""
        if tail and not skipping:
            self.last_line = tail
            number += 1
            self.lines_read = number
            yield undecoded(number, TOO_LONG if len(tail) > MAX_LINE_BYTES else tail.rstrip(b"\r"))
        self.lines_read = number

    def _chunk(self) -> bytes:
        size = CHUNK
        if self.limit is not None and not self.compressed:
            size = min(CHUNK, self.limit - self.offset)
            if size <= 0:
                return b""
        chunk = self.buffered.read(size)
        self.offset += len(chunk)
        if self.hasher is not None:
            self.hasher.update(chunk)
        return chunk


def _decoded_whole(body: bytes, encoding: str) -> list[str] | None:
    """The body's lines decoded at once, or None when a line may be too long or will not decode.

    No character takes more than 4 bytes, so lines of at most a quarter of the limit in
    characters are within it in bytes.
    """
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    if "\r" in text:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if max(map(len, lines)) * 4 > MAX_LINE_BYTES:
        return None
    return lines

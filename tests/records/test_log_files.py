"""Reading a log file in chunks: lines across chunk ends, CRLF, an over-long line, a byte order
mark and a last line without its end come out as the lines of the file, numbered."""

from __future__ import annotations

from erp_console.services.records import log_files, log_ingest
from erp_console.services.records.log_files import LogFile


def read(path, monkeypatch, chunk: int):
    monkeypatch.setattr(log_files, "CHUNK", chunk)
    monkeypatch.setattr(log_files, "MAX_LINE_BYTES", 40)
    with LogFile(path) as f:
        return [
            (n, x if isinstance(x, str) else x.message) for n, x in log_ingest._decoded(f, "utf-8")
        ]


def test_lines_across_chunks(tmp_path, monkeypatch):
    path = tmp_path / "app.log"
    path.write_bytes(
        b"\xef\xbb\xbffirst line\r\n"
        b"second \xc3\xa9t\xc3\xa9 line\n"
        + b"x" * 100
        + b"\n\nafter the long one\r\n"
        + b"caf\xe9\n"
        + b"no line end"
    )
    expected = [
        (1, "first line"),
        (2, "second été line"),
        (3, "line is longer than 32 KiB; not a log line"),
        (4, ""),
        (5, "after the long one"),
        (6, "not valid utf-8 (byte 0xe9 at column 4); give the file's --encoding"),
        (7, "no line end"),
    ]
    for chunk in (7, 16, 64, 1 << 20):
        assert read(path, monkeypatch, chunk) == expected, chunk


def test_the_plain_iso_shortcut_reads_what_dates_reads():
    import datetime as dt

    import pytest

    from erp_console.services.core import dates
    from erp_console.services.records.log_formats.base import Clock, EntryError

    clock = Clock(dt.timezone.utc, dt.datetime(2100, 1, 1))
    for text in (
        "2026-05-01 10:00:00",
        "2026-05-01 10:00:00,1",
        "2026-05-01T10:00:00,123",
        "2026-05-01 10:00:00.123456",
        "2026-05-01T23:59:59Z",
        "2026-05-01 10:00:00.5+02:00",
        "2026-05-01T10:00:00-05:30",
        "01/May/2026:10:00:00 +0200",
    ):
        expected = dates.parse_log_timestamp(text)
        if expected.tzinfo is not None:
            expected = expected.astimezone(dt.timezone.utc).replace(tzinfo=None)
        assert clock.iso(text) == expected, text
    for text in ("2026-02-30 10:00:00", "2026-05-01 25:00:00", "2026-05-01 10:00:00+24:00"):
        with pytest.raises(dates.DateError) as strict:
            dates.parse_log_timestamp(text)
        with pytest.raises(EntryError) as ours:
            clock.iso(text)
        assert ours.value.message == str(strict.value)

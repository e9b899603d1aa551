"""Log ingest on every dialect: formats, gzip, checksum refusal, and bad input that writes nothing."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest
from sqlalchemy import func, select

from erp_console.db.models import LogIngest, MaintenanceLog, SystemLog
from erp_console.errors import Conflict, ValidationError
from erp_console.services.records import log_ingest

TEXT_LOG = (
    "2024-05-01T10:00:00Z INFO BASIS.AUTH abakker User abakker logged on\n"
    "2024-05-01 10:01:00 warn FI - Payment run F110 slow\n"
    "\n"
    "2024-05-01T12:02:00+02:00 ERROR MM cdiaz Goods receipt failed\n"
)


def table_counts(db) -> tuple[int, int, int]:
    with db.session() as s:
        return (
            s.scalar(select(func.count()).select_from(SystemLog)),
            s.scalar(select(func.count()).select_from(LogIngest)),
            s.scalar(select(func.count()).select_from(MaintenanceLog)),
        )


def rows(db) -> list[tuple]:
    with db.session() as s:
        return [
            tuple(r)
            for r in s.execute(
                select(
                    SystemLog.ts,
                    SystemLog.level,
                    SystemLog.source,
                    SystemLog.user_login,
                    SystemLog.message,
                ).order_by(SystemLog.ts, SystemLog.id)
            )
        ]


def test_text_with_default_pattern(db, tmp_path):
    path = tmp_path / "erp.log"
    path.write_text(TEXT_LOG, encoding="utf-8")
    result = log_ingest.ingest_file(db, path, actor="ops")
    assert (result.format, result.lines_ok, result.lines_bad) == ("text", 3, 0)
    assert rows(db) == [
        (dt.datetime(2024, 5, 1, 10, 0), "INFO", "BASIS.AUTH", "abakker", "User abakker logged on"),
        (dt.datetime(2024, 5, 1, 10, 1), "WARNING", "FI", None, "Payment run F110 slow"),
        (dt.datetime(2024, 5, 1, 10, 2), "ERROR", "MM", "cdiaz", "Goods receipt failed"),
    ]
    assert table_counts(db) == (3, 1, 1)


def test_same_file_refused_unless_forced(db, tmp_path):
    path = tmp_path / "erp.log"
    path.write_text(TEXT_LOG, encoding="utf-8")
    log_ingest.ingest_file(db, path, actor="ops")
    with pytest.raises(Conflict, match="already ingested .* use --force"):
        log_ingest.ingest_file(db, path, actor="ops")
    assert table_counts(db) == (3, 1, 1)
    log_ingest.ingest_file(db, path, actor="ops", force=True)
    assert table_counts(db) == (6, 2, 2)


def test_gzip_csv_with_semicolons_and_custom_pattern(db, tmp_path):
    csv_path = tmp_path / "export.csv.gz"
    with gzip.open(csv_path, "wt", encoding="utf-8", newline="") as f:
        f.write("Timestamp;Severity;Module;User;Message\n")
        f.write('2024-05-01 10:00:00;ERROR;FI;abakker;"Posting failed; retry"\n')
        f.write("01.05.2024 10:05:00;info;MM;;Goods issue\n")
    result = log_ingest.ingest_file(db, csv_path, actor="ops")
    assert (result.format, result.lines_ok) == ("csv", 2)
    path = tmp_path / "app.txt"
    path.write_text("[2024-05-01 11:00:00] <fatal> disk full\n", encoding="utf-8")
    log_ingest.ingest_file(
        db, path, actor="ops", pattern=r"^\[(?P<ts>[^\]]+)\] <(?P<level>\w+)> (?P<message>.*)$"
    )
    assert rows(db) == [
        (dt.datetime(2024, 5, 1, 10, 0), "ERROR", "FI", "abakker", "Posting failed; retry"),
        (dt.datetime(2024, 5, 1, 10, 5), "INFO", "MM", None, "Goods issue"),
        (dt.datetime(2024, 5, 1, 11, 0), "CRITICAL", None, None, "disk full"),
    ]


def test_naive_timestamps_in_a_given_zone(db, tmp_path):
    path = tmp_path / "berlin.log"
    path.write_text("2024-05-01 12:00:00 INFO FI - noon in Berlin\n", encoding="utf-8")
    log_ingest.ingest_file(db, path, actor="ops", tz="Europe/Berlin")
    assert rows(db)[0][0] == dt.datetime(2024, 5, 1, 10, 0)
    with pytest.raises(ValidationError, match="tz: 'Mars/Base' is not a time zone"):
        log_ingest.ingest_file(db, path, actor="ops", tz="Mars/Base", force=True)


def test_bad_lines_are_reported_with_line_numbers_and_nothing_is_written(db, tmp_path):
    path = tmp_path / "mixed.jsonl"
    big = "x" * 40_000
    path.write_bytes(
        b'{"ts": "2024-05-01T10:00:00Z", "level": "INFO", "message": "fine"}\n'
        b'{"ts": "2024-05-01T10:00:00Z", "level": "INFO"}\n'
        b'{"ts": "32/13/2024 25:61", "level": "INFO", "message": "odd time"}\n'
        b"not json at all\n"
        b'{"ts": "2024-05-01T10:00:00Z", "level": "LOUD", "message": "x"}\n'
        + b'{"ts": "2024-05-01T10:00:00Z", "level": "INFO", "message": "'
        + big.encode()
        + b'"}\n'
        + '{"ts": "2024-05-01T10:00:00Z", "level": "INFO", "message": "caf\u00e9"}\n'.encode(
            "latin-1"
        )
        + b'{"ts": "2099-01-01T00:00:00Z", "level": "INFO", "message": "future"}\n'
        + b'{"ts": "2024-05-01T10:01:00Z", "level": "ERROR", "message": "also fine"}\n'
    )
    with pytest.raises(ValidationError) as info:
        log_ingest.ingest_file(db, path, actor="ops")
    problems = info.value.problems
    src = str(path)
    assert "7 bad line(s); nothing was ingested" in str(info.value)
    assert problems == [
        f"{src}:2:message: missing message",
        f"{src}:3:ts: '32/13/2024 25:61' is not a timestamp (use ISO 8601, e.g. 2024-05-01T12:00:00Z)",
        f"{src}:4: not valid JSON (Expecting value at column 1)",
        f"{src}:5:level: 'LOUD' is not a log level",
        f"{src}:6: line is longer than 32 KiB; not a log line",
        f"{src}:7: not valid utf-8 (byte 0xe9 at column 64); give the file's --encoding",
        f"{src}:8:ts: 2099-01-01 00:00:00 UTC is out of range (1990 … tomorrow)",
    ]
    assert table_counts(db) == (0, 0, 0)
    result = log_ingest.ingest_file(db, path, actor="ops", skip_bad=True)
    assert (result.lines_ok, result.lines_bad) == (2, 7)
    assert [r[4] for r in rows(db)] == ["fine", "also fine"]
    with db.session() as s:
        assert s.scalar(select(LogIngest.lines_bad)) == 7


def test_binary_damaged_gzip_empty_and_bad_pattern(db, tmp_path):
    binary = tmp_path / "core.log"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)))
    with pytest.raises(ValidationError, match="binary file"):
        log_ingest.ingest_file(db, binary, actor="ops")
    damaged = tmp_path / "cut.log.gz"
    damaged.write_bytes(gzip.compress(TEXT_LOG.encode() * 50)[:60])
    with pytest.raises(ValidationError, match="damaged gzip"):
        log_ingest.ingest_file(db, damaged, actor="ops")
    empty = tmp_path / "empty.log"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="holds no log lines"):
        log_ingest.ingest_file(db, empty, actor="ops")
    with pytest.raises(ValidationError, match="pattern: is not a regular expression"):
        log_ingest.ingest_file(db, empty, actor="ops", pattern="(?P<ts>")
    with pytest.raises(ValidationError, match="needs the named groups"):
        log_ingest.ingest_file(db, empty, actor="ops", pattern=r"(?P<ts>\S+) (?P<msg2>.*)")
    with pytest.raises(ValidationError, match="no such file"):
        log_ingest.ingest_file(db, tmp_path / "missing.log", actor="ops")
    csv_path = tmp_path / "nohead.csv"
    csv_path.write_text("when,what\n2024-05-01,x\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="1: the header has no column for ts, level, message"):
        log_ingest.ingest_file(db, csv_path, actor="ops")
    assert table_counts(db) == (0, 0, 0)


def test_other_encoding_when_told(db, tmp_path):
    path = tmp_path / "latin.log"
    path.write_bytes("2024-05-01T10:00:00Z INFO FI - Gebühr gebucht\n".encode("latin-1"))
    with pytest.raises(ValidationError) as info:
        log_ingest.ingest_file(db, path, actor="ops")
    assert info.value.problems == [
        f"{path}:1: not valid utf-8 (byte 0xfc at column 35); give the file's --encoding"
    ]
    log_ingest.ingest_file(db, path, actor="ops", encoding="latin-1")
    assert rows(db)[0][4] == "Gebühr gebucht"

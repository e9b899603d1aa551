"""Built-in log formats: each sample file (tests/records/samples) is detected, ingested on every
dialect with the right columns, and a multi-line entry stays one entry in search."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from erp_console.db.models import SystemLog
from erp_console.errors import ValidationError
from erp_console.services.records import log_ingest, logs
from erp_console.services.records.log_files import detect_format

SAMPLES = Path(__file__).parent / "samples"
DETECTED = {
    "odoo-server.log": "odoo",
    "frappe.log": "frappe",
    "web.error.log": "gunicorn",
    "worker.error.log": "rq-worker",
    "dolibarr.log": "dolibarr",
    "postgresql.log": "postgresql",
    "postgresql.csv": "postgresql-csv",
    "mariadb-error.log": "mariadb-error",
    "mariadb-slow.log": "mariadb-slow",
    "syslog-3164.log": "syslog",
    "syslog-5424.log": "syslog",
    "journal.json": "journald",
    "access.log": "access",
}
COLUMNS = (
    SystemLog.ts,
    SystemLog.level,
    SystemLog.source,
    SystemLog.user_login,
    SystemLog.host,
    SystemLog.event,
    SystemLog.message,
)


def ingested(db, tmp_path, name: str, **options) -> list[tuple]:
    path = tmp_path / name
    shutil.copy(SAMPLES / name, path)
    result = log_ingest.ingest_file(db, path, actor="ops", **options)
    assert result.lines_bad == 0
    with db.session() as s:
        return [tuple(r) for r in s.execute(select(*COLUMNS).order_by(SystemLog.id))]


@pytest.mark.parametrize("name", sorted(DETECTED))
def test_each_sample_is_detected_from_its_first_lines(name, tmp_path):
    renamed = tmp_path / "server.txt"  # the suffix does not decide
    shutil.copy(SAMPLES / name, renamed)
    assert detect_format(renamed, None) == DETECTED[name]


def test_odoo_traceback_stays_in_its_entry_and_is_found_by_search(db, tmp_path):
    rows = ingested(db, tmp_path, "odoo-server.log")
    assert len(rows) == 10
    failed = rows[5]
    assert failed[:6] == (
        dt.datetime(2026, 5, 1, 10, 2, 14, 6000),
        "ERROR",
        "odoo.addons.account.models.account_move",
        None,
        None,
        None,
    )
    assert failed[6].startswith("Posting of move INV/2026/00412 failed\nTraceback")
    assert failed[6].endswith("the total of credits equals 1,000.00.")
    assert rows[4][4] == "192.0.2.44"  # werkzeug's client
    assert rows[9][1] == "CRITICAL" and "could not serialize" in rows[9][6]
    found = logs.search(db, logs.LogFilter(text="_check_balanced"))
    assert [line.message.splitlines()[0] for line in found] == [
        "Posting of move INV/2026/00412 failed"
    ]
    with db.session() as s:
        raw = s.scalar(select(SystemLog.raw).where(SystemLog.level == "CRITICAL"))
    assert raw.startswith("2026-05-01 10:07:42,090 4251 CRITICAL prod odoo.sql_db: bad query")


def test_frappe_logs_gunicorn_and_workers(db, tmp_path):
    rows = ingested(db, tmp_path, "frappe.log")
    assert [(r[1], r[2]) for r in rows] == [
        ("INFO", "frappe"),
        ("ERROR", "frappe"),
        ("WARNING", "frappe"),
    ]
    assert rows[1][6].splitlines()[1:] == [
        "Site: erp.example.com",
        "Form Dict: {'cmd': 'frappe.desk.form.save.savedocs', 'action': 'Submit'}",
    ]
    web = ingested(db, tmp_path, "web.error.log")[3:]
    assert [(r[0], r[1], r[2]) for r in web[3:5]] == [
        (dt.datetime(2026, 5, 1, 10, 11, 40), "ERROR", "gunicorn"),
        (dt.datetime(2026, 5, 1, 10, 11, 41), "CRITICAL", "gunicorn"),
    ]
    assert web[3][6].endswith("'Lost connection to MySQL server during query')")
    worker = tmp_path / "worker.error.log"
    shutil.copy(SAMPLES / worker.name, worker)
    stamp = dt.datetime(2026, 5, 1, 10, 30, tzinfo=dt.timezone.utc).timestamp()
    os.utime(worker, (stamp, stamp))
    log_ingest.ingest_file(db, worker, actor="ops")
    jobs = logs.search(db, logs.LogFilter(source="rq.worker"))
    assert [(j.ts, j.level) for j in jobs] == [
        (dt.datetime(2026, 5, 1, 10, 20, 2), "ERROR"),
        (dt.datetime(2026, 5, 1, 10, 15, 9), "INFO"),
        (dt.datetime(2026, 5, 1, 10, 15, 2), "INFO"),
    ]
    assert jobs[0].message.endswith("Document has been modified after you have opened it")


def test_dolibarr_log(db, tmp_path):
    rows = ingested(db, tmp_path, "dolibarr.log")
    assert [(r[1], r[4]) for r in rows] == [
        ("INFO", "192.0.2.15"),
        ("DEBUG", "192.0.2.15"),
        ("ERROR", "192.0.2.15"),
        ("WARNING", "203.0.113.9"),
        ("INFO", "127.0.0.1"),
    ]
    assert rows[2][6] == (
        "Facture::validate Error 1062: Duplicate entry 'FA2605-0007-1' for key 'uk_facture_ref'"
    )


def test_postgresql_stderr_and_csvlog(db, tmp_path):
    rows = ingested(db, tmp_path, "postgresql.log")
    assert [(r[1], r[3]) for r in rows] == [
        ("INFO", None),
        ("ERROR", "odoo"),
        ("CRITICAL", "odoo"),
        ("INFO", None),
    ]
    assert rows[1][6].splitlines() == [
        'duplicate key value violates unique constraint "account_move_name_uniq"',
        "DETAIL:  Key (name, journal_id)=(INV/2026/00412, 1) already exists.",
        "STATEMENT:  INSERT INTO account_move (name, journal_id, state)",
        "\t\tVALUES ('INV/2026/00412', 1, 'posted')",
    ]
    csv_rows = ingested(db, tmp_path, "postgresql.csv")[4:]
    assert csv_rows[0][:6] == (
        dt.datetime(2026, 5, 1, 10, 4, 31, 522000),
        "ERROR",
        "odoo-17",
        "odoo",
        "192.0.2.30:50112",
        "23505",
    )
    assert "QUERY:  INSERT INTO account_move" in csv_rows[0][6]
    assert csv_rows[1][1:3] == ("INFO", "checkpointer")


def test_mariadb_error_and_slow_query_logs(db, tmp_path):
    rows = ingested(db, tmp_path, "mariadb-error.log")
    assert [(r[1], r[2]) for r in rows] == [
        ("INFO", "mariadb"),
        ("INFO", "InnoDB"),
        ("INFO", "InnoDB"),
        ("WARNING", "mariadb"),
        ("ERROR", "InnoDB"),
        ("ERROR", "mariadb"),
    ]
    assert rows[5][0] == dt.datetime(2026, 5, 1, 10, 31)
    assert rows[5][6].splitlines()[-1] == "Server version: 10.11.6-MariaDB-0+deb12u1"
    slow = ingested(db, tmp_path, "mariadb-slow.log")[6:]
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in slow] == [
        (dt.datetime(2026, 5, 1, 10, 20, 14), "WARNING", "dolibarr", "localhost", "slow_query"),
        (dt.datetime(2026, 5, 1, 10, 20, 30), "ERROR", "erpnext", "192.0.2.21", "slow_query"),
    ]
    assert slow[0][6].startswith("SELECT f.rowid, f.ref, s.nom FROM llx_facture AS f\n  JOIN")
    assert "Rows_examined: 1204381" in slow[0][6]


def test_syslog_rfc3164_and_rfc5424(db, tmp_path):
    bsd = ingested(db, tmp_path, "syslog-3164.log")
    assert [(r[1], r[2], r[4]) for r in bsd] == [
        ("INFO", "systemd", "erp01"),
        ("INFO", "odoo", "erp01"),
        ("ERROR", "CRON", "erp01"),
        ("INFO", "sshd", "erp01"),
    ]
    assert bsd[0][0].month == 5 and bsd[0][0].day == 1
    rfc = ingested(db, tmp_path, "syslog-5424.log")[4:]
    assert [(r[0], r[1], r[2], r[4], r[5], r[6]) for r in rfc] == [
        (
            dt.datetime(2026, 5, 1, 10, 0, 0, 3000),
            "INFO",
            "odoo",
            "erp01.example.com",
            "ID47",
            "Invoice INV/2026/00412 posted",
        ),
        (
            dt.datetime(2026, 5, 1, 8, 2, 14, 6000),
            "ERROR",
            "dolibarr",
            "erp01.example.com",
            "LOGIN",
            "login failed for user 'mdupont'",
        ),
        (dt.datetime(2026, 5, 1, 10, 5), "INFO", "rq-worker", "app01", None, "Job OK (6c1b8e0f)"),
    ]


def test_journald_json_export(db, tmp_path):
    rows = ingested(db, tmp_path, "journal.json")
    assert rows == [
        (
            dt.datetime(2026, 5, 1, 10, 0, 0, 3000),
            "INFO",
            "systemd",
            None,
            "erp01",
            "init.scope",
            "Started odoo.service - Odoo Open Source ERP and CRM.",
        ),
        (
            dt.datetime(2026, 5, 1, 10, 2, 14, 6000),
            "ERROR",
            "odoo",
            None,
            "erp01",
            "odoo.service",
            "Posting of move INV/2026/00412 failed",
        ),
        (
            dt.datetime(2026, 5, 1, 10, 5),
            "WARNING",
            "backup-erp.sh",
            None,
            "erp01",
            None,
            "backup slow \ufffd",
        ),
    ]


def test_access_log_combined_format(db, tmp_path):
    rows = ingested(db, tmp_path, "access.log")
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in rows] == [
        (dt.datetime(2026, 5, 1, 10, 2, 13), "INFO", None, "192.0.2.44", "200"),
        (dt.datetime(2026, 5, 1, 10, 1, 40), "WARNING", "mdupont", "203.0.113.9", "401"),
        (dt.datetime(2026, 5, 1, 10, 11, 40), "ERROR", None, "192.0.2.21", "502"),
    ]


def test_named_format_is_used_and_a_wrong_one_writes_nothing(db, tmp_path):
    path = tmp_path / "odoo.txt"
    shutil.copy(SAMPLES / "odoo-server.log", path)
    with pytest.raises(ValidationError) as info:
        log_ingest.ingest_file(db, path, actor="ops", fmt="dolibarr")
    assert info.value.problems[0] == f"{path}:1: does not start a dolibarr.log entry"
    assert logs.count(db).count == 0
    with pytest.raises(
        ValidationError, match="format: 'odo' is not one of jsonl, csv, text, journald"
    ):
        log_ingest.ingest_file(db, path, actor="ops", fmt="odo")
    assert log_ingest.ingest_file(db, path, actor="ops", fmt="odoo").lines_ok == 10


def test_every_built_in_format_can_be_named():
    from erp_console.services.records import log_formats
    from erp_console.services.records.log_files import FORMATS, GENERAL_FORMATS

    assert (*GENERAL_FORMATS, *log_formats.BY_NAME) == FORMATS

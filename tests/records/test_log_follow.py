"""`logs follow`: growing files, rotation by rename and by copytruncate, a grown file re-ingested,
and restarts (a new follower, and a killed process) — every line once, none lost."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from erp_console.db.models import SystemLog
from erp_console.errors import Conflict
from erp_console.services.records import log_ingest
from erp_console.services.records.log_follow import Follower


def entry(n: int) -> str:
    second = n % 60
    minute = n // 60 % 60
    return f"2026-05-01 10:{minute:02d}:{second:02d},{n % 1000:03d} 4242 INFO prod odoo.test: line {n}\n"


def write(path, numbers, mode="a") -> None:
    with open(path, mode, encoding="utf-8") as f:
        f.write("".join(entry(n) for n in numbers))


def stored(db) -> list[int]:
    with db.session() as s:
        messages = s.scalars(select(SystemLog.message).order_by(SystemLog.id)).all()
    return [int(m.split()[1]) for m in messages]


def follower(db, path) -> Follower:
    return Follower(db, [path], actor="ops", settle=False)


def test_growing_file_then_rename_rotation(db, tmp_path):
    log = tmp_path / "odoo-server.log"
    write(log, range(1, 6))
    f = follower(db, log)
    assert f.poll() == 5
    write(log, range(6, 9))
    with open(log, "a") as out:
        out.write("2026-05-01 10:00:09,009 4242 INFO prod odoo.test: line 9 still being writ")
    assert f.poll() == 3  # the unfinished last line waits for its line end
    with open(log, "a") as out:
        out.write("ten\n")
    write(log, [10])
    os.rename(log, tmp_path / "odoo-server.log.1")  # logrotate: rename, then a new file
    write(log, range(11, 14), mode="w")
    assert f.poll() == 5
    f.close()
    assert stored(db) == list(range(1, 14))
    with db.session() as s:
        nine = s.scalar(select(SystemLog.message).where(SystemLog.message.like("%line 9%")))
    assert nine.endswith("line 9 still being written")


def test_a_look_between_the_rename_and_the_new_file_reads_the_rest_of_the_old_one(db, tmp_path):
    log = tmp_path / "odoo-server.log"
    write(log, [1])
    f = follower(db, log)
    f.poll()
    write(log, [2])
    os.rename(log, tmp_path / "odoo-server.log.1")  # Python's WatchedFileHandler: the new file
    assert f.poll() == 1  # comes with the next line, maybe minutes later
    write(log, [3], mode="w")
    assert f.poll() == 1
    f.close()
    assert stored(db) == [1, 2, 3]


def test_copytruncate_rotation(db, tmp_path):
    log = tmp_path / "dolibarr.log"
    log.write_text("")
    write(log, range(1, 4))
    f = follower(db, log)
    f.poll()
    write(log, range(4, 7))  # written after the last look, before logrotate copies
    shutil.copy(log, tmp_path / "dolibarr.log.1")
    with open(log, "r+") as out:
        out.truncate(0)
    write(log, range(7, 9))
    assert f.poll() == 5
    f.close()
    assert stored(db) == list(range(1, 9))


def test_restart_resumes_and_finds_a_file_rotated_meanwhile(db, tmp_path):
    log = tmp_path / "server.log"
    write(log, range(1, 4))
    first = follower(db, log)
    first.poll()
    first.close()
    write(log, range(4, 6))
    again = follower(db, log)  # a restart: the checkpoint says where to go on
    again.poll()
    again.close()
    write(log, [6])
    os.rename(log, tmp_path / "server.log.1")
    write(log, [7, 8], mode="w")
    third = follower(db, log)  # started after a rotation it did not see
    third.poll()
    third.close()
    assert stored(db) == list(range(1, 9))


def test_ingest_reads_a_grown_file_on_and_refuses_an_unchanged_one(db, tmp_path):
    log = tmp_path / "odoo.log"
    write(log, range(1, 4))
    log_ingest.ingest_file(db, log, actor="ops")
    with pytest.raises(Conflict, match="already ingested"):
        log_ingest.ingest_file(db, log, actor="ops")
    write(log, range(4, 7))
    grown = log_ingest.ingest_file(db, log, actor="ops")
    assert (grown.lines_ok, grown.from_offset) == (3, len("".join(entry(n) for n in range(1, 4))))
    with pytest.raises(Conflict, match="already ingested"):
        log_ingest.ingest_file(db, log, actor="ops")
    write(log, range(1, 3), mode="w")  # the same path, other content: a new file
    log_ingest.ingest_file(db, log, actor="ops", force=True)
    assert stored(db) == [1, 2, 3, 4, 5, 6, 1, 2]


def test_killed_follow_process_resumes_without_duplicates_or_gaps(db, tmp_path):
    log = tmp_path / "odoo-server.log"
    write(log, range(1, 201))
    url = db.url.render_as_string(hide_password=False)
    command = [sys.executable, "-m", "erp_console", "--url", url, "--operator", "ops"]
    command += ["logs", "follow", "--interval", "0.2", str(log)]

    def start() -> subprocess.Popen:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 60
        while len(stored(db)) < count and time.monotonic() < deadline:
            time.sleep(0.2)

    process = start()
    wait_for(200)
    write(log, range(201, 301))
    wait_for(300)
    process.send_signal(signal.SIGKILL)
    process.wait()
    write(log, range(301, 401))  # written while nothing follows
    process = start()
    wait_for(400)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert stored(db) == list(range(1, 401))


def test_blank_growth_moves_the_checkpoint_and_search_still_finds_new_lines(db, tmp_path):
    log = tmp_path / "odoo-server.log"
    write(log, [1])
    f = follower(db, log)
    f.poll()
    with open(log, "a") as out:
        out.write("\n\n")
    assert f.poll() == 0
    write(log, [2])
    assert f.poll() == 1
    f.close()
    from erp_console.services.records import logs

    with db.begin() as s:  # a line written outside ingest reaches the full-text index too
        s.add(SystemLog(ts=logs.utcnow(), level="INFO", message="written by hand zebra"))
    assert [x.message for x in logs.search(db, logs.LogFilter(text="zebra"))] == [
        "written by hand zebra"
    ]
    assert [x.message for x in logs.search(db, logs.LogFilter(text="line"))] == ["line 2", "line 1"]


def test_a_part_of_bad_lines_only_is_skipped_and_reported_not_refused(db, tmp_path):
    log = tmp_path / "odoo-server.log"
    write(log, [1])
    reported = []
    f = Follower(db, [log], actor="ops", settle=False, report=lambda p, r: reported.append(r))
    f.poll()
    with open(log, "a") as out:
        out.write("not an odoo line\n")
    assert f.poll() == 0  # skipped and reported; the follower goes on
    assert (reported[-1].lines_ok, reported[-1].lines_bad) == (0, 1)
    write(log, [2])
    assert f.poll() == 1  # the bad line is not read again
    assert reported[-1].lines_bad == 0
    f.close()
    assert stored(db) == [1, 2]


def test_each_part_read_is_audited_without_a_maintenance_record_each(db, tmp_path):
    from sqlalchemy import func

    from erp_console.db.models import Document, MaintenanceLog

    log = tmp_path / "odoo-server.log"
    write(log, [1, 2])
    f = follower(db, log)
    f.poll()
    write(log, [3])
    f.poll()
    f.close()
    with db.session() as s:
        actions = s.scalars(select(MaintenanceLog.action).order_by(MaintenanceLog.id)).all()
        documents = s.scalar(select(func.count()).select_from(Document))
    assert (actions, documents) == (["logs.ingest", "logs.ingest"], 0)


def test_a_watch_names_the_field_of_each_problem_and_keeps_totals(db, tmp_path):
    from erp_console.errors import ValidationError
    from erp_console.services.records.log_follow import Watch

    def problem(paths, fmt=None) -> tuple[str | None, str]:
        with pytest.raises(ValidationError) as caught:
            Watch(db, [str(p) for p in paths], actor="desk", fmt=fmt)
        return caught.value.field, caught.value.message

    log = tmp_path / "odoo-server.log"
    write(log, [1, 2])
    prose = tmp_path / "notes.txt"
    prose.write_text("Dear team,\nthe server is slow today.\n")
    binary = tmp_path / "core.dump"
    binary.write_bytes(b"\x7fELF\x00\x00\x01")
    assert problem([]) == ("paths", "name at least one log file")
    assert problem([log], fmt="odo")[0] == "format"
    assert problem([tmp_path / "gone.log"]) == ("paths", f"{tmp_path / 'gone.log'}: no such file")
    assert problem([tmp_path]) == ("paths", f"{tmp_path}: not a file")
    field, message = problem([binary])
    assert field == "paths" and message.startswith("core.dump: looks like a binary file")
    field, message = problem([prose])
    assert field == "paths" and message.startswith("notes.txt: its first lines are not text lines")
    field, message = problem([log], fmt="syslog")
    assert field == "paths" and "not syslog lines (odoo-server.log:1" in message

    watch = Watch(db, [str(log)], actor="desk")
    watch.follower.settle = False
    first = watch.poll()
    assert (first.files, first.lines, first.new, first.bad) == (("odoo-server.log",), 2, 2, 0)
    with open(log, "a") as out:
        out.write("not an odoo line\n")
    write(log, [3])
    os.rename(log, tmp_path / "odoo-server.log.1")
    after = watch.poll()
    assert (after.lines, after.new, after.bad, after.missing) == (3, 1, 1, ("odoo-server.log",))
    assert after.last_bad == "odoo-server.log:3: does not start an Odoo log entry"
    write(log, [4], mode="w")
    assert watch.poll().missing == ()
    watch.close()
    assert stored(db) == [1, 2, 3, 4]

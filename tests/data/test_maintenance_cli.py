"""The maintenance CLI on the demo: db health/tables/analyze/check, export, import with problems and
dry-run, backup/restore with --replace, snapshot opened read-only."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from erp_console.cli import main
from tests.support.damage import reverse_validity

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")


def _url(db):
    return db.url.render_as_string(hide_password=False)


def _run(url, *args, input=None):
    return CliRunner().invoke(main, ["--url", url, "--operator", "dba", *args], input=input)


def test_db_health_and_tables(demo_sqlite):
    url = _url(demo_sqlite)
    health = _run(url, "--format", "json", "db", "health")
    assert health.exit_code == 0, health.output
    record = json.loads(health.stdout)
    assert record["dialect"] == "sqlite" and record["schema"] == "up to date"
    assert record["quick_check"] == "ok"
    tables = _run(url, "--format", "json", "db", "tables", "--sort", "rows")
    rows = json.loads(tables.stdout)
    assert rows[0]["table"] == "system_log" and rows[0]["rows"] == 50_000
    by_name = {r["table"]: r["rows"] for r in rows}
    assert by_name["erp_user"] == 400 and by_name["department"] == 29


def test_analyze_records_and_check_exits_1_on_problems(demo_sqlite):
    url = _url(demo_sqlite)
    analyze = _run(url, "db", "analyze")
    assert analyze.exit_code == 0, analyze.output
    assert "analyze of" in analyze.output and "maintenance record #" in analyze.output
    clean = _run(url, "db", "check")
    assert clean.exit_code == 0, clean.output
    reverse_validity(demo_sqlite, "abakker")
    check = _run(url, "db", "check")
    assert check.exit_code == 1
    assert (
        "problem: erp_user:" in check.output and "end (valid_to) before they start" in check.output
    )
    audit = _run(url, "--format", "json", "audit", "list", "--action", "db.")
    assert [e["action"] for e in json.loads(audit.stdout)][:3] == [
        "db.check",
        "db.check",
        "db.analyze",
    ]


def test_read_only_cannot_vacuum(demo_sqlite):
    result = CliRunner().invoke(main, ["--url", _url(demo_sqlite), "--read-only", "db", "vacuum"])
    assert result.exit_code == 1 and "read-only" in result.output


def test_export_list_and_csv(demo_sqlite, tmp_path):
    url = _url(demo_sqlite)
    listing = _run(url, "export")
    assert "role-matrix" in listing.output and "erp_user" in listing.output
    out = tmp_path / "matrix.csv"
    done = _run(url, "export", "role-matrix", "--out", str(out))
    assert done.exit_code == 0, done.output
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:3] == ["permission", "module", "risk"] and len(header) == 3 + 34
    unknown = _run(url, "export", "nope", "--out", str(out))
    assert unknown.exit_code == 1 and "no table or view 'nope'" in unknown.output


def test_import_prints_every_problem_then_dry_run_then_writes(demo_sqlite, tmp_path):
    url = _url(demo_sqlite)
    bad = tmp_path / "bad.csv"
    bad.write_text("login;name;dept\nnew.one;New One;NOPE\nx;;FIN-AP\n", encoding="utf-8")
    result = _run(url, "import", "users", str(bad))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [
        "bad.csv:2:dept: no department 'NOPE' in the database",
        "bad.csv:3:login: 'x' must be 3-64 letters, digits, '.', '_' or '-'",
        "error: 2 problem(s) in bad.csv; nothing was written (departments that do not exist "
        "can be created with --create-departments)",
    ]
    good = tmp_path / "good.csv"
    good.write_text("login;name;dept\nnew.one;New One;FIN-AP\n", encoding="utf-8")
    dry = _run(url, "import", "users", str(good), "--dry-run")
    assert dry.exit_code == 0 and "insert new.one" in dry.output and "dry run" in dry.output
    shown = _run(url, "users", "show", "new.one")
    assert shown.exit_code == 1
    done = _run(url, "import", "users", str(good))
    assert done.exit_code == 0 and "1 inserted" in done.output
    assert _run(url, "users", "show", "new.one").exit_code == 0


def test_backup_restore_replace_and_snapshot(demo_sqlite, tmp_path):
    url = _url(demo_sqlite)
    archive = tmp_path / "bk.zip"
    made = _run(url, "backup", "--out", str(archive))
    assert made.exit_code == 0 and archive.exists(), made.output
    refused = _run(url, "restore", str(archive))
    assert refused.exit_code == 1 and "--replace" in refused.output
    declined = _run(url, "restore", str(archive), "--replace", input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    replaced = _run(url, "restore", str(archive), "--replace", "--yes")
    assert replaced.exit_code == 0 and "restored" in replaced.output
    other = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    fresh = _run(other, "restore", str(archive))
    assert fresh.exit_code == 0, fresh.output
    snap = tmp_path / "review.sqlite"
    taken = _run(url, "snapshot", "--out", str(snap), "--anonymize")
    assert taken.exit_code == 0, taken.output
    snap_url = f"sqlite:///{snap}"
    users = _run(snap_url, "--format", "json", "users", "list", "--limit", "1000")
    emails = {u["email"] for u in json.loads(users.stdout)}
    assert len(json.loads(users.stdout)) == 400
    assert all(e is None or e.endswith("@example.invalid") for e in emails)
    write = _run(snap_url, "users", "lock", json.loads(users.stdout)[0]["login"], "--reason", "x")
    assert write.exit_code == 1 and "read-only" in write.output

"""`logs …` and `docs …` from the command line: output, exit codes, and all-or-nothing writes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from erp_console.cli import main

LOG = (
    "2024-05-01T10:00:00Z INFO BASIS.AUTH abakker User abakker logged on\n"
    "2024-05-01T10:05:00Z ERROR FI abakker Payment run F110 aborted\n"
    "2024-05-01T10:06:00Z WARNING MM cdiaz Stock below minimum\n"
)


def run(db, *args, input=None):
    url = db.url.render_as_string(hide_password=False)
    return CliRunner().invoke(main, ["--url", url, "--operator", "tester", *args], input=input)


def test_ingest_search_stats_purge(sqlite_db, tmp_path):
    path = tmp_path / "erp.log"
    path.write_text(LOG, encoding="utf-8")
    ok = run(sqlite_db, "logs", "ingest", str(path))
    assert ok.exit_code == 0, ok.output
    assert "erp.log" in ok.stdout and " 3 " in ok.stdout
    again = run(sqlite_db, "logs", "ingest", str(path))
    assert again.exit_code == 4 and "already ingested" in again.stderr
    found = run(sqlite_db, "--format", "json", "logs", "search", "--user", "abakker", "-t", "F110")
    assert found.exit_code == 0, found.output
    assert [x["message"] for x in json.loads(found.stdout)] == ["Payment run F110 aborted"]
    warn = run(
        sqlite_db, "--format", "csv", "logs", "search", "-l", "WARNING+", "--since", "2024-05-01"
    )
    assert warn.stdout.splitlines()[1:] == [
        "3,2024-05-01 10:06:00,WARNING,MM,cdiaz,,,Stock below minimum",
        "2,2024-05-01 10:05:00,ERROR,FI,abakker,,,Payment run F110 aborted",
    ]
    limited = run(sqlite_db, "logs", "search", "--limit", "1")
    assert "showing the newest 1 of 3" in limited.stderr
    stats = run(sqlite_db, "--format", "json", "logs", "stats", "--since", "2024-05-01")
    assert {r["level"]: r["lines"] for r in json.loads(stats.stdout)} == {
        "DEBUG": 0,
        "INFO": 1,
        "WARNING": 1,
        "ERROR": 1,
        "CRITICAL": 0,
        "total": 3,
    }
    dry = run(sqlite_db, "logs", "purge", "--older-than", "30", "--dry-run")
    assert dry.exit_code == 0 and "would delete 3 line(s)" in dry.output
    refused = run(sqlite_db, "logs", "purge", "--older-than", "30", input="n\n")
    assert refused.exit_code == 1
    purged = run(sqlite_db, "logs", "purge", "--older-than", "30", "--yes", "--reason", "policy")
    assert purged.exit_code == 0 and "deleted 3 line(s)" in purged.output
    audit = run(sqlite_db, "--format", "json", "audit", "list", "--action", "logs.")
    assert [e["action"] for e in json.loads(audit.stdout)] == ["logs.purge", "logs.ingest"]
    records = run(sqlite_db, "docs", "records")
    assert "logs.purge by tester" in records.stdout and "logs.ingest by tester" in records.stdout


def test_bad_lines_are_listed_and_nothing_ingested(sqlite_db, tmp_path):
    path = tmp_path / "bad.log"
    path.write_text(LOG + "garbage line\n2024-13-45T99:00:00Z INFO FI x y\n", encoding="utf-8")
    result = run(sqlite_db, "logs", "ingest", str(path))
    assert result.exit_code == 1
    assert f"{path}:4: does not match the line pattern" in result.stderr
    assert "2 bad line(s); nothing was ingested" in result.stderr
    assert run(sqlite_db, "logs", "search").stdout.strip() == "(no rows)"
    skipped = run(sqlite_db, "logs", "ingest", "--skip-bad", str(path))
    assert skipped.exit_code == 0 and "skipped" in skipped.stderr and " 3 " in skipped.stdout


def test_documents_lifecycle(sqlite_db, tmp_path):
    body = tmp_path / "body.md"
    body.write_text("# F110\n\n## Symptom\n\nStops.\n", encoding="utf-8")
    add = run(
        sqlite_db,
        "docs",
        "add",
        "--kind",
        "technical_support",
        "--title",
        "F110 stops",
        "--body-file",
        str(body),
        "--tags",
        "fi,helpdesk",
    )
    assert add.exit_code == 0 and "document #1 created" in add.output
    templ = run(sqlite_db, "docs", "add", "--kind", "technical_support", "--title", "From template")
    assert templ.exit_code == 0
    dup = run(sqlite_db, "docs", "add", "--kind", "technical_support", "--title", "f110 STOPS")
    assert dup.exit_code == 1 and "titles are unique per kind" in dup.stderr
    edit = run(
        sqlite_db,
        "docs",
        "edit",
        "1",
        "--expect-version",
        "1",
        "--body-file",
        "-",
        "-m",
        "cause found",
        input="# F110\n\n## Cause\n\nLock.\n",
    )
    assert edit.exit_code == 0 and "revision 2" in edit.output
    stale = run(sqlite_db, "docs", "edit", "1", "--expect-version", "1", "--status", "published")
    assert stale.exit_code == 4 and "changed by someone else" in stale.stderr
    history = run(sqlite_db, "--format", "json", "docs", "history", "1")
    assert [(r["revision"], r["summary"]) for r in json.loads(history.stdout)] == [
        (2, "cause found"),
        (1, "Created"),
    ]
    diff = run(sqlite_db, "docs", "diff", "1")
    assert "-## Symptom" in diff.stdout and "+## Cause" in diff.stdout
    shown = run(sqlite_db, "docs", "show", "1", "--revision", "1")
    assert "Stops." in shown.stdout
    template = run(sqlite_db, "docs", "show", "2")
    assert "## Symptom" in template.stdout and "## Resolution" in template.stdout
    bad_link = run(sqlite_db, "docs", "link", "1", "incident:9")
    assert bad_link.exit_code == 1 and "no incident #9" in bad_link.stderr
    listed = run(sqlite_db, "--format", "json", "docs", "list", "--tag", "helpdesk")
    assert [r["title"] for r in json.loads(listed.stdout)] == ["F110 stops"]
    out = tmp_path / "export"
    exported = run(sqlite_db, "docs", "export", str(out), "--id", "1")
    assert exported.exit_code == 0 and "1 document(s)" in exported.output
    (file,) = out.iterdir()
    assert file.read_text(encoding="utf-8").startswith('---\nkind: "technical_support"\n')
    imported = run(sqlite_db, "--format", "json", "docs", "import", str(file))
    assert json.loads(imported.stdout)[0]["action"] == "unchanged"
    gone = run(sqlite_db, "docs", "edit", "99", "--status", "published")
    assert gone.exit_code == 1 and "no document #99" in gone.stderr


def test_a_grown_log_is_read_on_and_follow_once_reads_new_lines(sqlite_db, tmp_path):
    path = tmp_path / "odoo-server.log"
    first = "2026-05-01 10:00:00,123 4242 INFO prod odoo.modules.loading: 1 modules loaded\n"
    path.write_text(first, encoding="utf-8")
    assert run(sqlite_db, "logs", "ingest", str(path)).exit_code == 0
    with path.open("a", encoding="utf-8") as f:
        f.write("2026-05-01 10:00:01,000 4242 ERROR prod odoo.http: boom\n")
    grown = run(sqlite_db, "--format", "json", "logs", "ingest", str(path))
    assert grown.exit_code == 0, grown.output
    [result] = json.loads(grown.stdout)
    assert (result["format"], result["lines"], result["from_byte"]) == ("odoo", 1, len(first))
    with path.open("a", encoding="utf-8") as f:
        f.write("2026-05-01 10:00:02,000 4242 WARNING prod odoo.http: slow\n")
    follow = run(sqlite_db, "logs", "follow", "--once", str(path))
    assert follow.exit_code == 0, follow.output
    assert follow.stdout.startswith(f"{path}: 1 line(s)")
    found = run(sqlite_db, "--format", "json", "logs", "search", "--source", "odoo.http")
    assert [x["message"] for x in json.loads(found.stdout)] == ["slow", "boom"]

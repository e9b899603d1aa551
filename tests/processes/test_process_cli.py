"""The processes and org CLI on the demo: coverage, a review round trip, an org merge planned
with --dry-run and applied with --apply --expect, and bad input with exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select

from erp_console.cli import main
from erp_console.db.models import ChangeRequest, Department, ErpUser, MaintenanceLog


def _run(db, *args):
    return CliRunner().invoke(
        main, ["--url", db.url.render_as_string(hide_password=False), "--operator", "tester", *args]
    )


def _audit_count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(MaintenanceLog))


def test_list_and_coverage(demo_sqlite):
    listed = _run(demo_sqlite, "--format", "json", "processes", "list")
    assert listed.exit_code == 0, listed.output
    rows = {r["code"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {"P2P", "O2C", "R2R", "H2R", "P2PR", "INV"}
    assert rows["P2PR"]["no_holder"] >= 1
    cov = _run(demo_sqlite, "--format", "json", "processes", "coverage", "-P", "P2PR")
    steps = json.loads(cov.stdout)["steps"]
    close = next(s for s in steps if s["seq"] == 70)
    assert close["holders"] == 0 and close["flags"] == ["no_holder"] and close["who"] == []
    flagged = _run(demo_sqlite, "processes", "coverage", "--flags-only")
    assert (
        "Close production order" in flagged.output
        and "Create production order" not in flagged.output
    )
    assert "SoD conflicts inside processes" in flagged.output
    shown = _run(demo_sqlite, "processes", "show", "P2P")
    assert (
        "Three-way match check" in shown.output
        and "Optimisation after process review" in shown.output
    )
    unknown = _run(demo_sqlite, "processes", "show", "NOPE")
    assert unknown.exit_code == 1 and "no process 'NOPE'" in unknown.output


def test_review_round_trip(demo_sqlite):
    opened = _run(
        demo_sqlite, "--format", "json", "processes", "review", "open", "R2R", "--scope", "close"
    )
    assert opened.exit_code == 0, opened.output
    review_id = json.loads(opened.stdout)["id"]
    again = _run(demo_sqlite, "processes", "review", "open", "R2R")
    assert again.exit_code == 4 and "still open" in again.output
    finding = _run(
        demo_sqlite,
        "--format",
        "json",
        "processes",
        "review",
        "finding",
        str(review_id),
        "--kind",
        "permission_gap",
        "--severity",
        "high",
        "--text",
        "Nobody approves journals",
        "--step",
        "20",
    )
    finding_id = json.loads(finding.stdout)["id"]
    bad_step = _run(
        demo_sqlite,
        "processes",
        "review",
        "finding",
        str(review_id),
        "--kind",
        "permission_gap",
        "--severity",
        "high",
        "--text",
        "x",
        "--step",
        "25",
    )
    assert bad_step.exit_code == 1 and "step: the process has no step 25" in bad_step.output
    change = _run(demo_sqlite, "processes", "review", "change", str(finding_id))
    assert change.exit_code == 0 and "change request #" in change.output
    with demo_sqlite.session() as s:
        cr = s.scalars(select(ChangeRequest).order_by(ChangeRequest.id.desc())).first()
    assert cr.title == "R2R: Nobody approves journals" and cr.kind == "optimization"
    closed = _run(
        demo_sqlite,
        "processes",
        "review",
        "close",
        str(review_id),
        "--outcome",
        "needs_optimization",
    )
    assert closed.exit_code == 0, closed.output
    shown = _run(demo_sqlite, "processes", "review", "show", str(review_id), "--compare")
    assert "needs_optimization" in shown.output and "Nobody approves journals" in shown.output
    assert "(none)" in shown.output


def test_org_merge_dry_run_then_apply(demo_sqlite):
    before = _audit_count(demo_sqlite)
    dry = _run(demo_sqlite, "org", "merge", "FIN-AR", "--into", "FIN-AP")
    assert dry.exit_code == 0, dry.output
    assert (
        "Plan: merge FIN-AR into FIN-AP" in dry.output and "Dry run: nothing changed" in dry.output
    )
    fingerprint = dry.output.split("--expect ")[1].split()[0]
    assert _audit_count(demo_sqlite) == before
    no_reason = _run(demo_sqlite, "org", "merge", "FIN-AR", "--into", "FIN-AP", "--apply")
    assert no_reason.exit_code == 1 and "reason" in no_reason.output
    stale = _run(
        demo_sqlite,
        "org",
        "merge",
        "FIN-AR",
        "--into",
        "FIN-AP",
        "--apply",
        "--reason",
        "r",
        "--expect",
        "0000000000000000",
    )
    assert stale.exit_code == 4 and "plan changed" in stale.output
    assert _audit_count(demo_sqlite) == before
    applied = _run(
        demo_sqlite,
        "org",
        "merge",
        "FIN-AR",
        "--into",
        "FIN-AP",
        "--apply",
        "--reason",
        "AR joins AP",
        "--expect",
        fingerprint,
    )
    assert applied.exit_code == 0, applied.output
    assert "applied: merge FIN-AR into FIN-AP" in applied.output
    with demo_sqlite.session() as s:
        left = s.scalar(
            select(func.count())
            .select_from(ErpUser)
            .join(Department, Department.id == ErpUser.department_id)
            .where(Department.code == "FIN-AR")
        )
    assert left == 0
    tree = _run(demo_sqlite, "--format", "json", "org", "tree")
    ar = next(n for n in json.loads(tree.stdout) if n["department"] == "FIN-AR")
    assert ar["active"] is False and ar["users"] == 0


def test_org_bad_input_exit_codes(demo_sqlite):
    before = _audit_count(demo_sqlite)
    cycle = _run(demo_sqlite, "org", "merge", "FIN", "--into", "FIN-AR", "--apply", "--reason", "x")
    assert cycle.exit_code == 1 and "cycle" in cycle.output
    unknown = _run(demo_sqlite, "org", "move", "nobody-here", "--to", "FIN-AP")
    assert unknown.exit_code == 1 and "no user with login 'nobody-here'" in unknown.output
    dept = _run(demo_sqlite, "org", "move", "abakker", "--to", "NOPE")
    assert dept.exit_code == 1 and "no department 'NOPE'" in dept.output
    assert _audit_count(demo_sqlite) == before


def test_new_version_from_the_cli(demo_sqlite):
    made = _run(
        demo_sqlite,
        "processes",
        "version",
        "INV",
        "--effective",
        "2099-01-01",
        "--add",
        "50:Review write-off:MM.INVENTORY.APPROVE:LOG",
        "--drop",
        "10",
    )
    assert made.exit_code == 0, made.output
    assert "INV version 2 with 4 steps, in force from 2099-01-01" in made.output
    shown = _run(demo_sqlite, "--format", "json", "processes", "show", "INV", "--version", "2")
    steps = json.loads(shown.stdout)["steps"]
    assert [s["seq"] for s in steps] == [20, 30, 40, 50] and steps[-1]["department"] == "LOG"
    before = _audit_count(demo_sqlite)
    bad = _run(
        demo_sqlite,
        "processes",
        "version",
        "INV",
        "--effective",
        "2099-02-01",
        "--add",
        "60:x:NO.SUCH",
    )
    assert bad.exit_code == 1 and "step 60: no permission 'NO.SUCH'" in bad.output
    early = _run(demo_sqlite, "processes", "version", "INV", "--effective", "2098-01-01")
    assert early.exit_code == 1 and "effective_from" in early.output
    assert _audit_count(demo_sqlite) == before


def test_create_a_process_from_the_cli_and_bad_steps_write_nothing(demo_sqlite):
    before = _audit_count(demo_sqlite)
    bad = _run(demo_sqlite, "processes", "create", "RMA", "--name", "Customer returns",
               "--step", "10:Receive return:NO.SUCH.CODE",
               "--step", "20 Credit the customer")  # fmt: skip
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert bad.stderr.startswith("error: 2:step: '20 Credit the customer' is not SEQ:NAME:")
    assert _audit_count(demo_sqlite) == before
    made = _run(demo_sqlite, "processes", "create", "RMA", "--name", "Customer returns",
                "--owner", "SAL", "--effective", "2026-01-05",
                "--step", "20|Credit the customer|FI.INVOICE.POST",
                "--step", "10:Receive return:SD.ORDER.CREATE")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "process RMA created with 2 steps, in force from 2026-01-05" in made.stdout
    shown = json.loads(_run(demo_sqlite, "--format", "json", "processes", "show", "RMA").stdout)
    assert (shown["owner"], shown["version"]) == ("SAL", 1)
    assert [(s["seq"], s["permission"]) for s in shown["steps"]] == [
        (10, "SD.ORDER.CREATE"),
        (20, "FI.INVOICE.POST"),
    ]
    again = _run(
        demo_sqlite, "processes", "create", "rma", "--name", "x", "--step", "1:x:SD.ORDER.CREATE"
    )
    assert again.exit_code == 1 and "process 'RMA' exists already" in again.stderr
    assert _audit_count(demo_sqlite) == before + 1

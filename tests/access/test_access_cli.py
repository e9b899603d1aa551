"""The access CLI on the demo: list/show/explain/who-has/grant/sod with exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from erp_console.cli import main


def _run(db, *args):
    return CliRunner().invoke(
        main, ["--url", db.url.render_as_string(hide_password=False), "--operator", "tester", *args]
    )


def test_users_list_filters_and_json(demo_sqlite):
    result = _run(
        demo_sqlite, "--format", "json", "users", "list", "--status", "locked", "--limit", "1000"
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 14 and {r["status"] for r in rows} == {"locked"}


def test_grant_requires_reason_and_reports_sod_then_overrides(demo_sqlite):
    missing = _run(demo_sqlite, "grant", "FI_TREASURY", "abakker", "--reason", " ")
    assert missing.exit_code == 1 and "reason: is required" in missing.output
    vendor = _run(demo_sqlite, "grant", "FI_VENDOR_MASTER", "abakker", "--reason", "INC-1")
    assert vendor.exit_code == 0, vendor.output
    refused = _run(demo_sqlite, "grant", "FI_TREASURY", "abakker", "--reason", "INC-2")
    assert refused.exit_code == 1 and "critical SoD conflicts" in refused.output
    dry = _run(demo_sqlite, "grant", "FI_TREASURY", "abakker", "--reason", "INC-2", "--dry-run")
    assert (
        dry.exit_code == 0 and "FI.PAYMENT.APPROVE" in dry.output and "SoD critical" in dry.output
    )
    ok = _run(
        demo_sqlite,
        "grant",
        "FI_TREASURY",
        "abakker",
        "--reason",
        "INC-2",
        "--override-sod",
        "CFO approved",
    )
    assert ok.exit_code == 0, ok.output
    explained = _run(demo_sqlite, "explain", "abakker", "FI.PAYMENT.APPROVE")
    assert (
        explained.output.startswith("YES")
        and "via role FI_TREASURY (granted by tester" in explained.output
    )
    who = _run(demo_sqlite, "--format", "csv", "who-has", "FI.PAYMENT.APPROVE")
    assert "abakker" in who.output
    check = _run(demo_sqlite, "sod", "check", "abakker")
    assert "Create vendor / approve payment" in check.output and "True" in check.output


def test_stale_edit_exits_4_and_unknown_user_exits_1(demo_sqlite):
    stale = _run(demo_sqlite, "users", "edit", "abakker", "--name", "X Y", "--expect-version", "99")
    assert stale.exit_code == 4 and "changed by someone else" in stale.output
    unknown = _run(demo_sqlite, "users", "lock", "nobody-here", "--reason", "x")
    assert unknown.exit_code == 1 and "no user with login 'nobody-here'" in unknown.output


def test_read_only_profile_cannot_grant(demo_sqlite):
    url = demo_sqlite.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        main, ["--url", url, "--read-only", "grant", "MM_BUYER", "abakker", "--reason", "x"]
    )
    assert result.exit_code == 1 and "read-only" in result.output


def test_grant_with_role_option_and_logins_from_stdin(demo_sqlite, tmp_path):
    url = demo_sqlite.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        main,
        [
            "--url",
            url,
            "--operator",
            "tester",
            "grant",
            "--role",
            "AUDITOR",
            "--logins-from",
            "-",
            "--reason",
            "REQ-7 audit season",
            "--to",
            "2030-01-31",
        ],
        input="abakker\n# the second one\nabecker  \n\nabakker\n",
    )
    assert result.exit_code == 0, result.output
    assert "granted AUDITOR to 2 user(s)" in result.output
    shown = json.loads(_run(demo_sqlite, "--format", "json", "users", "show", "abecker").stdout)
    grants = {g["role"]: g for g in shown["grants"]}
    assert grants["AUDITOR"]["valid_to"] == "2030-01-31"
    listing = tmp_path / "leavers.txt"
    listing.write_text("abakker\nabecker\n", encoding="utf-8")
    locked = _run(
        demo_sqlite, "users", "lock", "--logins-from", str(listing), "--reason", "offboarding"
    )
    assert locked.exit_code == 0 and "2 user(s) changed" in locked.output
    empty = _run(demo_sqlite, "users", "lock", "--reason", "x")
    assert empty.exit_code == 1 and "no login given" in empty.output
    revoked = _run(demo_sqlite, "revoke", "--role", "AUDITOR", "abakker", "--reason", "done")
    assert revoked.exit_code == 0 and "AUDIT" in revoked.output

"""Every CLI command with arguments that work on the demo ERP, in an order that keeps them valid.

`TOUR` is checked against the click command tree (tests/core/test_cli_tour.py), so a new command
cannot be left out of the tests that run them all (one JSON document, no secret in any output).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy import select

from erp_console.db.models import (
    ChangeRequest,
    Department,
    Document,
    ErpUser,
    Incident,
    ProcessReview,
    ReviewFinding,
)


@dataclass(frozen=True)
class Step:
    args: tuple[str, ...]
    writes_only: bool = False  # its only output is a confirmation (stderr outside table format)
    stdin: str | None = None
    exit_code: int = 0


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> set[str]:
    """Every runnable command as 'group sub', from the click tree (lazy commands included)."""
    ctx = click.Context(group)
    found: set[str] = set()
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        path = (*prefix, name)
        if isinstance(cmd, click.Group):
            found |= command_paths(cmd, path)
        else:
            found.add(" ".join(path))
    return found


def _ids(db) -> dict[str, object]:
    with db.session() as s:
        return {
            "login": s.scalars(
                select(ErpUser.login).where(ErpUser.status == "active").order_by(ErpUser.login)
            ).first(),
            "incident": s.scalars(select(Incident.id).order_by(Incident.id.desc())).first(),
            "changes": s.scalars(
                select(ChangeRequest.id)
                .where(ChangeRequest.status == "proposed")
                .order_by(ChangeRequest.id)
            ).all()[:3],
            "review": s.scalars(
                select(ProcessReview.id).where(ProcessReview.closed_at.is_(None))
            ).first(),
            "finding": s.scalars(
                select(ReviewFinding.id)
                .where(ReviewFinding.change_request_id.is_(None))
                .order_by(ReviewFinding.id)
            ).first(),
            "aud_login": s.scalars(
                select(ErpUser.login)
                .join(Department, Department.id == ErpUser.department_id)
                .where(Department.code == "AUD")
                .order_by(ErpUser.login)
            ).first(),
            "doc": s.scalars(select(Document.id).order_by(Document.id)).first(),
        }


def tour(db, work: Path, url: str) -> list[Step]:
    """The steps, with ids from the demo in `db` and files under `work`."""
    ids = _ids(db)
    chg, chg2, chg3 = (str(n) for n in ids.pop("changes"))
    i = {k: str(v) for k, v in ids.items()}
    work.mkdir(parents=True, exist_ok=True)
    users_csv = work / "users.csv"
    users_csv.write_text(
        "login,full_name,email,department\ntour.one,Tour One,tour.one@example.org,FIN\n",
        encoding="utf-8",
    )
    log_file = work / "app.log"
    log_file.write_text("2026-11-01 10:00:00 ERROR [sd] order 42 failed\n", encoding="utf-8")
    doc_md = work / "doc.md"
    doc_md.write_text('---\nkind: process\ntitle: "Tour doc"\n---\nbody\n', encoding="utf-8")
    body = work / "body.md"
    body.write_text("new body\n", encoding="utf-8")
    login, inc = i["login"], i["incident"]
    reason = ("--reason", "tour")
    return [
        Step(("profiles", "add", "tour", "--url", url.split("?", 1)[0]), writes_only=True),
        Step(("profiles", "list")),
        Step(("profiles", "default", "tour"), writes_only=True),
        Step(("profiles", "remove", "tour"), writes_only=True),
        Step(("init",), writes_only=True),
        Step(("users", "list")),
        Step(("users", "show", login)),
        Step(("users", "dormant")),
        Step(("users", "expired")),
        Step(
            ("users", "add", "tour.two", "--name", "Tour Two", "--department", "FIN", *reason),
            writes_only=True,
        ),
        Step(("users", "edit", "tour.two", "--name", "Tour Zwei", *reason), writes_only=True),
        Step(("users", "lock", "tour.two", *reason), writes_only=True),
        Step(("users", "unlock", "tour.two", *reason), writes_only=True),
        Step(("users", "disable", "tour.two", *reason), writes_only=True),
        Step(("users", "enable", "tour.two", *reason), writes_only=True),
        Step(("grant", "AUDITOR", "tour.two", "--dry-run", *reason)),
        Step(("grant", "AUDITOR", "tour.two", *reason)),
        Step(("revoke", "AUDITOR", "tour.two", *reason)),
        Step(("roles", "list")),
        Step(("roles", "show", "AUDITOR")),
        Step(("roles", "compare", "AUDITOR", "BASIS_ADMIN")),
        Step(("roles", "create", "TOUR_ROLE", "--name", "Tour role"), writes_only=True),
        Step(
            ("roles", "permissions", "TOUR_ROLE", "--add", "BASIS.JOB.DISPLAY", *reason),
            writes_only=True,
        ),
        Step(("who-has", "BASIS.JOB.DISPLAY")),
        Step(("explain", login, "BASIS.JOB.DISPLAY")),
        Step(("sod", "check")),
        Step(("sod", "rule", "list")),
        Step(
            (
                "sod",
                "rule",
                "add",
                "Tour rule",
                "--a",
                "BASIS.JOB.DISPLAY",
                "--b",
                "FI.INVOICE.POST",
            ),
            writes_only=True,
        ),
        Step(("sod", "rule", "remove", "Tour rule", *reason), writes_only=True),
        Step(("audit", "list", "--limit", "5")),
        Step(("audit", "head")),
        Step(("audit", "verify")),
        Step(("stage", "status")),
        Step(("stage", "history")),
        Step(
            ("stage", "setup", "--erp-name", "Tour", "--go-live", "2026-01-05", *reason),
            writes_only=True,
            exit_code=1,  # the demo's lifecycle is set up already
        ),
        Step(("stage", "thresholds")),
        Step(
            ("stage", "advance", "--to", "expansion", "--override", "tour", *reason),
            writes_only=True,
        ),
        Step(("incidents", "list")),
        Step(("incidents", "show", inc)),
        Step(("incidents", "edit", inc, "--module", "FI"), writes_only=True),
        Step(("incidents", "resolve", inc, "--resolution", "fixed"), writes_only=True),
        Step(("incidents", "reopen", inc, *reason), writes_only=True),
        Step(
            ("incidents", "add", "Tour incident", "--category", "bug", "--severity", "low"),
            writes_only=True,
        ),
        Step(("changes", "list")),
        Step(("changes", "add", "Tour change", "--kind", "optimization"), writes_only=True),
        Step(("changes", "approve", chg), writes_only=True),
        Step(("changes", "start", chg), writes_only=True),
        Step(("changes", "done", chg), writes_only=True),
        Step(("changes", "move", chg2, "approved"), writes_only=True),
        Step(("changes", "reject", chg3, *reason), writes_only=True),
        Step(("report", "--period", "2026-10")),
        Step(("db", "health")),
        Step(("db", "tables")),
        Step(
            ("db", "readonly-role", "tour_reader", "--print-sql"),
            exit_code=1 if db.dialect == "sqlite" else 0,  # SQLite has no logins
        ),
        Step(("db", "analyze")),
        Step(("db", "vacuum")),
        Step(("db", "check")),
        Step(("export",)),
        Step(("export", "users", "-o", str(work / "users-out.csv")), writes_only=True),
        Step(("import", "users", str(users_csv), "--dry-run")),
        Step(("import", "users", str(users_csv))),
        Step(("backup", "--out", str(work / "backup.zip")), writes_only=True),
        Step(("snapshot", "--out", str(work / "snapshot.sqlite3")), writes_only=True),
        Step(("org", "tree")),
        Step(("org", "move", "tour.two", "--to", "AUD", "--dry-run")),
        Step(("org", "rename", "AUD", "--name", "Audit", "--dry-run")),
        Step(("org", "merge", "AUD", "--into", "FIN", "--dry-run")),
        Step(("org", "split", "AUD", i["aud_login"], "--new", "AUD2", "--name", "A2", "--dry-run")),
        Step(("org", "deactivate", "AUD", "--dry-run"), exit_code=1),  # it still has users
        Step(("org", "defaults", "AUD", "--add", "TOUR_ROLE", "--dry-run")),
        Step(("processes", "list")),
        Step(("processes", "show", "INV")),
        Step(("processes", "coverage", "-P", "INV")),
        Step(
            ("processes", "version", "INV", "--effective", "2030-01-01", "--drop", "10"),
            writes_only=True,
        ),
        Step(("processes", "retire", "INV", *reason), writes_only=True),
        Step(
            (
                "processes",
                "create",
                "TOUR",
                "--name",
                "Tour",
                "--step",
                "10:Look:BASIS.JOB.DISPLAY",
            ),
            writes_only=True,
        ),
        Step(("processes", "review", "list")),
        Step(("processes", "review", "show", i["review"])),
        Step(("processes", "review", "open", "H2R", "--scope", "tour")),
        Step(
            (
                "processes",
                "review",
                "finding",
                i["review"],
                "--kind",
                "permission_gap",
                "--severity",
                "low",
                "--text",
                "tour",
            )
        ),
        Step(("processes", "review", "change", i["finding"])),
        Step(("processes", "review", "close", i["review"], "--outcome", "fit"), writes_only=True),
        Step(("logs", "ingest", str(log_file))),
        Step(("logs", "follow", "--once", str(log_file)), writes_only=True),
        Step(("logs", "search", "--limit", "5")),
        Step(("logs", "stats")),
        Step(("logs", "purge", "--older-than", "3650", "--dry-run"), writes_only=True),
        Step(("docs", "list")),
        Step(("docs", "records")),
        Step(("docs", "show", i["doc"])),
        Step(("docs", "history", i["doc"])),
        Step(("docs", "diff", i["doc"])),
        Step(
            ("docs", "add", "--kind", "process", "--title", "Tour", "--body-file", str(body)),
            writes_only=True,
        ),
        Step(("docs", "edit", i["doc"], "--body-file", str(body), "-m", "tour"), writes_only=True),
        Step(("docs", "link", i["doc"], f"incident:{inc}"), writes_only=True),
        Step(("docs", "export", str(work / "docs-out")), writes_only=True),
        Step(("docs", "import", str(doc_md))),
        Step(("docs", "delete", i["doc"], *reason), writes_only=True),
        Step(("demo",), exit_code=1),  # refused: the database is not empty
        Step(("restore", str(work / "backup.zip"), "--replace", "--yes"), writes_only=True),
    ]

"""Text snapshots of screen 1 (dashboard) and screen 2 (users) at 80x24 on a small hand-built ERP.

The data is dated relative to today (the services count days from the real date), so every
figure on screen is the same on any day; calendar dates and clock times are masked
(YYYY-MM-DD, MM-DD, hh:mm) before comparing. The expected screens live in tests/snapshots/*.txt;
run with ERP_CONSOLE_UPDATE_SNAPSHOTS=1 to rewrite them after an intended change, and review
the diff.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from textual.widgets import DataTable

from erp_console.app import ErpConsoleApp
from erp_console.db.engine import connect
from erp_console.db.models import (
    Department,
    ErpUser,
    Permission,
    Role,
    RolePermission,
    SystemLog,
    UserRole,
    utcnow,
)
from erp_console.services.lifecycle import incidents as inc
from tests.support.assurance import assurance_history
from tests.support.pilot import settle
from tests.support.screen_text import screen_text

SNAPSHOTS = Path(__file__).with_name("snapshots")
UPDATE = os.environ.get("ERP_CONSOLE_UPDATE_SNAPSHOTS") == "1"


def _small_erp(db) -> None:
    """Go-live 120 days ago, in assurance since; 5 bugs a week in weeks 1-4 after go-live (each
    fixed in 24 h), one bug 10 days ago, one open critical bug; one proposed change request.
    Users: abauer (FIN, AP_CLERK), bkeller (PUR, BUYER), cmeyer (FIN, locked), dvogel (PUR,
    disabled); abauer has two log lines in the last hours."""
    assurance_history(db)
    now = utcnow()
    with db.begin() as s:
        fin = Department(code="FIN", name="Finance")
        pur = Department(code="PUR", name="Procurement")
        post = Permission(code="FI.INVOICE.POST", module="FI", risk="medium", description="Post")
        pay = Permission(code="FI.PAYMENT.APPROVE", module="FI", risk="critical")
        order = Permission(code="MM.PO.CREATE", module="MM", risk="low", description="Order")
        clerk = Role(code="AP_CLERK", name="AP clerk")
        buyer = Role(code="BUYER", name="Buyer")
        s.add_all([fin, pur, post, pay, order, clerk, buyer])
        s.flush()
        s.add_all(
            [
                RolePermission(role_id=clerk.id, permission_id=post.id),
                RolePermission(role_id=buyer.id, permission_id=order.id),
            ]
        )
        people = [
            ("abauer", "Anna Bauer", fin, "active", None, clerk),
            ("bkeller", "Bert Keller", pur, "active", None, buyer),
            ("cmeyer", "Carla Meyer", fin, "locked", "left the AP team", clerk),
            ("dvogel", "Dora Vogel", pur, "disabled", None, None),
        ]
        for login, name, dept, status, lock_reason, role in people:
            user = ErpUser(
                login=login,
                login_key=login,
                full_name=name,
                email=f"{login}@plant.example",
                department_id=dept.id,
                status=status,
                lock_reason=lock_reason,
            )
            s.add(user)
            s.flush()
            if role is not None:
                s.add(UserRole(user_id=user.id, role_id=role.id, granted_by="t", reason="hired"))
        for hours, message in ((2, "Posted invoice 4711"), (1, "Posted invoice 4712")):
            s.add(
                SystemLog(
                    ts=now - dt.timedelta(hours=hours),
                    level="INFO",
                    source="FI",
                    user_login="abauer",
                    message=message,
                )
            )
    inc.create_change(db, actor="t", kind="optimization", title="Faster goods receipt")


def _masked(text: str) -> list[str]:
    text = re.sub(r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD", text)
    text = re.sub(r"\b\d{2}-\d{2}(?= \d{2}:\d{2})", "MM-DD", text)
    text = re.sub(r"\b\d{2}:\d{2}:\d{2}\b", "hh:mm:ss", text)
    text = re.sub(r"\b\d{2}:\d{2}\b", "hh:mm", text)
    return [line.rstrip() for line in text.splitlines()]


def _matches_snapshot(lines: list[str], name: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.exists(), f"no snapshot {path}; run with ERP_CONSOLE_UPDATE_SNAPSHOTS=1"
    expected = path.read_text(encoding="utf-8").splitlines()
    if lines != expected:
        diff = [
            f"row {n + 1:2}:\n  want |{want}\n  got  |{got}"
            for n, (want, got) in enumerate(zip(expected, lines, strict=False))
            if want != got
        ]
        raise AssertionError(
            f"screen differs from {path.name} (ERP_CONSOLE_UPDATE_SNAPSHOTS=1 rewrites it):\n"
            + "\n".join(diff)
        )


async def _stable_screen(app, pilot) -> list[str]:
    """The screen once two frames in a row agree.

    Textual 8.2's DataTable can keep lines it rendered before its idle-time column-width update
    (the dashboard's audit table, about one start in five, until the terminal is resized); the
    tables are re-rendered first so the snapshot pins their laid-out columns.
    """
    for table in app.screen.query(DataTable):
        table.notify_style_update()
    previous = None
    for _ in range(20):
        await pilot.pause(0.05)
        current = _masked(screen_text(app))
        if current == previous:
            return current
        previous = current
    raise AssertionError("the screen did not settle:\n" + "\n".join(current))


def _app(sqlite_db, tmp_path, monkeypatch) -> ErpConsoleApp:
    """The app on the small ERP, connected by a relative path so the header is the same on
    every machine."""
    _small_erp(sqlite_db)
    monkeypatch.chdir(tmp_path)
    return ErpConsoleApp(connect("sqlite:///erp.sqlite3"), operator="lead")


def _fits(lines: list[str]) -> None:
    assert len(lines) == 24, len(lines)
    assert all(len(line) <= 80 for line in lines)


async def test_dashboard_at_80x24(sqlite_db, tmp_path, monkeypatch):
    app = _app(sqlite_db, tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot, rest=0.15)
        lines = await _stable_screen(app, pilot)
    app.db.dispose()
    _fits(lines)
    assert "erp-console" in lines[0] and "Plant ERP › Dashboard" in lines[0]
    assert "Stage: System assurance · day 120 in stage · 120 days since go-live" in lines[1]
    banner = " ".join(line.lstrip("█ ") for line in lines[1:3])
    assert "(YYYY-MM-DD) · stay in this stage" in banner
    screen = "\n".join(lines)
    for criterion in (
        "✔ Time since go-live: 120 days (needs >= 90 days)",
        "✔ Assurance incidents, last 4 weeks vs peak 4 weeks: 2 vs peak 20",
        "✘ Open critical/high assurance incidents: 1 (needs 0)",
        "✔ MTTR of assurance incidents (4 weeks): 24 h (needs <= 72 h)",
    ):
        assert criterion in screen, criterion
    footer = lines[-1]
    for key in ("? Help", "] Next tab", "q Quit"):
        assert key in footer, key
    _matches_snapshot(lines, "dashboard_80x24")


async def test_users_at_80x24(sqlite_db, tmp_path, monkeypatch):
    app = _app(sqlite_db, tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot, rest=0.15)
        await pilot.press("2")
        await settle(app, pilot, rest=0.15)
        lines = await _stable_screen(app, pilot)
    app.db.dispose()
    _fits(lines)
    assert "Plant ERP › Users" in lines[0]
    filters = lines[1]  # one compact line under the header
    assert "Filter: login, name" in filters and "any status" in filters and "any role" in filters
    header = next(n for n, line in enumerate(lines) if line.lstrip().startswith("Login"))
    assert lines[header].split()[:4] == ["Login", "Name", "Status", "Dept"]
    listed = [line.split()[0] for line in lines[header + 1 : header + 5]]
    assert listed == ["abauer", "bkeller", "cmeyer", "dvogel"]
    assert lines[header].split("│")[1].strip() == "abauer · Anna Bauer"  # details of row 1
    status = lines[-2].split("│")[0].strip()
    assert status == "row 1 of 4", status
    footer = lines[-1]
    for key in ("? Help", "/ Filter", "g Grant", "x Explain", "R Roles", "q Quit"):
        assert key in footer, key
    _matches_snapshot(lines, "users_80x24")


def _purchase_to_pay(db) -> None:
    """P2P: order (MM.PO.CREATE, bkeller holds it), post invoice (abauer), approve payment
    (nobody holds it: the process cannot run)."""
    from erp_console.db.models import BusinessProcess
    from erp_console.services.processes.authoring import create_version
    from erp_console.services.processes.catalog import StepSpec

    with db.begin() as s:
        s.add(BusinessProcess(code="P2P", name="Purchase to pay"))
    create_version(
        db,
        "P2P",
        [
            StepSpec(10, "Create purchase order", "MM.PO.CREATE"),
            StepSpec(20, "Post vendor invoice", "FI.INVOICE.POST"),
            StepSpec(30, "Approve payment", "FI.PAYMENT.APPROVE"),
        ],
        actor="t",
        effective_from=dt.date.today() - dt.timedelta(days=120),
    )


async def test_processes_at_80x24(sqlite_db, tmp_path, monkeypatch):
    app = _app(sqlite_db, tmp_path, monkeypatch)
    _purchase_to_pay(sqlite_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot, rounds=6)
        lines = await _stable_screen(app, pilot)
    app.db.dispose()
    _fits(lines)
    assert "Plant ERP › Processes" in lines[0]
    screen = "\n".join(lines)
    assert "P2P" in screen and "Approve payment" in screen
    _matches_snapshot(lines, "processes_80x24")


async def test_logs_and_docs_at_80x24(sqlite_db, tmp_path, monkeypatch):
    from erp_console.services.records.documents import create_document

    _small_erp(sqlite_db)
    with sqlite_db.begin() as s:
        s.add(
            SystemLog(
                ts=utcnow() - dt.timedelta(minutes=30),
                level="ERROR",
                source="FI",
                user_login="abauer",
                message="Posting failed: F5 702",
            )
        )
    create_document(
        sqlite_db,
        actor="t",
        kind="technical_support",
        title="Invoice posting fails with F5 702",
        body="## Symptom\nF5 702 on posting.\n\n## Resolution\nMaintain the tax code.",
        status="published",
    )
    monkeypatch.chdir(tmp_path)
    app = ErpConsoleApp(connect("sqlite:///erp.sqlite3"), operator="lead")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        logs = await _stable_screen(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        docs = await _stable_screen(app, pilot)
    app.db.dispose()
    _fits(logs)
    _fits(docs)
    assert "Plant ERP › Logs & docs" in logs[0]
    assert "Posting failed: F5 702" in "\n".join(logs)  # inside the default last hour
    assert "Invoice posting fails with F" in "\n".join(docs)  # the list column is 28 wide
    _matches_snapshot(logs, "logs_80x24")
    _matches_snapshot(docs, "documents_80x24")

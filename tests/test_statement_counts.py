"""No N+1: a screen's load sends the same handful of statements for 0 rows and for the demo."""

from __future__ import annotations

import datetime as dt

import pytest

from erp_console.app import ErpConsoleApp
from erp_console.screens.dashboard import load_dashboard
from tests.support.pilot import settle
from tests.support.statements import counting_statements


def test_dashboard_load_is_a_fixed_number_of_statements(sqlite_db, demo_sqlite):
    with counting_statements(sqlite_db.engine) as empty:
        load_dashboard(sqlite_db)
    with counting_statements(demo_sqlite.engine) as full:
        load_dashboard(demo_sqlite)
    assert len(full) == len(empty)
    assert len(full) <= 20  # overview, stage evidence, two lists and the audit tail


def _grow(db) -> None:
    """More of everything the list screens show: users with grants, log lines in the log's last
    hour, processes with steps, documents."""
    from sqlalchemy import func, select

    from erp_console.db.models import (
        BusinessProcess,
        Department,
        ErpUser,
        Permission,
        ProcessStep,
        ProcessVersion,
        Role,
        SystemLog,
        UserRole,
    )
    from erp_console.services.records.documents import create_document

    with db.begin() as s:
        dept = s.scalars(select(Department.id).limit(1)).one()
        role = s.scalars(select(Role.id).limit(1)).one()
        perms = s.scalars(select(Permission.id).limit(3)).all()
        newest = s.scalar(select(func.max(SystemLog.ts)))
        users = [
            ErpUser(
                login=f"grow{i:04}",
                login_key=f"grow{i:04}",
                full_name=f"Grown User {i}",
                department_id=dept,
                status="active",
            )
            for i in range(300)
        ]
        s.add_all(users)
        s.flush()
        s.add_all(
            UserRole(user_id=u.id, role_id=role, granted_by="t", reason="grow") for u in users
        )
        s.add_all(
            SystemLog(
                ts=newest - dt.timedelta(seconds=i + 1),
                level="INFO",
                source="FI",
                user_login=f"grow{i % 300:04}",
                message=f"grown line {i}",
            )
            for i in range(2000)
        )
        for p in range(3):
            process = BusinessProcess(code=f"GROW{p}", name=f"Grown process {p}")
            s.add(process)
            s.flush()
            version = ProcessVersion(
                process_id=process.id, number=1, effective_from=dt.date(2024, 1, 1), created_by="t"
            )
            s.add(version)
            s.flush()
            s.add_all(
                ProcessStep(
                    version_id=version.id, seq=10 * (n + 1), name=f"Step {n}", permission_id=perm
                )
                for n, perm in enumerate(perms)
            )
    for d in range(20):
        create_document(
            db, actor="t", kind="process", title=f"Grown document {d}", body=f"Body {d}."
        )


async def _statements_of_screen(db, key: str) -> list[str]:
    app = ErpConsoleApp(db, operator="counter")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        with counting_statements(db.engine) as sent:
            await pilot.press(key)
            await settle(app, pilot, rest=0.2)
        assert type(app.screen).__name__ == SCREEN_NAMES[key]
    return sent


SCREEN_NAMES = {
    "2": "UsersScreen",
    "3": "ProcessesScreen",
    "4": "RecordsScreen",
    "5": "MaintenanceScreen",
}
# What each first visit may send: the lists, their totals and the highlighted row's details (and,
# on screen 5, one size query per table; on screen 2 the permission codes its forms complete).
# A second load of a list would exceed it.
MOST_STATEMENTS = {"2": 18, "3": 24, "4": 9, "5": 35}


@pytest.mark.parametrize("key", sorted(SCREEN_NAMES))
async def test_a_screen_load_sends_no_more_statements_for_more_rows(demo_sqlite, key):
    before = await _statements_of_screen(demo_sqlite, key)
    _grow(demo_sqlite)
    after = await _statements_of_screen(demo_sqlite, key)
    assert len(after) == len(before), "\n".join(after)
    assert len(after) <= MOST_STATEMENTS[key], "\n".join(after)

"""A role grant end to end in a real terminal: the installed console in a pseudo-terminal at 80x24,
driven by the keys a person presses, each step waited for on the screen; the grant and its one
audit entry checked in the database afterwards."""

from __future__ import annotations

import os
import sys

import pytest
from sqlalchemy import select

from erp_console.db.models import ErpUser, MaintenanceLog, Role, UserRole
from tests.support.terminal import Terminal

ROLE = "MGR_APPROVER"
REASON = "pty test ticket 4711"
STEP_S = 90.0  # generous: 2 cores shared by many sessions


def _user_without_role(database) -> str:
    """An active user lacking ROLE whose login no other login contains (the filter finds it alone)."""
    with database.session() as s:
        logins = list(s.scalars(select(ErpUser.login).order_by(ErpUser.login)))
        holders = set(
            s.scalars(
                select(ErpUser.login)
                .join(UserRole, UserRole.user_id == ErpUser.id)
                .join(Role, Role.id == UserRole.role_id)
                .where(Role.code == ROLE)
            )
        )
        active = set(s.scalars(select(ErpUser.login).where(ErpUser.status == "active")))
    for login in logins:
        alone = sum(login in other for other in logins) == 1
        if alone and login in active and login not in holders:
            return login
    raise AssertionError("the demo has no user to grant to")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_grant_with_a_reason_through_real_keys_lands_with_one_audit_entry(demo_sqlite):
    login = _user_without_role(demo_sqlite)
    url = demo_sqlite.engine.url.render_as_string(hide_password=False)
    demo_sqlite.dispose()
    argv = [sys.executable, "-m", "erp_console", "--url", url, "--operator", "alice"]
    term = Terminal(argv, dict(os.environ))
    try:
        term.wait_for("since go-live", timeout=STEP_S)
        term.press("2")
        term.wait_for("Roles (", timeout=STEP_S)  # the list and the first user's details
        term.press("/")
        # The filter has the focus once the footer shows only its own key.
        term.wait_for("/ Filter", absent=("g Grant",), timeout=STEP_S)
        term.type(login)
        term.wait_for("row 1 of 1", f"{login} · ", timeout=STEP_S)  # the one row, its details
        term.press("enter")  # from the filter to the list: the footer shows the list's keys
        term.wait_for("g Grant", timeout=STEP_S)
        term.press("g")
        term.wait_for(f"Grant a role to {login}", "Reason", timeout=STEP_S)
        term.type(ROLE)
        term.press("enter")  # Role -> From (empty: today)
        term.press("enter")  # From -> Until (empty: no end)
        term.press("enter")  # Until -> Reason
        term.type(REASON)
        term.press("enter")  # the last field: preview
        term.wait_for("Grant role?", f"reason: {REASON}", timeout=STEP_S)
        assert f"{login} gains" in term.text()
        term.press("ctrl+s")
        term.wait_for("granted", timeout=STEP_S)
        term.press("q")
        code = term.wait_exit(timeout=STEP_S)
    finally:
        term.close()
    assert code == 0, term.text()

    with demo_sqlite.session() as s:
        grant = s.scalars(
            select(UserRole)
            .join(ErpUser, ErpUser.id == UserRole.user_id)
            .join(Role, Role.id == UserRole.role_id)
            .where(ErpUser.login == login, Role.code == ROLE)
        ).one_or_none()
        assert grant is not None, f"{login} does not hold {ROLE}"
        entries = list(
            s.scalars(select(MaintenanceLog).where(MaintenanceLog.action == "role.grant"))
        )
    mine = [e for e in entries if e.reason == REASON]
    assert len(mine) == 1, [(e.target_label, e.reason) for e in entries if e.actor == "alice"]
    assert mine[0].actor == "alice" and login in (mine[0].target_label or "")

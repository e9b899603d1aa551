"""The process list's coverage badges, counted by the database (services/coverage_counts), on every
dialect: by hand on the small organisation, and against the full coverage on the demo ERP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from erp_console.db.models import (
    Department,
    ErpUser,
    Permission,
    ProcessStep,
    Role,
    RolePermission,
    UserRole,
)
from erp_console.services.access import grants
from erp_console.services.processes import catalog as processes
from erp_console.services.processes.coverage import coverage
from tests.support import small_org


@pytest.fixture
def org(db):
    small_org.build(db)
    return db


def _badge(db) -> str:
    [row] = processes.list_processes(db)
    return row.badge


def _add_user(s, login: str, dept: str, role: str) -> None:
    dept_id = s.scalar(select(Department.id).where(Department.code == dept))
    user = ErpUser(login=login, login_key=login, full_name=login.title(), department_id=dept_id)
    s.add(user)
    s.flush()
    role_id = s.scalar(select(Role.id).where(Role.code == role))
    s.add(UserRole(user_id=user.id, role_id=role_id, granted_by="t", reason="t"))


def _vendor_admin_for_carl(db, *, step_role: str | None = None) -> None:
    """A second role with VEND.CREATE, granted to carl (who approves payments); the vendor
    step bound to `step_role` when given."""
    with db.begin() as s:
        vendor_admin = Role(code="VENDOR_ADMIN", name="Vendor admin")
        s.add(vendor_admin)
        s.flush()
        perm = s.scalar(select(Permission.id).where(Permission.code == "VEND.CREATE"))
        s.add(RolePermission(role_id=vendor_admin.id, permission_id=perm))
        if step_role:
            role_id = s.scalar(select(Role.id).where(Role.code == step_role))
            for step in s.scalars(select(ProcessStep).where(ProcessStep.permission_id == perm)):
                step.role_id = role_id
    grants.grant(
        db, "VENDOR_ADMIN", ["carl"], actor="t", reason="cover", override_reason="stand-in"
    )


def test_a_second_vendor_creator_ends_single_and_raises_an_sod_step(org):
    assert _badge(org) == "gap 1 · single 2 · excess 1 · SoD 2"
    _vendor_admin_for_carl(org)
    # step 50 (VEND.CREATE, high risk, limit 1) now has bert and carl, and carl can also
    # approve payments (step 40): the VEND/PAY rule
    assert _badge(org) == "gap 1 · single 1 · excess 2 · SoD 3"


def test_a_step_bound_to_a_role_counts_only_holders_through_that_role(org):
    _vendor_admin_for_carl(org, step_role="VENDOR")
    assert _badge(org) == "gap 1 · single 2 · excess 1 · SoD 2"


def test_holders_two_levels_below_the_step_department_count(org):
    with org.begin() as s:
        ap = s.scalar(select(Department.id).where(Department.code == "AP"))
        s.add(Department(code="AP-EU", name="AP Europe", parent_id=ap))
        s.flush()
        _add_user(s, "hana", "AP-EU", "BUYER")
    assert _badge(org) == "gap 1 · single 2 · excess 1 · SoD 2"  # PUR's step, not FIN's
    with org.begin() as s:
        _add_user(s, "ivan", "OLD", "PO_APPROVER")  # OLD is outside PUR: still a gap
        _add_user(s, "jana", "AP-EU", "TREASURY")  # TR's step: AP-EU is not under TR
    assert _badge(org) == "gap 1 · single 2 · excess 1 · SoD 2"
    with org.begin() as s:
        pur = s.scalar(select(Department.id).where(Department.code == "PUR"))
        s.add(Department(code="PUR-X", name="Buying desk", parent_id=pur))
        s.flush()
        x = s.scalar(select(Department.id).where(Department.code == "PUR-X"))
        s.add(Department(code="PUR-XY", name="Buying desk Y", parent_id=x))
        s.flush()
        _add_user(s, "karl", "PUR-XY", "PO_APPROVER")
    assert _badge(org) == "single 3 · excess 1 · SoD 2"


def test_disabled_users_and_expired_grants_do_not_count(org):
    with org.begin() as s:
        for user in s.scalars(select(ErpUser).where(ErpUser.login == "emil")):
            user.status = "disabled"
        bert = s.scalar(select(ErpUser.id).where(ErpUser.login == "bert"))
        vendor = s.scalar(select(Role.id).where(Role.code == "VENDOR"))
        grant = s.scalar(
            select(UserRole).where(UserRole.user_id == bert, UserRole.role_id == vendor)
        )
        grant.valid_to = small_org.TODAY.replace(year=small_org.TODAY.year - 1)
    assert _badge(org) == "gap 3 · excess 1 · SoD 2"


def test_badges_agree_with_the_full_coverage_on_the_demo(demo_db):
    full = {c.code: c for c in coverage(demo_db)}
    rows = processes.list_processes(demo_db)
    assert [r.code for r in rows] == sorted(full) and len(rows) >= 5
    assert any(r.badge != "ok" for r in rows)
    for row in rows:
        cov = full[row.code]
        counted = (row.steps, row.no_holder, row.single_holder, row.excess, row.sod)
        assert counted == (
            len(cov.steps),
            cov.count("no_holder"),
            cov.count("single_holder"),
            cov.count("excess"),
            cov.count("sod"),
        ), row.code

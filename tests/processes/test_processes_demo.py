"""On the demo ERP (every dialect): real gaps, single holders and in-process SoD are found, and an
org merge applied changes grants and coverage exactly as its preview said."""

from __future__ import annotations

from sqlalchemy import select

from erp_console.db.models import ErpUser, Role, UserRole
from erp_console.services.processes.coverage import coverage
from erp_console.services.processes.org import apply_plan
from erp_console.services.processes.org_plan import MergeDepartments, plan_org_change


def _roles_by_login(db, logins):
    with db.session() as s:
        rows = s.execute(
            select(ErpUser.login, Role.code)
            .join(UserRole, UserRole.user_id == ErpUser.id)
            .join(Role, Role.id == UserRole.role_id)
            .where(ErpUser.login.in_(logins))
        ).all()
    found = {login: set() for login in logins}
    for login, role in rows:
        found[login].add(role)
    return found


def test_demo_flags_and_merge_as_previewed(demo_db):
    result = {p.code: p for p in coverage(demo_db)}
    flags = {(code, s.seq): s.flags for code, p in result.items() for s in p.steps}
    then = {(code, s.seq): s.holders for code, p in result.items() for s in p.steps}
    assert "no_holder" in flags[("P2PR", 70)]  # nobody in planning can close production orders
    assert any("single_holder" in f for f in flags.values())
    assert any(p.conflicts for p in result.values())

    plan = plan_org_change(demo_db, MergeDepartments("FIN-AR", "FIN-AP"))
    assert plan.users and plan.grants > 0 and plan.revokes > 0
    assert {(r.process, r.seq) for r in plan.repoints} == {("O2C", 20), ("O2C", 60)}
    logins = [u.login for u in plan.users]
    before = _roles_by_login(demo_db, logins)
    apply_plan(demo_db, plan, actor="admin", reason="AR joins AP", acknowledge_gaps=True)

    after = _roles_by_login(demo_db, logins)
    for change in plan.users:
        assert after[change.login] == (before[change.login] - set(change.revoke)) | set(
            change.grant
        ), change.login
    now = {(p.code, s.seq): s.holders for p in coverage(demo_db) for s in p.steps}
    for delta in plan.coverage:
        assert len(now[(delta.process, delta.seq)]) == delta.after, delta
        assert set(delta.gained) <= set(now[(delta.process, delta.seq)])
    changed = {(d.process, d.seq) for d in plan.coverage}
    assert changed and all(now[k] == then[k] for k in now if k not in changed)

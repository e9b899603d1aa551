"""The org-change planner on the small organisation, every dialect: plans computed by hand,
applied exactly as previewed, stale plans and bad input refused with nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erp_console.db.models import (
    Department,
    DepartmentRole,
    Document,
    DocumentLink,
    ErpUser,
    MaintenanceLog,
    Role,
    UserRole,
)
from erp_console.errors import Conflict, NotFound, ValidationError
from erp_console.services.access import grants
from erp_console.services.access import users as access
from erp_console.services.core.audit import list_entries, verify
from erp_console.services.processes.coverage import coverage
from erp_console.services.processes.org import apply_plan, department_tree, plan_lines
from erp_console.services.processes.org_plan import (
    ChangeDefaultRoles,
    DeactivateDepartment,
    MergeDepartments,
    MoveUsers,
    RenameDepartment,
    SplitDepartment,
    plan_org_change,
)
from tests.support import small_org


@pytest.fixture
def org(db):
    small_org.build(db)
    return db


def _state(db):
    """Everything an org change may touch, to assert that nothing was written."""
    with db.session() as s:
        return (
            sorted(s.execute(select(ErpUser.login, ErpUser.department_id, ErpUser.version)).all()),
            sorted(s.execute(select(UserRole.user_id, UserRole.role_id, UserRole.valid_to)).all()),
            sorted(
                s.execute(select(Department.code, Department.active, Department.parent_id)).all()
            ),
            sorted(s.execute(select(DepartmentRole.department_id, DepartmentRole.role_id)).all()),
            s.execute(select(func.count()).select_from(MaintenanceLog)).scalar_one(),
            s.execute(select(func.count()).select_from(Document)).scalar_one(),
        )


def _roles(db, login):
    with db.session() as s:
        return set(
            s.scalars(
                select(Role.code)
                .join(UserRole, UserRole.role_id == Role.id)
                .join(ErpUser, ErpUser.id == UserRole.user_id)
                .where(ErpUser.login == login)
            )
        )


def _dept(db, login):
    return access.get_user(db, login).department


def _holders(db):
    [p2p] = coverage(db, "P2P")
    return {s.seq: s.holders for s in p2p.steps}


def test_merge_plan_by_hand_then_applied_exactly_as_previewed(org):
    plan = plan_org_change(org, MergeDepartments("AP", "TR"))
    assert plan.summary == "merge AP into TR"
    assert [(d.action, d.department) for d in plan.departments] == [("deactivate", "AP")]
    assert [(u.login, u.from_dept, u.to_dept, u.grant, u.revoke) for u in plan.users] == [
        ("anna", "AP", "TR", ("TREASURY",), ("AP_CLERK",)),
        ("bert", "AP", "TR", ("TREASURY",), ("AP_CLERK",)),
    ]
    assert plan.repoints == ()  # no step names AP itself
    assert [(c.seq, c.before, c.after, c.gained, c.lost) for c in plan.coverage] == [
        (30, 3, 1, (), ("anna", "bert")),
        (40, 2, 4, ("anna", "bert"), ()),
    ]
    assert plan.gaps == ()
    assert [(c.login, c.rule, c.severity) for c in plan.conflicts] == [
        ("bert", "Create vendor / approve payment", "critical")
    ]
    text = "\n".join(plan_lines(plan))
    assert "anna (active) AP → TR  +TREASURY  -AP_CLERK" in text
    assert "P2P 30 Post invoice (INV.POST): 3 → 1 holder(s)" in text
    assert "CRITICAL bert: Create vendor / approve payment" in text

    result = apply_plan(org, plan, actor="admin", reason="Finance reorganisation 2025")
    assert (result.moved, result.granted, result.revoked, result.entries) == (2, 2, 2, 8)
    assert _dept(org, "anna") == "TR" and _dept(org, "bert") == "TR"
    assert _roles(org, "anna") == {"TREASURY"} and _roles(org, "bert") == {"VENDOR", "TREASURY"}
    holders = _holders(org)
    assert holders[30] == ("dora",) and holders[40] == ("anna", "bert", "carl", "dora")
    ap = next(n for n in department_tree(org) if n.code == "AP")
    assert not ap.active and ap.users == 0
    entries = list_entries(org, limit=8)
    assert [e.action for e in entries] == [
        "org.change",
        "role.grant",
        "role.grant",
        "role.revoke",
        "role.revoke",
        "user.move",
        "user.move",
        "department.deactivate",
    ]
    assert {e.reason for e in entries} == {"Finance reorganisation 2025"}
    assert verify(org).ok
    with org.session() as s:
        doc = s.get(Document, result.document_id)
        assert doc.kind == "maintenance_record" and doc.title == "Org change: merge AP into TR"
        assert "anna (active) AP → TR" in doc.body
        assert s.scalar(select(func.count()).select_from(DocumentLink)) == 1


def test_a_plan_that_leaves_a_step_without_holder_needs_acknowledging(org):
    plan = plan_org_change(org, MoveUsers(("carl", "dora"), "PUR"))
    assert [(u.login, u.grant, u.revoke) for u in plan.users] == [
        ("carl", ("BUYER",), ("TREASURY",)),
        ("dora", ("BUYER",), ("TREASURY",)),
    ]
    assert [(c.seq, c.before, c.after) for c in plan.coverage] == [
        (10, 1, 3),
        (30, 3, 2),
        (40, 2, 0),
    ]
    assert [g.seq for g in plan.gaps] == [40]
    assert "NO HOLDER LEFT" in "\n".join(plan_lines(plan))
    before = _state(org)
    with pytest.raises(ValidationError) as err:
        apply_plan(org, plan, actor="admin", reason="move")
    assert "Approve payment" in str(err.value)
    assert _state(org) == before
    apply_plan(org, plan, actor="admin", reason="move", acknowledge_gaps=True)
    assert _holders(org)[40] == ()
    assert list_entries(org, limit=1)[0].after["gaps_acknowledged"] == ["P2P:40"]


def test_stale_plan_is_refused_and_nothing_is_applied(org):
    plan = plan_org_change(org, MoveUsers(("anna",), "TR"))
    grants.grant(org, "TREASURY", ["anna"], actor="other", reason="meanwhile")
    before = _state(org)
    with pytest.raises(Conflict) as err:
        apply_plan(org, plan, actor="admin", reason="move")
    assert "changed since this plan was made" in str(err.value) and "anna" in str(err.value)
    assert _state(org) == before
    plan = plan_org_change(org, MoveUsers(("anna",), "TR"))
    access.edit_user(org, "carl", actor="other", expected_version=None, full_name="Carl C")
    unrelated = apply_plan(org, plan, actor="admin", reason="move")  # carl's name is irrelevant
    assert unrelated.moved == 1
    plan = plan_org_change(org, MoveUsers(("bert",), "TR"))
    access.edit_user(org, "bert", actor="other", expected_version=None, department="PUR")
    before = _state(org)
    with pytest.raises(Conflict):
        apply_plan(org, plan, actor="admin", reason="move")
    assert _state(org) == before


def test_bad_requests_are_refused_with_nothing_written(org):
    before = _state(org)
    cases = [
        (MergeDepartments("FIN", "AP"), ValidationError, "cycle"),
        (MergeDepartments("AP", "AP"), ValidationError, "itself"),
        (MoveUsers(("fritz",), "TR"), ValidationError, "disabled"),
        (MoveUsers(("anna",), "AP"), ValidationError, "already in AP"),
        (MoveUsers(("nobody",), "TR"), NotFound, "nobody"),
        (MoveUsers(("anna",), "NOPE"), NotFound, "NOPE"),
        (DeactivateDepartment("TR"), ValidationError, "carl"),
        (RenameDepartment("TR", new_code="AP"), ValidationError, "taken"),
        (ChangeDefaultRoles("PUR", add=("BUYER",)), ValidationError, "already a default"),
        (SplitDepartment("TR", "TR2", "Treasury 2", ("anna",)), ValidationError, "not in TR"),
    ]
    for request, error, text in cases:
        with pytest.raises(error) as err:
            plan_org_change(org, request)
        assert text in str(err.value), request
    plan = plan_org_change(org, MoveUsers(("anna",), "TR"))
    with pytest.raises(ValidationError) as err:
        apply_plan(org, plan, actor="admin", reason="  ")
    assert err.value.field == "reason"
    assert _state(org) == before


def test_split_rename_defaults_and_deactivate(org):
    split = plan_org_change(org, SplitDepartment("TR", "TR2", "Treasury 2", ("dora",)))
    assert [(d.action, d.department) for d in split.departments] == [("create", "TR2")]
    assert [(u.login, u.to_dept, u.grant, u.revoke) for u in split.users] == [
        ("dora", "TR2", (), ())
    ]
    assert [(c.seq, c.before, c.after) for c in split.coverage] == [(40, 2, 1)]
    apply_plan(org, split, actor="admin", reason="split treasury")
    tr2 = next(n for n in department_tree(org) if n.code == "TR2")
    assert (tr2.parent, tr2.users, tr2.default_roles) == ("FIN", 1, ("TREASURY",))

    rename = plan_org_change(org, RenameDepartment("TR2", new_name="Cash management"))
    assert rename.users == () and rename.coverage == ()
    apply_plan(org, rename, actor="admin", reason="new name")
    assert next(n for n in department_tree(org) if n.code == "TR2").name == "Cash management"

    defaults = plan_org_change(org, ChangeDefaultRoles("PUR", add=("PO_APPROVER",)))
    # fritz is disabled and gains nothing; gina's expired grant is renewed
    assert [(u.login, u.grant) for u in defaults.users] == [
        ("emil", ("PO_APPROVER",)),
        ("fritz", ()),
        ("gina", ("BUYER", "PO_APPROVER")),
    ]
    assert [(c.seq, c.gained) for c in defaults.coverage] == [
        (10, ("gina",)),
        (20, ("emil", "gina")),
    ]
    apply_plan(org, defaults, actor="admin", reason="four-eyes in purchasing")
    with org.session() as s:
        gina_grants = s.execute(
            select(Role.code, UserRole.valid_to)
            .join(UserRole, UserRole.role_id == Role.id)
            .join(ErpUser, ErpUser.id == UserRole.user_id)
            .where(ErpUser.login == "gina")
            .order_by(Role.code)
        ).all()
    assert gina_grants == [("BUYER", None), ("PO_APPROVER", None)]

    old = plan_org_change(org, DeactivateDepartment("OLD"))
    apply_plan(org, old, actor="admin", reason="unit closed")
    assert not next(n for n in department_tree(org) if n.code == "OLD").active

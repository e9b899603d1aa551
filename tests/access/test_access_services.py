"""User and permission management on every dialect: rules, grants, SoD, explain, conflicts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from erp_console.db.models import MaintenanceLog, SodException, UserRole
from erp_console.errors import Conflict, NotFound, ValidationError
from erp_console.services.access import grants, roles
from erp_console.services.access import users as access
from erp_console.services.core.audit import list_entries, verify

TODAY = dt.date.today()


def _audit_count(db) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(MaintenanceLog)).scalar_one()


def _setup(db):
    """Two roles that together violate a critical SoD rule, and three users."""
    from erp_console.db.models import Department, Permission, Role, RolePermission, SodRule

    with db.begin() as s:
        s.add_all(
            [
                Department(id=1, code="FIN", name="Finance"),
                Department(id=2, code="PUR", name="Purchasing"),
            ]
        )
        perms = {
            1: ("FI.VENDOR.CREATE", "high"),
            2: ("FI.PAYMENT.APPROVE", "critical"),
            3: ("MM.PO.CREATE", "medium"),
            4: ("MM.PO.APPROVE", "high"),
            5: ("FI.VENDOR.DISPLAY", "low"),
        }
        s.add_all(
            [
                Permission(id=i, code=c, module=c.split(".")[0], risk=r)
                for i, (c, r) in perms.items()
            ]
        )
        s.add_all(
            [
                Role(id=1, code="VENDOR_MASTER", name="Vendor master"),
                Role(id=2, code="TREASURY", name="Treasury"),
                Role(id=3, code="BUYER", name="Buyer"),
                Role(id=4, code="PO_APPROVER", name="PO approver"),
            ]
        )
        s.flush()
        s.add_all(
            [
                RolePermission(role_id=r, permission_id=p)
                for r, p in [(1, 1), (1, 5), (2, 2), (2, 5), (3, 3), (4, 4)]
            ]
        )
        s.add_all(
            [
                SodRule(
                    id=1,
                    name="Create vendor / approve payment",
                    permission_a_id=1,
                    permission_b_id=2,
                    severity="critical",
                ),
                SodRule(
                    id=2,
                    name="Create PO / approve PO",
                    permission_a_id=3,
                    permission_b_id=4,
                    severity="high",
                ),
            ]
        )
    for login, dept in (("anna", "FIN"), ("Bert", "FIN"), ("carl", "PUR")):
        access.add_user(
            db,
            actor="admin",
            login=login,
            full_name=f"{login.title()} Tester",
            email=f"{login.lower()}@ex.com",
            department=dept,
        )


def test_login_rules_and_case_insensitive_uniqueness(db):
    _setup(db)
    before = _audit_count(db)
    with pytest.raises(ValidationError, match="taken"):
        access.add_user(db, actor="admin", login="ANNA", full_name="Another Anna")
    for bad in ("ab", "has space", "x" * 65, "semi;colon"):
        with pytest.raises(ValidationError) as caught:
            access.add_user(db, actor="admin", login=bad, full_name="X")
        assert caught.value.field == "login"
    with pytest.raises(ValidationError) as caught:
        access.add_user(db, actor="admin", login="dora", full_name="Dora", email="not-an-email")
    assert caught.value.field == "email"
    with pytest.raises(ValidationError, match="before valid_from"):
        access.add_user(
            db,
            actor="admin",
            login="dora",
            full_name="Dora",
            valid_from=TODAY,
            valid_to=TODAY - dt.timedelta(days=1),
        )
    with pytest.raises(ValidationError, match="no department"):
        access.add_user(db, actor="admin", login="dora", full_name="Dora", department="NOPE")
    assert _audit_count(db) == before
    assert access.count_users(db).count == 3


def test_filters_and_keyset_pages(db):
    _setup(db)
    assert [u.login for u in access.list_users(db, access.UserFilter(text="ber"))] == ["Bert"]
    assert [u.login for u in access.list_users(db, access.UserFilter(department="PUR"))] == ["carl"]
    first = access.list_users(db, limit=2)
    assert [u.login for u in first] == ["anna", "Bert"]
    assert [u.login for u in access.list_users(db, after=first[-1].sort_key, limit=2)] == ["carl"]
    assert [u.login for u in access.list_users_before(db, limit=2)] == ["Bert", "carl"]
    grants.grant(db, "BUYER", ["carl"], actor="admin", reason="new buyer")
    assert [u.login for u in access.list_users(db, access.UserFilter(role="BUYER"))] == ["carl"]


def test_status_changes_are_audited_with_reason_and_stale_edits_conflict(db):
    _setup(db)
    anna = access.get_user(db, "anna")
    locked = access.set_status(
        db,
        "anna",
        "lock",
        actor="helpdesk",
        reason="5 failed logons",
        expected_version=anna.version,
    )
    assert locked.status == "locked" and locked.lock_reason == "5 failed logons"
    entry = list_entries(db, action="user.lock")[0]
    assert (
        entry.actor == "helpdesk"
        and entry.before["status"] == "active"
        and entry.after["status"] == "locked"
    )
    with pytest.raises(ValidationError, match="is locked; cannot enable"):
        access.set_status(db, "anna", "enable", actor="helpdesk", reason=None)
    with pytest.raises(ValidationError, match="reason"):
        access.set_status(db, "Bert", "disable", actor="helpdesk", reason="  ")
    with pytest.raises(Conflict, match="changed by someone else"):
        access.edit_user(
            db, "anna", actor="other", expected_version=anna.version, full_name="Stale Edit"
        )
    assert access.get_user(db, "anna").full_name == "Anna Tester"
    edited = access.edit_user(
        db, "anna", actor="admin", expected_version=locked.version, full_name="Anna Maria"
    )
    assert edited.full_name == "Anna Maria" and edited.version == locked.version + 1
    with pytest.raises(NotFound):
        access.set_status(db, "ghost", "lock", actor="x", reason="r")
    assert verify(db).ok


def test_grant_preview_sod_override_and_duplicate_grant(db):
    _setup(db)
    grants.grant(db, "VENDOR_MASTER", ["anna"], actor="admin", reason="vendor data")
    preview = grants.preview_grant(db, "TREASURY", ["anna", "Bert"])
    assert preview.gained["Bert"] == ("FI.PAYMENT.APPROVE", "FI.VENDOR.DISPLAY")
    assert preview.gained["anna"] == ("FI.PAYMENT.APPROVE",)
    assert [(c.login, c.rule, c.severity) for c in preview.conflicts] == [
        ("anna", "Create vendor / approve payment", "critical")
    ]
    entries = _audit_count(db)
    with pytest.raises(ValidationError, match="critical SoD"):
        grants.grant(db, "TREASURY", ["anna", "Bert"], actor="admin", reason="payments")
    assert _audit_count(db) == entries
    with db.session() as s:
        assert (
            s.execute(
                select(func.count()).select_from(UserRole).where(UserRole.role_id == 2)
            ).scalar_one()
            == 0
        )
    done = grants.grant(
        db,
        "TREASURY",
        ["anna", "Bert"],
        actor="cfo",
        reason="payments",
        override_reason="only two staff; reviewed monthly",
    )
    assert set(done.gained) == {"anna", "Bert"}
    assert _audit_count(db) == entries + 2
    grant_entry = [e for e in list_entries(db, action="role.grant") if e.target_label == "anna"][0]
    assert "SoD override" in grant_entry.reason and grant_entry.after["sod_override"] == [
        "Create vendor / approve payment"
    ]
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(SodException)).scalar_one() == 1
    conflicts = grants.sod_check_user(db, "anna")
    assert len(conflicts) == 1 and conflicts[0].accepted
    again = grants.grant(db, "TREASURY", ["anna"], actor="admin", reason="again")
    assert again.already == ("anna",) and again.gained == {}
    with db.session() as s:
        assert (
            s.execute(
                select(func.count()).select_from(UserRole).where(UserRole.role_id == 2)
            ).scalar_one()
            == 2
        )


def test_effective_permissions_honour_status_and_validity(db):
    _setup(db)
    grants.grant(
        db, "BUYER", ["carl"], actor="admin", reason="r", valid_to=TODAY + dt.timedelta(days=10)
    )
    grants.grant(
        db,
        "PO_APPROVER",
        ["carl"],
        actor="admin",
        reason="stand-in",
        valid_from=TODAY + dt.timedelta(days=5),
    )
    assert [p.code for p in grants.effective_permissions(db, "carl")] == ["MM.PO.CREATE"]
    later = TODAY + dt.timedelta(days=7)
    assert [p.code for p in grants.effective_permissions(db, "carl", on=later)] == [
        "MM.PO.APPROVE",
        "MM.PO.CREATE",
    ]
    assert [(c.login, c.rule) for c in grants.sod_check_all(db, on=later)] == [
        ("carl", "Create PO / approve PO")
    ]
    assert (
        grants.effective_permissions(db, "carl", on=TODAY + dt.timedelta(days=11))[0].code
        == "MM.PO.APPROVE"
    )
    access.set_status(db, "carl", "lock", actor="x", reason="leave")
    assert grants.effective_permissions(db, "carl") == []
    assert grants.who_has(db, "MM.PO.CREATE") == []


def test_explain_says_exactly_why_not(db):
    _setup(db)
    grants.grant(
        db, "TREASURY", ["Bert"], actor="admin", reason="r", valid_to=TODAY - dt.timedelta(days=1)
    )
    why = grants.explain(db, "bert", "FI.PAYMENT.APPROVE")
    assert not why.allowed and "expired on" in why.reasons[0]
    no_role = grants.explain(db, "carl", "FI.PAYMENT.APPROVE")
    assert not no_role.allowed and "roles that would: TREASURY" in no_role.reasons[0]
    grants.grant(db, "TREASURY", ["carl"], actor="boss", reason="cover")
    yes = grants.explain(db, "carl", "FI.PAYMENT.APPROVE")
    assert yes.allowed and "via role TREASURY (granted by boss" in yes.reasons[0]
    access.set_status(db, "carl", "disable", actor="hr", reason="left")
    gone = grants.explain(db, "carl", "FI.PAYMENT.APPROVE")
    assert not gone.allowed and gone.reasons[0] == "user is disabled"
    assert [h.login for h in grants.who_has(db, "FI.PAYMENT.APPROVE")] == []


def test_revoke_reports_lost_permissions_and_roles_compare(db):
    _setup(db)
    grants.grant(db, "TREASURY", ["Bert"], actor="admin", reason="r")
    grants.grant(
        db, "VENDOR_MASTER", ["Bert"], actor="admin", reason="r", override_reason="temporary"
    )
    lost = grants.revoke(db, "TREASURY", ["Bert", "carl"], actor="admin", reason="moved")
    assert lost.lost == {"Bert": ("FI.PAYMENT.APPROVE",)} and lost.not_held == ("carl",)
    cmp = roles.compare_roles(db, "VENDOR_MASTER", "TREASURY")
    assert (
        cmp.only_a == ("FI.VENDOR.CREATE",)
        and cmp.only_b == ("FI.PAYMENT.APPROVE",)
        and cmp.both == ("FI.VENDOR.DISPLAY",)
    )
    changed = roles.change_role_permissions(
        db, "BUYER", actor="admin", add=["MM.PO.APPROVE"], reason="merge roles"
    )
    assert [p[0] for p in changed.permissions] == ["MM.PO.APPROVE", "MM.PO.CREATE"]
    with pytest.raises(ValidationError, match="unknown permission"):
        roles.change_role_permissions(db, "BUYER", actor="admin", add=["NO.SUCH.PERM"], reason="x")


def test_dormant_and_expired_reviews_and_bulk_disable(db):
    _setup(db)
    from erp_console.db.models import ErpUser

    with db.begin() as s:
        s.execute(
            ErpUser.__table__.update()
            .where(ErpUser.login_key == "anna")
            .values(last_login_at=dt.datetime.now() - dt.timedelta(days=200))
        )
        s.execute(
            ErpUser.__table__.update()
            .where(ErpUser.login_key == "bert")
            .values(last_login_at=dt.datetime.now() - dt.timedelta(days=2))
        )
        s.execute(
            ErpUser.__table__.update()
            .where(ErpUser.login_key == "carl")
            .values(valid_to=TODAY - dt.timedelta(days=3))
        )
    dormant = [u.login for u in access.dormant_users(db, 90)]
    assert dormant == ["anna", "carl"]  # carl never logged in
    assert [u.login for u in access.expired_active_users(db)] == ["carl"]
    changed = access.bulk_set_status(
        db, dormant, "disable", actor="admin", reason="monthly dormant review"
    )
    assert changed == ["anna", "carl"]
    assert access.count_users(db, access.UserFilter(status="disabled")).count == 2
    assert len(list_entries(db, action="user.disable")) == 2


def test_grant_and_revoke_refuse_a_user_changed_since_the_preview(db):
    _setup(db)
    preview = grants.preview_grant(db, "TREASURY", ["anna", "Bert"])
    assert preview.versions == {
        "anna": access.get_user(db, "anna").version,
        "Bert": access.get_user(db, "Bert").version,
    }
    access.edit_user(db, "Bert", actor="other", expected_version=None, full_name="Bert R")
    entries = _audit_count(db)
    with pytest.raises(Conflict, match="'Bert' changed since the preview") as caught:
        grants.grant(db, "TREASURY", ["anna", "Bert"], actor="admin", reason="payments",
                     expected_versions=preview.versions)  # fmt: skip
    assert caught.value.exit_code == 4
    assert _audit_count(db) == entries
    assert access.get_user(db, "anna").grants == ()  # the unchanged user is not granted alone
    grants.grant(db, "TREASURY", ["anna"], actor="admin", reason="payments",
                 expected_versions=grants.preview_grant(db, "TREASURY", ["anna"]).versions)  # fmt: skip
    seen = grants.preview_revoke(db, "TREASURY", ["anna"])
    access.edit_user(db, "anna", actor="other", expected_version=None, full_name="Anna R")
    with pytest.raises(Conflict):
        grants.revoke(db, "TREASURY", ["anna"], actor="admin", reason="done",
                      expected_versions=seen.versions)  # fmt: skip
    assert [g.role for g in access.get_user(db, "anna").grants] == ["TREASURY"]

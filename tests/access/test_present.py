"""The access presenters: the same words for a conflict, a verdict and a user in the CLI and TUI."""

from __future__ import annotations

import datetime as dt

from erp_console.services.access import present
from erp_console.services.access.grants import Explanation, UserConflict
from erp_console.services.access.users import UserDetail

CONFLICT = UserConflict(
    login="jnovak",
    rule="Create and approve payments",
    severity="critical",
    permission_a="FI.PAYMENT.CREATE",
    permission_b="FI.PAYMENT.APPROVE",
    roles_a=("AP_CLERK",),
    roles_b=("FI_TREASURY", "CFO"),
)


def test_a_conflict_reads_as_user_rule_and_both_permissions():
    assert present.sod_conflict(CONFLICT) == (
        "jnovak: Create and approve payments (FI.PAYMENT.CREATE + FI.PAYMENT.APPROVE)"
    )
    assert present.sod_conflict_record(CONFLICT) == {
        "user": "jnovak",
        "severity": "critical",
        "rule": "Create and approve payments",
        "a": "FI.PAYMENT.CREATE (AP_CLERK)",
        "b": "FI.PAYMENT.APPROVE (FI_TREASURY, CFO)",
        "accepted": False,
    }


def test_a_refused_grant_names_every_critical_conflict():
    other = UserConflict("abauer", "Vendor and payment", "critical", "A", "B", ("R1",), ("R2",))
    message = present.sod_override_needed([CONFLICT, other])
    assert "jnovak: Create and approve payments" in message
    assert "; abauer: Vendor and payment (A + B)." in message
    assert message.endswith("Give an override reason to grant anyway")


def test_the_verdict_says_yes_or_no():
    yes = Explanation(True, "jnovak", "FI.INVOICE.POST", ("via AP_CLERK",))
    no = Explanation(False, "jnovak", "FI.PAYMENT.APPROVE", ("no role grants it",))
    assert present.explain_verdict(yes) == "YES: jnovak can FI.INVOICE.POST"
    assert present.explain_verdict(no) == "NO: jnovak cannot FI.PAYMENT.APPROVE"
    assert present.explain_record(no)["reasons"] == ["no role grants it"]


def test_a_user_record_shows_the_department_by_code_and_name():
    user = UserDetail(
        id=1,
        login="abauer",
        full_name="Anna Bauer",
        email=None,
        department="FIN",
        department_name="Finance",
        status="locked",
        lock_reason="left",
        valid_from=None,
        valid_to=dt.date(2026, 1, 31),
        last_login_at=None,
        created_at=dt.datetime(2025, 1, 1),
        version=3,
    )
    record = present.user_record(user)
    assert record["department"] == "FIN Finance"
    assert (record["status"], record["lock_reason"], record["version"]) == ("locked", "left", 3)
    without = user.__class__(**{**user.__dict__, "department": None})
    assert present.department_label(without) is None
    unnamed = user.__class__(**{**user.__dict__, "department_name": None})
    assert present.department_label(unnamed) == "FIN"

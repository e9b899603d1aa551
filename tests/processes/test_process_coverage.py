"""Coverage and process versions on a hand-built organisation (tests/support/small_org.py), every dialect."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from erp_console.db.models import MaintenanceLog, ProcessStep, ProcessVersion
from erp_console.errors import NotFound, ValidationError
from erp_console.services.access import grants
from erp_console.services.processes import authoring
from erp_console.services.processes import catalog as processes
from erp_console.services.processes.catalog import StepSpec
from erp_console.services.processes.coverage import coverage
from tests.support import small_org

TODAY = dt.date.today()


def _audit_count(db) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(MaintenanceLog)).scalar_one()


@pytest.fixture
def org(db):
    small_org.build(db)
    return db


def test_coverage_of_each_step_by_hand(org):
    [p2p] = coverage(org, "P2P")
    assert p2p.version == 1 and p2p.excess_limit == 1
    got = {s.seq: (s.holders, s.flags) for s in p2p.steps}
    assert got == {
        10: (("emil",), ("single_holder",)),
        20: ((), ("no_holder",)),
        30: (("anna", "bert", "dora"), ("sod",)),
        40: (("carl", "dora"), ("excess", "sod")),
        50: (("bert",), ("single_holder",)),
    }
    [conflict] = p2p.conflicts
    assert (conflict.login, conflict.rule, conflict.severity, conflict.step_a, conflict.step_b) == (
        "dora",
        "Post invoice / approve payment",
        "high",
        30,
        40,
    )
    assert p2p.badge() == "gap 1 · single 2 · excess 1 · SoD 2"


def test_flags_only_and_coverage_follows_a_grant(org):
    [flagged] = coverage(org, "P2P", flags_only=True)
    assert [s.seq for s in flagged.steps] == [10, 20, 30, 40, 50]
    grants.grant(org, "PO_APPROVER", ["emil"], actor="t", reason="stand-in")
    [p2p] = coverage(org, "P2P")
    step20 = next(s for s in p2p.steps if s.seq == 20)
    assert step20.holders == ("emil",) and step20.flags == ("single_holder",)


def test_version_in_force_and_history(org):
    detail = processes.get_process(org, "P2P")
    assert detail.version == 1 and [s.seq for s in detail.steps] == [10, 20, 30, 40, 50]
    assert [(v.number, v.current, v.steps) for v in detail.versions] == [
        (1, True, 5),
        (2, False, 1),
    ]
    tomorrow = processes.get_process(org, "P2P", on=TODAY + dt.timedelta(days=1))
    assert tomorrow.version == 2 and [s.name for s in tomorrow.steps] == ["Create PO"]
    [row] = processes.list_processes(org)
    assert (row.code, row.version, row.steps, row.no_holder, row.single_holder, row.sod) == (
        "P2P",
        1,
        5,
        1,
        2,
        2,
    )
    assert (row.excess, row.badge) == (1, "gap 1 · single 2 · excess 1 · SoD 2")


def test_new_version_copies_and_edits_steps(org):
    current = processes.get_process(org, "P2P")
    steps = [s for s in current.steps if s.seq != 50] + [
        StepSpec(60, "Release payment", "PAY.APPROVE", "FIN")
    ]
    with pytest.raises(ValidationError) as err:  # before version 2, which starts tomorrow
        authoring.create_version(org, "P2P", steps, actor="t", effective_from=TODAY)
    assert err.value.field == "effective_from"
    later = TODAY + dt.timedelta(days=2)
    detail = authoring.create_version(
        org, "P2P", steps, actor="t", effective_from=later, note="no vendor step"
    )
    assert detail.version == 3
    assert [(s.seq, s.permission, s.department) for s in detail.steps][-1] == (
        60,
        "PAY.APPROVE",
        "FIN",
    )
    assert coverage(org, "P2P")[0].version == 1
    [p2p] = coverage(org, "P2P", on=later)
    assert p2p.version == 3 and [s.seq for s in p2p.steps] == [10, 20, 30, 40, 60]


def test_unknown_permission_in_a_step_is_refused_naming_row_and_column(org):
    before = _audit_count(org)
    steps = [
        StepSpec(10, "Create PO", "PO.CREATE", "PUR"),
        StepSpec(20, "Pay", "NO.SUCH.PERM"),
    ]
    with pytest.raises(ValidationError) as err:
        authoring.create_version(org, "P2P", steps, actor="t", effective_from=TODAY)
    assert err.value.row == 2 and err.value.column == "permission"
    assert "NO.SUCH.PERM" in str(err.value)
    with pytest.raises(ValidationError) as err:
        authoring.create_version(
            org, "P2P", [StepSpec(10, "x", "PO.CREATE", "NOPE")], actor="t", effective_from=TODAY
        )
    assert err.value.column == "department"
    with pytest.raises(NotFound):
        authoring.create_version(org, "NOPE", steps[:1], actor="t", effective_from=TODAY)
    with org.session() as s:
        assert s.scalar(select(func.count()).select_from(ProcessVersion)) == 2
        assert s.scalar(select(func.count()).select_from(ProcessStep)) == 6
    assert _audit_count(org) == before


def test_retire_takes_a_process_out_of_coverage(org):
    with pytest.raises(ValidationError):
        processes.retire_process(org, "P2P", actor="t", reason=" ")
    processes.retire_process(org, "P2P", actor="t", reason="replaced by new ERP module")
    assert coverage(org) == [] and processes.list_processes(org) == []
    assert processes.list_processes(org, include_retired=True)[0].status == "retired"
    with pytest.raises(NotFound):
        coverage(org, "NOPE")


def test_a_new_process_is_defined_with_its_steps_and_covered_at_once(org):
    before = _audit_count(org)
    detail = authoring.create_process(
        org,
        "vendor-onboard",  # codes are kept in capitals, like the demo's
        "Onboard a vendor",
        [
            StepSpec(20, "Approve the first order", "PO.APPROVE", "PUR"),
            StepSpec(10, "Create the vendor", "VEND.CREATE"),
        ],
        actor="t",
        effective_from=TODAY,
        owner="PUR",
    )
    assert (detail.code, detail.name, detail.owner, detail.version) == (
        "VENDOR-ONBOARD",
        "Onboard a vendor",
        "PUR",
        1,
    )
    assert [(s.seq, s.permission, s.department) for s in detail.steps] == [
        (10, "VEND.CREATE", None),
        (20, "PO.APPROVE", "PUR"),
    ]
    [cov] = coverage(org, "VENDOR-ONBOARD")
    assert {s.seq: (s.holders, s.flags) for s in cov.steps} == {
        10: (("bert",), ("single_holder",)),
        20: ((), ("no_holder",)),
    }
    assert _audit_count(org) == before + 1
    with org.session() as s:
        entry = s.scalars(select(MaintenanceLog).order_by(MaintenanceLog.id.desc())).first()
    assert (entry.action, entry.target_label) == ("process.create", "VENDOR-ONBOARD")


@pytest.mark.parametrize(
    ("change", "field", "row", "said"),
    [
        ({"code": "7UP"}, "code", None, "capital letters"),
        ({"code": "P2P"}, "code", None, "exists already"),
        ({"name": "  "}, "name", None, "required"),
        ({"owner": "NOPE"}, "owner", None, "no active department 'NOPE'"),
        ({"steps": []}, "steps", None, "at least one step"),
        ({"steps": [StepSpec(10, "a", "PO.CREATE"), StepSpec(10, "b", "PO.APPROVE")]}, None, 2, "used twice"),
        ({"steps": [StepSpec(10, "a", "PO.CREATE"), StepSpec(20, "b", "PO.NOPE")]}, None, 2, "no permission 'PO.NOPE'"),
        ({"steps": [StepSpec(10, "x" * 201, "PO.CREATE")]}, None, 1, "longer than 200"),
    ],
)  # fmt: skip
def test_a_new_process_with_bad_input_says_where_and_writes_nothing(org, change, field, row, said):
    before = _audit_count(org)
    args = {"code": "NEW", "name": "New", "steps": [StepSpec(10, "a", "PO.CREATE")]} | change
    with pytest.raises(ValidationError) as err:
        authoring.create_process(
            org,
            args["code"],
            args["name"],
            args["steps"],
            actor="t",
            effective_from=TODAY,
            owner=change.get("owner"),
        )
    assert said in err.value.message
    assert (err.value.field, err.value.row) == (field, row)
    with org.session() as s:
        assert s.scalar(select(func.count()).select_from(ProcessVersion)) == 2
    assert [p.code for p in processes.list_processes(org)] == ["P2P"]
    assert _audit_count(org) == before

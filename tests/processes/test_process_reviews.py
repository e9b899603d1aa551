"""Process reviews on the small organisation, every dialect: snapshot, findings, change requests."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erp_console.db.models import ChangeRequest, MaintenanceLog, ReviewFinding
from erp_console.errors import Conflict, NotFound, ValidationError
from erp_console.services.access import grants
from erp_console.services.core.audit import list_entries
from erp_console.services.processes import reviews
from tests.support import small_org


def _count(db, model) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def org(db):
    small_org.build(db)
    return db


def test_review_keeps_snapshot_and_records_findings(org):
    review = reviews.open_review(org, "P2P", actor="mk", scope="yearly")
    assert review.reviewer == "mk" and review.is_open
    steps = {s["seq"]: s for s in review.snapshot["steps"]}
    assert steps[20]["flags"] == ["no_holder"] and steps[40]["holders"] == ["carl", "dora"]
    assert review.snapshot["conflicts"][0]["login"] == "dora"
    with pytest.raises(Conflict):
        reviews.open_review(org, "P2P", actor="other")

    gap = reviews.add_finding(
        org,
        review.id,
        actor="mk",
        kind="permission_gap",
        severity="high",
        text="Nobody can approve POs",
        step=20,
    )
    assert (gap.step_seq, gap.step_name, gap.status) == (20, "Approve PO", "open")
    missing = reviews.add_finding(
        org, review.id, actor="mk", kind="unrealized_function", severity="medium", text="No EDI"
    )
    change_id = reviews.raise_change(org, gap.id, actor="mk")
    expansion_id = reviews.raise_change(org, missing.id, actor="mk")
    with org.session() as s:
        gap_change = s.get(ChangeRequest, change_id)
        assert (gap_change.kind, gap_change.status) == ("optimization", "proposed")
        assert gap_change.title == "P2P: Nobody can approve POs"
        assert s.get(ChangeRequest, expansion_id).kind == "expansion"
        assert s.get(ReviewFinding, gap.id).change_request_id == change_id
    with pytest.raises(Conflict):
        reviews.raise_change(org, gap.id, actor="mk")

    closed = reviews.close_review(org, review.id, actor="mk", outcome="needs_optimization")
    assert closed.outcome == "needs_optimization" and not closed.is_open
    assert [f.change_request_id for f in closed.findings] == [change_id, expansion_id]
    actions = [e.action for e in list_entries(org, limit=20)]
    assert actions[:7] == [
        "review.close",
        "review.finding.change",
        "change.create",
        "review.finding.change",
        "change.create",
        "review.finding",
        "review.finding",
    ]


def test_bad_findings_and_closing_are_refused_without_writing(org):
    review = reviews.open_review(org, "P2P", actor="mk")
    before = (_count(org, ReviewFinding), _count(org, MaintenanceLog))
    bad = [
        dict(kind="typo", severity="high", text="x"),
        dict(kind="obsolete_step", severity="urgent", text="x"),
        dict(kind="obsolete_step", severity="low", text="  "),
        dict(kind="obsolete_step", severity="low", text="x", step=99),
    ]
    fields = []
    for args in bad:
        with pytest.raises(ValidationError) as err:
            reviews.add_finding(org, review.id, actor="mk", **args)
        fields.append(err.value.field)
    assert fields == ["kind", "severity", "text", "step"]
    with pytest.raises(ValidationError):
        reviews.close_review(org, review.id, actor="mk", outcome="great")
    with pytest.raises(NotFound):
        reviews.add_finding(org, 999, actor="mk", kind="obsolete_step", severity="low", text="x")
    assert (_count(org, ReviewFinding), _count(org, MaintenanceLog)) == before
    reviews.close_review(org, review.id, actor="mk", outcome="fit")
    with pytest.raises(ValidationError):
        reviews.close_review(org, review.id, actor="mk", outcome="fit")
    with pytest.raises(ValidationError):
        reviews.add_finding(
            org, review.id, actor="mk", kind="obsolete_step", severity="low", text="x"
        )


def test_comparison_with_snapshot_shows_what_changed(org):
    review = reviews.open_review(org, "P2P", actor="mk")
    assert reviews.compare_with_snapshot(org, review.id) == []
    grants.grant(org, "PO_APPROVER", ["emil"], actor="t", reason="stand-in")
    grants.revoke(org, "AP_CLERK", ["dora"], actor="t", reason="SoD fix")
    deltas = {d.seq: d for d in reviews.compare_with_snapshot(org, review.id)}
    assert set(deltas) == {20, 30, 40}
    assert (deltas[20].holders_then, deltas[20].holders_now, deltas[20].gained) == (0, 1, ("emil",))
    assert deltas[20].flags_then == ("no_holder",) and deltas[20].flags_now == ("single_holder",)
    assert deltas[30].lost == ("dora",) and deltas[30].flags_now == ()
    assert deltas[40].flags_then == ("excess", "sod") and deltas[40].flags_now == ("excess",)
    assert [r.id for r in reviews.list_reviews(org, process="P2P", open_only=True)] == [review.id]

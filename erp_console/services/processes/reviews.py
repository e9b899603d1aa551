"""Process reviews: open one (keeping a coverage snapshot), record findings, raise change requests
from findings, close with an outcome, and compare the snapshot with coverage now."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select

from erp_console.db.engine import Database
from erp_console.db.models import (
    BusinessProcess,
    ChangeRequest,
    ProcessReview,
    ProcessStep,
    ReviewFinding,
    utcnow,
)
from erp_console.errors import Conflict, NotFound, ValidationError
from erp_console.services.core import audit
from erp_console.services.core.validation import check_choice, optional_text, require_text
from erp_console.services.core.versions import check_version
from erp_console.services.processes.coverage import compute, current_versions, load_world, snapshot
from erp_console.vocabulary import CHANGE_KINDS, FINDING_KINDS, REVIEW_OUTCOMES, SEVERITIES

# A finding's kind suggests the change it leads to: missing functions are expansion.
CHANGE_KIND_OF_FINDING = {"unrealized_function": "expansion"}


@dataclass(frozen=True)
class FindingView:
    id: int
    kind: str
    severity: str
    step_seq: int | None
    step_name: str | None
    text: str
    status: str
    change_request_id: int | None
    created_at: dt.datetime


@dataclass(frozen=True)
class ReviewView:
    id: int
    process: str
    process_name: str
    reviewer: str
    scope: str | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    outcome: str | None
    outcome_note: str | None
    findings: tuple[FindingView, ...]
    snapshot: dict | None
    version: int

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class StepDelta:
    """One step whose holders or flags differ between the review's snapshot and now."""

    seq: int
    name: str
    holders_then: int
    holders_now: int
    gained: tuple[str, ...]
    lost: tuple[str, ...]
    flags_then: tuple[str, ...]
    flags_now: tuple[str, ...]


def _review_row(s, review_id: int, *, for_update: bool = False) -> ProcessReview:
    stmt = select(ProcessReview).where(ProcessReview.id == review_id)
    if for_update:
        stmt = stmt.with_for_update()
    review = s.scalars(stmt).first()
    if review is None:
        raise NotFound(f"no review #{review_id}")
    return review


def _view(s, review: ProcessReview) -> ReviewView:
    proc = s.get(BusinessProcess, review.process_id)
    rows = s.execute(
        select(ReviewFinding, ProcessStep.seq, ProcessStep.name)
        .outerjoin(ProcessStep, ProcessStep.id == ReviewFinding.step_id)
        .where(ReviewFinding.review_id == review.id)
        .order_by(ReviewFinding.id)
    ).all()
    findings = tuple(
        FindingView(
            f.id,
            f.kind,
            f.severity,
            seq,
            name,
            f.text,
            f.status,
            f.change_request_id,
            f.created_at,
        )
        for f, seq, name in rows
    )
    return ReviewView(
        review.id,
        proc.code,
        proc.name,
        review.reviewer,
        review.scope,
        review.opened_at,
        review.closed_at,
        review.outcome,
        review.outcome_note,
        findings,
        json.loads(review.coverage_snapshot) if review.coverage_snapshot else None,
        review.version,
    )


def get_review(db: Database, review_id: int) -> ReviewView:
    with db.session() as s:
        return _view(s, _review_row(s, review_id))


def list_reviews(
    db: Database, *, process: str | None = None, open_only: bool = False, limit: int = 200
) -> list[ReviewView]:
    """Newest first."""
    stmt = select(ProcessReview).order_by(ProcessReview.opened_at.desc(), ProcessReview.id.desc())
    with db.session() as s:
        if process:
            pid = s.scalar(select(BusinessProcess.id).where(BusinessProcess.code == process))
            if pid is None:
                raise NotFound(f"no process '{process}'")
            stmt = stmt.where(ProcessReview.process_id == pid)
        if open_only:
            stmt = stmt.where(ProcessReview.closed_at.is_(None))
        return [_view(s, r) for r in s.scalars(stmt.limit(limit))]


def open_review(
    db: Database,
    process: str,
    *,
    actor: str,
    reviewer: str | None = None,
    scope: str | None = None,
    on: dt.date | None = None,
) -> ReviewView:
    """Open a review of a process; its coverage now is kept as the review's snapshot."""
    reviewer = require_text(reviewer or actor, "reviewer", max_len=64)
    scope = optional_text(scope, "scope", max_len=5000)
    on = on or dt.date.today()
    with audit.change(
        db, actor=actor, action="review.open", target_type="process_review", target_label=process
    ) as ch:
        s = ch.session
        proc = s.scalars(
            select(BusinessProcess).where(BusinessProcess.code == (process or "").strip())
        ).first()
        if proc is None:
            raise NotFound(f"no process '{process}'")
        already = s.scalar(
            select(ProcessReview.id).where(
                ProcessReview.process_id == proc.id, ProcessReview.closed_at.is_(None)
            )
        )
        if already is not None:
            raise Conflict(f"review #{already} of {proc.code} is still open; close it first")
        cov = compute(load_world(s, on, [proc.code], rule_holdings=False))[0]
        review = ProcessReview(
            process_id=proc.id,
            reviewer=reviewer,
            scope=scope,
            opened_at=utcnow(),
            coverage_snapshot=audit.to_json(snapshot(cov)),
        )
        s.add(review)
        s.flush()
        ch.target_id, ch.target_label = review.id, f"{proc.code} review #{review.id}"
        ch.after = {
            "process": proc.code,
            "reviewer": reviewer,
            "scope": scope,
            "flags": cov.badge(),
        }
        view = _view(s, review)
    return view


def add_finding(
    db: Database,
    review_id: int,
    *,
    actor: str,
    kind: str,
    severity: str,
    text: str,
    step: int | None = None,
) -> FindingView:
    """Record a finding on an open review; `step` is the seq of a step of the current version."""
    check_choice(kind, FINDING_KINDS, "kind")
    check_choice(severity, SEVERITIES, "severity")
    text = require_text(text, "text", max_len=5000)
    with audit.change(
        db,
        actor=actor,
        action="review.finding",
        target_type="process_review",
        target_id=review_id,
    ) as ch:
        s = ch.session
        review = _review_row(s, review_id)
        if review.closed_at is not None:
            raise ValidationError(f"review #{review_id} is closed", field="review")
        step_id = None
        if step is not None:
            version = current_versions(s, dt.date.today()).get(review.process_id)
            step_id = (
                s.scalar(
                    select(ProcessStep.id).where(
                        ProcessStep.version_id == version[0], ProcessStep.seq == step
                    )
                )
                if version
                else None
            )
            if step_id is None:
                raise ValidationError(f"the process has no step {step}", field="step")
        finding = ReviewFinding(
            review_id=review.id,
            kind=kind,
            severity=severity,
            step_id=step_id,
            text=text,
            status="open",
            created_at=utcnow(),
        )
        s.add(finding)
        s.flush()
        ch.target_label = f"review #{review.id} finding #{finding.id}"
        ch.after = {"kind": kind, "severity": severity, "step": step, "text": text}
        found = next(f for f in _view(s, review).findings if f.id == finding.id)
    return found


def raise_change(
    db: Database, finding_id: int, *, actor: str, kind: str | None = None, title: str | None = None
) -> int:
    """Turn a finding into a change request (optimization, or expansion for a missing function).

    The change request and the link are written in one transaction with their audit entries.
    Returns the change request id.
    """
    with db.begin() as s:
        finding = s.get(ReviewFinding, finding_id)
        if finding is None:
            raise NotFound(f"no finding #{finding_id}")
        if finding.change_request_id is not None:
            raise Conflict(
                f"finding #{finding_id} already raised change request #{finding.change_request_id}"
            )
        kind = check_choice(
            kind or CHANGE_KIND_OF_FINDING.get(finding.kind, "optimization"), CHANGE_KINDS, "kind"
        )
        review = s.get(ProcessReview, finding.review_id)
        proc = s.get(BusinessProcess, review.process_id)
        title = require_text(
            title or f"{proc.code}: {finding.text.splitlines()[0]}", "title", max_len=300
        )[:300]
        change = ChangeRequest(
            kind=kind,
            title=title,
            description=f"Raised from finding #{finding.id} ({finding.kind}, {finding.severity}) "
            f"of review #{review.id} of {proc.code}.\n\n{finding.text}",
            status="proposed",
            is_new_function=finding.kind == "unrealized_function",
            requested_by=actor,
            requested_at=utcnow(),
        )
        s.add(change)
        s.flush()
        audit.append_entry(
            s,
            actor=actor,
            action="change.create",
            target_type="change_request",
            target_id=change.id,
            target_label=title,
            after={"kind": kind, "title": title, "status": "proposed", "finding": finding.id},
        )
        finding.change_request_id = change.id
        finding.status = "change_requested"
        s.flush()
        audit.append_entry(
            s,
            actor=actor,
            action="review.finding.change",
            target_type="process_review",
            target_id=review.id,
            target_label=f"review #{review.id} finding #{finding.id}",
            before={"status": "open"},
            after={"status": finding.status, "change_request": change.id},
        )
        return change.id


def close_review(
    db: Database,
    review_id: int,
    *,
    actor: str,
    outcome: str,
    note: str | None = None,
    expected_version: int | None = None,
) -> ReviewView:
    """Close a review as fit, needs_optimization or obsolete."""
    check_choice(outcome, REVIEW_OUTCOMES, "outcome")
    note = optional_text(note, "note", max_len=5000)
    with audit.change(
        db,
        actor=actor,
        action="review.close",
        target_type="process_review",
        target_id=review_id,
        reason=note,
    ) as ch:
        s = ch.session
        review = _review_row(s, review_id, for_update=True)
        check_version(f"review #{review_id}", review.version, expected_version)
        if review.closed_at is not None:
            raise ValidationError(
                f"review #{review_id} is already closed ({review.outcome})", field="review"
            )
        review.closed_at = utcnow()
        review.outcome = outcome
        review.outcome_note = note
        s.flush()
        ch.target_label = f"review #{review.id}"
        ch.before, ch.after = {"outcome": None}, {"outcome": outcome, "note": note}
        view = _view(s, review)
    return view


def compare_with_snapshot(
    db: Database, review_id: int, *, on: dt.date | None = None
) -> list[StepDelta]:
    """What changed in coverage since the review was opened, step by step (matched by seq)."""
    review = get_review(db, review_id)
    if not review.snapshot:
        raise ValidationError(f"review #{review_id} has no coverage snapshot", field="review")
    with db.session() as s:
        world = load_world(s, on or dt.date.today(), [review.process], rule_holdings=False)
    [now] = compute(world)
    then_steps = {st["seq"]: st for st in review.snapshot["steps"]}
    now_steps = {st.seq: st for st in now.steps}
    deltas = []
    for seq in sorted(set(then_steps) | set(now_steps)):
        then, cur = then_steps.get(seq), now_steps.get(seq)
        held_then = set(then["holders"]) if then else set()
        held_now = set(cur.holders) if cur else set()
        flags_then = tuple(then["flags"]) if then else ()
        flags_now = cur.flags if cur else ()
        if held_then == held_now and flags_then == flags_now and then and cur:
            continue
        deltas.append(
            StepDelta(
                seq,
                cur.name if cur else then["name"],
                len(held_then),
                len(held_now),
                tuple(sorted(held_now - held_then)),
                tuple(sorted(held_then - held_now)),
                flags_then,
                flags_now,
            )
        )
    return deltas

"""Where the ERP is in its maintenance life, with evidence: metrics, stage criteria, recommendation,
and the audited transition to the next stage."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from erp_console.db.engine import Database
from erp_console.db.models import (
    ASSURANCE_CATEGORIES,
    INCIDENT_CATEGORIES,
    STAGES,
    ChangeRequest,
    Incident,
    ReviewFinding,
    Setting,
    StageHistory,
    SystemProfile,
    utcnow,
)
from erp_console.errors import ValidationError
from erp_console.services.core import audit
from erp_console.services.core.validation import check_choice, require_text

NEXT_STAGE = {"assurance": "optimization", "optimization": "expansion", "expansion": "retired"}
OPTIMIZATION_CATEGORIES = ("design_problem", "unrealized_function")

# key -> (default, description, type)
THRESHOLDS: dict[str, tuple[str, str, type]] = {
    "stage.assurance.min_days": ("90", "Days after go-live before assurance may end", int),
    "stage.assurance.warn_days": (
        "180",
        "Warn when assurance lasts longer than this many days",
        int,
    ),
    "stage.assurance.rate_fraction": (
        "0.35",
        "Assurance ends when the 4-week incident rate is at most this fraction of its peak",
        float,
    ),
    "stage.assurance.mttr_target_hours": (
        "72",
        "Target mean time to resolve assurance incidents (hours)",
        float,
    ),
    "stage.optimization.max_backlog": (
        "10",
        "Optimization ends when at most this many optimization items are open",
        int,
    ),
    "stage.optimization.min_findings_closed": (
        "0.8",
        "Share of process review findings that must be closed",
        float,
    ),
    "stage.optimization.min_new_function_share": (
        "0.6",
        "Share of new change requests that are new functions",
        float,
    ),
}


@dataclass(frozen=True)
class Criterion:
    name: str
    value: str
    threshold: str
    passed: bool
    warning: str | None = None


@dataclass(frozen=True)
class WeekMetrics:
    week: int  # weeks since go-live, 0-based
    start: dt.date
    new_by_category: dict[str, int]
    open_backlog: int


@dataclass(frozen=True)
class StageStatus:
    stage: str | None
    next_stage: str | None
    go_live: dt.date | None
    stage_started: dt.datetime | None
    days_since_go_live: int | None
    days_in_stage: int | None
    weeks: tuple[WeekMetrics, ...]
    mttr_hours: dict[str, float]
    new_function_share: float | None
    criteria: tuple[Criterion, ...]
    recommendation: str  # stay | ready | regressing | manual
    reasons: tuple[str, ...]
    history: tuple[tuple[str, dt.datetime, dt.datetime | None, str, str | None], ...]
    open_by_severity: dict[str, int]
    changes_by_status: dict[tuple[str, str], int]

    def series(self, category: str) -> list[int]:
        return [w.new_by_category.get(category, 0) for w in self.weeks]


def thresholds(db: Database) -> dict[str, float | int]:
    with db.session() as s:
        stored = dict(
            s.execute(
                select(Setting.key, Setting.value).where(Setting.key.in_(list(THRESHOLDS)))
            ).all()
        )
    return {
        key: kind(stored.get(key, default)) for key, (default, _desc, kind) in THRESHOLDS.items()
    }


def set_threshold(
    db: Database, key: str, value: str, *, actor: str, reason: str | None = None
) -> dict[str, float | int]:
    parsed = parse_threshold(key, value)
    _default, description, _kind = THRESHOLDS[key]
    with audit.change(
        db, actor=actor, action="setting.set", target_type="setting", target_id=key, reason=reason
    ) as ch:
        row = ch.session.get(Setting, key)
        ch.before = {"value": row.value if row else None}
        if row is None:
            ch.session.add(Setting(key=key, value=str(parsed), description=description))
        else:
            row.value = str(parsed)
        ch.after = {"value": str(parsed)}
    return thresholds(db)


def parse_threshold(key: str, value: str) -> float | int:
    """The value a threshold would take, or a ValidationError naming the threshold."""
    if key not in THRESHOLDS:
        raise ValidationError(
            f"unknown threshold '{key}'; known: {', '.join(THRESHOLDS)}", field="key"
        )
    _default, description, kind = THRESHOLDS[key]
    try:
        parsed = kind(value)
    except ValueError:
        raise ValidationError(
            f"'{value}' is not {'a whole number' if kind is int else 'a number'}", field=key
        ) from None
    if parsed < 0 or (
        kind is float and key.endswith(("fraction", "closed", "share")) and parsed > 1
    ):
        raise ValidationError(f"{value} is out of range", field=key)
    return parsed


def _week_index(go_live: dt.date, at: dt.datetime) -> int:
    return (at.date() - go_live).days // 7


def stage_status(db: Database, *, now: dt.datetime | None = None) -> StageStatus:
    now = now or utcnow()
    limits = thresholds(db)
    with db.session() as s:
        profile = s.scalars(select(SystemProfile).order_by(SystemProfile.id).limit(1)).first()
        history = s.execute(
            select(
                StageHistory.stage,
                StageHistory.started_at,
                StageHistory.ended_at,
                StageHistory.decided_by,
                StageHistory.note,
            ).order_by(StageHistory.started_at)
        ).all()
        incidents = s.execute(
            select(
                Incident.category,
                Incident.severity,
                Incident.status,
                Incident.opened_at,
                Incident.resolved_at,
            )
        ).all()
        changes = s.execute(
            select(
                ChangeRequest.kind,
                ChangeRequest.status,
                ChangeRequest.is_new_function,
                ChangeRequest.requested_at,
            )
        ).all()
        findings = dict(
            s.execute(
                select(ReviewFinding.status, func.count()).group_by(ReviewFinding.status)
            ).all()
        )
    go_live = profile.go_live_date if profile else None
    current = next((h for h in reversed(history) if h.ended_at is None), None)
    stage = current.stage if current else None

    weeks: list[WeekMetrics] = []
    if go_live:
        n_weeks = max(1, (now.date() - go_live).days // 7 + 1)
        new = [Counter() for _ in range(n_weeks)]
        opened_per_week, closed_per_week = [0] * n_weeks, [0] * n_weeks
        for category, _sev, _status, opened, resolved in incidents:
            w = _week_index(go_live, opened)
            if 0 <= w < n_weeks:
                new[w][category] += 1
                opened_per_week[w] += 1
            if resolved is not None:
                rw = _week_index(go_live, resolved)
                if 0 <= rw < n_weeks:
                    closed_per_week[rw] += 1
        backlog = 0
        for w in range(n_weeks):
            backlog += opened_per_week[w] - closed_per_week[w]
            weeks.append(WeekMetrics(w, go_live + dt.timedelta(days=7 * w), dict(new[w]), backlog))

    four_weeks_ago = now - dt.timedelta(days=28)
    durations: dict[str, list[float]] = defaultdict(list)
    for category, severity, _status, opened, resolved in incidents:
        if resolved is not None and category in ASSURANCE_CATEGORIES and resolved >= four_weeks_ago:
            durations[severity].append((resolved - opened).total_seconds() / 3600)
    mttr = {sev: sum(v) / len(v) for sev, v in durations.items()}
    all_durations = [d for v in durations.values() for d in v]
    mttr_all = sum(all_durations) / len(all_durations) if all_durations else None

    recent_changes = [c for c in changes if c.requested_at >= now - dt.timedelta(weeks=12)]
    new_function_share = (
        (sum(1 for c in recent_changes if c.is_new_function) / len(recent_changes))
        if recent_changes
        else None
    )
    open_by_severity = Counter(sev for _c, sev, status, _o, _r in incidents if status != "resolved")
    changes_by_status = Counter((c.kind, c.status) for c in changes)

    def assurance_count(start: dt.datetime, end: dt.datetime) -> int:
        return sum(
            1
            for cat, _s, _st, opened, _r in incidents
            if cat in ASSURANCE_CATEGORIES and start <= opened < end
        )

    last4 = assurance_count(four_weeks_ago, now)
    prev4 = assurance_count(now - dt.timedelta(days=56), four_weeks_ago)
    series = [sum(w.new_by_category.get(c, 0) for c in ASSURANCE_CATEGORIES) for w in weeks]
    peak4 = max((sum(series[i : i + 4]) for i in range(max(1, len(series) - 3))), default=0)

    criteria: list[Criterion] = []
    recommendation, reasons = "stay", []
    days_live = (now.date() - go_live).days if go_live else None
    if stage == "assurance":
        min_days, warn_days = (
            limits["stage.assurance.min_days"],
            limits["stage.assurance.warn_days"],
        )
        fraction, target = (
            limits["stage.assurance.rate_fraction"],
            limits["stage.assurance.mttr_target_hours"],
        )
        open_urgent = sum(
            1
            for cat, sev, status, _o, _r in incidents
            if cat in ASSURANCE_CATEGORIES and status != "resolved" and sev in ("critical", "high")
        )
        stable = peak4 > 0 and last4 <= fraction * peak4
        criteria = [
            Criterion(
                "Time since go-live",
                f"{days_live} days",
                f">= {min_days} days",
                days_live is not None and days_live >= min_days,
                f"still unstable after {days_live} days (> {warn_days})"
                if days_live and days_live > warn_days and not stable
                else None,
            ),
            Criterion(
                "Assurance incidents, last 4 weeks vs peak 4 weeks",
                f"{last4} vs peak {peak4}",
                f"<= {fraction:.0%} of peak",
                stable,
            ),
            Criterion(
                "Open critical/high assurance incidents", str(open_urgent), "0", open_urgent == 0
            ),
            Criterion(
                "MTTR of assurance incidents (4 weeks)",
                f"{mttr_all:.0f} h" if mttr_all is not None else "no data",
                f"<= {target:.0f} h",
                mttr_all is not None and mttr_all <= target,
            ),
        ]
    elif stage == "optimization":
        max_backlog = limits["stage.optimization.max_backlog"]
        min_closed, min_share = (
            limits["stage.optimization.min_findings_closed"],
            limits["stage.optimization.min_new_function_share"],
        )
        backlog = sum(
            1
            for cat, _s, status, _o, _r in incidents
            if cat in OPTIMIZATION_CATEGORIES and status != "resolved"
        )
        backlog += sum(
            1
            for c in changes
            if c.kind == "optimization" and c.status in ("proposed", "approved", "in_progress")
        )
        total_findings = sum(findings.values())
        closed_share = findings.get("closed", 0) / total_findings if total_findings else None
        criteria = [
            Criterion(
                "Optimization backlog", str(backlog), f"<= {max_backlog}", backlog <= max_backlog
            ),
            Criterion(
                "Process review findings closed",
                f"{closed_share:.0%}" if closed_share is not None else "no reviews",
                f">= {min_closed:.0%}",
                closed_share is not None and closed_share >= min_closed,
            ),
            Criterion(
                "New-function share of change requests (12 weeks)",
                f"{new_function_share:.0%}" if new_function_share is not None else "no requests",
                f">= {min_share:.0%}",
                new_function_share is not None and new_function_share >= min_share,
            ),
        ]
    elif stage == "expansion":
        criteria = [Criterion("Retirement", "manual decision", "a reason", False)]
        recommendation = "manual"
        reasons.append("retiring the system is a manual decision with a reason")
    if stage in ("optimization", "expansion") and prev4 >= 4 and last4 > 1.5 * prev4:
        recommendation = "regressing"
        reasons.append(
            f"assurance incidents are rising again: {last4} in the last 4 weeks after {prev4} in the 4 before"
        )
    elif criteria and stage != "expansion":
        failing = [c for c in criteria if not c.passed]
        if failing:
            reasons += [f"{c.name}: {c.value} (needs {c.threshold})" for c in failing]
        else:
            recommendation = "ready"
            reasons.append(f"every criterion for {NEXT_STAGE[stage]} is met")
    for c in criteria:
        if c.warning:
            reasons.append(c.warning)
    return StageStatus(
        stage,
        NEXT_STAGE.get(stage) if stage else None,
        go_live,
        current.started_at if current else None,
        days_live,
        (now - current.started_at).days if current else None,
        tuple(weeks),
        mttr,
        new_function_share,
        tuple(criteria),
        recommendation,
        tuple(reasons),
        tuple(tuple(h) for h in history),
        dict(open_by_severity),
        dict(changes_by_status),
    )


def advance(
    db: Database,
    *,
    actor: str,
    reason: str,
    override_reason: str | None = None,
    to: str | None = None,
    now: dt.datetime | None = None,
) -> StageStatus:
    """Move to the next stage. Failing criteria need an explicit override reason.

    `to`, when given, must name the next stage: stages are never skipped.
    """
    reason = require_text(reason, "reason")
    status = stage_status(db, now=now)
    if status.stage is None:
        raise ValidationError(
            "no current stage is recorded; set up the system profile and go-live first",
            field="stage",
        )
    if status.stage == "retired":
        raise ValidationError("the system is retired; there is no next stage", field="stage")
    if to is not None and to != NEXT_STAGE[status.stage]:
        check_choice(to, STAGES, "to")
        raise ValidationError(
            f"cannot go from {status.stage} to {to}: the next stage is {NEXT_STAGE[status.stage]}",
            field="to",
        )
    failing = [c for c in status.criteria if not c.passed]
    if failing and status.stage != "expansion" and not (override_reason or "").strip():
        names = "; ".join(f"{c.name}: {c.value} (needs {c.threshold})" for c in failing)
        raise ValidationError(
            f"criteria not met — {names}. Give an override reason to advance anyway",
            field="override_reason",
        )
    target = NEXT_STAGE[status.stage]
    at = now or utcnow()
    with audit.change(
        db,
        actor=actor,
        action="stage.advance",
        target_type="stage",
        target_label=target,
        reason=reason
        + (f" | override: {override_reason.strip()}" if failing and override_reason else ""),
    ) as ch:
        current = ch.session.scalars(
            select(StageHistory).where(StageHistory.ended_at.is_(None)).with_for_update()
        ).one()
        current.ended_at = at
        ch.session.add(
            StageHistory(
                stage=target,
                started_at=at,
                decided_by=actor,
                note=reason,
                override_reason=override_reason.strip() if failing and override_reason else None,
            )
        )
        ch.before = {
            "stage": status.stage,
            "criteria": [(c.name, c.value, c.passed) for c in status.criteria],
        }
        ch.after = {"stage": target}
    return stage_status(db, now=now)


def set_up(
    db: Database,
    *,
    actor: str,
    erp_name: str,
    go_live: dt.date,
    reason: str,
    company: str | None = None,
    stage: str = "assurance",
    today: dt.date | None = None,
) -> StageStatus:
    """Record the ERP, its go-live date and the stage it is in now: where every lifecycle
    figure starts. Once a stage is recorded it moves only with `advance`."""
    erp_name = require_text(erp_name, "erp_name")
    reason = require_text(reason, "reason")
    check_choice(stage, STAGES, "stage")
    if stage == "retired":
        raise ValidationError("a system is set up in a working stage, not retired", field="stage")
    today = today or utcnow().date()
    if go_live > today:
        raise ValidationError(
            f"{go_live} is in the future; record the go-live once it has happened", field="go_live"
        )
    with audit.change(
        db,
        actor=actor,
        action="stage.setup",
        target_type="stage",
        target_label=stage,
        reason=reason,
    ) as ch:
        s = ch.session
        recorded = s.scalars(select(StageHistory).order_by(StageHistory.id).limit(1)).first()
        if recorded is not None:
            raise ValidationError(
                f"the lifecycle was set up on {recorded.started_at:%Y-%m-%d} "
                f"({recorded.stage}); the stage moves with `stage advance`",
                field="stage",
            )
        profile = s.scalars(select(SystemProfile).order_by(SystemProfile.id).limit(1)).first()
        ch.before = (
            None
            if profile is None
            else {"erp_name": profile.erp_name, "go_live": profile.go_live_date}
        )
        if profile is None:
            profile = SystemProfile(erp_name=erp_name)
            s.add(profile)
        profile.erp_name = erp_name
        profile.company = (company or "").strip() or profile.company
        profile.go_live_date = go_live
        started = dt.datetime.combine(go_live if stage == "assurance" else today, dt.time())
        s.add(StageHistory(stage=stage, started_at=started, decided_by=actor, note=reason))
        ch.after = {"erp_name": erp_name, "go_live": go_live, "stage": stage}
    return stage_status(db)


def stage_names() -> tuple[str, ...]:
    return STAGES


def categories() -> tuple[str, ...]:
    return INCIDENT_CATEGORIES

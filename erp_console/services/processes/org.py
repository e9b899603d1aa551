"""The organisation: the department tree, and applying an org-change plan in one transaction.

`apply_plan` rebuilds the plan inside its transaction from the same request; if anything it was
made from changed (a user moved, a grant added, department defaults edited, coverage shifted), it
refuses with `Conflict` and writes nothing. Otherwise every change is written with its own audit
entry carrying the reason, followed by one `org.change` summary entry and a maintenance record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from erp_console.db.engine import Database
from erp_console.db.models import (
    BusinessProcess,
    Department,
    DepartmentRole,
    ErpUser,
    ProcessStep,
    Role,
    UserRole,
    utcnow,
)
from erp_console.errors import Conflict, ValidationError
from erp_console.services.core import audit
from erp_console.services.core.validation import require_text
from erp_console.services.processes.org_plan import NEW_DEPT, Draft, OrgPlan, plan_in_session
from erp_console.services.records.maintenance_records import add_maintenance_record


@dataclass(frozen=True)
class DeptNode:
    code: str
    name: str
    depth: int
    parent: str | None
    active: bool
    users: int  # members not disabled
    default_roles: tuple[str, ...]


@dataclass(frozen=True)
class ApplyResult:
    summary: str
    entries: int
    moved: int
    granted: int
    revoked: int
    document_id: int


def department_tree(db: Database, *, include_inactive: bool = True) -> list[DeptNode]:
    """Departments depth-first by code, with member counts and default roles."""
    with db.session() as s:
        depts = s.execute(
            select(
                Department.id,
                Department.code,
                Department.name,
                Department.parent_id,
                Department.active,
            )
        ).all()
        members = dict(
            s.execute(
                select(ErpUser.department_id, func.count())
                .where(ErpUser.status != "disabled")
                .group_by(ErpUser.department_id)
            ).all()
        )
        defaults: dict[int, list[str]] = {}
        for dept_id, code in s.execute(
            select(DepartmentRole.department_id, Role.code)
            .join(Role, Role.id == DepartmentRole.role_id)
            .order_by(Role.code)
        ):
            defaults.setdefault(dept_id, []).append(code)
    by_id = {d.id: d for d in depts}
    children: dict[int | None, list] = {}
    for d in depts:
        parent = d.parent_id if d.parent_id in by_id else None
        children.setdefault(parent, []).append(d)
    nodes: list[DeptNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for d in sorted(children.get(parent, []), key=lambda d: d.code):
            if include_inactive or d.active:
                nodes.append(
                    DeptNode(
                        d.code,
                        d.name,
                        depth,
                        by_id[d.parent_id].code if d.parent_id in by_id else None,
                        d.active,
                        members.get(d.id, 0),
                        tuple(defaults.get(d.id, ())),
                    )
                )
            walk(d.id, depth + 1)

    walk(None, 0)
    return nodes


def apply_plan(
    db: Database,
    plan: OrgPlan,
    *,
    actor: str,
    reason: str,
    acknowledge_gaps: bool = False,
    on: dt.date | None = None,
) -> ApplyResult:
    """Apply a previewed plan; refuse it when stale, or when it leaves a step without holders."""
    reason = require_text(reason, "reason")
    on = on or dt.date.today()
    with db.begin() as s:
        _lock(s, plan)
        draft, fresh = plan_in_session(s, plan.request, on)
        if fresh.fingerprint != plan.fingerprint:
            raise Conflict(
                f"the organisation changed since this plan was made ({_what_changed(plan, fresh)}); "
                "nothing was applied — plan again and review the new preview"
            )
        if fresh.gaps and not acknowledge_gaps:
            steps = "; ".join(f"{g.process} {g.seq} {g.name}" for g in fresh.gaps)
            raise ValidationError(
                f"the change leaves steps with no holder: {steps}; acknowledge to apply anyway",
                field="acknowledge",
            )
        writer = _Writer(s, actor, reason)
        new_id = _departments(writer, draft)
        moved = _users(writer, draft, new_id)
        granted, revoked = _grants(writer, draft)
        _repoint(writer, draft, new_id)
        summary_entry = audit.append_entry(
            s,
            actor=actor,
            action="org.change",
            target_type="department",
            target_label=fresh.summary,
            after={
                "summary": fresh.summary,
                "fingerprint": fresh.fingerprint,
                "users_moved": moved,
                "roles_granted": granted,
                "roles_revoked": revoked,
                "gaps_acknowledged": [f"{g.process}:{g.seq}" for g in fresh.gaps],
            },
            reason=reason,
        )
        document = add_maintenance_record(
            s,
            title=f"Org change: {fresh.summary}",
            body=plan_markdown(fresh, reason=reason, actor=actor),
            author=actor,
            tags=("maintenance", "org-change"),
            links=_process_links(s, fresh),
            audit_entry=summary_entry,
        )
        return ApplyResult(fresh.summary, writer.entries + 1, moved, granted, revoked, document.id)


# --- applying, step by step --------------------------------------------------------------


class _Writer:
    def __init__(self, session: Session, actor: str, reason: str) -> None:
        self.s, self.actor, self.reason = session, actor, reason
        self.entries = 0

    def entry(self, action: str, target_type: str, target_id, label: str, before, after) -> None:
        self.s.flush()
        audit.append_entry(
            self.s,
            actor=self.actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            target_label=label,
            before=before,
            after=after,
            reason=self.reason,
        )
        self.entries += 1


def _lock(s: Session, plan: OrgPlan) -> None:
    """Lock the user rows the plan touches, so nothing changes them between check and write."""
    logins = [u.login.lower() for u in plan.users]
    if logins:
        s.execute(select(ErpUser.id).where(ErpUser.login_key.in_(logins)).with_for_update())


def _departments(w: _Writer, draft: Draft) -> int | None:
    s = w.s
    new_id = None
    if draft.create is not None:
        c = draft.create
        dept = Department(code=c.code, name=c.name, parent_id=c.parent_id, active=True, version=1)
        s.add(dept)
        s.flush()
        new_id = dept.id
        for role_id in sorted(draft.new_defaults.get(NEW_DEPT, ())):
            s.add(DepartmentRole(department_id=dept.id, role_id=role_id))
        w.entry(
            "department.create",
            "department",
            dept.id,
            c.code,
            None,
            {
                "code": c.code,
                "name": c.name,
                "parent": draft.code(c.parent_id),
                "default_roles": sorted(draft.role_codes[r] for r in draft.new_defaults[NEW_DEPT]),
            },
        )
    for dept_id, (code, name) in draft.rename.items():
        dept = s.get(Department, dept_id)
        before = {"code": dept.code, "name": dept.name}
        dept.code, dept.name, dept.version = code, name, dept.version + 1
        w.entry(
            "department.rename", "department", dept_id, code, before, {"code": code, "name": name}
        )
    for dept_id, parent in draft.reparent.items():
        dept = s.get(Department, dept_id)
        before = {"parent": draft.code(dept.parent_id)}
        dept.parent_id, dept.version = parent, dept.version + 1
        w.entry(
            "department.reparent",
            "department",
            dept_id,
            dept.code,
            before,
            {"parent": draft.code(parent)},
        )
    for dept_id, roles in draft.new_defaults.items():
        if dept_id == NEW_DEPT:
            continue
        old = draft.defaults.get(dept_id, set())
        for role_id in roles - old:
            s.add(DepartmentRole(department_id=dept_id, role_id=role_id))
        if old - roles:
            s.execute(
                delete(DepartmentRole).where(
                    DepartmentRole.department_id == dept_id,
                    DepartmentRole.role_id.in_(list(old - roles)),
                )
            )
        dept = s.get(Department, dept_id)
        dept.version += 1
        w.entry(
            "department.default_roles",
            "department",
            dept_id,
            dept.code,
            {"default_roles": sorted(draft.role_codes[r] for r in old)},
            {"default_roles": sorted(draft.role_codes[r] for r in roles)},
        )
    for dept_id in sorted(draft.deactivate):
        dept = s.get(Department, dept_id)
        dept.active, dept.version = False, dept.version + 1
        w.entry(
            "department.deactivate",
            "department",
            dept_id,
            dept.code,
            {"active": True},
            {"active": False},
        )
    return new_id


def _users(w: _Writer, draft: Draft, new_id: int | None) -> int:
    moved = 0
    for user_id, target in draft.moves.items():
        login, old, _status, _v = draft.users[user_id]
        if target == old:
            continue
        user = w.s.get(ErpUser, user_id)
        user.department_id = new_id if target == NEW_DEPT else target
        w.entry(
            "user.move",
            "user",
            user_id,
            login,
            {"department": draft.code(old)},
            {"department": draft.code(target)},
        )
        moved += 1
    return moved


def _grants(w: _Writer, draft: Draft) -> tuple[int, int]:
    s = w.s
    granted = revoked = 0
    for user_id, roles in draft.revokes.items():
        login = draft.users[user_id][0]
        for role_id in roles:
            row = s.scalars(
                select(UserRole).where(UserRole.user_id == user_id, UserRole.role_id == role_id)
            ).one()
            before = {
                "role": draft.role_codes[role_id],
                "valid_from": row.valid_from,
                "valid_to": row.valid_to,
                "granted_by": row.granted_by,
                "granted_at": row.granted_at,
                "reason": row.reason,
            }
            s.execute(delete(UserRole).where(UserRole.id == row.id))
            w.entry("role.revoke", "user", user_id, login, before, {"source": "org change"})
            revoked += 1
    for user_id, roles in draft.grants.items():
        login = draft.users[user_id][0]
        for role_id in roles:
            row = s.scalars(
                select(UserRole).where(UserRole.user_id == user_id, UserRole.role_id == role_id)
            ).first()
            before = None
            if row is None:
                row = UserRole(user_id=user_id, role_id=role_id)
                s.add(row)
            else:
                before = {
                    "role": draft.role_codes[role_id],
                    "valid_from": row.valid_from,
                    "valid_to": row.valid_to,
                }
            row.valid_from = row.valid_to = None
            row.granted_by, row.granted_at, row.reason = w.actor, utcnow(), w.reason[:500]
            w.entry(
                "role.grant",
                "user",
                user_id,
                login,
                before,
                {"role": draft.role_codes[role_id], "source": "department default (org change)"},
            )
            granted += 1
    return granted, revoked


def _repoint(w: _Writer, draft: Draft, new_id: int | None) -> None:
    for step_id, frm, to in draft.step_repoints:
        step = w.s.get(ProcessStep, step_id)
        step.department_id = to
        w.entry(
            "process.step.repoint",
            "process_step",
            step_id,
            step.name,
            {"department": draft.code(frm)},
            {"department": draft.code(to)},
        )
    for process_id, frm, to in draft.owner_repoints:
        proc = w.s.get(BusinessProcess, process_id)
        proc.owner_department_id = to
        w.entry(
            "process.owner",
            "process",
            process_id,
            proc.code,
            {"owner": draft.code(frm)},
            {"owner": draft.code(to)},
        )


def _what_changed(old: OrgPlan, new: OrgPlan) -> str:
    if old.users != new.users:
        changed = sorted({u.login for u in set(old.users) ^ set(new.users)})
        return f"users affected differently: {', '.join(changed[:5])}"
    if old.departments != new.departments:
        return "departments changed"
    if old.coverage != new.coverage:
        return "process coverage changed"
    if old.conflicts != new.conflicts:
        return "SoD conflicts changed"
    return "users, grants or departments were edited"


def _process_links(s: Session, plan: OrgPlan) -> list[tuple[str, int]]:
    codes = {d.process for d in plan.coverage} | {r.process for r in plan.repoints}
    if not codes:
        return []
    return [
        ("process", pid)
        for (pid,) in s.execute(
            select(BusinessProcess.id).where(BusinessProcess.code.in_(sorted(codes)))
        )
    ]


# --- reading a plan ----------------------------------------------------------------------


def plan_lines(plan: OrgPlan) -> list[str]:
    """The plan as plain text lines (CLI dry-run, the TUI preview)."""
    lines = [f"Plan: {plan.summary}  [fingerprint {plan.fingerprint}]"]
    for d in plan.departments:
        lines.append(f"  department {d.action} {d.department}: {d.before or '-'} → {d.after}")
    if plan.users:
        lines.append(
            f"Users ({len(plan.users)}; {plan.grants} role(s) to grant, {plan.revokes} to revoke):"
        )
        for u in plan.users:
            move = (
                f"{u.from_dept or '-'} → {u.to_dept or '-'}"
                if u.from_dept != u.to_dept
                else u.to_dept
            )
            parts = [f"  {u.login} ({u.status}) {move}"]
            if u.grant:
                parts.append(f"+{', +'.join(u.grant)}")
            if u.revoke:
                parts.append(f"-{', -'.join(u.revoke)}")
            lines.append("  ".join(parts))
    for r in plan.repoints:
        where = f"step {r.seq} {r.name}" if r.seq is not None else "owner"
        lines.append(f"  {r.process} {where}: {r.from_dept} → {r.to_dept}")
    if plan.coverage:
        lines.append("Coverage changes:")
        for c in plan.coverage:
            tag = "  NO HOLDER LEFT" if c.gap else ""
            lines.append(
                f"  {c.process} {c.seq} {c.name} ({c.permission}): {c.before} → {c.after} holder(s){tag}"
            )
    else:
        lines.append("Coverage: no step gains or loses holders.")
    if plan.conflicts:
        lines.append("New SoD conflicts:")
        for c in plan.conflicts:
            lines.append(
                f"  {c.severity.upper()} {c.login}: {c.rule} ({c.permission_a} + {c.permission_b})"
            )
    for warning in plan.warnings:
        lines.append(f"Warning: {warning}")
    if plan.gaps:
        lines.append(f"ERROR: {len(plan.gaps)} step(s) would have no holder; acknowledge to apply.")
    return lines


def plan_markdown(plan: OrgPlan, *, reason: str, actor: str) -> str:
    body = "\n".join(plan_lines(plan))
    return (
        f"# Org change: {plan.summary}\n\nApplied by {actor}. Reason: {reason}\n\n"
        f"```\n{body}\n```\n"
    )

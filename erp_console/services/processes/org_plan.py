"""The org-change planner: what a reorganisation would do to grants, coverage and SoD, before it is done.

A request (move users, rename, merge, split, deactivate a department, change its default roles)
becomes a plan: for each affected user the department move and the roles to grant and revoke (from
department defaults: roles defaulted by the old department and not by the new one are revoked,
the new department's defaults are granted; individually granted roles are left alone), the
process steps that gain or lose holders, and the SoD conflicts it would create. The plan carries
a fingerprint of the data it was made from; `org.apply_plan` rebuilds it and refuses a stale one.
Disabled users keep their roles: they move with a merged department but gain nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_console.db.engine import Database
from erp_console.db.models import (
    BusinessProcess,
    Department,
    DepartmentRole,
    ErpUser,
    ProcessStep,
    ProcessVersion,
    Role,
    UserRole,
)
from erp_console.errors import NotFound, ValidationError
from erp_console.services.access.identity import IdentityBackend
from erp_console.services.access.sod_core import conflicts_of
from erp_console.services.core.validation import require_text
from erp_console.services.processes.coverage import (
    World,
    compute,
    current_versions,
    is_connector,
    load_world,
)

NEW_DEPT = -1  # the id a department to be created has inside a plan


# --- requests ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MoveUsers:
    logins: tuple[str, ...]
    to: str


@dataclass(frozen=True)
class RenameDepartment:
    code: str
    new_name: str | None = None
    new_code: str | None = None


@dataclass(frozen=True)
class MergeDepartments:
    source: str
    into: str


@dataclass(frozen=True)
class SplitDepartment:
    source: str
    new_code: str
    new_name: str
    logins: tuple[str, ...]
    roles: tuple[str, ...] | None = None  # default roles of the new department (None: copy)


@dataclass(frozen=True)
class DeactivateDepartment:
    code: str


@dataclass(frozen=True)
class ChangeDefaultRoles:
    code: str
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


OrgRequest = (
    MoveUsers
    | RenameDepartment
    | MergeDepartments
    | SplitDepartment
    | DeactivateDepartment
    | ChangeDefaultRoles
)


# --- the plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeptChange:
    action: str  # create | rename | reparent | deactivate | default_roles
    department: str
    before: str
    after: str


@dataclass(frozen=True)
class UserChange:
    login: str
    status: str
    from_dept: str | None
    to_dept: str | None
    grant: tuple[str, ...]
    revoke: tuple[str, ...]


@dataclass(frozen=True)
class Repoint:
    """A process step's responsible department (seq) or a process owner (seq None) re-pointed."""

    process: str
    seq: int | None
    name: str
    from_dept: str
    to_dept: str


@dataclass(frozen=True)
class CoverageDelta:
    process: str
    seq: int
    name: str
    permission: str
    before: int
    after: int
    gained: tuple[str, ...]
    lost: tuple[str, ...]

    @property
    def gap(self) -> bool:
        return self.before > 0 and self.after == 0


@dataclass(frozen=True)
class NewConflict:
    login: str
    rule: str
    severity: str
    permission_a: str
    permission_b: str


@dataclass(frozen=True)
class OrgPlan:
    request: OrgRequest
    summary: str
    departments: tuple[DeptChange, ...]
    users: tuple[UserChange, ...]
    repoints: tuple[Repoint, ...]
    coverage: tuple[CoverageDelta, ...]
    conflicts: tuple[NewConflict, ...]
    warnings: tuple[str, ...]
    fingerprint: str

    @property
    def gaps(self) -> tuple[CoverageDelta, ...]:
        return tuple(d for d in self.coverage if d.gap)

    @property
    def grants(self) -> int:
        return sum(len(u.grant) for u in self.users)

    @property
    def revokes(self) -> int:
        return sum(len(u.revoke) for u in self.users)


@dataclass
class DeptRow:
    id: int
    code: str
    name: str
    parent_id: int | None
    active: bool
    version: int


@dataclass
class Draft:
    """The plan in ids, as `org.apply_plan` needs it."""

    on: dt.date
    depts: dict[int, DeptRow]
    users: dict[int, tuple[str, int | None, str, int]]  # id -> login, dept, status, version
    moves: dict[int, int] = field(default_factory=dict)
    reparent: dict[int, int] = field(default_factory=dict)
    defaults: dict[int, set[int]] = field(default_factory=dict)  # dept id -> default role ids
    new_defaults: dict[int, set[int]] = field(default_factory=dict)  # only changed/new depts
    deactivate: set[int] = field(default_factory=set)
    rename: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (code, name)
    create: DeptRow | None = None
    step_repoints: list[tuple[int, int, int]] = field(default_factory=list)
    owner_repoints: list[tuple[int, int, int]] = field(default_factory=list)
    held: dict[int, dict[int, bool]] = field(default_factory=dict)  # user -> role -> valid now
    grants: dict[int, list[int]] = field(default_factory=dict)
    revokes: dict[int, list[int]] = field(default_factory=dict)
    role_codes: dict[int, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def code(self, dept_id: int | None) -> str | None:
        if dept_id is None:
            return None
        if dept_id == NEW_DEPT and self.create is not None:
            return self.create.code
        return self.depts[dept_id].code


# --- building ----------------------------------------------------------------------------


def _dept(draft: Draft, code: str, field_name: str, *, active: bool = True) -> DeptRow:
    code = (code or "").strip()
    row = next((d for d in draft.depts.values() if d.code == code), None)
    if row is None:
        raise NotFound(f"no department '{code}'")
    if active and not row.active:
        raise ValidationError(f"department {code} is inactive", field=field_name)
    return row


def _subtree(draft: Draft, dept_id: int) -> set[int]:
    found, todo = set(), [dept_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo += [d.id for d in draft.depts.values() if d.parent_id == current]
    return found


def _users(s: Session, draft: Draft, logins: tuple[str, ...]) -> list[int]:
    if not logins:
        raise ValidationError("give at least one user", field="users")
    ids = []
    for login in dict.fromkeys(x.strip() for x in logins):
        row = s.execute(
            select(
                ErpUser.id, ErpUser.login, ErpUser.department_id, ErpUser.status, ErpUser.version
            ).where(ErpUser.login_key == login.lower())
        ).first()
        if row is None:
            raise NotFound(f"no user with login '{login}'")
        if row.status == "disabled":
            raise ValidationError(f"user {row.login} is disabled; enable first", field="users")
        draft.users[row.id] = (row.login, row.department_id, row.status, row.version)
        ids.append(row.id)
    return ids


def _members(s: Session, draft: Draft, dept_ids: set[int]) -> list[int]:
    rows = s.execute(
        select(ErpUser.id, ErpUser.login, ErpUser.department_id, ErpUser.status, ErpUser.version)
        .where(ErpUser.department_id.in_(list(dept_ids)))
        .order_by(ErpUser.login_key)
    ).all()
    for r in rows:
        draft.users[r.id] = (r.login, r.department_id, r.status, r.version)
    return [r.id for r in rows]


def _role_ids(s: Session, codes: tuple[str, ...], field_name: str) -> list[int]:
    known = dict(s.execute(select(Role.code, Role.id)).all())
    ids = []
    for code in codes:
        code = code.strip()
        if code not in known:
            raise ValidationError(f"no role '{code}'", field=field_name)
        ids.append(known[code])
    return ids


def _describe(draft: Draft, request: OrgRequest, s: Session) -> str:
    """Fill the draft's department part for a request; return a one-line summary."""
    if isinstance(request, MoveUsers):
        target = _dept(draft, request.to, "to")
        for user_id in _users(s, draft, request.logins):
            if draft.users[user_id][1] == target.id:
                raise ValidationError(
                    f"user {draft.users[user_id][0]} is already in {target.code}", field="users"
                )
            draft.moves[user_id] = target.id
        return f"move {len(draft.moves)} user(s) to {target.code}"
    if isinstance(request, RenameDepartment):
        dept = _dept(draft, request.code, "department", active=False)
        new_code = (request.new_code or "").strip() or dept.code
        new_name = (request.new_name or "").strip() or dept.name
        if len(new_code) > 32 or len(new_name) > 200:
            raise ValidationError("code is at most 32, name at most 200 characters", field="name")
        if (new_code, new_name) == (dept.code, dept.name):
            raise ValidationError("nothing to change: give a new name or code", field="name")
        if new_code != dept.code and any(d.code == new_code for d in draft.depts.values()):
            raise ValidationError(f"department code '{new_code}' is taken", field="code")
        draft.rename[dept.id] = (new_code, new_name)
        return f"rename {dept.code} to {new_code} '{new_name}'"
    if isinstance(request, MergeDepartments):
        source = _dept(draft, request.source, "source")
        into = _dept(draft, request.into, "into")
        if into.id in _subtree(draft, source.id):
            what = "itself" if into.id == source.id else f"its sub-department {into.code}"
            raise ValidationError(
                f"cannot merge {source.code} into {what} (the tree would form a cycle)",
                field="into",
            )
        for user_id in _members(s, draft, {source.id}):
            draft.moves[user_id] = into.id
        for child in draft.depts.values():
            if child.parent_id == source.id:
                draft.reparent[child.id] = into.id
        draft.deactivate.add(source.id)
        return f"merge {source.code} into {into.code}"
    if isinstance(request, SplitDepartment):
        source = _dept(draft, request.source, "source")
        code = require_text(request.new_code, "new_code", max_len=32)
        name = require_text(request.new_name, "new_name", max_len=200)
        if any(d.code == code for d in draft.depts.values()):
            raise ValidationError(f"department code '{code}' is taken", field="new_code")
        draft.create = DeptRow(NEW_DEPT, code, name, source.parent_id, True, 1)
        roles = (
            _role_ids(s, request.roles, "roles")
            if request.roles is not None
            else sorted(draft.defaults.get(source.id, set()))
        )
        draft.new_defaults[NEW_DEPT] = set(roles)
        for user_id in _users(s, draft, request.logins):
            if draft.users[user_id][1] != source.id:
                raise ValidationError(
                    f"user {draft.users[user_id][0]} is not in {source.code}", field="users"
                )
            draft.moves[user_id] = NEW_DEPT
        return f"split {len(draft.moves)} user(s) of {source.code} into new {code}"
    if isinstance(request, DeactivateDepartment):
        dept = _dept(draft, request.code, "department")
        members = [
            draft.users[u][0]
            for u in _members(s, draft, {dept.id})
            if draft.users[u][2] != "disabled"
        ]
        if members:
            raise ValidationError(
                f"{dept.code} still has {len(members)} user(s) ({', '.join(members[:5])}); "
                "move or merge them first",
                field="department",
            )
        children = [d.code for d in draft.depts.values() if d.parent_id == dept.id and d.active]
        if children:
            raise ValidationError(
                f"{dept.code} has active sub-departments: {', '.join(children)}",
                field="department",
            )
        draft.deactivate.add(dept.id)
        return f"deactivate {dept.code}"
    if isinstance(request, ChangeDefaultRoles):
        dept = _dept(draft, request.code, "department")
        current = set(draft.defaults.get(dept.id, set()))
        add = _role_ids(s, request.add, "add")
        remove = _role_ids(s, request.remove, "remove")
        if not add and not remove:
            raise ValidationError("give roles to add or remove", field="add")
        for role_id in add:
            if role_id in current:
                raise ValidationError(
                    f"{draft.role_codes[role_id]} is already a default of {dept.code}", field="add"
                )
        for role_id in remove:
            if role_id not in current:
                raise ValidationError(
                    f"{draft.role_codes[role_id]} is not a default of {dept.code}", field="remove"
                )
        draft.new_defaults[dept.id] = (current | set(add)) - set(remove)
        for user_id in _members(s, draft, {dept.id}):
            draft.moves.setdefault(user_id, dept.id)
        return f"change default roles of {dept.code}"
    raise ValidationError(f"unknown org change {type(request).__name__}")


def _roles_for_users(s: Session, draft: Draft) -> None:
    if not draft.users:
        return
    for user_id, role_id, valid_from, valid_to in s.execute(
        select(UserRole.user_id, UserRole.role_id, UserRole.valid_from, UserRole.valid_to).where(
            UserRole.user_id.in_(list(draft.users))
        )
    ):
        valid = (valid_from is None or valid_from <= draft.on) and (
            valid_to is None or valid_to >= draft.on
        )
        draft.held.setdefault(user_id, {})[role_id] = valid
    for user_id, (_login, old_dept, status, _v) in draft.users.items():
        new_dept = draft.moves.get(user_id, old_dept)
        if status == "disabled" or user_id not in draft.moves:
            continue
        before = draft.defaults.get(old_dept, set()) if old_dept is not None else set()
        after = draft.new_defaults.get(new_dept, draft.defaults.get(new_dept, set()))
        held = draft.held.get(user_id, {})
        grant = sorted((r for r in after if not held.get(r)), key=draft.role_codes.get)
        revoke = sorted((r for r in before - after if r in held), key=draft.role_codes.get)
        if grant:
            draft.grants[user_id] = grant
        if revoke:
            draft.revokes[user_id] = revoke


def _repoints(s: Session, draft: Draft, request: OrgRequest) -> None:
    if not isinstance(request, (MergeDepartments, DeactivateDepartment)):
        return
    source = _dept(draft, getattr(request, "source", None) or request.code, "source", active=False)
    versions = [v for v, _n in current_versions(s, draft.on).values()]
    steps = s.execute(
        select(ProcessStep.id, BusinessProcess.code, ProcessStep.seq, ProcessStep.name)
        .join(ProcessVersion, ProcessVersion.id == ProcessStep.version_id)
        .join(BusinessProcess, BusinessProcess.id == ProcessVersion.process_id)
        .where(
            ProcessStep.department_id == source.id,
            ProcessStep.version_id.in_(versions),
        )
    ).all()
    owners = s.execute(
        select(BusinessProcess.id, BusinessProcess.code).where(
            BusinessProcess.owner_department_id == source.id
        )
    ).all()
    if isinstance(request, MergeDepartments):
        into = _dept(draft, request.into, "into")
        draft.step_repoints = [(sid, source.id, into.id) for sid, *_ in steps]
        draft.owner_repoints = [(pid, source.id, into.id) for pid, _code in owners]
    elif steps or owners:
        names = sorted({code for _sid, code, *_ in steps} | {code for _pid, code in owners})
        draft.warnings.append(
            f"{source.code} is still named by processes {', '.join(names)}; their steps "
            "will have no holders there"
        )


def build_draft(s: Session, request: OrgRequest, on: dt.date) -> tuple[Draft, str]:
    depts = {
        r.id: DeptRow(r.id, r.code, r.name, r.parent_id, r.active, r.version)
        for r in s.scalars(select(Department))
    }
    draft = Draft(on=on, depts=depts, users={})
    draft.role_codes = dict(s.execute(select(Role.id, Role.code)).all())
    for dept_id, role_id in s.execute(select(DepartmentRole.department_id, DepartmentRole.role_id)):
        draft.defaults.setdefault(dept_id, set()).add(role_id)
    summary = _describe(draft, request, s)
    _roles_for_users(s, draft)
    _repoints(s, draft, request)
    return draft, summary


# --- simulating --------------------------------------------------------------------------


def _simulate(world: World, draft: Draft) -> World:
    after = world.clone(draft.users)
    if draft.create is not None:
        after.parent_of[NEW_DEPT] = draft.create.parent_id
        after.dept_codes[NEW_DEPT] = draft.create.code
    after.parent_of.update(draft.reparent)
    for user_id, dept_id in draft.moves.items():
        if user_id in after.logins:
            after.dept_of[user_id] = dept_id
    for user_id, roles in draft.revokes.items():
        if user_id in after.logins:
            for role_id in roles:
                after.revoke_role(user_id, role_id)
    for user_id, roles in draft.grants.items():
        if user_id in after.logins:
            for role_id in roles:
                after.grant_role(user_id, role_id)
    moved_steps = {sid: to for sid, _frm, to in draft.step_repoints}
    if moved_steps:
        for code, (name, number, steps) in list(after.processes.items()):
            after.processes[code] = (
                name,
                number,
                [
                    dataclasses.replace(
                        st,
                        department_id=moved_steps[st.id],
                        department=draft.code(moved_steps[st.id]),
                    )
                    if st.id in moved_steps
                    else st
                    for st in steps
                ],
            )
    return after


def _coverage_deltas(before: World, after: World) -> list[CoverageDelta]:
    old = {(p.code, st.step_id): st for p in compute(before) for st in p.steps}
    deltas = []
    for proc in compute(after):
        for st in proc.steps:
            prev = old.get((proc.code, st.step_id))
            if prev is None or set(prev.holders) == set(st.holders):
                continue
            deltas.append(
                CoverageDelta(
                    proc.code,
                    st.seq,
                    st.name,
                    st.permission,
                    len(prev.holders),
                    len(st.holders),
                    tuple(sorted(set(st.holders) - set(prev.holders))),
                    tuple(sorted(set(prev.holders) - set(st.holders))),
                )
            )
    return deltas


def _new_conflicts(before: World, after: World, users: list[int]) -> list[NewConflict]:
    found = []
    for user_id in users:
        if user_id not in before.logins:
            continue

        def held(world: World, uid: int = user_id) -> dict[int, list[str]]:
            return {
                p: [world.role_codes[r] for r in roles]
                for p, roles in world.holdings.get(uid, {}).items()
                if roles
            }

        old = {c.rule.id for c in conflicts_of(user_id, held(before), before.rules)}
        for c in conflicts_of(user_id, held(after), after.rules):
            if c.rule.id not in old and (user_id, c.rule.id) not in after.accepted:
                found.append(
                    NewConflict(
                        before.logins[user_id],
                        c.rule.name,
                        c.rule.severity,
                        c.rule.permission_a,
                        c.rule.permission_b,
                    )
                )
    return found


def _fingerprint(draft: Draft, request: OrgRequest, content: list) -> str:
    state = {
        "request": [type(request).__name__, dataclasses.asdict(request)],
        "depts": sorted(
            (d.id, d.code, d.name, d.parent_id, d.active, d.version) for d in draft.depts.values()
        ),
        "defaults": sorted((d, sorted(r)) for d, r in draft.defaults.items()),
        "users": sorted((u, *v) for u, v in draft.users.items()),
        "held": sorted((u, sorted(r.items())) for u, r in draft.held.items()),
        "content": content,
    }
    payload = json.dumps(state, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def plan_in_session(s: Session, request: OrgRequest, on: dt.date) -> tuple[Draft, OrgPlan]:
    draft, summary = build_draft(s, request, on)
    world = load_world(s, on, extra_users=list(draft.users))
    after = _simulate(world, draft)
    coverage = _coverage_deltas(world, after)
    conflicts = _new_conflicts(world, after, list(draft.grants))
    code = draft.code
    dept_changes = []
    if draft.create is not None:
        roles = ", ".join(sorted(draft.role_codes[r] for r in draft.new_defaults[NEW_DEPT]))
        dept_changes.append(
            DeptChange(
                "create",
                draft.create.code,
                "",
                f"{draft.create.name} under {code(draft.create.parent_id) or '-'}; defaults: {roles or '-'}",
            )
        )
    for dept_id, (new_code, new_name) in draft.rename.items():
        d = draft.depts[dept_id]
        dept_changes.append(
            DeptChange("rename", d.code, f"{d.code} {d.name}", f"{new_code} {new_name}")
        )
    for dept_id, parent in draft.reparent.items():
        d = draft.depts[dept_id]
        dept_changes.append(
            DeptChange("reparent", d.code, code(d.parent_id) or "-", code(parent) or "-")
        )
    for dept_id in sorted(draft.deactivate):
        dept_changes.append(DeptChange("deactivate", code(dept_id), "active", "inactive"))
    for dept_id, roles in draft.new_defaults.items():
        if dept_id == NEW_DEPT:
            continue
        names = lambda ids: ", ".join(sorted(draft.role_codes[r] for r in ids)) or "-"  # noqa: E731
        dept_changes.append(
            DeptChange(
                "default_roles",
                code(dept_id),
                names(draft.defaults.get(dept_id, set())),
                names(roles),
            )
        )
    user_changes = [
        UserChange(
            login,
            status,
            code(old),
            code(draft.moves.get(uid, old)),
            tuple(draft.role_codes[r] for r in draft.grants.get(uid, ())),
            tuple(draft.role_codes[r] for r in draft.revokes.get(uid, ())),
        )
        for uid, (login, old, status, _v) in sorted(
            draft.users.items(), key=lambda kv: kv[1][0].lower()
        )
        if uid in draft.moves
    ]
    repoints = _repoint_rows(s, draft)
    content = [
        [dataclasses.astuple(x) for x in dept_changes],
        [dataclasses.astuple(x) for x in user_changes],
        [dataclasses.astuple(x) for x in repoints],
        [dataclasses.astuple(x) for x in coverage],
        [dataclasses.astuple(x) for x in conflicts],
    ]
    plan = OrgPlan(
        request,
        summary,
        tuple(dept_changes),
        tuple(user_changes),
        tuple(repoints),
        tuple(coverage),
        tuple(conflicts),
        tuple(draft.warnings),
        _fingerprint(draft, request, content),
    )
    return draft, plan


def _repoint_rows(s: Session, draft: Draft) -> list[Repoint]:
    rows = []
    if draft.step_repoints:
        ids = [sid for sid, _f, _t in draft.step_repoints]
        to = {sid: t for sid, _f, t in draft.step_repoints}
        frm = {sid: f for sid, f, _t in draft.step_repoints}
        for sid, code, seq, name in s.execute(
            select(ProcessStep.id, BusinessProcess.code, ProcessStep.seq, ProcessStep.name)
            .join(ProcessVersion, ProcessVersion.id == ProcessStep.version_id)
            .join(BusinessProcess, BusinessProcess.id == ProcessVersion.process_id)
            .where(ProcessStep.id.in_(ids))
            .order_by(BusinessProcess.code, ProcessStep.seq)
        ):
            rows.append(Repoint(code, seq, name, draft.code(frm[sid]), draft.code(to[sid])))
    for pid, frm_id, to_id in draft.owner_repoints:
        proc = s.get(BusinessProcess, pid)
        rows.append(Repoint(proc.code, None, "owner", draft.code(frm_id), draft.code(to_id)))
    return rows


def refuse_over_connector(identity: IdentityBackend | None) -> None:
    """The planner moves users between the console's departments and their default roles; an
    ERP's users belong to no department the console knows, so over a connector it is refused
    rather than showing an empty plan."""
    if is_connector(identity):
        raise ValidationError(
            f"the org planner works on the console's own departments and users; "
            f"{identity.identity.label} has no departments the console can plan on "
            "(process coverage works over it: `processes coverage`)"
        )


def plan_org_change(
    db: Database,
    request: OrgRequest,
    *,
    on: dt.date | None = None,
    identity: IdentityBackend | None = None,
) -> OrgPlan:
    """Work out what the change would do; nothing is written. Refused over an ERP connector."""
    refuse_over_connector(identity)
    with db.session() as s:
        return plan_in_session(s, request, on or dt.date.today())[1]

"""Process coverage: for each step, the active users who can perform it now, and what is wrong.

A user can perform a step at a date when they hold its permission through a valid grant (see
grants_query), are usable (active, inside validity), belong to the step's responsible department
or one of its sub-departments when one is set, and hold the permission through the step's role
when one is set. Flags per step:

- `no_holder`: nobody can perform it — the process cannot run;
- `single_holder`: exactly one person — no stand-in;
- `excess`: more holders than the `coverage.excess_limit` setting, for a high/critical permission;
- `sod`: someone can perform this step and another one that an SoD rule separates from it.

The data is loaded once into a `World`; `compute()` is a pure function over it, so the org-change
planner can simulate a change on a copy and compare coverage before and after.

Over an ERP (a connector session) the processes, steps, SoD rules and settings still come from the
console's store, but who can perform a step is asked of the identity backend (`who_has` of the
step's permission code, `load_identity_world`). ERPs have no departments the console knows, so a
step's department cannot restrict its holders there: the result says so in `notes`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_console.db.engine import Database
from erp_console.db.models import (
    BusinessProcess,
    Department,
    ErpUser,
    Permission,
    ProcessStep,
    ProcessVersion,
    Role,
    RolePermission,
    Setting,
    SodException,
)
from erp_console.errors import NotFound
from erp_console.services.access.grants_query import holders_stmt, user_is_usable
from erp_console.services.access.identity import IdentityBackend
from erp_console.services.access.sod_core import Rule, load_rules

EXCESS_LIMIT_KEY = "coverage.excess_limit"
DEFAULT_EXCESS_LIMIT = 15
EXCESS_RISKS = ("high", "critical")
FLAGS = ("no_holder", "single_holder", "excess", "sod")


@dataclass(frozen=True)
class StepDef:
    id: int
    process: str
    seq: int
    name: str
    permission_id: int
    permission: str
    risk: str
    department_id: int | None
    department: str | None
    role_id: int | None
    role: str | None


@dataclass
class World:
    """Everything coverage needs, loaded once; mutable so a planner can simulate on a copy."""

    on: dt.date
    excess_limit: int
    processes: dict[str, tuple[str, int, list[StepDef]]]  # code -> (name, version number, steps)
    parent_of: dict[int, int | None]
    dept_codes: dict[int, str]
    logins: dict[int, str]
    dept_of: dict[int, int | None]
    # user_id -> permission_id -> role ids granting it (only the permissions steps/rules need)
    holdings: dict[int, dict[int, set[int]]]
    role_perms: dict[int, set[int]]
    role_codes: dict[int, str]
    rules: list[Rule]
    accepted: set[tuple[int, int]] = field(default_factory=set)

    def clone(self, users: Iterable[int] = ()) -> World:
        """A copy to simulate on: containers are copied, holdings deeply only for `users`
        (the only users whose roles the simulation may change)."""
        holdings = dict(self.holdings)
        for user_id in users:
            if user_id in holdings:
                holdings[user_id] = {p: set(r) for p, r in holdings[user_id].items()}
        return dataclasses.replace(
            self,
            processes=dict(self.processes),
            parent_of=dict(self.parent_of),
            dept_codes=dict(self.dept_codes),
            logins=dict(self.logins),
            dept_of=dict(self.dept_of),
            holdings=holdings,
        )

    def subtree(self, dept_id: int) -> set[int]:
        children: dict[int | None, list[int]] = defaultdict(list)
        for child, parent in self.parent_of.items():
            children[parent].append(child)
        found, todo = set(), [dept_id]
        while todo:
            current = todo.pop()
            if current not in found:
                found.add(current)
                todo.extend(children.get(current, ()))
        return found

    def grant_role(self, user_id: int, role_id: int) -> None:
        perms = self.holdings.setdefault(user_id, {})
        for perm_id in self.role_perms.get(role_id, ()):
            perms.setdefault(perm_id, set()).add(role_id)

    def revoke_role(self, user_id: int, role_id: int) -> None:
        perms = self.holdings.get(user_id, {})
        for perm_id in list(perms):
            perms[perm_id].discard(role_id)
            if not perms[perm_id]:
                del perms[perm_id]


@dataclass(frozen=True)
class StepCoverage:
    step_id: int
    seq: int
    name: str
    permission: str
    risk: str
    department: str | None
    role: str | None
    holders: tuple[str, ...]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class ProcessConflict:
    """One user who can perform two steps of a process that an SoD rule separates."""

    login: str
    rule: str
    severity: str
    step_a: int
    step_b: int
    accepted: bool


@dataclass(frozen=True)
class ProcessCoverage:
    code: str
    name: str
    version: int
    steps: tuple[StepCoverage, ...]
    conflicts: tuple[ProcessConflict, ...]
    excess_limit: int
    notes: tuple[str, ...] = ()  # what could not be taken into account (e.g. departments in an ERP)

    def count(self, flag: str) -> int:
        return sum(1 for s in self.steps if flag in s.flags)

    @property
    def flagged(self) -> bool:
        return any(s.flags for s in self.steps)

    def badge(self) -> str:
        return badge_text(*(self.count(flag) for flag in FLAGS))


def badge_text(no_holder: int, single_holder: int, excess: int, sod: int) -> str:
    """Short text such as 'gap 1 · single 2 · SoD 3', or 'ok'."""
    parts = (("gap", no_holder), ("single", single_holder), ("excess", excess), ("SoD", sod))
    return " · ".join(f"{label} {n}" for label, n in parts if n) or "ok"


# --- loading -----------------------------------------------------------------------------


def excess_limit(session: Session) -> int:
    value = session.scalar(select(Setting.value).where(Setting.key == EXCESS_LIMIT_KEY))
    try:
        return int(value) if value is not None else DEFAULT_EXCESS_LIMIT
    except ValueError:
        return DEFAULT_EXCESS_LIMIT


def current_versions(session: Session, on: dt.date) -> dict[int, tuple[int, int]]:
    """process_id -> (version id, number) in force at `on` (the first version if none is yet)."""
    rows = session.execute(
        select(
            ProcessVersion.process_id,
            ProcessVersion.id,
            ProcessVersion.number,
            ProcessVersion.effective_from,
        ).order_by(ProcessVersion.process_id, ProcessVersion.number)
    ).all()
    found: dict[int, tuple[int, int]] = {}
    for process_id, version_id, number, effective in rows:
        if process_id not in found or effective <= on:
            found[process_id] = (version_id, number)
    return found


def load_steps(
    session: Session, on: dt.date, processes: Iterable[str] | None = None
) -> dict[str, tuple[str, int, list[StepDef]]]:
    """The steps of the current version of active processes (or of the named ones, any status)."""
    stmt = select(BusinessProcess.id, BusinessProcess.code, BusinessProcess.name)
    if processes is None:
        stmt = stmt.where(BusinessProcess.status == "active")
    else:
        codes = list(processes)
        stmt = stmt.where(BusinessProcess.code.in_(codes))
    procs = {pid: (code, name) for pid, code, name in session.execute(stmt)}
    if processes is not None:
        missing = sorted(set(codes) - {code for code, _ in procs.values()})
        if missing:
            raise NotFound(f"no process '{missing[0]}'")
    versions = current_versions(session, on)
    by_version = {versions[pid][0]: pid for pid in procs if pid in versions}
    result: dict[str, tuple[str, int, list[StepDef]]] = {
        code: (name, versions[pid][1] if pid in versions else 0, [])
        for pid, (code, name) in procs.items()
    }
    if not by_version:
        return result
    rows = session.execute(
        select(
            ProcessStep.id,
            ProcessStep.version_id,
            ProcessStep.seq,
            ProcessStep.name,
            ProcessStep.permission_id,
            Permission.code,
            Permission.risk,
            ProcessStep.department_id,
            Department.code,
            ProcessStep.role_id,
            Role.code,
        )
        .join(Permission, Permission.id == ProcessStep.permission_id)
        .outerjoin(Department, Department.id == ProcessStep.department_id)
        .outerjoin(Role, Role.id == ProcessStep.role_id)
        .where(ProcessStep.version_id.in_(list(by_version)))
        .order_by(ProcessStep.version_id, ProcessStep.seq)
    ).all()
    for sid, vid, seq, name, perm_id, perm, risk, dept_id, dept, role_id, role in rows:
        code = procs[by_version[vid]][0]
        result[code][2].append(
            StepDef(sid, code, seq, name, perm_id, perm, risk, dept_id, dept, role_id, role)
        )
    return result


def load_world(
    session: Session,
    on: dt.date,
    processes: Iterable[str] | None = None,
    *,
    extra_users: Iterable[int] = (),
    rule_holdings: bool = True,
) -> World:
    """Steps, departments, SoD rules and the holdings of the permissions they mention.

    `extra_users` are loaded even when they hold none of those permissions yet (a planner's
    affected users, who may gain some). Without `rule_holdings`, only the step permissions'
    holders are loaded: enough for `compute`, which looks at rules between steps only, while the
    planner also checks conflicts over permissions no step needs.
    """
    steps = load_steps(session, on, processes)
    rules = load_rules(session)
    perm_ids = {s.permission_id for _n, _v, defs in steps.values() for s in defs}
    if rule_holdings:
        perm_ids |= {r.permission_a_id for r in rules} | {r.permission_b_id for r in rules}
    depts = session.execute(select(Department.id, Department.parent_id, Department.code)).all()
    holdings: dict[int, dict[int, set[int]]] = defaultdict(dict)
    logins: dict[int, str] = {}
    dept_of: dict[int, int | None] = {}
    if perm_ids:
        stmt = holders_stmt(perm_ids, on).add_columns(ErpUser.login, ErpUser.department_id)
        for perm_id, user_id, role_id, login, dept_id in session.execute(stmt):
            holdings[user_id].setdefault(perm_id, set()).add(role_id)
            logins[user_id] = login
            dept_of[user_id] = dept_id
    extra = [u for u in extra_users if u not in logins]
    if extra:
        for user_id, login, dept_id in session.execute(
            select(ErpUser.id, ErpUser.login, ErpUser.department_id).where(
                ErpUser.id.in_(extra), user_is_usable(on)
            )
        ):
            logins[user_id] = login
            dept_of[user_id] = dept_id
    role_perms: dict[int, set[int]] = defaultdict(set)
    if perm_ids:
        for role_id, perm_id in session.execute(
            select(RolePermission.role_id, RolePermission.permission_id).where(
                RolePermission.permission_id.in_(list(perm_ids))
            )
        ):
            role_perms[role_id].add(perm_id)
    accepted = {
        (u, r)
        for u, r, valid_to in session.execute(
            select(SodException.user_id, SodException.rule_id, SodException.valid_to)
        )
        if valid_to is None or valid_to >= on
    }
    return World(
        on=on,
        excess_limit=excess_limit(session),
        processes=steps,
        parent_of={d: p for d, p, _c in depts},
        dept_codes={d: c for d, _p, c in depts},
        logins=logins,
        dept_of=dept_of,
        holdings=dict(holdings),
        role_perms=dict(role_perms),
        role_codes=dict(session.execute(select(Role.id, Role.code)).all()),
        rules=rules,
        accepted=accepted,
    )


def is_connector(identity: IdentityBackend | None) -> bool:
    return identity is not None and identity.identity.kind != "native"


def load_identity_world(
    session: Session,
    identity: IdentityBackend,
    on: dt.date,
    processes: Iterable[str] | None = None,
) -> tuple[World, dict[str, tuple[str, ...]]]:
    """The world of an ERP: steps and rules from the store, holders from `identity.who_has`.

    Users and the ERP's roles get ids of this world only (logins and role codes are the keys the
    ERP has); a store role whose code is an ERP role code keeps its id, so a step naming it still
    restricts. Departments are dropped from the steps (see the module docstring); the second value
    is the notes per process saying which step departments were not applied.
    """
    steps = load_steps(session, on, processes)
    product = identity.identity.label
    notes: dict[str, tuple[str, ...]] = {}
    for code, (name, number, defs) in steps.items():
        ignored = [s for s in defs if s.department_id is not None]
        if ignored:
            listed = ", ".join(f"{s.seq} ({s.department})" for s in ignored)
            notes[code] = (
                f"{product} has no departments: the department of step(s) {listed} is not "
                "applied; every holder of the permission is counted",
            )
        steps[code] = (
            name,
            number,
            [dataclasses.replace(s, department_id=None) for s in defs],
        )
    role_ids = {c: i for i, c in session.execute(select(Role.id, Role.code))}
    user_ids: dict[str, int] = {}
    holdings: dict[int, dict[int, set[int]]] = defaultdict(dict)
    permission_codes = {s.permission_id: s.permission for _n, _v, d in steps.values() for s in d}
    unknown = set()
    for perm_id, code in sorted(permission_codes.items()):
        try:
            holders = identity.who_has(code, on=on)
        except NotFound:  # a code the ERP does not know: nobody can perform the step there
            unknown.add(perm_id)
            continue
        for holder in holders:
            user_id = user_ids.setdefault(holder.login, len(user_ids) + 1)
            roles = holdings[user_id].setdefault(perm_id, set())
            for role in holder.roles:
                roles.add(role_ids.setdefault(role, -len(role_ids) - 1))
    for code, (_name, _number, defs) in steps.items():
        missing = [s for s in defs if s.permission_id in unknown]
        if missing:
            listed = ", ".join(f"{s.seq} ({s.permission})" for s in missing)
            notes[code] = (
                *notes.get(code, ()),
                f"{product} has no permission of step(s) {listed}: nobody can perform them",
            )
    world = World(
        on=on,
        excess_limit=excess_limit(session),
        processes=steps,
        parent_of={},
        dept_codes={},
        logins={i: login for login, i in user_ids.items()},
        dept_of={},
        holdings=dict(holdings),
        role_perms={},
        role_codes={i: c for c, i in role_ids.items()},
        rules=load_rules(session),
    )
    return world, notes


# --- computing ---------------------------------------------------------------------------


def holders_by_permission(world: World) -> dict[int, dict[int, set[int]]]:
    """permission_id -> user_id -> role ids, the index `step_holders` reads."""
    index: dict[int, dict[int, set[int]]] = defaultdict(dict)
    for user_id, perms in world.holdings.items():
        for perm_id, roles in perms.items():
            if roles:
                index[perm_id][user_id] = roles
    return index


def step_holders(
    world: World,
    step: StepDef,
    index: dict[int, dict[int, set[int]]],
    subtrees: dict[int, set[int]],
) -> set[int]:
    allowed = None
    if step.department_id is not None:
        if step.department_id not in subtrees:
            subtrees[step.department_id] = world.subtree(step.department_id)
        allowed = subtrees[step.department_id]
    return {
        user_id
        for user_id, roles in index.get(step.permission_id, {}).items()
        if (step.role_id is None or step.role_id in roles)
        and (allowed is None or world.dept_of.get(user_id) in allowed)
    }


def separated_steps(
    steps: list[StepDef], rules: Iterable[Rule]
) -> Iterator[tuple[Rule, StepDef, StepDef]]:
    """(rule, a, b) for each pair of distinct steps whose permissions an SoD rule separates."""
    for rule in rules:
        for a in steps:
            if a.permission_id != rule.permission_a_id:
                continue
            for b in steps:
                if b.permission_id == rule.permission_b_id and a.id != b.id:
                    yield rule, a, b


def step_flags(step: StepDef, holders: int, excess_limit: int, sod: bool) -> tuple[str, ...]:
    """The flags of a step with `holders` people able to perform it (see the module docstring)."""
    flags = []
    if holders == 0:
        flags.append("no_holder")
    elif holders == 1:
        flags.append("single_holder")
    if holders > excess_limit and step.risk in EXCESS_RISKS:
        flags.append("excess")
    if sod:
        flags.append("sod")
    return tuple(flags)


def compute(world: World) -> list[ProcessCoverage]:
    subtrees: dict[int, set[int]] = {}
    index = holders_by_permission(world)
    result = []
    for code in sorted(world.processes):
        name, number, steps = world.processes[code]
        holders = {s.id: step_holders(world, s, index, subtrees) for s in steps}
        conflicts = []
        sod_steps: set[int] = set()
        for rule, a, b in separated_steps(steps, world.rules):
            for user_id in sorted(holders[a.id] & holders[b.id]):
                first, second = sorted((a.seq, b.seq))
                conflicts.append(
                    ProcessConflict(
                        world.logins[user_id],
                        rule.name,
                        rule.severity,
                        first,
                        second,
                        (user_id, rule.id) in world.accepted,
                    )
                )
                sod_steps |= {a.id, b.id}
        covered = []
        for s in steps:
            flags = step_flags(s, len(holders[s.id]), world.excess_limit, s.id in sod_steps)
            covered.append(
                StepCoverage(
                    s.id,
                    s.seq,
                    s.name,
                    s.permission,
                    s.risk,
                    s.department,
                    s.role,
                    tuple(sorted((world.logins[u] for u in holders[s.id]), key=str.lower)),
                    flags,
                )
            )
        conflicts.sort(key=lambda c: (c.step_a, c.step_b, c.login.lower(), c.rule))
        result.append(
            ProcessCoverage(
                code, name, number, tuple(covered), tuple(conflicts), world.excess_limit
            )
        )
    return result


def coverage(
    db: Database,
    process: str | None = None,
    *,
    on: dt.date | None = None,
    flags_only: bool = False,
    identity: IdentityBackend | None = None,
) -> list[ProcessCoverage]:
    """Coverage of one process (any status) or of every active process, at `on` (today).

    `db` is the console's store; with a connector's `identity`, holders are the ERP's users."""
    on = on or dt.date.today()
    names = [process.strip()] if process else None
    notes: dict[str, tuple[str, ...]] = {}
    with db.session() as s:
        if is_connector(identity):
            world, notes = load_identity_world(s, identity, on, names)
        else:
            world = load_world(s, on, names, rule_holdings=False)
    result = [dataclasses.replace(p, notes=notes.get(p.code, ())) for p in compute(world)]
    if flags_only:
        result = [
            ProcessCoverage(
                p.code,
                p.name,
                p.version,
                tuple(st for st in p.steps if st.flags),
                p.conflicts,
                p.excess_limit,
                p.notes,
            )
            for p in result
            if p.flagged
        ]
    return result


def snapshot(cov: ProcessCoverage) -> dict:
    """A JSON-able record of a process's coverage (kept with a review when it is opened)."""
    return {
        "process": cov.code,
        "version": cov.version,
        "excess_limit": cov.excess_limit,
        "steps": [
            {
                "seq": s.seq,
                "name": s.name,
                "permission": s.permission,
                "department": s.department,
                "holders": list(s.holders),
                "flags": list(s.flags),
            }
            for s in cov.steps
        ],
        "conflicts": [
            {
                "login": c.login,
                "rule": c.rule,
                "severity": c.severity,
                "steps": [c.step_a, c.step_b],
                "accepted": c.accepted,
            }
            for c in cov.conflicts
        ],
    }

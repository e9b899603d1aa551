"""Coverage flag counts of each process, aggregated in the database.

The process list needs how many steps carry each flag, not who the holders are. At 100k users the
holders of the step permissions are hundreds of thousands of rows; here the database counts them
(per step: the usable holders through the step's role, inside its department subtree; per pair of
steps an SoD rule separates: whether anyone holds both), so Python reads one row per step.
`coverage.compute` gives the same flags from loaded data, together with the holders' logins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import CTE, Integer, cast, exists, func, null, or_, select, tuple_, union_all
from sqlalchemy.orm import Session

from erp_console.db.models import Department, ErpUser, ProcessStep, RolePermission, UserRole
from erp_console.services.access.grants_query import grant_is_valid, user_is_usable
from erp_console.services.access.identity import IdentityBackend
from erp_console.services.access.sod_core import load_rules
from erp_console.services.processes.coverage import (
    FLAGS,
    StepDef,
    badge_text,
    compute,
    excess_limit,
    load_identity_world,
    load_steps,
    separated_steps,
    step_flags,
)


@dataclass(frozen=True)
class ProcessFlags:
    """How many steps of a process's current version carry each coverage flag."""

    code: str
    name: str
    version: int
    steps: int
    no_holder: int
    single_holder: int
    excess: int
    sod: int

    def badge(self) -> str:
        return badge_text(self.no_holder, self.single_holder, self.excess, self.sod)


def _department_subtrees(roots: list[int], name: str) -> CTE:
    """(root_id, dept_id) for every department under each root, the root included."""
    tree = (
        select(Department.id.label("root_id"), Department.id.label("dept_id"))
        .where(Department.id.in_(roots))
        .cte(name, recursive=True)
    )
    return tree.union(
        select(tree.c.root_id, Department.id).join(
            Department, Department.parent_id == tree.c.dept_id
        )
    )


def _step_holders(steps: list[StepDef], on: dt.date, name: str) -> CTE:
    """(step_id, user_id): who can perform each step at `on`, one row per person."""
    in_department = ProcessStep.department_id.is_(None)
    roots = sorted({st.department_id for st in steps if st.department_id is not None})
    if roots:
        tree = _department_subtrees(roots, f"{name}_dept")
        in_department = or_(
            in_department,
            exists().where(
                tree.c.root_id == ProcessStep.department_id,
                tree.c.dept_id == ErpUser.department_id,
            ),
        )
    return (
        select(ProcessStep.id.label("step_id"), UserRole.user_id.label("user_id"))
        .distinct()
        .join(RolePermission, RolePermission.permission_id == ProcessStep.permission_id)
        .join(UserRole, UserRole.role_id == RolePermission.role_id)
        .join(ErpUser, ErpUser.id == UserRole.user_id)
        .where(
            ProcessStep.id.in_([st.id for st in steps]),
            or_(ProcessStep.role_id.is_(None), ProcessStep.role_id == UserRole.role_id),
            grant_is_valid(on),
            user_is_usable(on),
            in_department,
        )
        .cte(name)
    )


def _counts_and_shared_pairs(
    s: Session, steps: list[StepDef], pairs: set[tuple[int, int]], on: dt.date
) -> tuple[dict[int, int], set[tuple[int, int]]]:
    """Holders per step, and the pairs of steps at least one person can both perform.

    One statement; the pairs are looked up among the holders of paired steps only, which
    MariaDB (it evaluates a CTE once per reference) finds much faster than all holders twice.
    """
    none = cast(null(), Integer)
    holders = _step_holders(steps, on, "step_holder")
    stmt = select(holders.c.step_id, func.count(), none).group_by(holders.c.step_id)
    if pairs:
        paired = _step_holders([st for st in steps if any(st.id in p for p in pairs)], on, "paired")
        first, second = paired.alias("first_step"), paired.alias("second_step")
        shared = (
            select(first.c.step_id, none, second.c.step_id)
            .distinct()
            .join(second, second.c.user_id == first.c.user_id)
            .where(tuple_(first.c.step_id, second.c.step_id).in_(sorted(pairs)))
        )
        stmt = union_all(stmt, shared)
    held: dict[int, int] = {}
    shared_pairs = set()
    for step_id, count, partner in s.execute(stmt):
        if partner is None:
            held[step_id] = count
        else:
            shared_pairs.add((step_id, partner))
    return held, shared_pairs


def process_flags(s: Session, codes: list[str], on: dt.date) -> dict[str, ProcessFlags]:
    """The flag counts of the named processes' versions in force at `on`."""
    processes = load_steps(s, on, codes)
    steps = [step for _name, _number, defs in processes.values() for step in defs]
    counts: dict[int, int] = {}
    sod_steps: set[int] = set()
    if steps:
        rules = load_rules(s)
        pairs = {
            (a.id, b.id)
            for _name, _number, defs in processes.values()
            for _rule, a, b in separated_steps(defs, rules)
        }
        counts, shared = _counts_and_shared_pairs(s, steps, pairs, on)
        sod_steps = {step for pair in shared for step in pair}
    limit = excess_limit(s)
    result = {}
    for code, (name, number, defs) in processes.items():
        flags = [step_flags(st, counts.get(st.id, 0), limit, st.id in sod_steps) for st in defs]
        result[code] = ProcessFlags(
            code,
            name,
            number,
            len(defs),
            *(sum(1 for found in flags if flag in found) for flag in FLAGS),
        )
    return result


def identity_process_flags(
    s: Session, identity: IdentityBackend, codes: list[str], on: dt.date
) -> dict[str, ProcessFlags]:
    """The flag counts over an ERP: its holders come from the identity backend (`who_has` per
    step permission), so they are counted from the computed coverage, not by the store."""
    world, _notes = load_identity_world(s, identity, on, codes)
    return {
        p.code: ProcessFlags(
            p.code, p.name, p.version, len(p.steps), *(p.count(flag) for flag in FLAGS)
        )
        for p in compute(world)
    }

"""Segregation-of-duties evaluation shared by access checks, process coverage and org planning.

Pure functions over already-loaded data: callers load rules once and the permissions each user
holds with their source roles (see grants_query), then ask which rules a holding violates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_console.db.models import Permission, SodRule

SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2, "critical": 3}


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    severity: str
    permission_a_id: int
    permission_a: str
    permission_b_id: int
    permission_b: str
    description: str | None


@dataclass(frozen=True)
class Conflict:
    """One rule violated by one user: both permissions and the roles each comes from."""

    rule: Rule
    user_id: int
    roles_a: tuple[str, ...]
    roles_b: tuple[str, ...]


def load_rules(session: Session) -> list[Rule]:
    perm_a = Permission.__table__.alias("pa")
    perm_b = Permission.__table__.alias("pb")
    stmt = (
        select(
            SodRule.id,
            SodRule.name,
            SodRule.severity,
            SodRule.permission_a_id,
            perm_a.c.code,
            SodRule.permission_b_id,
            perm_b.c.code,
            SodRule.description,
        )
        .join(perm_a, perm_a.c.id == SodRule.permission_a_id)
        .join(perm_b, perm_b.c.id == SodRule.permission_b_id)
        .order_by(SodRule.id)
    )
    return [Rule(*row) for row in session.execute(stmt)]


def conflicts_of(
    user_id: int,
    holdings: Mapping[int, Iterable[str]],
    rules: Iterable[Rule],
) -> list[Conflict]:
    """`holdings` maps permission_id -> role codes granting it to this user."""
    found = []
    for rule in rules:
        roles_a = holdings.get(rule.permission_a_id)
        roles_b = holdings.get(rule.permission_b_id)
        if roles_a and roles_b:
            found.append(Conflict(rule, user_id, tuple(sorted(roles_a)), tuple(sorted(roles_b))))
    found.sort(key=lambda c: (-SEVERITY_ORDER.get(c.rule.severity, 0), c.rule.id))
    return found

"""Accepted SoD overrides for the users of a connected ERP.

A grant that creates a critical SoD conflict needs an override reason. On the native schema the
override is an `sod_exception` row of the user; an ERP's users live in the ERP's database, so the
store keeps the override as an `erp_sod_exception` keyed by the ERP's kind and the user's login.
It is written in the same store transaction as the grant's `.done` audit entry, so it stands only
for a grant the ERP committed, and it ends with the grant's end date when there is one.

Once accepted, the conflict is reported as accepted by `sod check`, and a later grant that
creates the same conflict for the same user needs no new override.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_console.db.engine import Database
from erp_console.db.models import ErpSodException, SodRule, utcnow
from erp_console.services.access.grants import UserConflict


def accepted_pairs(store: Database, erp: str, on: dt.date) -> set[tuple[str, str]]:
    """(login, rule name) of every override of this ERP still valid on `on`."""
    with store.session() as session:
        rows = session.execute(
            select(ErpSodException.login, SodRule.name, ErpSodException.valid_to)
            .join(SodRule, SodRule.id == ErpSodException.rule_id)
            .where(ErpSodException.erp == erp)
        ).all()
    return {(login, rule) for login, rule, valid_to in rows if valid_to is None or valid_to >= on}


def mark_accepted(
    store: Database, erp: str, conflicts: Iterable[UserConflict], on: dt.date | None = None
) -> list[UserConflict]:
    """The conflicts, those with an override valid on `on` (default today) marked accepted."""
    conflicts = list(conflicts)
    if not conflicts:
        return conflicts
    accepted = accepted_pairs(store, erp, on or dt.date.today())
    return [
        dataclasses.replace(c, accepted=True) if (c.login, c.rule) in accepted else c
        for c in conflicts
    ]


def record_overrides(
    session: Session,
    *,
    erp: str,
    conflicts: Iterable[UserConflict],
    reason: str,
    actor: str,
    valid_to: dt.date | None = None,
) -> None:
    """Keep each overridden conflict as accepted (a repeated override replaces the old one)."""
    conflicts = list(conflicts)
    if not conflicts:
        return
    rule_ids = dict(
        session.execute(
            select(SodRule.name, SodRule.id).where(SodRule.name.in_({c.rule for c in conflicts}))
        ).all()
    )
    for conflict in conflicts:
        rule_id = rule_ids[conflict.rule]
        existing = session.scalars(
            select(ErpSodException).where(
                ErpSodException.erp == erp,
                ErpSodException.login == conflict.login,
                ErpSodException.rule_id == rule_id,
            )
        ).first()
        if existing is None:
            session.add(
                ErpSodException(
                    erp=erp,
                    login=conflict.login,
                    rule_id=rule_id,
                    reason=reason,
                    approved_by=actor,
                    created_at=utcnow(),
                    valid_to=valid_to,
                )
            )
        else:
            existing.reason, existing.approved_by, existing.valid_to = reason, actor, valid_to

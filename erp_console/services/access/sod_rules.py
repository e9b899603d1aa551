"""Separation-of-duties rules: two permissions one person should not hold together, with a
severity (a critical conflict needs an override reason at grant time).

Rules live in the console's store and name permissions by code; over an ERP they name the ERP's
codes, which the store's catalogue takes in as the rule is added (services/access/catalogue.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, aliased

from erp_console.db.engine import Database
from erp_console.db.models import ErpSodException, Permission, SodException, SodRule
from erp_console.errors import NotFound, ValidationError
from erp_console.services.access.catalogue import catalogue_ids, erp_codes, take_in
from erp_console.services.access.identity import IdentityBackend
from erp_console.services.core import audit
from erp_console.services.core.validation import check_choice, optional_text, require_text
from erp_console.vocabulary import SEVERITIES


@dataclass(frozen=True)
class SodRuleRow:
    name: str
    permission_a: str
    permission_b: str
    severity: str
    description: str | None
    exceptions: int  # accepted overrides that name it (native users and ERP logins)


def list_rules(db: Database) -> list[SodRuleRow]:
    with db.session() as s:
        return [row for _rule_id, row in _rule_rows(s)]


def _rule_rows(s: Session, name: str | None = None) -> list[tuple[int, SodRuleRow]]:
    """(id, row) of every rule, or of the one named `name`."""
    a, b = aliased(Permission), aliased(Permission)
    native = dict(
        s.execute(select(SodException.rule_id, func.count()).group_by(SodException.rule_id)).all()
    )
    on_erp = dict(
        s.execute(
            select(ErpSodException.rule_id, func.count()).group_by(ErpSodException.rule_id)
        ).all()
    )
    query = (
        select(SodRule.id, SodRule.name, a.code, b.code, SodRule.severity, SodRule.description)
        .join(a, a.id == SodRule.permission_a_id)
        .join(b, b.id == SodRule.permission_b_id)
        .order_by(SodRule.name)
    )
    if name is not None:
        query = query.where(SodRule.name == name)
    return [
        (rule_id, SodRuleRow(name, code_a, code_b, severity, description,
                             native.get(rule_id, 0) + on_erp.get(rule_id, 0)))
        for rule_id, name, code_a, code_b, severity, description in s.execute(query).all()
    ]  # fmt: skip


def add_rule(
    db: Database,
    name: str,
    permission_a: str,
    permission_b: str,
    *,
    severity: str,
    actor: str,
    description: str | None = None,
    reason: str | None = None,
    identity: IdentityBackend | None = None,
) -> SodRuleRow:
    name = require_text(name, "name", max_len=200)
    severity = check_choice(severity, SEVERITIES, "severity")
    description = optional_text(description, "description", max_len=2000)
    codes = [(permission_a or "").strip(), (permission_b or "").strip()]
    if codes[0] and codes[0] == codes[1]:
        raise ValidationError("a rule separates two different permissions", field="permission_b")
    erp = erp_codes(identity)
    with audit.change(
        db, actor=actor, action="sod.rule.add", target_type="sod_rule", target_label=name,
        reason=reason,
    ) as ch:  # fmt: skip
        s = ch.session
        if s.scalar(select(SodRule.id).where(SodRule.name == name)) is not None:
            raise ValidationError(f"a rule named '{name}' exists already", field="name")
        ids = catalogue_ids(s)
        resolved = []
        for field, code in zip(("permission_a", "permission_b"), codes, strict=True):
            found = take_in(s, ids, code, erp)
            if found is None:
                raise ValidationError(f"no permission '{code}'{erp.where()}", field=field)
            resolved.append(found)
        rule = SodRule(
            name=name,
            permission_a_id=resolved[0],
            permission_b_id=resolved[1],
            severity=severity,
            description=description,
        )
        s.add(rule)
        s.flush()
        ch.target_id = rule.id
        ch.after = {"a": codes[0], "b": codes[1], "severity": severity}
    return SodRuleRow(name, codes[0], codes[1], severity, description, 0)


def remove_rule(db: Database, name: str, *, actor: str, reason: str) -> SodRuleRow:
    """Remove a rule; refused while accepted overrides name it (they are its history)."""
    reason = require_text(reason, "reason")
    name = (name or "").strip()
    with audit.change(
        db, actor=actor, action="sod.rule.remove", target_type="sod_rule", target_label=name,
        reason=reason,
    ) as ch:  # fmt: skip
        found = _rule_rows(ch.session, name)
        if not found:
            raise NotFound(f"no SoD rule '{name}'")
        [(rule_id, row)] = found
        if row.exceptions:
            raise ValidationError(
                f"{row.exceptions} accepted override(s) name this rule; they stay as its "
                "history, so the rule stays too",
                field="name",
            )
        ch.target_id = rule_id
        ch.before = {"a": row.permission_a, "b": row.permission_b, "severity": row.severity}
        ch.session.execute(delete(SodRule).where(SodRule.id == rule_id))
    return row

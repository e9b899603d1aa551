"""The store's permission catalogue: the codes SoD rules and process steps name.

On the console's own schema the catalogue is the permission table itself. Over an ERP the codes
are the ERP's own (`account.move:create`, `Payment Entry:submit`): a code the catalogue lacks is
copied into it from the ERP's permission list (module, risk, description) by the write that
first names it, in that write's transaction, so nothing needs seeding before rules and steps are
defined.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_console.db.engine import Database
from erp_console.db.models import Permission
from erp_console.services.access.identity import IdentityBackend
from erp_console.vocabulary import RISKS


@dataclass(frozen=True)
class ErpCode:
    """A permission as the ERP lists it, ready for the store's catalogue."""

    module: str
    risk: str
    description: str | None


@dataclass(frozen=True)
class ErpCodes:
    """The connected ERP's codes, and its name for messages ("Odoo 17.0"); empty on the
    console's own schema."""

    codes: dict[str, ErpCode]
    label: str = ""

    def where(self) -> str:
        return f" in the console's catalogue or in {self.label}" if self.label else ""


NO_ERP = ErpCodes({})


def erp_codes(identity: IdentityBackend | None) -> ErpCodes:
    if identity is None or identity.identity.kind == "native":
        return NO_ERP
    listed = {
        code: ErpCode(module, risk, description)
        for code, module, risk, description in identity.list_permissions()
    }
    return ErpCodes(listed, identity.identity.label)


def namable_codes(db: Database, identity: IdentityBackend | None = None) -> frozenset[str]:
    """Every code a rule or a step can name: the catalogue's and, over an ERP, the ERP's."""
    with db.session() as s:
        stored = set(s.scalars(select(Permission.code)))
    return frozenset(stored | set(erp_codes(identity).codes))


def catalogue_ids(s: Session) -> dict[str, int]:
    return dict(s.execute(select(Permission.code, Permission.id)).all())


def take_in(s: Session, ids: dict[str, int], code: str, erp: ErpCodes) -> int | None:
    """The catalogue id of `code`, added from the ERP's list when only the ERP has it (`ids` is
    updated); None when neither has it."""
    if code in ids:
        return ids[code]
    listed = erp.codes.get(code)
    if listed is None:
        return None
    permission = Permission(
        code=code,
        module=(listed.module or code.split(".")[0])[:16],
        risk=listed.risk if listed.risk in RISKS else "low",
        description=listed.description[:500] if listed.description else None,
    )
    s.add(permission)
    s.flush()
    ids[code] = permission.id
    return permission.id

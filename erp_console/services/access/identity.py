"""The identity interface: what screen 2, the access CLI, SoD, coverage and the org planner ask of
an ERP's users, roles and permissions, whatever the ERP.

One backend per identity model implements it (`backends/`): the console's native schema, Odoo,
ERPNext (Frappe) and Dolibarr. Callers hold an `IdentityBackend` and never look at the tables
behind it.

Terms, in every backend:
- a *role* is what the ERP grants to users: a native role, an Odoo group (code = its XML id,
  e.g. `account.group_account_manager`), an ERPNext Role (its name), a Dolibarr user group
  (its name);
- a *permission* has a stable text code in the ERP's own terms: native `FI.PAYMENT.APPROVE`,
  Odoo `account.move:write` (model access: read|write|create|unlink), ERPNext
  `Payment Entry:submit` (DocPerm right), Dolibarr `facture.paiement` (module.perms[.subperms]);
- a user's `status` is one of active|locked|disabled (a backend maps the ERP's flags onto them and
  says which it can set in `capabilities`).

Reads are live: each call reads the target database as it is now. Writes re-read the row they
change and raise `Conflict` when it changed since the caller's preview (`expected_version` of a
status change; `expected_versions`, login -> stamp, of a grant or revoke: the `versions` its
preview carries), update the ERP's own modified-by/at columns, touch no other column, and
refuse the ERP's special users. A backend whose target is not the console's store records each
write in the store's audit trail as an intent confirmed after the target write
(`services/access/erp_audit.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from erp_console.config import ERP_KINDS
from erp_console.errors import ReadOnlyError, ValidationError
from erp_console.services.access.grants import (
    EffectivePermission,
    Explanation,
    GrantPreview,
    Holder,
    RevokePreview,
    UserConflict,
)
from erp_console.services.access.roles import Comparison, RoleDetail, RoleSummary
from erp_console.services.access.users import UserDetail, UserFilter, UserRow
from erp_console.services.core.paging import Total

ALL_USERS = UserFilter()

__all__ = ["ERP_KINDS", "CAPABILITIES", "ErpIdentity", "IdentityBackend", "IdentityEditing"]

CAPABILITIES = frozenset(
    {
        "add_user",  # create users (native only: ERPs create users in their own UI)
        "edit_user",  # name, e-mail, department, validity
        "lock",  # lock/unlock distinct from disable
        "disable",  # disable/enable
        "grant",  # grant/revoke roles
        "grant_validity",  # a grant can carry valid_from/valid_to
        "edit_roles",  # create/edit roles and their permissions
        "departments",  # users belong to departments the console can filter on
    }
)


@dataclass(frozen=True)
class ErpIdentity:
    """What the header and `--format json` say about the connected identity model."""

    kind: str  # one of ERP_KINDS
    product: str  # "Odoo", "ERPNext", "Dolibarr", "erp-console"
    version: str  # as read from the database, e.g. "17.0", "15.27.1", "19.0.2"

    @property
    def label(self) -> str:
        return f"{self.product} {self.version}".strip()


@runtime_checkable
class IdentityBackend(Protocol):
    identity: ErpIdentity
    read_only: bool
    capabilities: frozenset[str]

    # ---- users -----------------------------------------------------------------------------
    def list_users(
        self, flt: UserFilter = ALL_USERS, *, after: tuple | None = None, limit: int = 100
    ) -> list[UserRow]: ...

    def list_users_before(
        self, flt: UserFilter = ALL_USERS, *, before: tuple | None = None, limit: int = 100
    ) -> list[UserRow]: ...

    def count_users(self, flt: UserFilter = ALL_USERS) -> Total: ...

    def get_user(self, login: str) -> UserDetail: ...

    def departments(self) -> list[tuple[str, str]]: ...

    def dormant_users(
        self, days: int = 90, *, on: dt.date | None = None, limit: int = 10_000
    ) -> list[UserRow]: ...

    def expired_active_users(
        self, *, on: dt.date | None = None, limit: int = 10_000
    ) -> list[UserRow]: ...

    # ---- roles and permissions ---------------------------------------------------------------
    def list_roles(self) -> list[RoleSummary]: ...

    def get_role(self, code: str) -> RoleDetail: ...

    def list_permissions(
        self, module: str | None = None
    ) -> list[tuple[str, str, str, str | None]]: ...  # code, module, risk, description

    def effective_permissions(
        self, login: str, *, on: dt.date | None = None
    ) -> list[EffectivePermission]: ...

    def who_has(self, permission: str, *, on: dt.date | None = None) -> list[Holder]: ...

    def explain(self, login: str, permission: str, *, on: dt.date | None = None) -> Explanation: ...

    def compare_roles(self, a: str, b: str) -> Comparison: ...

    def compare_users(self, a: str, b: str, *, on: dt.date | None = None) -> Comparison: ...

    # ---- separation of duties (rules live in the console's store, codes in the ERP's terms) ----
    def sod_check_user(self, login: str, *, on: dt.date | None = None) -> list[UserConflict]: ...

    def sod_check_all(self, *, on: dt.date | None = None) -> list[UserConflict]: ...

    # ---- writes ------------------------------------------------------------------------------
    def set_status(
        self,
        login: str,
        action: str,  # lock|unlock|disable|enable
        *,
        actor: str,
        reason: str | None,
        expected_version: int | None = None,
    ) -> UserDetail: ...

    def bulk_set_status(
        self, logins: list[str], action: str, *, actor: str, reason: str
    ) -> list[str]: ...

    def preview_grant(
        self, role: str, logins: list[str], *, on: dt.date | None = None
    ) -> GrantPreview: ...

    def grant(
        self,
        role: str,
        logins: list[str],
        *,
        actor: str,
        reason: str,
        valid_from: dt.date | None = None,
        valid_to: dt.date | None = None,
        override_reason: str | None = None,
        expected_versions: Mapping[str, object] | None = None,
    ) -> GrantPreview: ...

    def preview_revoke(
        self, role: str, logins: list[str], *, on: dt.date | None = None
    ) -> RevokePreview: ...

    def revoke(
        self,
        role: str,
        logins: list[str],
        *,
        actor: str,
        reason: str,
        expected_versions: Mapping[str, object] | None = None,
    ) -> RevokePreview: ...


@runtime_checkable
class IdentityEditing(Protocol):
    """What a backend with `add_user`, `edit_user` or `edit_roles` in its capabilities also offers
    (the native schema; ERPs create users and design roles in their own UI)."""

    def add_user(self, *, actor: str, login: str, full_name: str, **fields) -> UserDetail: ...

    def edit_user(
        self, login: str, *, actor: str, expected_version: int | None = None, **fields
    ) -> UserDetail: ...

    def create_role(
        self, *, actor: str, code: str, name: str, description: str | None = None, **fields
    ) -> RoleDetail: ...

    def edit_role(
        self, code: str, *, actor: str, expected_version: int | None = None, **fields
    ) -> RoleDetail: ...

    def change_role_permissions(
        self,
        code: str,
        *,
        actor: str,
        add: list[str],
        remove: list[str],
        reason: str,
        expected_version: int | None = None,
    ) -> RoleDetail: ...


CAPABILITY_WORDS = {
    "add_user": "adding users",
    "edit_user": "editing users",
    "lock": "locking users",
    "disable": "disabling users",
    "grant": "granting and revoking roles",
    "grant_validity": "grants with validity dates",
    "edit_roles": "creating and editing roles",
    "departments": "departments",
}


def require_capability(backend: IdentityBackend, capability: str) -> None:
    """Refuse, naming the ERP, an action its connector does not offer."""
    if capability not in backend.capabilities:
        raise ValidationError(
            f"{backend.identity.label}: {CAPABILITY_WORDS.get(capability, capability)} is not "
            f"supported through this connector; do it in {backend.identity.product} itself"
        )


def require_writable(backend: IdentityBackend) -> None:
    """Refuse a change before anything is written when the identity database is read-only."""
    if not backend.read_only:
        return
    if backend.identity.kind == "native":
        raise ReadOnlyError(
            "this connection is read-only; reconnect without --read-only to change data"
        )
    raise ReadOnlyError(
        f"{backend.identity.label} is open read-only; reconnect with --allow-writes "
        "(or allow_writes = true in the profile) to change its users and roles"
    )

"""The console's own identity schema (erp_user, role, permission, ...) as an IdentityBackend.

A thin adapter: every method is the service function of users.py, grants.py or roles.py on the
one database that is both the target and the store.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, inspect

from erp_console.db.engine import Database
from erp_console.db.schema import HEAD_REVISION, current_revision
from erp_console.services.access import grants, roles, users
from erp_console.services.access.identity import ALL_USERS, CAPABILITIES, ErpIdentity
from erp_console.services.access.users import UserFilter

PRODUCT = "erp-console"


def detect(connection: Connection) -> ErpIdentity | None:
    """The native schema: the console's users table under its own migration history."""
    tables = set(inspect(connection).get_table_names())
    if not {"erp_user", "alembic_version"} <= tables:
        return None
    return ErpIdentity("native", PRODUCT, f"schema {current_revision(connection) or '?'}")


class NativeIdentity:
    """Users, roles and permissions of the console's schema; target and store are one database."""

    identity = ErpIdentity("native", PRODUCT, f"schema {HEAD_REVISION}")
    capabilities = CAPABILITIES

    def __init__(self, target: Database, store: Database | None = None) -> None:
        if store is not None and store is not target:
            raise ValueError("the native schema keeps its store in the target database")
        self.db = target

    @property
    def read_only(self) -> bool:
        return self.db.read_only

    # ---- users -------------------------------------------------------------------------------
    def list_users(self, flt: UserFilter = ALL_USERS, *, after=None, limit: int = 100):
        return users.list_users(self.db, flt, after=after, limit=limit)

    def list_users_before(self, flt: UserFilter = ALL_USERS, *, before=None, limit: int = 100):
        return users.list_users_before(self.db, flt, before=before, limit=limit)

    def count_users(self, flt: UserFilter = ALL_USERS):
        return users.count_users(self.db, flt)

    def get_user(self, login: str):
        return users.get_user(self.db, login)

    def departments(self):
        return users.departments(self.db)

    def dormant_users(self, days: int = 90, *, on: dt.date | None = None, limit: int = 10_000):
        return users.dormant_users(self.db, days, on=on, limit=limit)

    def expired_active_users(self, *, on: dt.date | None = None, limit: int = 10_000):
        return users.expired_active_users(self.db, on=on, limit=limit)

    # ---- roles and permissions -----------------------------------------------------------------
    def list_roles(self):
        return roles.list_roles(self.db)

    def get_role(self, code: str):
        return roles.get_role(self.db, code)

    def list_permissions(self, module: str | None = None):
        return roles.list_permissions(self.db, module)

    def effective_permissions(self, login: str, *, on: dt.date | None = None):
        return grants.effective_permissions(self.db, login, on=on)

    def who_has(self, permission: str, *, on: dt.date | None = None):
        return grants.who_has(self.db, permission, on=on)

    def explain(self, login: str, permission: str, *, on: dt.date | None = None):
        return grants.explain(self.db, login, permission, on=on)

    def compare_roles(self, a: str, b: str):
        return roles.compare_roles(self.db, a, b)

    def compare_users(self, a: str, b: str, *, on: dt.date | None = None):
        return roles.compare_users(self.db, a, b, on=on)

    # ---- separation of duties ----------------------------------------------------------------
    def sod_check_user(self, login: str, *, on: dt.date | None = None):
        return grants.sod_check_user(self.db, login, on=on)

    def sod_check_all(self, *, on: dt.date | None = None):
        return grants.sod_check_all(self.db, on=on)

    # ---- writes ------------------------------------------------------------------------------
    def set_status(self, login, action, *, actor, reason, expected_version=None):
        return users.set_status(
            self.db, login, action, actor=actor, reason=reason, expected_version=expected_version
        )

    def bulk_set_status(self, logins, action, *, actor, reason):
        return users.bulk_set_status(self.db, logins, action, actor=actor, reason=reason)

    def preview_grant(self, role, logins, *, on: dt.date | None = None):
        return grants.preview_grant(self.db, role, logins, on=on)

    def grant(self, role, logins, *, actor, reason, expected_versions=None, **options):
        return grants.grant(
            self.db,
            role,
            logins,
            actor=actor,
            reason=reason,
            expected_versions=expected_versions,
            **options,
        )

    def preview_revoke(self, role, logins, *, on: dt.date | None = None):
        return grants.preview_revoke(self.db, role, logins, on=on)

    def revoke(self, role, logins, *, actor, reason, expected_versions=None):
        return grants.revoke(
            self.db, role, logins, actor=actor, reason=reason, expected_versions=expected_versions
        )

    # ---- editing (IdentityEditing) -----------------------------------------------------------
    def add_user(self, *, actor, login, full_name, **fields):
        return users.add_user(self.db, actor=actor, login=login, full_name=full_name, **fields)

    def edit_user(self, login, *, actor, expected_version=None, **fields):
        return users.edit_user(
            self.db, login, actor=actor, expected_version=expected_version, **fields
        )

    def create_role(self, *, actor, code, name, description=None, **fields):
        return roles.create_role(
            self.db, actor=actor, code=code, name=name, description=description, **fields
        )

    def edit_role(self, code, *, actor, expected_version=None, **fields):
        return roles.edit_role(
            self.db, code, actor=actor, expected_version=expected_version, **fields
        )

    def change_role_permissions(self, code, *, actor, add, remove, reason, expected_version=None):
        return roles.change_role_permissions(
            self.db,
            code,
            actor=actor,
            add=add,
            remove=remove,
            reason=reason,
            expected_version=expected_version,
        )

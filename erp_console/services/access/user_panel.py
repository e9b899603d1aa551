"""Everything the user details pane shows, read in one call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from erp_console.db.engine import Database
from erp_console.db.models import SystemLog
from erp_console.services.access.grants import EffectivePermission, UserConflict
from erp_console.services.access.identity import IdentityBackend
from erp_console.services.access.users import UserDetail
from erp_console.services.core.audit import AuditEntry, list_entries


@dataclass(frozen=True)
class LogLine:
    ts: dt.datetime
    level: str
    source: str | None
    message: str


@dataclass(frozen=True)
class UserPanel:
    user: UserDetail
    permissions: tuple[EffectivePermission, ...]
    conflicts: tuple[UserConflict, ...]
    history: tuple[AuditEntry, ...]
    log_lines: tuple[LogLine, ...]

    def permissions_by_module(self) -> dict[str, list[EffectivePermission]]:
        grouped: dict[str, list[EffectivePermission]] = {}
        for perm in self.permissions:
            grouped.setdefault(perm.module, []).append(perm)
        return grouped


def audit_key(identity: IdentityBackend, user: UserDetail) -> int | str:
    """How the audit trail names a user: the native schema by its id; a connector by the login,
    the one key every ERP has (its own row ids differ between ERPs and databases)."""
    return user.id if identity.identity.kind == "native" else user.login


def load_user_panel(db: Database, login: str, *, log_limit: int = 5) -> UserPanel:
    """The panel of a user of the console's native schema."""
    from erp_console.services.access.backends.native import NativeIdentity

    return identity_panel(NativeIdentity(db), db, login, log_limit=log_limit)


def identity_panel(
    identity: IdentityBackend, store: Database, login: str, *, log_limit: int = 5
) -> UserPanel:
    """The user as the identity backend knows them; their audit history and log lines from the
    console store."""
    user = identity.get_user(login)
    with store.session() as s:
        logs = s.execute(
            select(SystemLog.ts, SystemLog.level, SystemLog.source, SystemLog.message)
            .where(SystemLog.user_login == user.login)
            .order_by(SystemLog.ts.desc(), SystemLog.id.desc())
            .limit(log_limit)
        ).all()
    return UserPanel(
        user,
        tuple(identity.effective_permissions(login)),
        tuple(identity.sod_check_user(login)),
        tuple(
            list_entries(store, target_type="user", target_id=audit_key(identity, user), limit=5)
        ),
        tuple(LogLine(*row) for row in logs),
    )

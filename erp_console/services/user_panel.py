"""Everything the user details pane shows, read in one call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from erp_console.db.engine import Database
from erp_console.db.models import SystemLog
from erp_console.services.access import UserDetail, get_user
from erp_console.services.audit import AuditEntry, list_entries
from erp_console.services.grants import (
    EffectivePermission,
    UserConflict,
    effective_permissions,
    sod_check_user,
)


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


def load_user_panel(db: Database, login: str, *, log_limit: int = 5) -> UserPanel:
    user = get_user(db, login)
    with db.session() as s:
        logs = s.execute(
            select(SystemLog.ts, SystemLog.level, SystemLog.source, SystemLog.message)
            .where(SystemLog.user_login == user.login)
            .order_by(SystemLog.ts.desc(), SystemLog.id.desc())
            .limit(log_limit)
        ).all()
    return UserPanel(
        user,
        tuple(effective_permissions(db, login)),
        tuple(sod_check_user(db, login)),
        tuple(list_entries(db, target_type="user", target_id=user.id, limit=5)),
        tuple(LogLine(*row) for row in logs),
    )

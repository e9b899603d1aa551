"""Figures for the home dashboard: what is in this ERP database, read in a handful of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from erp_console.db.engine import Database
from erp_console.db.models import (
    BusinessProcess,
    ChangeRequest,
    Document,
    ErpUser,
    Incident,
    Permission,
    Role,
    StageHistory,
    SystemLog,
    SystemProfile,
)


@dataclass(frozen=True)
class Overview:
    erp_name: str
    go_live: dt.date | None
    stage: str | None
    stage_started: dt.datetime | None
    users_by_status: dict[str, int]
    roles: int
    permissions: int
    processes: int
    open_incidents: int
    open_incidents_by_severity: dict[str, int]
    open_changes: int
    log_lines: int
    documents: int

    @property
    def users(self) -> int:
        return sum(self.users_by_status.values())

    def days_since_go_live(self, today: dt.date | None = None) -> int | None:
        if self.go_live is None:
            return None
        return ((today or dt.date.today()) - self.go_live).days

    def days_in_stage(self, now: dt.datetime | None = None) -> int | None:
        if self.stage_started is None:
            return None
        return ((now or dt.datetime.utcnow()) - self.stage_started).days


def _count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def load_overview(db: Database) -> Overview:
    with db.session() as session:
        profile = session.scalars(select(SystemProfile).order_by(SystemProfile.id).limit(1)).first()
        stage = session.scalars(
            select(StageHistory)
            .where(StageHistory.ended_at.is_(None))
            .order_by(StageHistory.started_at.desc())
            .limit(1)
        ).first()
        users_by_status = dict(
            session.execute(select(ErpUser.status, func.count()).group_by(ErpUser.status)).all()
        )
        open_by_severity = dict(
            session.execute(
                select(Incident.severity, func.count())
                .where(Incident.status != "resolved")
                .group_by(Incident.severity)
            ).all()
        )
        open_changes = session.execute(
            select(func.count())
            .select_from(ChangeRequest)
            .where(ChangeRequest.status.in_(("proposed", "approved", "in_progress")))
        ).scalar_one()
        return Overview(
            erp_name=profile.erp_name if profile else "ERP (not set up)",
            go_live=profile.go_live_date if profile else None,
            stage=stage.stage if stage else None,
            stage_started=stage.started_at if stage else None,
            users_by_status=users_by_status,
            roles=_count(session, Role),
            permissions=_count(session, Permission),
            processes=session.execute(
                select(func.count())
                .select_from(BusinessProcess)
                .where(BusinessProcess.status == "active")
            ).scalar_one(),
            open_incidents=sum(open_by_severity.values()),
            open_incidents_by_severity=open_by_severity,
            open_changes=open_changes,
            log_lines=_count(session, SystemLog),
            documents=_count(session, Document),
        )


def identity_figures(overview: Overview, identity) -> Overview:
    """The overview with users, roles and permissions counted in an ERP (an IdentityBackend)."""
    from dataclasses import replace

    from erp_console.services.access.users import UserFilter

    return replace(
        overview,
        users_by_status={
            status: identity.count_users(UserFilter(status=status)).count
            for status in ("active", "locked", "disabled")
        },
        roles=len(identity.list_roles()),
        permissions=len(identity.list_permissions()),
    )

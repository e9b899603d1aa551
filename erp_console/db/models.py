"""The native erp-console schema (docs/ARCHITECTURE.md §3-§5), typed SQLAlchemy 2.0 models.

Timestamps are naive UTC datetimes (`utcnow()`); local time is a display concern.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from erp_console.vocabulary import (  # noqa: F401  (re-exported for the services)
    ASSURANCE_CATEGORIES,
    CHANGE_KINDS,
    CHANGE_STATUSES,
    DOCUMENT_KINDS,
    DOCUMENT_STATUSES,
    FINDING_KINDS,
    INCIDENT_CATEGORIES,
    INCIDENT_STATUSES,
    LINK_ENTITY_TYPES,
    LOG_LEVELS,
    REVIEW_OUTCOMES,
    RISKS,
    SEVERITIES,
    STAGES,
    USER_STATUSES,
)

# Microsecond precision on MySQL too, so the audit hash over a timestamp survives a round trip.
UtcDateTime = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
LongText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UtcDateTime, str: String(255)}


# --- Organization -------------------------------------------------------------------------


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    parent: Mapped[Department | None] = relationship(remote_side="Department.id")


class DepartmentRole(Base):
    __tablename__ = "department_role"

    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id"), primary_key=True, index=True)


# --- Access -------------------------------------------------------------------------------


class ErpUser(Base):
    __tablename__ = "erp_user"
    __table_args__ = (Index("ix_erp_user_department_status", "department_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    # lower(login): uniqueness is case-insensitive on every dialect.
    login_key: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    lock_reason: Mapped[str | None] = mapped_column(String(500))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, index=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    department: Mapped[Department | None] = relationship()
    __mapper_args__ = {"version_id_col": version}


class Role(Base):
    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Permission(Base):
    __tablename__ = "permission"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    module: Mapped[str] = mapped_column(String(16), index=True)
    description: Mapped[str | None] = mapped_column(String(500))
    risk: Mapped[str] = mapped_column(String(16), default="low")


class RolePermission(Base):
    __tablename__ = "role_permission"

    role_id: Mapped[int] = mapped_column(ForeignKey("role.id"), primary_key=True)
    permission_id: Mapped[int] = mapped_column(
        ForeignKey("permission.id"), primary_key=True, index=True
    )


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("erp_user.id"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id"), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(500))


class SodRule(Base):
    __tablename__ = "sod_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    permission_a_id: Mapped[int] = mapped_column(ForeignKey("permission.id"), index=True)
    permission_b_id: Mapped[int] = mapped_column(ForeignKey("permission.id"), index=True)
    severity: Mapped[str] = mapped_column(String(16), default="high")
    description: Mapped[str | None] = mapped_column(Text)


class SodException(Base):
    """A reasoned, expiring exception to an SoD rule for one user (an accepted override)."""

    __tablename__ = "sod_exception"
    __table_args__ = (UniqueConstraint("user_id", "rule_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("erp_user.id"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("sod_rule.id"))
    reason: Mapped[str] = mapped_column(String(500))
    approved_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)


class ErpSodException(Base):
    """An accepted override of an SoD rule for one user of a connected ERP (Odoo, ERPNext,
    Dolibarr), kept in the console's store: the ERP's users are not rows of `erp_user`, so the
    user is its login in the ERP named by `erp`."""

    __tablename__ = "erp_sod_exception"
    __table_args__ = (UniqueConstraint("erp", "login", "rule_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    erp: Mapped[str] = mapped_column(String(20))  # ErpIdentity.kind: odoo, erpnext, dolibarr
    login: Mapped[str] = mapped_column(String(255))
    rule_id: Mapped[int] = mapped_column(ForeignKey("sod_rule.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    approved_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)


# --- Lifecycle ----------------------------------------------------------------------------


class SystemProfile(Base):
    __tablename__ = "system_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    erp_name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    go_live_date: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Setting(Base):
    """Editable thresholds and limits (stage criteria, coverage limits, ...), one value per key."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(500))


class StageHistory(Base):
    __tablename__ = "stage_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (
        Index("ix_incident_status_severity", "status", "severity"),
        Index("ix_incident_category_opened", "category", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    module: Mapped[str | None] = mapped_column(String(16), index=True)
    reporter: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    resolved_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ChangeRequest(Base):
    __tablename__ = "change_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    is_new_function: Mapped[bool] = mapped_column(Boolean, default=False)
    module: Mapped[str | None] = mapped_column(String(16))
    origin_incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime | None]
    status_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


# --- Processes ----------------------------------------------------------------------------


class BusinessProcess(Base):
    __tablename__ = "business_process"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ProcessVersion(Base):
    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("business_process.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ProcessStep(Base):
    __tablename__ = "process_step"
    __table_args__ = (UniqueConstraint("version_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    permission_id: Mapped[int] = mapped_column(ForeignKey("permission.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    role_id: Mapped[int | None] = mapped_column(ForeignKey("role.id"))


class ProcessReview(Base):
    __tablename__ = "process_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("business_process.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    coverage_snapshot: Mapped[str | None] = mapped_column(LongText)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ReviewFinding(Base):
    __tablename__ = "review_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("process_review.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("process_step.id"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    change_request_id: Mapped[int | None] = mapped_column(ForeignKey("change_request.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --- Records ------------------------------------------------------------------------------


class MaintenanceLog(Base):
    """The audit trail: append-only, each entry's hash covers the previous entry's hash."""

    __tablename__ = "maintenance_log"
    __table_args__ = (
        Index("ix_maintenance_log_target", "target_type", "target_id"),
        Index("ix_maintenance_log_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    target_label: Mapped[str | None] = mapped_column(String(300))
    before_json: Mapped[str | None] = mapped_column(LongText)
    after_json: Mapped[str | None] = mapped_column(LongText)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LogIngest(Base):
    __tablename__ = "log_ingest"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(16))
    ingested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ingested_by: Mapped[str] = mapped_column(String(64))
    lines_ok: Mapped[int] = mapped_column(Integer, default=0)
    lines_bad: Mapped[int] = mapped_column(Integer, default=0)


class SystemLog(Base):
    __tablename__ = "system_log"
    __table_args__ = (
        Index("ix_system_log_level_ts", "level", "ts"),
        Index("ix_system_log_user_ts", "user_login", "ts"),
        Index("ix_system_log_source_ts", "source", "ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(index=True)
    level: Mapped[str] = mapped_column(String(10))
    source: Mapped[str | None] = mapped_column(String(64))
    user_login: Mapped[str | None] = mapped_column(String(64))
    host: Mapped[str | None] = mapped_column(String(128))
    event: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    ingest_id: Mapped[int | None] = mapped_column(ForeignKey("log_ingest.id"))
    # The entry's first line as the file had it (built-in formats): what maps to no column.
    raw: Mapped[str | None] = mapped_column(Text)


class LogCheckpoint(Base):
    """How far a log file has been read: where to go on when it grows, or after a restart."""

    __tablename__ = "log_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    path_key: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(1000))
    device: Mapped[int] = mapped_column(BigInteger)
    inode: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[int] = mapped_column(BigInteger)
    prefix_sha256: Mapped[str] = mapped_column(String(64))
    last_line_sha256: Mapped[str | None] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ingest_id: Mapped[int | None] = mapped_column(ForeignKey("log_ingest.id"))


class Document(Base):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    tags: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(LongText, default="")
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    audit_entry_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_log.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class DocumentRevision(Base):
    __tablename__ = "document_revision"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))
    tags: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(LongText, default="")
    author: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DocumentLink(Base):
    __tablename__ = "document_link"
    __table_args__ = (
        UniqueConstraint("document_id", "entity_type", "entity_id"),
        Index("ix_document_link_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer)


OWNED_TABLES = frozenset(Base.metadata.tables) | {"alembic_version", "system_log_fts"}

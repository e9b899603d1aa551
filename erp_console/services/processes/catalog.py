"""Business processes: list with coverage badges, show a version's steps, retire.

A process keeps every version; the one in force at a date is the highest-numbered version whose
`effective_from` is not after it. New processes and versions are written by `authoring`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_console.db.engine import Database
from erp_console.db.models import (
    BusinessProcess,
    Department,
    Permission,
    ProcessStep,
    ProcessVersion,
    Role,
)
from erp_console.errors import NotFound, ValidationError
from erp_console.services.access.identity import IdentityBackend
from erp_console.services.core import audit
from erp_console.services.core.validation import require_text
from erp_console.services.core.versions import check_version
from erp_console.services.processes.coverage import current_versions, is_connector
from erp_console.services.processes.coverage_counts import identity_process_flags, process_flags

PROCESS_STATUSES = ("active", "retired")


@dataclass(frozen=True)
class ProcessName:
    code: str
    name: str
    owner: str | None
    status: str


@dataclass(frozen=True)
class ProcessRow:
    code: str
    name: str
    owner: str | None
    status: str
    version: int
    steps: int
    badge: str
    no_holder: int
    single_holder: int
    excess: int
    sod: int


@dataclass(frozen=True)
class StepSpec:
    """A step as an editor gives it: codes, not ids."""

    seq: int
    name: str
    permission: str
    department: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class VersionInfo:
    number: int
    effective_from: dt.date
    note: str | None
    created_by: str
    created_at: dt.datetime
    steps: int
    current: bool


@dataclass(frozen=True)
class ProcessDetail:
    code: str
    name: str
    description: str | None
    owner: str | None
    status: str
    version: int  # the version shown
    effective_from: dt.date | None
    steps: tuple[StepSpec, ...]
    versions: tuple[VersionInfo, ...]
    row_version: int


def process_by_code(s: Session, code: str) -> BusinessProcess:
    proc = s.scalars(
        select(BusinessProcess).where(BusinessProcess.code == (code or "").strip())
    ).first()
    if proc is None:
        raise NotFound(f"no process '{code}'")
    return proc


_PROCESS_NAMES = (
    select(BusinessProcess.code, BusinessProcess.name, Department.code, BusinessProcess.status)
    .outerjoin(Department, Department.id == BusinessProcess.owner_department_id)
    .order_by(BusinessProcess.code)
)


def list_process_names(db: Database, *, include_retired: bool = False) -> list[ProcessName]:
    """The processes without their coverage: one small query at any size of the organisation,
    so the list shows at once and the coverage badges follow (`list_processes`)."""
    with db.session() as s:
        procs = s.execute(_PROCESS_NAMES).all()
    return [ProcessName(*p) for p in procs if include_retired or p[3] == "active"]


def list_processes(
    db: Database,
    *,
    on: dt.date | None = None,
    include_retired: bool = False,
    identity: IdentityBackend | None = None,
) -> list[ProcessRow]:
    """Every process with its current version, step count and coverage flag counts (counted by
    the database: see coverage_counts; over an ERP, from its identity backend)."""
    on = on or dt.date.today()
    with db.session() as s:
        procs = s.execute(_PROCESS_NAMES).all()
        shown = [p for p in procs if include_retired or p[3] == "active"]
        codes = [p[0] for p in shown]
        flags = (
            identity_process_flags(s, identity, codes, on)
            if is_connector(identity)
            else process_flags(s, codes, on)
        )
    return [
        ProcessRow(
            code,
            name,
            owner,
            status,
            flags[code].version,
            flags[code].steps,
            flags[code].badge(),
            flags[code].no_holder,
            flags[code].single_holder,
            flags[code].excess,
            flags[code].sod,
        )
        for code, name, owner, status in shown
    ]


def get_process(
    db: Database, code: str, *, version: int | None = None, on: dt.date | None = None
) -> ProcessDetail:
    """A process with the steps of `version` (default: the version in force at `on`)."""
    on = on or dt.date.today()
    with db.session() as s:
        proc = process_by_code(s, code)
        owner = s.get(Department, proc.owner_department_id) if proc.owner_department_id else None
        current = current_versions(s, on).get(proc.id)
        counts = dict(
            s.execute(
                select(ProcessStep.version_id, func.count())
                .join(ProcessVersion, ProcessVersion.id == ProcessStep.version_id)
                .where(ProcessVersion.process_id == proc.id)
                .group_by(ProcessStep.version_id)
            ).all()
        )
        versions = s.scalars(
            select(ProcessVersion)
            .where(ProcessVersion.process_id == proc.id)
            .order_by(ProcessVersion.number)
        ).all()
        infos = tuple(
            VersionInfo(
                v.number,
                v.effective_from,
                v.note,
                v.created_by,
                v.created_at,
                counts.get(v.id, 0),
                current is not None and v.id == current[0],
            )
            for v in versions
        )
        wanted = version if version is not None else (current[1] if current else None)
        shown = next((v for v in versions if v.number == wanted), None)
        if version is not None and shown is None:
            raise NotFound(f"process {proc.code} has no version {version}")
        steps = _steps(s, shown.id) if shown else ()
        return ProcessDetail(
            proc.code,
            proc.name,
            proc.description,
            owner.code if owner else None,
            proc.status,
            shown.number if shown else 0,
            shown.effective_from if shown else None,
            steps,
            infos,
            proc.version,
        )


def _steps(s: Session, version_id: int) -> tuple[StepSpec, ...]:
    rows = s.execute(
        select(ProcessStep.seq, ProcessStep.name, Permission.code, Department.code, Role.code)
        .join(Permission, Permission.id == ProcessStep.permission_id)
        .outerjoin(Department, Department.id == ProcessStep.department_id)
        .outerjoin(Role, Role.id == ProcessStep.role_id)
        .where(ProcessStep.version_id == version_id)
        .order_by(ProcessStep.seq)
    ).all()
    return tuple(StepSpec(*r) for r in rows)


def retire_process(
    db: Database, code: str, *, actor: str, reason: str, expected_version: int | None = None
) -> ProcessDetail:
    """Mark a process retired: it leaves coverage analysis; its versions and reviews stay."""
    reason = require_text(reason, "reason")
    with audit.change(
        db,
        actor=actor,
        action="process.retire",
        target_type="process",
        target_label=code,
        reason=reason,
    ) as ch:
        proc = process_by_code(ch.session, code)
        check_version(f"process {proc.code}", proc.version, expected_version)
        if proc.status == "retired":
            raise ValidationError(f"process {proc.code} is already retired", field="status")
        ch.before = {"status": proc.status}
        proc.status = "retired"
        ch.session.flush()
        ch.target_id, ch.after = proc.id, {"status": proc.status}
    return get_process(db, code)

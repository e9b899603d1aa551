"""Writing processes: a new process with its first version, or the next version of one.

Each step names a permission (and, when given, an active department and a role). The codes a
step can name are the store's permission catalogue; over an ERP they are also the ERP's own
codes (`account.move:create`, `Payment Entry:submit`): a code the catalogue does not have yet is
taken into it from the ERP's permission list (services/access/catalogue.py), in the transaction
of the version naming it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_console.db.engine import Database
from erp_console.db.models import (
    BusinessProcess,
    Department,
    ProcessStep,
    ProcessVersion,
    Role,
    utcnow,
)
from erp_console.errors import ValidationError
from erp_console.services.access.catalogue import (
    NO_ERP,
    ErpCodes,
    catalogue_ids,
    erp_codes,
    namable_codes,
    take_in,
)
from erp_console.services.access.identity import IdentityBackend
from erp_console.services.core import audit
from erp_console.services.core.validation import optional_text, require_text
from erp_console.services.processes.catalog import ProcessDetail, StepSpec, get_process
from erp_console.services.processes.catalog import process_by_code as find_process

PROCESS_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_.-]{1,31}$")
STEP_NAME_MAX = 200


@dataclass(frozen=True)
class StepChoices:
    """What a step editor offers: the codes a step can name and the active departments."""

    codes: frozenset[str]
    departments: tuple[str, ...]


def step_choices(db: Database, identity: IdentityBackend | None = None) -> StepChoices:
    with db.session() as s:
        departments = tuple(
            s.scalars(
                select(Department.code).where(Department.active.is_(True)).order_by(Department.code)
            )
        )
    return StepChoices(namable_codes(db, identity), departments)


def parse_step(
    text: str,
    row: int,
    codes: frozenset[str] = frozenset(),
    *,
    default_seq: int | None = None,
    bars: bool = False,
) -> StepSpec:
    """A step typed as one line: SEQ:NAME:PERMISSION[:DEPARTMENT[:ROLE]], or its parts between
    '|' (always with `bars`, the form's way; there SEQ may be left out when `default_seq` is
    given).

    An ERP's codes contain ':' themselves (`account.move:create`, `Payment Entry:submit`): in
    the ':' form the longest run of parts that is a known code (`codes`) is the permission.
    """
    if bars or "|" in text:
        parts = [p.strip() for p in text.split("|")]
        if default_seq is not None and not parts[0].isdigit():
            parts.insert(0, str(default_seq))
        shape = "[SEQ |] NAME | PERMISSION [| DEPARTMENT [| ROLE]]"
    else:
        parts = _colon_parts(text, row, codes)
        shape = "SEQ:NAME:PERMISSION[:DEPARTMENT[:ROLE]]"
    if len(parts) not in (3, 4, 5) or not parts[0].isdigit():
        raise ValidationError(f"'{text.strip()}' is not {shape}", row=row, column="step")
    parts += [""] * (5 - len(parts))
    return StepSpec(int(parts[0]), parts[1], parts[2], parts[3] or None, parts[4] or None)


def _colon_parts(text: str, row: int, codes: frozenset[str]) -> list[str]:
    parts = [p.strip() for p in text.split(":")]
    if len(parts) < 3 or not parts[0].isdigit():
        return parts
    rest = parts[2:]
    width = next((n for n in range(len(rest), 0, -1) if ":".join(rest[:n]) in codes), 0)
    if width == 0 and codes and len(rest) > 1:
        # no known code at all: say what it could have been rather than read a part of it
        raise ValidationError(
            f"step {parts[0]}: no permission '{rest[0]}:{rest[1]}' or '{rest[0]}'",
            row=row,
            column="permission",
        )
    width = max(width, 1)
    return parts[:2] + [":".join(rest[:width])] + rest[width:]


def resolve_steps(s: Session, steps: list[StepSpec], erp: ErpCodes = NO_ERP) -> list[dict]:
    """Check every step; the error names the step row (1-based) and the column. Codes of the ERP
    missing from the catalogue are added to it (in `s`'s transaction)."""
    if not steps:
        raise ValidationError("a version needs at least one step", field="steps")
    perms = catalogue_ids(s)
    depts = dict(
        s.execute(select(Department.code, Department.id).where(Department.active.is_(True))).all()
    )
    roles = dict(s.execute(select(Role.code, Role.id)).all())
    seen: set[int] = set()
    resolved = []
    for row, step in enumerate(steps, start=1):
        if step.seq < 1:
            raise ValidationError("seq must be a positive number", row=row, column="seq")
        if step.seq in seen:
            raise ValidationError(f"seq {step.seq} is used twice", row=row, column="seq")
        seen.add(step.seq)
        name = (step.name or "").strip()
        if not name:
            raise ValidationError(f"step {step.seq}: name is required", row=row, column="name")
        if len(name) > STEP_NAME_MAX:
            raise ValidationError(
                f"step {step.seq}: name is longer than {STEP_NAME_MAX} characters",
                row=row,
                column="name",
            )
        perm = (step.permission or "").strip()
        if take_in(s, perms, perm, erp) is None:
            raise ValidationError(
                f"step {step.seq}: no permission '{perm}'{erp.where()}",
                row=row,
                column="permission",
            )
        dept = (step.department or "").strip() or None
        if dept is not None and dept not in depts:
            raise ValidationError(
                f"step {step.seq}: no active department '{dept}'", row=row, column="department"
            )
        role = (step.role or "").strip() or None
        if role is not None and role not in roles:
            raise ValidationError(f"step {step.seq}: no role '{role}'", row=row, column="role")
        resolved.append(
            {
                "seq": step.seq,
                "name": name,
                "permission_id": perms[perm],
                "department_id": depts[dept] if dept else None,
                "role_id": roles[role] if role else None,
                "spec": StepSpec(step.seq, name, perm, dept, role),
            }
        )
    return sorted(resolved, key=lambda r: r["seq"])


def _add_version(
    s: Session,
    proc: BusinessProcess,
    resolved: list[dict],
    *,
    number: int,
    effective_from: dt.date,
    note: str | None,
    actor: str,
) -> None:
    version = ProcessVersion(
        process_id=proc.id,
        number=number,
        effective_from=effective_from,
        note=note,
        created_by=actor,
        created_at=utcnow(),
    )
    s.add(version)
    s.flush()
    for r in resolved:
        s.add(
            ProcessStep(
                version_id=version.id,
                seq=r["seq"],
                name=r["name"],
                permission_id=r["permission_id"],
                department_id=r["department_id"],
                role_id=r["role_id"],
            )
        )


def _steps_record(resolved: list[dict]) -> list[list]:
    return [
        [r["spec"].seq, r["spec"].name, r["spec"].permission, r["spec"].department]
        for r in resolved
    ]


def create_process(
    db: Database,
    code: str,
    name: str,
    steps: list[StepSpec],
    *,
    actor: str,
    effective_from: dt.date,
    owner: str | None = None,
    description: str | None = None,
    note: str | None = None,
    reason: str | None = None,
    identity: IdentityBackend | None = None,
) -> ProcessDetail:
    """A new process with its first version, in force from `effective_from`."""
    code = (code or "").strip().upper()
    if not PROCESS_CODE_RE.match(code):
        raise ValidationError(
            "must be 2-32 capital letters, digits or '_' '.' '-' starting with a letter",
            field="code",
        )
    name = require_text(name, "name", max_len=200)
    description = optional_text(description, "description", max_len=2000)
    note = optional_text(note, "note", max_len=2000)
    owner = (owner or "").strip() or None
    erp = erp_codes(identity)
    with audit.change(
        db,
        actor=actor,
        action="process.create",
        target_type="process",
        target_label=code,
        reason=reason,
    ) as ch:
        s = ch.session
        if s.scalar(select(BusinessProcess.id).where(BusinessProcess.code == code)) is not None:
            raise ValidationError(f"process '{code}' exists already", field="code")
        owner_id = None
        if owner is not None:
            owner_id = s.scalar(
                select(Department.id).where(Department.code == owner, Department.active.is_(True))
            )
            if owner_id is None:
                raise ValidationError(f"no active department '{owner}'", field="owner")
        resolved = resolve_steps(s, steps, erp)
        proc = BusinessProcess(
            code=code, name=name, description=description, owner_department_id=owner_id
        )
        s.add(proc)
        s.flush()
        _add_version(
            s, proc, resolved, number=1, effective_from=effective_from, note=note, actor=actor
        )
        ch.target_id = proc.id
        ch.after = {
            "code": code,
            "name": name,
            "owner": owner,
            "version": 1,
            "effective_from": effective_from,
            "steps": _steps_record(resolved),
        }
    return get_process(db, code, version=1)


def create_version(
    db: Database,
    code: str,
    steps: list[StepSpec],
    *,
    actor: str,
    effective_from: dt.date,
    note: str | None = None,
    reason: str | None = None,
    identity: IdentityBackend | None = None,
) -> ProcessDetail:
    """Add the next version with these steps, in force from `effective_from`."""
    note = optional_text(note, "note", max_len=2000)
    erp = erp_codes(identity)
    with audit.change(
        db,
        actor=actor,
        action="process.version",
        target_type="process",
        target_label=code,
        reason=reason,
    ) as ch:
        s = ch.session
        proc = find_process(s, code)
        if proc.status != "active":
            raise ValidationError(f"process {proc.code} is {proc.status}", field="process")
        resolved = resolve_steps(s, steps, erp)
        last = s.execute(
            select(ProcessVersion.number, ProcessVersion.effective_from)
            .where(ProcessVersion.process_id == proc.id)
            .order_by(ProcessVersion.number.desc())
            .limit(1)
        ).first()
        if last is not None and effective_from < last.effective_from:
            raise ValidationError(
                f"must not be before version {last.number}'s {last.effective_from}",
                field="effective_from",
            )
        number = (last.number if last else 0) + 1
        _add_version(
            s, proc, resolved, number=number, effective_from=effective_from, note=note, actor=actor
        )
        ch.target_id = proc.id
        ch.after = {
            "version": number,
            "effective_from": effective_from,
            "note": note,
            "steps": _steps_record(resolved),
        }
    return get_process(db, code, version=number)

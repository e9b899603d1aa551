"""What can be imported: users, departments, role grants, incidents, documents.

A kind names its columns (with the aliases HR and other systems use), parses one row into typed
values, knows its natural key, reads the existing rows by that key, and turns values into the
columns of its table. Values are compared in the file's terms (department code, not id), so a
dry run can say exactly what would change.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_console.db.models import (
    DOCUMENT_KINDS,
    DOCUMENT_STATUSES,
    INCIDENT_CATEGORIES,
    INCIDENT_STATUSES,
    SEVERITIES,
    USER_STATUSES,
    Department,
    Document,
    ErpUser,
    Incident,
    Role,
    UserRole,
)
from erp_console.services.data import import_values as v


@dataclass(frozen=True)
class Col:
    name: str
    parse: Callable[[Any, Context], Any]
    aliases: tuple[str, ...] = ()
    key: bool = False
    required_new: bool = False
    default: Callable[[Context], Any] | None = None
    accepts_bool: bool = False
    # Names used only when the file has no column under the name or an alias (Kostenstelle is the
    # department only when there is no Abteilung).
    fallback: tuple[str, ...] = ()
    # A part of another column (first and last name make the full name), not a table column.
    part_of: str | None = None


@dataclass
class Context:
    """What parsing needs besides the cell: the date format, the operator, reference lookups."""

    date_format: str | None
    actor: str
    now: dt.datetime
    refs: dict[str, dict[str, int]]
    create_departments: bool = False
    new_departments: dict[str, int] = field(default_factory=dict)


def _text(max_len: int, *, multiline: bool = False):
    return lambda raw, _ctx: v.text_value(raw, max_len=max_len, multiline=multiline)


def _date(raw, ctx: Context):
    return v.date_value(raw, ctx.date_format)


def _datetime(raw, ctx: Context):
    return v.datetime_value(raw, ctx.date_format)


def _choice(choices: tuple[str, ...]):
    return lambda raw, _ctx: v.choice_value(raw, choices) if v._text(raw) else None


def _ref(kind: str, label: str, *, lower: bool = False):
    def parse(raw, ctx: Context):
        text = v._text(raw)
        if not text:
            return None
        if (text.lower() if lower else text) not in ctx.refs[kind]:
            raise ValueError(f"no {label} '{text}' in the database")
        return text

    return parse


def _department(raw, ctx: Context):
    """A department code; an unknown one is created when the import was asked to."""
    text = v._text(raw)
    if not text or text in ctx.refs["department"]:
        return text or None
    if not ctx.create_departments:
        raise ValueError(f"no department '{text}' in the database")
    code = v.text_value(text, max_len=32)
    ctx.new_departments.setdefault(code, len(ctx.new_departments))
    return code


class Kind:
    name: str
    model: Any
    columns: tuple[Col, ...]
    # Columns the product keeps itself and writes into its own exports: an import drops them
    # without asking (they are listed as ignored).
    system_columns: tuple[str, ...] = ("id", "version", "created_at", "updated_at")

    def refs(self, session: Session) -> dict[str, dict[str, int]]:
        return {}

    def key(self, values: dict[str, Any]) -> tuple:
        # Logins are unique without regard to case (login_key).
        return tuple(
            [str(values[n]).lower() if n == "login" else values[n] for n in self.key_names]
        )

    @functools.cached_property
    def key_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.key)

    def check(self, values: dict[str, Any], present: set[str], ctx: Context) -> list[tuple]:
        """Cross-column problems: [(column, message)]."""
        return []

    def compose(self, values: dict[str, Any], present: set[str]) -> None:
        """Turn part columns (first and last name) into the column they are part of."""
        parts: dict[str, list[str]] = {}
        for col in self.columns:
            if col.part_of is None or col.name not in present:
                continue
            present.discard(col.name)
            text = values.pop(col.name, None)
            parts.setdefault(col.part_of, [])
            if text:
                parts[col.part_of].append(text)
        for name, texts in parts.items():
            if name in present:
                continue  # the file has the whole value too; it wins
            present.add(name)
            values[name] = " ".join(texts) or None

    def existing(self, session: Session, ctx: Context) -> dict[tuple, dict[str, Any]]:
        raise NotImplementedError

    def to_row(self, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
        raise NotImplementedError

    def label(self, key: tuple) -> str:
        return " / ".join(str(k) for k in key)


def _period_problem(values: dict[str, Any]) -> list[tuple]:
    start, end = values.get("valid_from"), values.get("valid_to")
    if start and end and end < start:
        return [("valid_to", f"{end} is before valid_from {start}")]
    return []


class Users(Kind):
    name = "users"
    model = ErpUser
    system_columns = (
        *Kind.system_columns,
        "login_key",
        "department_id",
        "last_login_at",
        "roles",
        "permissions",
    )
    columns = (
        Col(
            "login",
            lambda raw, _c: v.login_value(raw),
            (
                "user",
                "username",
                "user_name",
                "login_name",
                "userid",
                "account",
                "account_name",
                "samaccountname",
                "benutzer",
                "benutzername",
                "identifiant",
            ),
            key=True,
            fallback=(
                "personalnummer",
                "personal_nr",
                "pers_nr",
                "employee_id",
                "employee_number",
                "employee_no",
                "staff_id",
                "matricule",
            ),
        ),
        Col(
            "full_name",
            _text(200, multiline=True),
            (
                "name",
                "fullname",
                "display_name",
                "displayname",
                "employee",
                "employee_name",
                "vollstandiger_name",
                "nom_complet",
            ),
            required_new=True,
        ),
        Col(
            "first_name",
            _text(100),
            ("firstname", "given_name", "forename", "vorname", "prenom"),
            part_of="full_name",
        ),
        Col(
            "last_name",
            _text(100),
            (
                "lastname",
                "surname",
                "family_name",
                "nachname",
                "familienname",
                "nom",
                "nom_de_famille",
            ),
            part_of="full_name",
        ),
        Col(
            "email",
            lambda raw, _c: v.email_value(raw),
            ("mail", "e_mail", "email_address", "emailaddress", "e_mail_adresse", "courriel"),
        ),
        Col(
            "department",
            _department,
            ("dept", "department_code", "dept_code", "org_unit", "orgunit", "abteilung", "service"),
            fallback=("kostenstelle", "cost_center", "cost_centre", "centre_de_cout"),
        ),
        Col(
            "status",
            _choice(USER_STATUSES),
            ("state", "account_status"),
            default=lambda _c: "active",
        ),
        Col("lock_reason", _text(500, multiline=True), ("locked_because",)),
        Col(
            "valid_from",
            _date,
            (
                "from",
                "start",
                "start_date",
                "hire_date",
                "entry_date",
                "valid_since",
                "eintritt",
                "eintrittsdatum",
                "date_d_entree",
                "date_entree",
                "date_d_embauche",
            ),
        ),
        Col(
            "valid_to",
            _date,
            (
                "to",
                "end",
                "end_date",
                "until",
                "exit_date",
                "leave_date",
                "valid_until",
                "austritt",
                "austrittsdatum",
                "date_de_sortie",
                "date_sortie",
            ),
        ),
    )

    def refs(self, session):
        return {"department": dict(session.execute(select(Department.code, Department.id)).all())}

    def check(self, values, present, ctx):
        return _period_problem(values)

    def existing(self, session, ctx):
        codes = {i: c for c, i in ctx.refs["department"].items()}
        found = {}
        for u in session.execute(select(ErpUser)).scalars():
            found[(u.login_key,)] = {
                "_id": u.id,
                "login": u.login,
                "full_name": u.full_name,
                "email": u.email,
                "department": codes.get(u.department_id),
                "status": u.status,
                "lock_reason": u.lock_reason,
                "valid_from": u.valid_from,
                "valid_to": u.valid_to,
            }
        return found

    def to_row(self, values, ctx):
        row = {k: val for k, val in values.items() if k != "department"}
        if "login" in values:
            row["login_key"] = values["login"].lower()
        if "department" in values:
            row["department_id"] = ctx.refs["department"].get(values["department"])
        return row

    def insert_defaults(self, ctx):
        return {"created_at": ctx.now, "version": 1}


class Departments(Kind):
    name = "departments"
    model = Department
    columns = (
        Col(
            "code",
            lambda raw, _c: v.text_value(raw, max_len=32, required=True),
            ("department", "dept", "department_code", "dept_code"),
            key=True,
        ),
        Col(
            "name",
            _text(200),
            ("department_name", "dept_name", "title", "bezeichnung"),
            required_new=True,
        ),
        Col("parent", _text(32), ("parent_code", "parent_department", "parent_dept")),
        Col(
            "active",
            lambda raw, _c: v.bool_value(raw),
            ("is_active", "enabled"),
            default=lambda _c: True,
            accepts_bool=True,
        ),
    )

    def refs(self, session):
        return {"department": dict(session.execute(select(Department.code, Department.id)).all())}

    def check(self, values, present, ctx):
        parent = values.get("parent")
        if parent and parent == values.get("code"):
            return [("parent", "a department cannot be its own parent")]
        if parent and parent not in ctx.refs["department"] and parent not in ctx.refs["new"]:
            return [("parent", f"no department '{parent}' in the database or in the file")]
        return []

    def existing(self, session, ctx):
        codes = {i: c for c, i in ctx.refs["department"].items()}
        return {
            (d.code,): {
                "_id": d.id,
                "code": d.code,
                "name": d.name,
                "parent": codes.get(d.parent_id),
                "active": d.active,
            }
            for d in session.execute(select(Department)).scalars()
        }

    def to_row(self, values, ctx):
        # parent_id is set after the inserts, when every code has an id.
        return {k: val for k, val in values.items() if k != "parent"}

    def insert_defaults(self, ctx):
        return {"version": 1}


class Grants(Kind):
    name = "grants"
    model = UserRole
    system_columns = (*Kind.system_columns, "user_id", "role_id", "granted_at")
    columns = (
        Col("login", _ref("user", "user", lower=True), ("user", "username", "user_name"), key=True),
        Col("role", _ref("role", "role"), ("role_code", "rolle"), key=True),
        Col("valid_from", _date, ("from", "start", "start_date")),
        Col("valid_to", _date, ("to", "end", "end_date", "until", "expires")),
        Col(
            "reason",
            _text(500, multiline=True),
            ("comment", "justification", "ticket"),
            required_new=True,
        ),
        Col(
            "granted_by",
            _text(64),
            ("approved_by", "granted_by_login"),
            default=lambda c: c.actor,
        ),
    )

    def refs(self, session):
        return {
            "user": dict(session.execute(select(ErpUser.login_key, ErpUser.id)).all()),
            "role": dict(session.execute(select(Role.code, Role.id)).all()),
        }

    def key(self, values):
        return (str(values["login"]).lower(), values["role"])

    def check(self, values, present, ctx):
        return _period_problem(values)

    def existing(self, session, ctx):
        logins = {i: k for k, i in ctx.refs["user"].items()}
        roles = {i: c for c, i in ctx.refs["role"].items()}
        return {
            (logins[g.user_id], roles[g.role_id]): {
                "_id": g.id,
                "login": logins[g.user_id],
                "role": roles[g.role_id],
                "valid_from": g.valid_from,
                "valid_to": g.valid_to,
                "reason": g.reason,
                "granted_by": g.granted_by,
            }
            for g in session.execute(select(UserRole)).scalars()
        }

    def to_row(self, values, ctx):
        row = {k: val for k, val in values.items() if k not in ("login", "role")}
        if "login" in values:
            row["user_id"] = ctx.refs["user"][values["login"].lower()]
        if "role" in values:
            row["role_id"] = ctx.refs["role"][values["role"]]
        return row

    def insert_defaults(self, ctx):
        return {"granted_at": ctx.now}


class Incidents(Kind):
    name = "incidents"
    model = Incident
    columns = (
        Col(
            "title",
            lambda raw, _c: v.text_value(raw, max_len=300, required=True),
            ("subject", "summary"),
            key=True,
        ),
        Col(
            "opened_at",
            _datetime,
            ("opened", "created", "created_at", "date", "reported_at"),
            key=True,
            required_new=True,
        ),
        Col("category", _choice(INCIDENT_CATEGORIES), ("type", "kind"), required_new=True),
        Col("severity", _choice(SEVERITIES), ("priority", "prio"), required_new=True),
        Col("module", _text(16), ("erp_module", "component")),
        Col("reporter", _text(64), ("reported_by", "author"), default=lambda c: c.actor),
        Col("status", _choice(INCIDENT_STATUSES), ("state",), default=lambda _c: "open"),
        Col("resolved_at", _datetime, ("resolved", "closed_at")),
        Col("resolution", _text(100_000, multiline=True), ("solution",)),
        Col("description", _text(100_000, multiline=True), ("details", "text", "body")),
    )

    def check(self, values, present, ctx):
        resolved = values.get("resolved_at")
        opened = values.get("opened_at")
        if resolved and opened and resolved < opened:
            return [("resolved_at", f"{resolved} is before opened_at {opened}")]
        return []

    def existing(self, session, ctx):
        return {
            (i.title, i.opened_at): {
                "_id": i.id,
                **{c.name: getattr(i, c.name) for c in self.columns},
            }
            for i in session.execute(select(Incident)).scalars()
        }

    def to_row(self, values, ctx):
        return dict(values)

    def insert_defaults(self, ctx):
        return {"version": 1}


class Documents(Kind):
    name = "documents"
    model = Document
    columns = (
        Col(
            "kind",
            lambda raw, _c: v.choice_value(raw, DOCUMENT_KINDS),
            ("type", "doc_kind"),
            key=True,
        ),
        Col(
            "title",
            lambda raw, _c: v.text_value(raw, max_len=300, required=True),
            ("name", "subject"),
            key=True,
        ),
        Col("status", _choice(DOCUMENT_STATUSES), ("state",), default=lambda _c: "draft"),
        Col("tags", _text(500), ("keywords", "labels")),
        Col("body", _text(10_000_000, multiline=True), ("text", "content", "markdown")),
        Col("author", _text(64), ("owner", "written_by"), default=lambda c: c.actor),
    )

    def existing(self, session, ctx):
        return {
            (d.kind, d.title): {
                "_id": d.id,
                "_version": d.version,
                **{c.name: getattr(d, c.name) for c in self.columns},
            }
            for d in session.execute(select(Document)).scalars()
        }

    def to_row(self, values, ctx):
        row = dict(values)
        if "tags" in row:
            row["tags"] = row["tags"] or ""
        if "body" in row:
            row["body"] = row["body"] or ""
        return row

    def insert_defaults(self, ctx):
        return {"created_at": ctx.now, "updated_at": ctx.now, "version": 1, "tags": "", "body": ""}


KINDS: dict[str, Kind] = {
    k.name: k for k in (Users(), Departments(), Grants(), Incidents(), Documents())
}


def max_revision(session: Session, document_ids: list[int]) -> dict[int, int]:
    from erp_console.db.models import DocumentRevision

    return dict(
        session.execute(
            select(DocumentRevision.document_id, func.max(DocumentRevision.number))
            .where(DocumentRevision.document_id.in_(document_ids))
            .group_by(DocumentRevision.document_id)
        ).all()
    )

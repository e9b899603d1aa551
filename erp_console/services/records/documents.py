"""Documents: create, edit (each edit a new revision with author and summary), list, links.

Titles are unique per kind, compared case-insensitively, so a title names one document (and an
imported file finds the document it came from). Maintenance records are exempt: maintenance
actions append them and they are told apart by date. Edits carry the version the editor saw; a
stale version is a `Conflict`, never a lost update.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, delete, func, literal, or_, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from erp_console.db.engine import Database
from erp_console.db.models import (
    DOCUMENT_KINDS,
    DOCUMENT_STATUSES,
    LINK_ENTITY_TYPES,
    BusinessProcess,
    ChangeRequest,
    Document,
    DocumentLink,
    DocumentRevision,
    Incident,
    MaintenanceLog,
    utcnow,
)
from erp_console.db.text_fold import Folded, fold
from erp_console.errors import Conflict, NotFound, ValidationError
from erp_console.services.core import audit
from erp_console.services.core.audit import AuditEntry
from erp_console.services.core.paging import SortColumn, Total, count_rows, page_after, page_before
from erp_console.services.core.validation import (
    check_choice,
    check_control,
    optional_text,
    require_text,
)
from erp_console.services.core.versions import check_version as check_row_version
from erp_console.services.core.versions import lost_race
from erp_console.services.records.document_store import insert_document

TAG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
UNIQUE_TITLE_EXEMPT = ("maintenance_record",)
MAX_BODY = 1_000_000
SORT = (SortColumn(Document.updated_at, descending=True), SortColumn(Document.id, descending=True))
ENTITY_MODELS = {"process": BusinessProcess, "incident": Incident, "change_request": ChangeRequest}


@dataclass(frozen=True)
class DocumentRow:
    id: int
    kind: str
    title: str
    status: str
    tags: tuple[str, ...]
    author: str
    updated_at: dt.datetime
    version: int

    @property
    def sort_key(self) -> tuple[dt.datetime, int]:
        return (self.updated_at, self.id)


@dataclass(frozen=True)
class Link:
    entity_type: str
    entity_id: int
    label: str

    @property
    def ref(self) -> str:
        return f"{self.entity_type}:{self.entity_id}"


@dataclass(frozen=True)
class DocumentDetail:
    id: int
    kind: str
    title: str
    status: str
    tags: tuple[str, ...]
    body: str
    author: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    links: tuple[Link, ...]
    revisions: int
    audit_entry: AuditEntry | None


@dataclass(frozen=True)
class Revision:
    number: int
    title: str
    status: str
    tags: tuple[str, ...]
    body: str
    author: str
    summary: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class DocumentFilter:
    kind: str | None = None
    status: str | None = None
    tag: str | None = None
    text: str | None = None


# --- checks ---------------------------------------------------------------------------------


def parse_tags(tags: str | Iterable[str] | None) -> tuple[str, ...]:
    """Comma- or space-separated (or a list) → lower-case unique tags in the given order."""
    if tags is None:
        return ()
    items = re.split(r"[,\s]+", tags) if isinstance(tags, str) else list(tags)
    result: list[str] = []
    for item in items:
        tag = str(item).strip().lower()
        if not tag:
            continue
        if not TAG_RE.match(tag):
            raise ValidationError(
                f"'{tag}' is not a tag (1-40 letters, digits, '.', '_' or '-')", field="tags"
            )
        if tag not in result:
            result.append(tag)
    if len(",".join(result)) > 500:
        raise ValidationError("are longer than 500 characters together", field="tags")
    return tuple(result)


def _split_tags(text: str) -> tuple[str, ...]:
    return tuple(t for t in (text or "").split(",") if t)


def check_title(title: str | None) -> str:
    return require_text(title, "title", max_len=300)


def check_body(body: str | None) -> str:
    body = body or ""
    if len(body) > MAX_BODY:
        raise ValidationError(f"is longer than {MAX_BODY:,} characters", field="body")
    return check_control(body, "body")


def _check_unique_title(session: Session, kind: str, title: str, doc_id: int | None) -> None:
    if kind in UNIQUE_TITLE_EXEMPT:
        return
    stmt = select(Document.id).where(
        Document.kind == kind, func.lower(Document.title) == title.lower()
    )
    if doc_id is not None:
        stmt = stmt.where(Document.id != doc_id)
    other = session.scalar(stmt.limit(1))
    if other is not None:
        raise ValidationError(
            f"a {kind} document titled '{title}' exists already (#{other}); titles are unique per kind",
            field="title",
        )


def parse_link(ref: str) -> tuple[str, int]:
    """`incident:12` → ("incident", 12)."""
    entity_type, _, raw_id = (ref or "").strip().partition(":")
    if entity_type not in LINK_ENTITY_TYPES or not raw_id.strip().isdigit():
        raise ValidationError(
            f"'{ref}' is not a link; use TYPE:ID with TYPE one of {', '.join(LINK_ENTITY_TYPES)}",
            field="link",
        )
    return entity_type, int(raw_id)


def entity_label(session: Session, entity_type: str, entity_id: int) -> str:
    model = ENTITY_MODELS.get(entity_type)
    if model is None:
        raise ValidationError(
            f"'{entity_type}' is not one of {', '.join(LINK_ENTITY_TYPES)}", field="link"
        )
    row = session.get(model, entity_id)
    if row is None:
        raise ValidationError(f"no {entity_type} #{entity_id}", field="link")
    if isinstance(row, BusinessProcess):
        return f"{row.code} {row.name}"
    return row.title


# --- reading --------------------------------------------------------------------------------


def _row(d) -> DocumentRow:
    return DocumentRow(
        d.id, d.kind, d.title, d.status, _split_tags(d.tags), d.author, d.updated_at, d.version
    )


ROW_COLUMNS = (
    Document.id,
    Document.kind,
    Document.title,
    Document.status,
    Document.tags,
    Document.author,
    Document.updated_at,
    Document.version,
)


def _query(flt: DocumentFilter) -> Select:
    stmt = select(*ROW_COLUMNS)
    if flt.kind:
        stmt = stmt.where(Document.kind == check_choice(flt.kind, DOCUMENT_KINDS, "kind"))
    if flt.status:
        stmt = stmt.where(Document.status == check_choice(flt.status, DOCUMENT_STATUSES, "status"))
    if flt.tag and flt.tag.strip():
        tag = flt.tag.strip().lower()
        stmt = stmt.where(
            (literal(",") + Document.tags + literal(",")).contains(f",{tag},", autoescape=True)
        )
    for term in (flt.text or "").split():
        needle = fold(term)
        stmt = stmt.where(
            or_(
                Folded(Document.title).contains(needle, autoescape=True),
                Folded(Document.body).contains(needle, autoescape=True),
            )
        )
    return stmt


def list_documents(
    db: Database, flt: DocumentFilter = DocumentFilter(), *, after=None, limit: int = 100
) -> list[DocumentRow]:
    """Most recently updated first; the page after the sort key `after`."""
    with db.session() as s:
        return [_row(r) for r in page_after(s, _query(flt), SORT, after, limit)]


def list_documents_before(
    db: Database, flt: DocumentFilter = DocumentFilter(), *, before=None, limit: int = 100
) -> list[DocumentRow]:
    with db.session() as s:
        return [_row(r) for r in page_before(s, _query(flt), SORT, before, limit)]


def count_documents(db: Database, flt: DocumentFilter = DocumentFilter()) -> Total:
    with db.session() as s:
        return count_rows(s, _query(flt))


def _get(session: Session, doc_id: int) -> Document:
    doc = session.get(Document, doc_id)
    if doc is None:
        raise NotFound(f"no document #{doc_id} (it may have been deleted)")
    return doc


def _links(session: Session, doc_id: int) -> tuple[Link, ...]:
    rows = session.execute(
        select(DocumentLink.entity_type, DocumentLink.entity_id)
        .where(DocumentLink.document_id == doc_id)
        .order_by(DocumentLink.entity_type, DocumentLink.entity_id)
    ).all()
    links = []
    for entity_type, entity_id in rows:
        try:
            label = entity_label(session, entity_type, entity_id)
        except ValidationError:
            label = "(missing)"
        links.append(Link(entity_type, entity_id, label))
    return tuple(links)


def _detail(session: Session, doc: Document) -> DocumentDetail:
    revisions = session.scalar(select(func.count()).where(DocumentRevision.document_id == doc.id))
    entry = None
    if doc.audit_entry_id is not None:
        row = session.get(MaintenanceLog, doc.audit_entry_id)
        entry = audit._entry(row) if row is not None else None
    return DocumentDetail(
        doc.id,
        doc.kind,
        doc.title,
        doc.status,
        _split_tags(doc.tags),
        doc.body,
        doc.author,
        doc.created_at,
        doc.updated_at,
        doc.version,
        _links(session, doc.id),
        revisions or 0,
        entry,
    )


def get_document(db: Database, doc_id: int) -> DocumentDetail:
    with db.session() as s:
        return _detail(s, _get(s, doc_id))


def find_by_title(db: Database, kind: str, title: str) -> DocumentDetail | None:
    with db.session() as s:
        doc = s.scalars(
            select(Document)
            .where(Document.kind == kind, func.lower(Document.title) == title.strip().lower())
            .order_by(Document.id)
        ).first()
        return _detail(s, doc) if doc is not None else None


def check_new_document(db: Database, *, kind: str, title: str, tags: str = "") -> None:
    """What a new document's kind, title and tags are checked against before its body is
    written: every problem at once (a ValidationError per field, `problems` holding them all)."""
    problems: list[ValidationError] = []
    for check in (
        lambda: check_choice(kind, DOCUMENT_KINDS, "kind"),
        lambda: check_title(title),
        lambda: parse_tags(tags),
    ):
        try:
            check()
        except ValidationError as exc:
            problems.append(exc)
    if not any(p.field == "title" for p in problems) and kind in DOCUMENT_KINDS:
        with db.session() as s:
            try:
                _check_unique_title(s, kind, title.strip(), None)
            except ValidationError as exc:
                problems.append(exc)
    if problems:
        first = problems[0]
        raise ValidationError(first.message, field=first.field, problems=[str(p) for p in problems])


def revisions(db: Database, doc_id: int) -> list[Revision]:
    """Every revision of a document, newest first."""
    with db.session() as s:
        _get(s, doc_id)
        rows = s.scalars(
            select(DocumentRevision)
            .where(DocumentRevision.document_id == doc_id)
            .order_by(DocumentRevision.number.desc())
        ).all()
    return [_revision(r) for r in rows]


def _revision(r: DocumentRevision) -> Revision:
    return Revision(
        r.number, r.title, r.status, _split_tags(r.tags), r.body, r.author, r.summary, r.created_at
    )


def get_revision(db: Database, doc_id: int, number: int) -> Revision:
    with db.session() as s:
        _get(s, doc_id)
        row = s.scalars(
            select(DocumentRevision).where(
                DocumentRevision.document_id == doc_id, DocumentRevision.number == number
            )
        ).first()
    if row is None:
        raise NotFound(f"document #{doc_id} has no revision {number}")
    return _revision(row)


def linked_documents(db: Database, entity_type: str, entity_id: int) -> list[DocumentRow]:
    check_choice(entity_type, LINK_ENTITY_TYPES, "entity_type")
    with db.session() as s:
        rows = s.execute(
            select(*ROW_COLUMNS)
            .join(DocumentLink, DocumentLink.document_id == Document.id)
            .where(DocumentLink.entity_type == entity_type, DocumentLink.entity_id == entity_id)
            .order_by(Document.kind, Document.title)
        ).all()
    return [_row(r) for r in rows]


@dataclass(frozen=True)
class MaintenanceRecord:
    document: DocumentRow
    audit_entry: AuditEntry | None


def maintenance_records(db: Database, *, after=None, limit: int = 100) -> list[MaintenanceRecord]:
    """Maintenance record documents, newest first, each with the audit entry it belongs to."""
    flt = DocumentFilter(kind="maintenance_record")
    with db.session() as s:
        rows = page_after(
            s,
            _query(flt).add_columns(Document.audit_entry_id),
            SORT,
            after,
            limit,
        )
        ids = [r.audit_entry_id for r in rows if r.audit_entry_id is not None]
        entries = (
            {
                e.id: audit._entry(e)
                for e in s.scalars(select(MaintenanceLog).where(MaintenanceLog.id.in_(ids)))
            }
            if ids
            else {}
        )
    return [MaintenanceRecord(_row(r), entries.get(r.audit_entry_id)) for r in rows]


# --- writing --------------------------------------------------------------------------------


def snapshot(doc: Document) -> dict:
    return {
        "kind": doc.kind,
        "title": doc.title,
        "status": doc.status,
        "tags": doc.tags,
        "body_chars": len(doc.body or ""),
        "version": doc.version,
    }


def new_document(
    session: Session,
    *,
    actor: str,
    kind: str,
    title: str,
    body: str = "",
    tags: str | Iterable[str] | None = (),
    status: str = "draft",
    links: Iterable[str | tuple[str, int]] = (),
    summary: str | None = None,
) -> Document:
    """Insert a document and its revision 1 in the caller's transaction (no audit entry)."""
    check_choice(kind, DOCUMENT_KINDS, "kind")
    check_choice(status, DOCUMENT_STATUSES, "status")
    title = check_title(title)
    body = check_body(body)
    tag_text = ",".join(parse_tags(tags))
    link_pairs = [parse_link(x) if isinstance(x, str) else x for x in links]
    for entity_type, entity_id in link_pairs:
        entity_label(session, entity_type, entity_id)
    _check_unique_title(session, kind, title, None)
    return insert_document(
        session,
        kind=kind,
        title=title,
        status=status,
        tags=tag_text,
        body=body,
        author=actor,
        summary=optional_text(summary, "summary") or "Created",
        links=link_pairs,
    )


def create_document(db: Database, *, actor: str, **fields) -> DocumentDetail:
    with audit.change(db, actor=actor, action="document.create", target_type="document") as ch:
        doc = new_document(ch.session, actor=actor, **fields)
        ch.target_id, ch.target_label, ch.after = doc.id, doc.title, snapshot(doc)
        detail = _detail(ch.session, doc)
    return detail


def revise(
    session: Session,
    doc: Document,
    *,
    actor: str,
    title: str | None = None,
    body: str | None = None,
    tags: str | Iterable[str] | None = None,
    status: str | None = None,
    summary: str | None = None,
) -> bool:
    """Apply changed fields as a new revision in the caller's transaction; False if nothing changed."""
    new_title = check_title(title) if title is not None else doc.title
    new_body = check_body(body) if body is not None else doc.body
    new_tags = ",".join(parse_tags(tags)) if tags is not None else doc.tags
    new_status = check_choice(status, DOCUMENT_STATUSES, "status") if status else doc.status
    if (new_title, new_body, new_tags, new_status) == (doc.title, doc.body, doc.tags, doc.status):
        return False
    if new_title.lower() != doc.title.lower():
        _check_unique_title(session, doc.kind, new_title, doc.id)
    number = (
        session.scalar(
            select(func.max(DocumentRevision.number)).where(DocumentRevision.document_id == doc.id)
        )
        or 0
    ) + 1
    now = utcnow()
    doc.title, doc.body, doc.tags, doc.status = new_title, new_body, new_tags, new_status
    doc.updated_at = now
    session.add(
        DocumentRevision(
            document_id=doc.id,
            number=number,
            title=new_title,
            status=new_status,
            tags=new_tags,
            body=new_body,
            author=actor,
            summary=optional_text(summary, "summary") or _default_summary(number),
            created_at=now,
        )
    )
    try:
        session.flush()
    except (StaleDataError, InvalidRequestError) as exc:
        if not lost_race(exc):
            raise
        raise _conflict(doc.id) from None
    return True


def _default_summary(number: int) -> str:
    return f"Revision {number}"


def _conflict(doc_id: int) -> Conflict:
    return Conflict(
        f"document #{doc_id} was changed by someone else; reload it and apply your edit again"
    )


def check_version(doc: Document, expected_version: int | None) -> None:
    check_row_version(f"document #{doc.id}", doc.version, expected_version)


def edit_document(
    db: Database,
    doc_id: int,
    *,
    actor: str,
    expected_version: int | None,
    title: str | None = None,
    body: str | None = None,
    tags: str | Iterable[str] | None = None,
    status: str | None = None,
    summary: str | None = None,
) -> DocumentDetail:
    """A new revision with author and summary. Refuses a stale version and an edit changing nothing."""
    with audit.change(
        db, actor=actor, action="document.edit", target_type="document", target_id=doc_id
    ) as ch:
        doc = _get(ch.session, doc_id)
        check_version(doc, expected_version)
        before = snapshot(doc)
        changed = revise(
            ch.session,
            doc,
            actor=actor,
            title=title,
            body=body,
            tags=tags,
            status=status,
            summary=summary,
        )
        if not changed:
            raise ValidationError("nothing changed; the document is as it was", field="body")
        ch.target_label, ch.before, ch.after = doc.title, before, snapshot(doc)
        ch.reason = optional_text(summary, "summary")
        detail = _detail(ch.session, doc)
    return detail


def delete_document(
    db: Database, doc_id: int, *, actor: str, expected_version: int | None, reason: str
) -> None:
    """Remove a document with its revisions and links; the audit entry keeps what it was."""
    reason = require_text(reason, "reason")
    with audit.change(
        db,
        actor=actor,
        action="document.delete",
        target_type="document",
        target_id=doc_id,
        reason=reason,
    ) as ch:
        doc = _get(ch.session, doc_id)
        check_version(doc, expected_version)
        ch.target_label, ch.before = doc.title, snapshot(doc) | {"body": doc.body}
        ch.session.execute(delete(DocumentLink).where(DocumentLink.document_id == doc_id))
        ch.session.execute(delete(DocumentRevision).where(DocumentRevision.document_id == doc_id))
        ch.session.delete(doc)


def link_document(
    db: Database, doc_id: int, ref: str | tuple[str, int], *, actor: str
) -> DocumentDetail:
    entity_type, entity_id = parse_link(ref) if isinstance(ref, str) else ref
    with audit.change(
        db, actor=actor, action="document.link", target_type="document", target_id=doc_id
    ) as ch:
        doc = _get(ch.session, doc_id)
        label = entity_label(ch.session, entity_type, entity_id)
        exists = ch.session.scalar(
            select(DocumentLink.id).where(
                DocumentLink.document_id == doc_id,
                DocumentLink.entity_type == entity_type,
                DocumentLink.entity_id == entity_id,
            )
        )
        if exists:
            raise ValidationError(
                f"document #{doc_id} is already linked to {entity_type} #{entity_id}", field="link"
            )
        ch.session.add(
            DocumentLink(document_id=doc_id, entity_type=entity_type, entity_id=entity_id)
        )
        ch.target_label = doc.title
        ch.after = {"link": f"{entity_type}:{entity_id}", "label": label}
        ch.session.flush()
        detail = _detail(ch.session, doc)
    return detail


def unlink_document(
    db: Database, doc_id: int, ref: str | tuple[str, int], *, actor: str
) -> DocumentDetail:
    entity_type, entity_id = parse_link(ref) if isinstance(ref, str) else ref
    with audit.change(
        db, actor=actor, action="document.unlink", target_type="document", target_id=doc_id
    ) as ch:
        doc = _get(ch.session, doc_id)
        removed = ch.session.execute(
            delete(DocumentLink).where(
                DocumentLink.document_id == doc_id,
                DocumentLink.entity_type == entity_type,
                DocumentLink.entity_id == entity_id,
            )
        ).rowcount
        if not removed:
            raise ValidationError(
                f"document #{doc_id} is not linked to {entity_type} #{entity_id}", field="link"
            )
        ch.target_label, ch.before = doc.title, {"link": f"{entity_type}:{entity_id}"}
        detail = _detail(ch.session, doc)
    return detail


def diff_revisions(db: Database, doc_id: int, old: int, new: int) -> str:
    """A unified diff of two revisions' bodies, preceded by changed title, status and tags."""
    a, b = get_revision(db, doc_id, old), get_revision(db, doc_id, new)
    lines = [
        f"{name}: {before} → {after}"
        for name, before, after in (
            ("title", a.title, b.title),
            ("status", a.status, b.status),
            ("tags", ",".join(a.tags) or "-", ",".join(b.tags) or "-"),
        )
        if before != after
    ]
    body = difflib.unified_diff(
        a.body.splitlines(),
        b.body.splitlines(),
        fromfile=f"revision {old} ({a.author}, {a.created_at:%Y-%m-%d %H:%M})",
        tofile=f"revision {new} ({b.author}, {b.created_at:%Y-%m-%d %H:%M})",
        lineterm="",
    )
    text = "\n".join(lines + list(body))
    return text or "(no differences)"

"""Documents as Markdown files with front matter, and back (a lossless round trip).

    ---
    kind: technical_support
    title: "Payment run F110 stops"
    status: published
    tags: ["helpdesk", "fi"]
    links: ["incident:12"]
    id: 7
    version: 3
    author: "mkeller"
    updated: "2024-05-01T10:00:00"
    ---
    <the body, byte for byte>

Import matches a file to a document by kind and title (titles are unique per kind), a
maintenance record by kind, title and creation time; a matched document whose content differs gets
a new revision (its links are set to those of the file), an unmatched file creates a document.
Every file is checked first; then all are written in one transaction or none is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select

from erp_console.db.engine import Database
from erp_console.db.models import DOCUMENT_KINDS, DOCUMENT_STATUSES, Document, DocumentLink
from erp_console.errors import ValidationError
from erp_console.services.core import audit
from erp_console.services.records.documents import (
    UNIQUE_TITLE_EXEMPT,
    DocumentFilter,
    _detail,
    check_body,
    check_title,
    entity_label,
    list_documents,
    new_document,
    parse_link,
    parse_tags,
    revise,
    snapshot,
)

FENCE = "---"
KEYS = ("kind", "title", "status", "tags", "links", "id", "version", "author", "created", "updated")


def slug(title: str) -> str:
    text = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()
    return text[:60] or "document"


def to_markdown(detail) -> str:
    meta = {
        "kind": detail.kind,
        "title": detail.title,
        "status": detail.status,
        "tags": list(detail.tags),
        "links": [link.ref for link in detail.links],
        "id": detail.id,
        "version": detail.version,
        "author": detail.author,
        "created": detail.created_at.isoformat(),
        "updated": detail.updated_at.isoformat(),
    }
    head = "\n".join(
        f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items()
    )
    return f"{FENCE}\n{head}\n{FENCE}\n{detail.body}"


def export_documents(
    db: Database, directory: str | Path, *, flt: DocumentFilter | None = None, ids=()
) -> list[Path]:
    """Write one `<id>-<slug>.md` per document; returns the paths written."""
    from erp_console.services.records.documents import get_document

    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    wanted = list(ids)
    if not wanted:
        after = None
        while True:
            page = list_documents(db, flt or DocumentFilter(), after=after, limit=500)
            wanted += [row.id for row in page]
            if len(page) < 500:
                break
            after = page[-1].sort_key
    paths = []
    for doc_id in wanted:
        detail = get_document(db, doc_id)
        path = target / f"{detail.id:05d}-{slug(detail.title)}.md"
        with path.open("w", encoding="utf-8", newline="") as f:
            f.write(to_markdown(detail))
        paths.append(path)
    return paths


@dataclass(frozen=True)
class ParsedFile:
    path: Path
    kind: str
    title: str
    status: str
    tags: tuple[str, ...]
    links: tuple[tuple[str, int], ...]
    body: str
    created: str | None


def parse_markdown(text: str, source: str) -> ParsedFile:
    lines = text.split("\n")
    if not lines or lines[0].rstrip("\r") != FENCE:
        raise ValidationError(
            "does not start with a '---' front matter block", source=source, row=1
        )
    meta: dict[str, object] = {}
    end = None
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip("\r") == FENCE:
            end = number
            break
        key, sep, raw = line.partition(":")
        key = key.strip()
        if not sep or key not in KEYS:
            raise ValidationError(
                f"'{line[:40]}' is not a front matter field ({', '.join(KEYS)})",
                source=source,
                row=number,
            )
        raw = raw.strip()
        try:
            meta[key] = json.loads(raw) if raw[:1] in ('"', "[", "{") or raw.isdigit() else raw
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"{key}: not a valid value ({exc.msg})", source=source, row=number, column=key
            ) from None
    if end is None:
        raise ValidationError("the front matter block is not closed by '---'", source=source)
    body = "\n".join(lines[end:])

    def field(name: str, fn):
        try:
            return fn(meta.get(name))
        except ValidationError as exc:
            raise ValidationError(exc.message, source=source, column=name) from None

    kind = field("kind", lambda v: _choice(v, DOCUMENT_KINDS))
    title = field("title", lambda v: check_title(v if isinstance(v, str) else None))
    status = field("status", lambda v: _choice(v or "draft", DOCUMENT_STATUSES))
    tags = field("tags", lambda v: parse_tags(v if isinstance(v, (list, str)) else None))
    links = field("links", lambda v: tuple(parse_link(str(x)) for x in (v or [])))
    field("body", lambda _v: check_body(body))
    created = meta.get("created")
    return ParsedFile(
        Path(source), kind, title, status, tags, links, body, str(created) if created else None
    )


def _choice(value, choices) -> str:
    if value not in choices:
        raise ValidationError(f"'{value}' is not one of {', '.join(choices)}")
    return value


@dataclass(frozen=True)
class ImportOutcome:
    path: str
    document_id: int
    action: str  # created | revised | unchanged


def read_files(paths: Iterable[str | Path]) -> list[ParsedFile]:
    parsed, problems = [], []
    for path in paths:
        path = Path(path)
        try:
            with path.open("r", encoding="utf-8", newline="") as f:
                text = f.read()
        except UnicodeDecodeError as exc:
            problems.append(f"{path}: not UTF-8 text (byte at offset {exc.start})")
            continue
        except OSError as exc:
            problems.append(f"{path}: cannot read the file: {exc.strerror}")
            continue
        try:
            parsed.append(parse_markdown(text, str(path)))
        except ValidationError as exc:
            problems.append(str(exc))
    if problems:
        raise ValidationError(
            f"{len(problems)} file(s) cannot be imported; nothing was imported",
            problems=problems,
        )
    seen: dict[tuple[str, str], Path] = {}
    for item in parsed:
        if item.kind in UNIQUE_TITLE_EXEMPT:
            continue
        key = (item.kind, item.title.lower())
        if key in seen:
            raise ValidationError(
                f"has the same kind and title as {seen[key]}; titles are unique per kind",
                source=str(item.path),
                column="title",
            )
        seen[key] = item.path
    return parsed


def import_documents(
    db: Database, paths: Iterable[str | Path], *, actor: str
) -> list[ImportOutcome]:
    parsed = read_files(paths)
    outcomes = []
    with db.begin() as session:
        for item in parsed:
            try:
                outcomes.append(_apply(session, item, actor))
            except ValidationError as exc:
                raise ValidationError(
                    f"{exc.message}; nothing was imported", source=str(item.path), column=exc.field
                ) from None
    return outcomes


def _match(session, item: ParsedFile) -> Document | None:
    stmt = select(Document).where(
        Document.kind == item.kind, func.lower(Document.title) == item.title.lower()
    )
    candidates = session.scalars(stmt.order_by(Document.id)).all()
    if item.kind in UNIQUE_TITLE_EXEMPT:
        candidates = [d for d in candidates if d.created_at.isoformat() == item.created]
    return candidates[0] if candidates else None


def _apply(session, item: ParsedFile, actor: str) -> ImportOutcome:
    for entity_type, entity_id in item.links:
        entity_label(session, entity_type, entity_id)
    doc = _match(session, item)
    source = item.path.name
    if doc is None:
        doc = new_document(
            session,
            actor=actor,
            kind=item.kind,
            title=item.title,
            body=item.body,
            tags=item.tags,
            status=item.status,
            links=item.links,
            summary=f"Imported from {source}"[:500],
        )
        audit.append_entry(
            session,
            actor=actor,
            action="document.import",
            target_type="document",
            target_id=doc.id,
            target_label=doc.title,
            after=snapshot(doc) | {"file": source},
        )
        return ImportOutcome(str(item.path), doc.id, "created")
    before = snapshot(doc)
    changed = revise(
        session,
        doc,
        actor=actor,
        title=item.title,
        body=item.body,
        tags=item.tags,
        status=item.status,
        summary=f"Imported from {source}"[:500],
    )
    current = {(link.entity_type, link.entity_id) for link in _detail(session, doc).links}
    wanted = set(item.links)
    if current != wanted:
        changed = True
        for entity_type, entity_id in current - wanted:
            session.execute(
                delete(DocumentLink).where(
                    DocumentLink.document_id == doc.id,
                    DocumentLink.entity_type == entity_type,
                    DocumentLink.entity_id == entity_id,
                )
            )
        for entity_type, entity_id in wanted - current:
            session.add(
                DocumentLink(document_id=doc.id, entity_type=entity_type, entity_id=entity_id)
            )
        session.flush()
    if not changed:
        return ImportOutcome(str(item.path), doc.id, "unchanged")
    audit.append_entry(
        session,
        actor=actor,
        action="document.import",
        target_type="document",
        target_id=doc.id,
        target_label=doc.title,
        before=before,
        after=snapshot(doc) | {"file": source, "links": sorted(f"{t}:{i}" for t, i in wanted)},
    )
    return ImportOutcome(str(item.path), doc.id, "revised")

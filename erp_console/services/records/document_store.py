"""The one place that inserts a document with its revision 1 and its links (no checks, no audit):
callers validate and audit within their own transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from erp_console.db.models import Document, DocumentLink, DocumentRevision, utcnow


def insert_document(
    session: Session,
    *,
    kind: str,
    title: str,
    status: str,
    tags: str,
    body: str,
    author: str,
    summary: str,
    links: Iterable[tuple[str, int]] = (),
    audit_entry_id: int | None = None,
) -> Document:
    now = utcnow()
    document = Document(
        kind=kind,
        title=title,
        status=status,
        tags=tags,
        body=body,
        author=author,
        created_at=now,
        updated_at=now,
        audit_entry_id=audit_entry_id,
    )
    session.add(document)
    session.flush()
    session.add(
        DocumentRevision(
            document_id=document.id,
            number=1,
            title=title,
            status=status,
            tags=tags,
            body=body,
            author=author,
            summary=summary,
            created_at=now,
        )
    )
    for entity_type, entity_id in dict.fromkeys(links):
        session.add(
            DocumentLink(document_id=document.id, entity_type=entity_type, entity_id=entity_id)
        )
    session.flush()
    return document

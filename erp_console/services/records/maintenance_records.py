"""Append a maintenance_record document from inside another write's transaction.

Database maintenance, imports, org changes and lifecycle reports each leave a readable record
beside their audit entry; this is the one place that writes such a document and its first revision.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from erp_console.db.models import Document, MaintenanceLog
from erp_console.services.records.document_store import insert_document


def add_maintenance_record(
    session: Session,
    *,
    title: str,
    body: str,
    author: str,
    tags: Iterable[str] = ("maintenance",),
    links: Iterable[tuple[str, int]] = (),
    audit_entry: MaintenanceLog | None = None,
    status: str = "published",
) -> Document:
    """Insert a published maintenance_record document (revision 1) in the caller's transaction."""
    return insert_document(
        session,
        kind="maintenance_record",
        title=title,
        status=status,
        tags=",".join(dict.fromkeys(t.strip() for t in tags if t.strip())),
        body=body,
        author=author,
        summary="Created",
        links=links,
        audit_entry_id=audit_entry.id if audit_entry is not None else None,
    )

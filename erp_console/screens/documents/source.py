"""What the Documents tab shows: the paged list of documents and a document as Markdown."""

from __future__ import annotations

from erp_console.vocabulary import DOCUMENT_KINDS
from erp_console.widgets.paged_table import Column, PageSource

KIND_OPTIONS = [("all kinds", "")] + [(k.replace("_", " "), k) for k in DOCUMENT_KINDS]
STATUS_CELLS = {
    "published": "published",
    "draft": "[yellow]draft[/]",
    "archived": "[dim]archived[/]",
}


class DocumentSource(PageSource):
    columns = (Column("title", "Title", 28, flex=True), Column("status", "State", 9))

    def __init__(self, db, flt) -> None:
        self.db, self.flt = db, flt

    def page_after(self, key, limit):
        from erp_console.services.records.documents import list_documents

        return list_documents(self.db, self.flt, after=key, limit=limit)

    def page_before(self, key, limit):
        from erp_console.services.records.documents import list_documents_before

        return list_documents_before(self.db, self.flt, before=key, limit=limit)

    def total(self):
        from erp_console.services.records.documents import count_documents

        return count_documents(self.db, self.flt)

    def key_of(self, row):
        return row.sort_key

    def cells(self, row):
        return (row.title.replace("[", "\\["), STATUS_CELLS.get(row.status, row.status))


def doc_markdown(doc) -> str:
    links = ", ".join(f"{x.ref} ({x.label})" for x in doc.links) or "none"
    audit = (
        f"  \n**Audit:** #{doc.audit_entry.id} {doc.audit_entry.action} by {doc.audit_entry.actor}"
        if doc.audit_entry
        else ""
    )
    meta = (
        f"*{doc.kind.replace('_', ' ')} · {doc.status} · v{doc.version} · {doc.revisions} "
        f"revision(s) · {doc.author} · {doc.updated_at:%Y-%m-%d %H:%M}*  \n"
        f"**Tags:** {', '.join(doc.tags) or '-'}  \n**Links:** {links}{audit}\n\n---\n\n"
    )
    return meta + doc.body

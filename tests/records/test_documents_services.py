"""Documents on every dialect: revisions, optimistic locking, titles, filters, links, diff, and the
Markdown export/import round trip."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erp_console.db.models import BusinessProcess, Document, DocumentRevision, MaintenanceLog
from erp_console.errors import Conflict, NotFound, ValidationError
from erp_console.services.core.audit import list_entries
from erp_console.services.lifecycle.incidents import record_incident
from erp_console.services.records import document_io, documents
from erp_console.services.records.documents import DocumentFilter
from erp_console.services.records.maintenance_records import add_maintenance_record

TRICKY_BODY = (
    "# F110 stops\r\n\r\n## Symptom\n\nThe run ends with `---` in the log:\n\n---\n"
    '50%_off O\'Brien "VIP" C:\\temp — ünïcödé ✓\n\nno newline at the end'
)


def audit_count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(MaintenanceLog))


def add(db, title, kind="technical_support", **kw):
    return documents.create_document(db, actor="mkeller", kind=kind, title=title, **kw)


def test_edit_makes_revisions_and_a_stale_edit_is_a_conflict(db):
    doc = add(db, "Payment run F110 stops", body="v1", tags="FI, helpdesk")
    assert (doc.version, doc.revisions, doc.tags, doc.status) == (1, 1, ("fi", "helpdesk"), "draft")
    edited = documents.edit_document(
        db,
        doc.id,
        actor="jnovak",
        expected_version=1,
        body="v2",
        status="published",
        summary="Added the cause",
    )
    assert (edited.version, edited.revisions, edited.body, edited.status) == (
        2,
        2,
        "v2",
        "published",
    )
    history = documents.revisions(db, doc.id)
    assert [(r.number, r.author, r.summary, r.body) for r in history] == [
        (2, "jnovak", "Added the cause", "v2"),
        (1, "mkeller", "Created", "v1"),
    ]
    before = audit_count(db)
    with pytest.raises(Conflict, match="changed by someone else"):
        documents.edit_document(db, doc.id, actor="other", expected_version=1, body="lost?")
    assert documents.get_document(db, doc.id).body == "v2"
    assert len(documents.revisions(db, doc.id)) == 2 and audit_count(db) == before
    with pytest.raises(ValidationError, match="nothing changed"):
        documents.edit_document(db, doc.id, actor="x", expected_version=2, body="v2")
    entry = list_entries(db, action="document.edit")[0]
    assert entry.actor == "jnovak" and entry.before["status"] == "draft"


def test_edit_of_a_deleted_document(db):
    doc = add(db, "Old note")
    documents.delete_document(db, doc.id, actor="admin", expected_version=1, reason="obsolete")
    with pytest.raises(NotFound, match=f"no document #{doc.id}"):
        documents.edit_document(db, doc.id, actor="x", expected_version=1, body="again")
    assert list_entries(db, action="document.delete")[0].before["body"] == ""


def test_titles_are_unique_per_kind_but_not_for_maintenance_records(db):
    add(db, "Payment run F110 stops")
    before = audit_count(db)
    with pytest.raises(ValidationError, match=r"title: a technical_support document titled"):
        add(db, "  payment RUN f110 stops ")
    assert audit_count(db) == before
    add(db, "Payment run F110 stops", kind="process")
    add(db, "Weekly backup", kind="maintenance_record")
    add(db, "Weekly backup", kind="maintenance_record")
    other = add(db, "Another")
    with pytest.raises(ValidationError, match="exists already"):
        documents.edit_document(
            db, other.id, actor="x", expected_version=1, title="PAYMENT run F110 stops"
        )


def test_bad_fields_write_nothing(db):
    for kwargs, field in (
        ({"title": " "}, "title"),
        ({"title": "x", "kind": "novel"}, "kind"),
        ({"title": "x", "status": "final"}, "status"),
        ({"title": "x", "tags": "ok, not ok!"}, "tags"),
        ({"title": "x", "links": ["incident:999"]}, "link"),
        ({"title": "x", "links": ["user:1"]}, "link"),
    ):
        kind = kwargs.pop("kind", "technical_support")
        with pytest.raises(ValidationError, match=f"^{field}: "):
            documents.create_document(db, actor="x", kind=kind, **kwargs)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 0
    assert audit_count(db) == 0


def test_list_filters(db):
    add(db, "Payment run stops", tags="fi,helpdesk", status="published", body="see 50%_off")
    add(db, "Goods receipt fails", tags="mm", body="plain")
    add(db, "Vendor master", kind="secondary_development", tags="fi")
    titles = lambda **kw: [r.title for r in documents.list_documents(db, DocumentFilter(**kw))]  # noqa: E731
    assert titles(kind="technical_support") == ["Goods receipt fails", "Payment run stops"]
    assert titles(tag="fi") == ["Vendor master", "Payment run stops"]
    assert titles(tag="f") == []
    assert titles(status="published") == ["Payment run stops"]
    assert titles(text="50%_off") == ["Payment run stops"]
    assert titles(text="%") == ["Payment run stops"]
    assert titles(text="RECEIPT") == ["Goods receipt fails"]
    assert documents.count_documents(db, DocumentFilter(kind="technical_support")).count == 2


def test_links_and_diff(db):
    incident = record_incident(
        db, actor="x", title="F110 dump", category="bug", severity="high", module="FI"
    )
    with db.begin() as s:
        s.add(BusinessProcess(code="P2P", name="Procure to pay"))
    doc = add(db, "F110 stops", body="line one\nline two\n")
    documents.link_document(db, doc.id, f"incident:{incident.id}", actor="x")
    linked = documents.link_document(db, doc.id, "process:1", actor="x")
    assert [(x.ref, x.label) for x in linked.links] == [
        (f"incident:{incident.id}", "F110 dump"),
        ("process:1", "P2P Procure to pay"),
    ]
    with pytest.raises(ValidationError, match="already linked"):
        documents.link_document(db, doc.id, "process:1", actor="x")
    with pytest.raises(ValidationError, match="no change_request #5"):
        documents.link_document(db, doc.id, "change_request:5", actor="x")
    assert [r.title for r in documents.linked_documents(db, "incident", incident.id)] == [
        "F110 stops"
    ]
    documents.unlink_document(db, doc.id, "process:1", actor="x")
    documents.edit_document(
        db, doc.id, actor="y", expected_version=1, body="line one\nline 2\n", title="F110 halts"
    )
    diff = documents.diff_revisions(db, doc.id, 1, 2)
    assert diff.splitlines()[0] == "title: F110 stops → F110 halts"
    assert "-line two" in diff and "+line 2" in diff and " line one" in diff
    with pytest.raises(NotFound, match="has no revision 3"):
        documents.diff_revisions(db, doc.id, 1, 3)


def test_export_import_round_trip_is_lossless(db, tmp_path):
    incident = record_incident(db, actor="x", title="Dump", category="bug", severity="low")
    original = add(
        db,
        "F110 stops: \"quoted\" 'title'",
        body=TRICKY_BODY,
        tags="fi,helpdesk",
        status="published",
        links=[f"incident:{incident.id}"],
    )
    add(db, "Empty one", kind="process")
    paths = document_io.export_documents(db, tmp_path / "out")
    assert len(paths) == 2
    outcomes = document_io.import_documents(db, paths, actor="importer")
    assert [o.action for o in outcomes] == ["unchanged", "unchanged"]
    documents.delete_document(
        db, original.id, actor="x", expected_version=original.version, reason="test"
    )
    path = next(p for p in paths if "f110" in p.name)
    outcome = document_io.import_documents(db, [path], actor="importer")[0]
    assert outcome.action == "created"
    again = documents.get_document(db, outcome.document_id)
    assert (again.kind, again.title, again.status, again.tags, again.body) == (
        original.kind,
        original.title,
        original.status,
        original.tags,
        TRICKY_BODY,
    )
    assert [link.ref for link in again.links] == [f"incident:{incident.id}"]
    data = path.read_bytes()
    path.write_bytes(data.replace(b"no newline at the end", b"edited outside"))
    assert document_io.import_documents(db, [path], actor="importer")[0].action == "revised"
    assert documents.get_document(db, outcome.document_id).body.endswith("edited outside")
    assert documents.revisions(db, outcome.document_id)[0].summary == f"Imported from {path.name}"


def test_import_refuses_bad_files_and_writes_nothing(db, tmp_path):
    good = tmp_path / "good.md"
    good.write_text('---\nkind: process\ntitle: "Fine"\n---\nbody\n', encoding="utf-8")
    no_front = tmp_path / "plain.md"
    no_front.write_text("# just markdown\n", encoding="utf-8")
    bad_kind = tmp_path / "kind.md"
    bad_kind.write_text('---\nkind: novel\ntitle: "X"\n---\n', encoding="utf-8")
    dangling = tmp_path / "link.md"
    dangling.write_text(
        '---\nkind: process\ntitle: "Y"\nlinks: ["incident:77"]\n---\n', encoding="utf-8"
    )
    with pytest.raises(ValidationError) as info:
        document_io.import_documents(db, [good, no_front, bad_kind], actor="x")
    assert info.value.problems == [
        f"{no_front}:1: does not start with a '---' front matter block",
        f"{bad_kind}:kind: 'novel' is not one of maintenance_record, system_log, "
        "secondary_development, technical_support, process",
    ]
    with pytest.raises(
        ValidationError, match=r"link.md:link: no incident #77; nothing was imported"
    ):
        document_io.import_documents(db, [good, dangling], actor="x")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 0
        assert s.scalar(select(func.count()).select_from(DocumentRevision)) == 0


def test_maintenance_records_with_their_audit_entries(db):
    from erp_console.services.core import audit

    with db.begin() as s:
        entry = audit.append_entry(s, actor="ops", action="db.analyze", target_type="database")
        add_maintenance_record(s, title="ANALYZE", body="done", author="ops", audit_entry=entry)
    add(db, "Window", kind="maintenance_record")
    records = documents.maintenance_records(db)
    by_title = {r.document.title: r.audit_entry for r in records}
    assert by_title["ANALYZE"].action == "db.analyze"
    assert by_title["Window"] is None
    shown = documents.get_document(db, records[-1].document.id)
    assert shown.audit_entry is not None and shown.audit_entry.actor == "ops"

"""Health and maintenance actions on every dialect: figures, audit entries, maintenance records,
problems found by the check, and read-only sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, insert, select

from erp_console.db.engine import connect
from erp_console.db.models import Department, Document, ErpUser, MaintenanceLog
from erp_console.errors import ReadOnlyError
from erp_console.services.data.health import database_health, table_stats, with_page_scan
from erp_console.services.data.maintenance import run_action

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")


def _seed(db, users=3):
    with db.begin() as s:
        s.execute(insert(Department), [{"code": "FIN", "name": "Finance", "version": 1}])
        fin = s.scalar(select(Department.id))
        s.execute(
            insert(ErpUser),
            [
                {
                    "login": f"user{i}",
                    "login_key": f"user{i}",
                    "full_name": f"User {i}",
                    "department_id": fin,
                    "status": "active",
                    "created_at": dt.datetime(2026, 1, 1),
                    "version": 1,
                }
                for i in range(users)
            ],
        )


def _count(db, model, *where):
    with db.session() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_health_counts_rows_and_knows_the_schema(db):
    _seed(db, users=3)
    health = database_health(db)
    tables = {t.name: t for t in health.tables}
    assert tables["erp_user"].rows == 3 and tables["erp_user"].rows_exact
    assert tables["department"].rows == 1
    assert health.schema_revision == "0003" and health.schema_ok
    assert health.size_bytes and health.size_bytes > 0
    assert any(i.table == "erp_user" for i in health.indexes)
    if db.dialect == "sqlite":
        assert health.sqlite["quick_check"] == "ok" and health.connections is None
    else:
        assert health.connections >= 1
    by_rows = table_stats(db, sort="rows")
    assert by_rows[0].name == "erp_user"


def test_sqlite_health_without_the_page_scan_has_rows_but_no_sizes(sqlite_db):
    _seed(sqlite_db, users=3)
    quick = database_health(sqlite_db, scan_pages=False)
    tables = {t.name: t for t in quick.tables}
    assert tables["erp_user"].rows == 3
    assert tables["erp_user"].data_bytes is None and quick.sqlite["quick_check"] is None
    assert not quick.pages_scanned
    full = database_health(sqlite_db)
    assert {t.name: t for t in full.tables}["erp_user"].data_bytes > 0
    assert full.sqlite["quick_check"] == "ok" and full.pages_scanned
    assert with_page_scan(sqlite_db, quick) == full  # the screen's second step: same picture


@pytest.mark.parametrize("action", ["analyze", "vacuum", "check"])
def test_action_is_audited_and_recorded(db, action):
    _seed(db)
    seen = []
    result = run_action(db, action, actor="dba", progress=lambda *a: seen.append(a))
    assert result.ok and result.recorded and result.statements
    assert seen, "progress was reported"
    assert "size_bytes" in result.before and "size_bytes" in result.after
    with db.session() as s:
        entry = s.scalars(
            select(MaintenanceLog).where(MaintenanceLog.action == f"db.{action}")
        ).one()
        doc = s.get(Document, result.document_id)
    assert entry.actor == "dba" and doc.kind == "maintenance_record"
    assert doc.audit_entry_id == entry.id and doc.title == f"Database {action} (OK)"
    assert "| size_bytes |" in doc.body and "## Statements" in doc.body


def test_check_reports_bad_vocabulary_and_periods(db):
    _seed(db, users=2)
    with db.begin() as s:
        s.execute(
            ErpUser.__table__.update()
            .where(ErpUser.login == "user0")
            .values(status="frozen", valid_from=dt.date(2026, 5, 1), valid_to=dt.date(2026, 4, 1))
        )
    result = run_action(db, "check", actor="dba")
    assert not result.ok
    assert (
        "erp_user.status: 1 row(s) with 'frozen' (allowed: active, locked, disabled)"
        in result.problems
    )
    assert "erp_user: 1 row(s) end (valid_to) before they start (valid_from)" in result.problems
    with db.session() as s:
        doc = s.get(Document, result.document_id)
    assert doc.title == "Database check (problems found)" and "frozen" in doc.body


def test_read_only_session_may_check_but_not_vacuum(db):
    _seed(db)
    ro = connect(db.url.render_as_string(hide_password=False), read_only=True)
    try:
        before = _count(db, MaintenanceLog)
        with pytest.raises(ReadOnlyError):
            run_action(ro, "vacuum", actor="helpdesk")
        result = run_action(ro, "check", actor="helpdesk")
        assert result.ok and not result.recorded and result.document_id is None
        assert _count(db, MaintenanceLog) == before
    finally:
        ro.dispose()


def test_health_counts_every_table_in_a_fixed_number_of_statements(db):
    """An ERP has hundreds of tables: counted one statement per table, screen 5 waited for a
    round trip each. Frappe names its tables with spaces ("tabSales Invoice")."""
    from sqlalchemy import Column, Integer, MetaData, Table

    from tests.support.statements import counting_statements

    with counting_statements(db.engine) as before:
        database_health(db, scan_pages=False)
    extra = MetaData()
    names = ["tabSales Invoice", *(f"extra_{i:03d}" for i in range(104))]
    for name in names:
        Table(name, extra, Column("id", Integer, primary_key=True))
    extra.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(extra.tables["tabSales Invoice"].insert(), [{"id": 1}, {"id": 2}])
        conn.execute(extra.tables["extra_103"].insert(), [{"id": 7}])
    try:
        with counting_statements(db.engine) as after:
            health = database_health(db, scan_pages=False)
        tables = {t.name: t for t in health.tables}
        assert tables["tabSales Invoice"].rows == 2 and tables["tabSales Invoice"].rows_exact
        assert tables["extra_103"].rows == 1 and tables["extra_000"].rows == 0
        # 105 more tables: one more statement (the second hundred), not 105
        assert len(after) == len(before) + 1
    finally:
        extra.drop_all(db.engine)

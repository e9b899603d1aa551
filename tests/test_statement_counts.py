"""No N+1: a screen's load sends the same handful of statements for 0 rows and for the demo."""

from __future__ import annotations

from erp_console.screens.dashboard import load_dashboard
from tests.support.statements import counting_statements


def test_dashboard_load_is_a_fixed_number_of_statements(sqlite_db, demo_sqlite):
    with counting_statements(sqlite_db.engine) as empty:
        load_dashboard(sqlite_db)
    with counting_statements(demo_sqlite.engine) as full:
        load_dashboard(demo_sqlite)
    assert len(full) == len(empty)
    assert len(full) <= 20  # overview, stage evidence, two lists and the audit tail

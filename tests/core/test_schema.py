"""init creates or upgrades the schema, is idempotent, and refuses a database it does not own."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from erp_console.db.engine import connect
from erp_console.db.models import Base
from erp_console.db.schema import alembic_head_revision, head_revision, init_schema
from erp_console.errors import ValidationError


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_init_creates_every_table_and_is_idempotent(dialect, new_database_url):
    db = connect(new_database_url(dialect, "init"))
    try:
        first = init_schema(db)
        assert first.before is None and first.after == head_revision()
        tables = set(inspect(db.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert {
            "erp_user",
            "user_role",
            "maintenance_log",
            "system_log",
            "document_revision",
        } <= tables
        second = init_schema(db)
        assert second.before == second.after == head_revision()
        assert not second.changed
    finally:
        db.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_init_refuses_foreign_tables_and_changes_nothing(dialect, new_database_url):
    db = connect(new_database_url(dialect, "foreign"))
    try:
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)"))
        with pytest.raises(ValidationError, match="invoices"):
            init_schema(db)
        assert set(inspect(db.engine).get_table_names()) == {"invoices"}
        forced = init_schema(db, force=True)
        assert forced.after == head_revision()
        assert "erp_user" in inspect(db.engine).get_table_names()
    finally:
        db.dispose()


def test_lookup_indexes_exist(db):
    insp = inspect(db.engine)

    def indexed(table: str, column: str) -> bool:
        for index in insp.get_indexes(table):
            if index["column_names"][0] == column:
                return True
        for unique in insp.get_unique_constraints(table):
            if unique["column_names"][0] == column:
                return True
        return column in (insp.get_pk_constraint(table)["constrained_columns"] or [])[:1]

    for table, column in [
        ("erp_user", "login_key"),
        ("erp_user", "status"),
        ("erp_user", "department_id"),
        ("user_role", "user_id"),
        ("user_role", "role_id"),
        ("role_permission", "permission_id"),
        ("system_log", "ts"),
        ("system_log", "level"),
        ("system_log", "user_login"),
        ("document", "kind"),
    ]:
        assert indexed(table, column), f"{table}.{column} has no index"


def test_head_revision_constant_matches_the_migrations():
    assert head_revision() == alembic_head_revision()

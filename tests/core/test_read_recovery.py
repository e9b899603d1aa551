"""The hot access reads on every dialect: driver errors become one clear line, and a connection
killed under a read is replaced so the next read answers."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, select, text
from sqlalchemy.exc import DBAPIError

from erp_console.error_text import describe_error, is_connection_lost
from erp_console.services.access.grants import effective_permissions, explain
from tests.support import small_org


def test_a_driver_error_is_one_line_and_the_connection_goes_on(db):
    missing = Table("no_such_table", MetaData(), Column("id", Integer))
    with db.engine.connect() as conn, pytest.raises(DBAPIError) as caught:
        conn.execute(select(missing.c.id))
    message, severity = describe_error(caught.value)
    assert "no_such_table" in message and severity == "error"
    assert "\n" not in message


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_a_connection_killed_between_two_reads_is_replaced(db):
    small_org.build(db)
    before = effective_permissions(db, "anna")
    admin = create_engine(db.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with db.engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with admin.connect() as killer:  # the pooled connection dies while the console is idle
            killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert effective_permissions(db, "anna") == before
        assert explain(db, "anna", before[0].code).allowed
    finally:
        admin.dispose()


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_a_read_on_a_killed_connection_is_recognised_as_lost(db):
    admin = create_engine(db.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with db.engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            conn.rollback()
            with admin.connect() as killer:
                killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(DBAPIError) as caught:
                conn.execute(text("SELECT 1"))
        assert caught.value.connection_invalidated
        assert is_connection_lost(caught.value)
    finally:
        admin.dispose()

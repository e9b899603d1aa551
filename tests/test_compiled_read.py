"""Hot reads on the DB-API cursor behave like SQLAlchemy's own execution on every dialect."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, create_engine, select, text
from sqlalchemy.exc import DBAPIError

from erp_console.db.compiled_read import CompiledRead
from erp_console.db.models import ErpUser
from erp_console.screens.base import describe_error, is_connection_lost
from tests.support.statements import counting_statements

ACTIVE_SINCE = (
    select(ErpUser.login, ErpUser.valid_from, ErpUser.created_at)
    .where(ErpUser.login_key == bindparam("key"), ErpUser.status == "active")
    .where(ErpUser.valid_from <= bindparam("on"))
)


def _users(db) -> None:
    created = dt.datetime(2026, 3, 4, 5, 6, 7)
    with db.begin() as s:
        s.add_all(
            [
                ErpUser(
                    login="Ann.Lee",
                    login_key="ann.lee",
                    full_name="Ann Lee",
                    status="active",
                    valid_from=dt.date(2026, 1, 15),
                    created_at=created,
                ),
                ErpUser(
                    login="bo",
                    login_key="bo",
                    full_name="Bo",
                    status="locked",
                    valid_from=dt.date(2026, 1, 15),
                    created_at=created,
                ),
            ]
        )


def test_rows_carry_python_dates_and_the_statement_literals_apply(db):
    _users(db)
    read = CompiledRead(ACTIVE_SINCE)
    with db.engine.connect() as conn, counting_statements(db.engine) as sent:
        (row,) = read.rows(conn, {"key": "ann.lee", "on": dt.date(2026, 2, 1)})
        too_early = read.rows(conn, {"key": "ann.lee", "on": dt.date(2026, 1, 14)})
        locked = read.first(conn, {"key": "bo", "on": dt.date(2026, 2, 1)})
    assert row.login == "Ann.Lee"
    assert row.valid_from == dt.date(2026, 1, 15)
    assert isinstance(row.valid_from, dt.date)
    assert row.created_at == dt.datetime(2026, 3, 4, 5, 6, 7)
    assert too_early == []
    assert locked is None  # status = 'active' is the statement's own literal
    assert len(sent) == 3  # statement listeners (counting, logging, benches) see every read


def test_a_driver_error_is_a_sqlalchemy_error_and_the_connection_goes_on(db):
    missing = Table("no_such_table", MetaData(), Column("id", Integer))
    read = CompiledRead(select(missing.c.id).where(missing.c.id == bindparam("id")))
    with db.engine.connect() as conn, pytest.raises(DBAPIError) as caught:
        read.rows(conn, {"id": 1})
    assert "no_such_table" in str(caught.value)
    message, severity = describe_error(caught.value)
    assert "no_such_table" in message and severity == "error"
    _users(db)
    with db.engine.connect() as conn:
        assert CompiledRead(ACTIVE_SINCE).first(conn, {"key": "ann.lee", "on": dt.date(2027, 1, 1)})


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_a_connection_killed_under_a_read_is_invalidated_and_the_next_read_recovers(db):
    _users(db)
    read = CompiledRead(ACTIVE_SINCE)
    params = {"key": "ann.lee", "on": dt.date(2026, 2, 1)}
    admin = create_engine(db.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with db.engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            conn.rollback()
            with admin.connect() as killer:
                killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(DBAPIError) as caught:
                read.rows(conn, params)
        assert caught.value.connection_invalidated
        assert is_connection_lost(caught.value)
        with db.engine.connect() as conn:
            assert read.first(conn, params).login == "Ann.Lee"
    finally:
        admin.dispose()

"""Waits that end and losses that are named: a write behind another session's lock gives up with a
conflict, and a connection killed mid-transaction says what was (not) written."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, event, func, select, text

from erp_console.cli import main
from erp_console.db.models import ErpUser, MaintenanceLog

SERVERS = ("postgresql", "mysql")


def _run(db, *args):
    url = db.url.render_as_string(hide_password=False)
    return CliRunner().invoke(main, ["--url", url, "--operator", "dba", *args])


def _state(db, login: str) -> tuple[str, str, int]:
    with db.session() as s:
        user = s.scalars(select(ErpUser).where(ErpUser.login == login)).one()
        entries = s.scalar(select(func.count()).select_from(MaintenanceLog))
        return user.full_name, user.status, entries


def test_a_write_behind_another_sessions_lock_gives_up_with_a_conflict(db, monkeypatch):
    added = _run(db, "users", "add", "lena", "--name", "Lena Lock", "--reason", "test")
    assert added.exit_code == 0, added.output
    before = _state(db, "lena")
    monkeypatch.setenv("ERP_CONSOLE_LOCK_TIMEOUT", "1")
    other = create_engine(db.url)
    try:
        with other.connect() as holder:
            holder.execute(
                text("UPDATE erp_user SET email = 'held@example.org' WHERE login = 'lena'")
            )  # the row (SQLite: the database) stays locked until this transaction ends
            started = time.monotonic()
            result = _run(db, "users", "edit", "lena", "--name", "Lena Changed", "--reason", "r")
            waited = time.monotonic() - started
            holder.rollback()
    finally:
        other.dispose()
    assert result.exit_code == 4, result.output
    assert "another session holds a lock on" in result.stderr
    assert "nothing was written" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    if db.dialect == "postgresql":
        assert "table erp_user" in result.stderr
    assert waited < 8
    assert _state(db, "lena") == before


def _backend_id(dbapi_conn, dialect: str) -> int:
    if dialect == "postgresql":
        return dbapi_conn.get_backend_pid()
    return dbapi_conn.thread_id()


@pytest.mark.parametrize("dialect", SERVERS, indirect=True)
def test_a_connection_killed_mid_transaction_is_named_and_nothing_is_written(db, dialect):
    added = _run(db, "users", "add", "kurt", "--name", "Kurt Kill", "--reason", "test")
    assert added.exit_code == 0, added.output
    before = _state(db, "kurt")
    admin = create_engine(db.url, isolation_level="AUTOCOMMIT")
    killed: list[int] = []

    def kill_after_the_first_write(conn, cursor, statement, *_):
        if killed or not statement.lstrip().upper().startswith("UPDATE ERP_USER"):
            return
        victim = _backend_id(conn.connection.dbapi_connection, dialect)
        killed.append(victim)
        with admin.connect() as control:
            if dialect == "postgresql":
                control.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
            else:
                control.execute(text(f"KILL {int(victim)}"))

    event.listen(Engine, "after_cursor_execute", kill_after_the_first_write)
    try:
        result = _run(db, "users", "lock", "kurt", "--reason", "lost midway")
    finally:
        event.remove(Engine, "after_cursor_execute", kill_after_the_first_write)
        admin.dispose()
    assert killed, "the lock never reached its UPDATE"
    assert result.exit_code == 3, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in result.output
    assert "the connection to 127.0.0.1" in message and "was lost" in message
    assert "rolled back, nothing of it was written" in message
    assert "cannot connect" not in message
    assert _state(db, "kurt") == before

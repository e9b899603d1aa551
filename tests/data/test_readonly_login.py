"""Read-only that holds: a SELECT-only login cannot write even after SET TRANSACTION READ WRITE,
while the session default alone can be undone; `db health` warns when a read-only session's login
could write."""

from __future__ import annotations

import json
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from erp_console.cli import main

SERVERS = ("postgresql", "mysql")


def _cli(url: str, *args: str):
    return CliRunner().invoke(main, ["--url", url, "--operator", "dba", *args])


def _write_after_read_write(url) -> None:
    """Undo the session's read-only default, then try to write."""
    engine = create_engine(url, connect_args={"options": "-c default_transaction_read_only=on"})
    if url.get_backend_name() != "postgresql":
        engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if url.get_backend_name() != "postgresql":
                conn.execute(text("SET SESSION TRANSACTION READ ONLY"))
                conn.commit()
            conn.execute(text("SET TRANSACTION READ WRITE"))
            conn.execute(
                text(
                    "INSERT INTO department (code, name, active, version) VALUES ('RW', 'Undone', true, 1)"
                )
            )
            conn.commit()
    finally:
        engine.dispose()


@pytest.mark.parametrize("dialect", SERVERS, indirect=True)
def test_select_only_login_holds_where_the_session_default_does_not(db, dialect):
    url = db.url.render_as_string(hide_password=False)
    name = f"erpc_ro_{uuid.uuid4().hex[:8]}"
    printed = _cli(url, "db", "readonly-role", name, "--print-sql")
    assert printed.exit_code == 0, printed.output
    assert "GRANT SELECT ON" in printed.stdout
    assert not any(w in printed.stdout for w in ("INSERT", "UPDATE", "ALL PRIVILEGES"))

    created = _cli(url, "db", "readonly-role", name)
    assert created.exit_code == 0, created.output
    admin = create_engine(db.url, isolation_level="AUTOCOMMIT")
    try:
        # The root login's read-only session is only a default: it can be undone and it writes.
        _write_after_read_write(db.url)
        with admin.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM department WHERE code = 'RW'")).scalar()
            conn.execute(text("DELETE FROM department WHERE code = 'RW'"))

        role_url = db.url.set(username=name, password=None)
        with pytest.raises(DBAPIError, match="(?i)permission denied|command denied"):
            _write_after_read_write(role_url)
        with admin.connect() as conn:
            assert not conn.execute(
                text("SELECT count(*) FROM department WHERE code = 'RW'")
            ).scalar()

        role_text = role_url.render_as_string(hide_password=False)
        refused = _cli(role_text, "users", "add", "rolf", "--name", "Rolf", "--reason", "r")
        assert refused.exit_code == 1, refused.output
        assert "may only read" in refused.stderr or "is read-only" in refused.stderr

        root_health = _cli(url, "--read-only", "--format", "json", "db", "health")
        assert root_health.exit_code == 0, root_health.output
        assert "warning: this read-only session's login can write" in root_health.stderr
        assert "SET TRANSACTION READ WRITE" in json.loads(root_health.stdout)["warning"]

        role_health = _cli(role_text, "--read-only", "--format", "json", "db", "health")
        assert role_health.exit_code == 0, role_health.output
        record = json.loads(role_health.stdout)
        assert "warning" not in record and record["login_can_write"] == "no"
        assert "warning" not in role_health.stderr
    finally:
        with admin.connect() as conn:
            if dialect == "postgresql":
                conn.execute(text(f"DROP OWNED BY {name}"))
                conn.execute(text(f"DROP ROLE {name}"))
            else:
                conn.execute(text(f"DROP USER '{name}'@'%'"))
        admin.dispose()


def test_sqlite_has_no_logins_and_says_so(sqlite_db):
    url = sqlite_db.url.render_as_string(hide_password=False)
    result = _cli(url, "db", "readonly-role", "reader")
    assert result.exit_code == 1 and "SQLite has no logins" in result.stderr

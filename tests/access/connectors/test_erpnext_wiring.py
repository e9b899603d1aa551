"""ERPNext on MariaDB end to end through the console's wiring: `demo --erp erpnext` builds the
site and seeds the store, the console detects ERPNext from its tables, MariaDB itself refuses a
write while the connection is read-only, an allowed change is recorded in the separate store,
and the ERPNext database never gets a table of the console's."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from erp_console.cli import main
from erp_console.config import resolve_target
from erp_console.db.engine import translate_db_error
from erp_console.errors import ReadOnlyError
from erp_console.session import open_session


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _cli(*args):
    return CliRunner().invoke(main, ["--operator", "tester", *args])


def test_erpnext_from_demo_to_an_audited_write_on_mariadb(new_database_url, tmp_path):
    url = new_database_url("mysql", "erpnext_e2e")
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    built = _cli("--store", store, "demo", "--erp", "erpnext", "--url", url)
    assert built.exit_code == 0, built.output
    tables = _tables(url)
    assert "tabUser" in tables and "maintenance_log" not in tables
    on_site = ("--url", url, "--store", store)

    listed = _cli(*on_site, "--format", "json", "users", "list", "--status", "active")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    login = next(r["login"] for r in rows if r["login"] not in ("Administrator", "Guest"))

    session = open_session(dataclasses.replace(resolve_target(url, env={}), store=store))
    try:
        assert session.erp.product == "ERPNext" and session.target.read_only
        with pytest.raises(DBAPIError) as caught, session.target.engine.begin() as conn:
            conn.execute(text("UPDATE tabUser SET enabled = 0 WHERE name = :n"), {"n": login})
        assert isinstance(translate_db_error(session.target.url, caught.value), ReadOnlyError)
    finally:
        session.dispose()

    refused = _cli(*on_site, "users", "disable", login, "--reason", "left")
    assert refused.exit_code == 1 and "--allow-writes" in refused.stderr
    done = _cli(*on_site, "--allow-writes", "users", "disable", login, "--reason", "left")
    assert done.exit_code == 0, done.output
    shown = _cli(*on_site, "--format", "json", "users", "show", login)
    assert json.loads(shown.stdout)["status"] == "disabled"
    trail = _cli(*on_site, "--format", "json", "audit", "list", "--action", "erp.user.")
    assert [e["action"] for e in json.loads(trail.stdout)] == [
        "erp.user.disable.done",
        "erp.user.disable.intent",
    ]
    assert _cli(*on_site, "audit", "verify").exit_code == 0
    assert _tables(url) == tables

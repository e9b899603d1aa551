"""Dolibarr on MariaDB and on PostgreSQL end to end through the console's wiring: `demo --erp
dolibarr` builds the company and seeds the store, the console detects Dolibarr from its tables,
the database itself refuses a write while the connection is read-only, an allowed change is
recorded in the separate store, and the Dolibarr database never gets a table of the console's."""

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


@pytest.mark.parametrize("engine", ["mysql", "postgresql"])
def test_dolibarr_from_demo_to_an_audited_write(engine, new_database_url, tmp_path):
    url = new_database_url(engine, "doli_e2e")
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    built = _cli("--store", store, "demo", "--erp", "dolibarr", "--url", url)
    assert built.exit_code == 0, built.output
    tables = _tables(url)
    assert "llx_user" in tables and "maintenance_log" not in tables
    on_company = ("--url", url, "--store", store)

    listed = _cli(*on_company, "--format", "json", "users", "list", "--limit", "1000")
    assert listed.exit_code == 0, listed.output
    assert "s.leroy" in {row["login"] for row in json.loads(listed.stdout)}

    session = open_session(dataclasses.replace(resolve_target(url, env={}), store=store))
    try:
        assert session.erp.product == "Dolibarr" and session.target.read_only
        with pytest.raises(DBAPIError) as caught, session.target.engine.begin() as conn:
            conn.execute(text("UPDATE llx_user SET statut = 0 WHERE login = 's.leroy'"))
        assert isinstance(translate_db_error(session.target.url, caught.value), ReadOnlyError)
    finally:
        session.dispose()

    refused = _cli(*on_company, "users", "disable", "s.leroy", "--reason", "left")
    assert refused.exit_code == 1 and "--allow-writes" in refused.stderr
    done = _cli(*on_company, "--allow-writes", "users", "disable", "s.leroy", "--reason", "left")
    assert done.exit_code == 0, done.output
    shown = _cli(*on_company, "--format", "json", "users", "show", "s.leroy")
    assert json.loads(shown.stdout)["status"] == "disabled"
    trail = _cli(*on_company, "--format", "json", "audit", "list", "--action", "erp.user.")
    assert [e["action"] for e in json.loads(trail.stdout)] == [
        "erp.user.disable.done",
        "erp.user.disable.intent",
    ]
    assert _cli(*on_company, "audit", "verify").exit_code == 0
    assert _tables(url) == tables


def _roles_table(output: str) -> list[list[str]]:
    """The rows of the Roles table `users show` prints (after its header and rule lines)."""
    section = output.split("\nRoles:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return [line.split() for line in section[2:]]


@pytest.mark.parametrize("engine", ["mysql", "postgresql"])
def test_users_show_prints_a_dash_for_a_membership_without_a_date(
    engine, new_database_url, tmp_path
):
    url = new_database_url(engine, "doli_show")
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    assert _cli("--store", store, "demo", "--erp", "dolibarr", "--url", url).exit_code == 0
    on_company = ("--url", url, "--store", store)
    member = json.loads(
        _cli(*on_company, "--format", "json", "users", "list", "--role", "Ventes").stdout
    )[0]["login"]
    shown = _cli(*on_company, "--format", "json", "users", "show", member)
    grants = json.loads(shown.stdout)["grants"]
    assert "Ventes" in [g["role"] for g in grants]
    assert {(g["granted_by"], g["granted_at"]) for g in grants} == {(None, None)}
    table = _cli(*on_company, "users", "show", member)
    assert table.exit_code == 0, table.output
    rows = _roles_table(table.stdout)
    assert "Ventes" in [row[0] for row in rows]
    assert all(row[-2:] == ["-", "-"] for row in rows)  # granted_by, granted_at

"""Odoo end to end through the console's wiring: `demo --erp odoo` builds the ERP and seeds the
store, the console detects Odoo from its tables, reads it read-only (refused by PostgreSQL itself)
until writes are allowed, records each change in the separate store, and never adds a table to
the Odoo database; the TUI shows Odoo in the header and screen 2 lists Odoo's users."""

# ruff: noqa: F811 - the fixtures are imported from odoo_fixtures

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from textual.widgets import Label

from erp_console.app import ErpConsoleApp
from erp_console.cli import main
from erp_console.config import resolve_target
from erp_console.db.engine import translate_db_error
from erp_console.errors import ReadOnlyError
from erp_console.session import open_session
from erp_console.widgets.paged_table import PagedTable
from tests.access.connectors.odoo_fixtures import odoo_template, odoo_url  # noqa: F401
from tests.support.pilot import settle


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _cli(*args):
    return CliRunner().invoke(main, ["--operator", "tester", *args])


def test_odoo_through_the_cli_from_demo_to_an_audited_write(new_database_url, tmp_path):
    url = new_database_url("postgresql", "odoo_e2e")
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    built = _cli("--store", store, "demo", "--erp", "odoo", "--url", url)
    assert built.exit_code == 0, built.output
    tables = _tables(url)
    assert "res_users" in tables and "maintenance_log" not in tables
    on_odoo = ("--url", url, "--store", store)

    listed = _cli(*on_odoo, "--format", "json", "users", "list", "--limit", "1000")
    assert listed.exit_code == 0, listed.output
    logins = {row["login"] for row in json.loads(listed.stdout)}
    assert {"admin", "sys.ops", "head.sales"} <= logins
    holders = _cli(*on_odoo, "--format", "json", "who-has", "res.users:write")
    assert {h["login"] for h in json.loads(holders.stdout)} >= {"admin", "sys.ops"}
    why = _cli(*on_odoo, "explain", "sys.ops", "res.users:write")
    assert why.exit_code == 0 and why.output.startswith("YES")

    refused = _cli(*on_odoo, "users", "disable", "head.sales", "--reason", "left")
    assert refused.exit_code == 1 and "--allow-writes" in refused.stderr
    not_offered = _cli(*on_odoo, "--allow-writes", "users", "lock", "head.sales", "--reason", "x")
    assert not_offered.exit_code == 1 and "locking users is not supported" in not_offered.stderr

    done = _cli(*on_odoo, "--allow-writes", "users", "disable", "head.sales", "--reason", "left")
    assert done.exit_code == 0, done.output
    shown = _cli(*on_odoo, "--format", "json", "users", "show", "head.sales")
    assert json.loads(shown.stdout)["status"] == "disabled"
    trail = _cli(*on_odoo, "--format", "json", "audit", "list", "--action", "erp.user.")
    assert [e["action"] for e in json.loads(trail.stdout)] == [
        "erp.user.disable.done",
        "erp.user.disable.intent",
    ]
    verified = _cli(*on_odoo, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    refused_init = _cli("--url", url, "init")
    assert refused_init.exit_code == 1 and "--store" in refused_init.stderr
    assert _tables(url) == tables  # no table of the console's in Odoo, after all of it


def test_odoo_opened_read_only_is_refused_by_postgresql(odoo_url, tmp_path):
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    session = open_session(dataclasses.replace(resolve_target(odoo_url, env={}), store=store))
    try:
        assert session.erp.label.startswith("Odoo 1") and session.target.read_only
        with pytest.raises(DBAPIError) as caught, session.target.engine.begin() as conn:
            conn.execute(text("UPDATE res_users SET active = false WHERE login = 'head.sales'"))
        assert isinstance(translate_db_error(session.target.url, caught.value), ReadOnlyError)
    finally:
        session.dispose()


async def test_odoo_in_the_console_header_and_screen_2(odoo_url, tmp_path):
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    target = dataclasses.replace(resolve_target(odoo_url, env={}), store=store)
    session = open_session(target)
    app = ErpConsoleApp(session, operator="alice")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        assert str(app.screen.query_one("#header-erp", Label).render()) == "Odoo 17.0 · read-only"
        await pilot.press("2")
        await settle(app, pilot, rest=0.15)
        rows = app.screen.query_one(PagedTable).rows
        assert rows and rows[0].login <= rows[-1].login
        assert app.screen.check_action("disable", ()) is False
        assert app.screen.check_action("explain", ()) is True
    session.dispose()

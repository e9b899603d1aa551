"""The connection model: a session is a target, its identity backend and the console store.

The native schema is target and store at once. An ERP's database is detected (or named with
--erp), opened read-only unless writes are allowed (refused by the database itself), and the
console's own data goes to a separate store: the ERP gets no table of the console's.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from erp_console.cli import main
from erp_console.config import Target, resolve_target
from erp_console.db.engine import connect
from erp_console.demo.erp import dolibarr
from erp_console.errors import ConfigError, ValidationError
from erp_console.services.access.backends import BACKENDS
from erp_console.services.access.backends.native import NativeIdentity
from erp_console.session import open_session
from tests.conftest import server_for

ENGINES = ("mysql", "postgresql")  # where Dolibarr runs


@pytest.fixture(scope="module", params=ENGINES)
def company(request, servers) -> str:
    """A Dolibarr demo company on each of its engines, built once per module; tests here only
    read it (the ERP writes are in tests/access/connectors/)."""
    url = server_for(servers, request.param).create("doli_cm")
    dolibarr.build(url)
    return url


def _url(db) -> str:
    return db.url.render_as_string(hide_password=False)


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _store(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'team-store.sqlite3'}"


def _target(url: str, **kwargs) -> Target:
    return dataclasses.replace(resolve_target(url, env={}), **kwargs)


# ---- native ----------------------------------------------------------------------------------


def test_the_native_schema_is_target_and_store_at_once(db):
    session = open_session(_target(_url(db)))
    try:
        assert session.store is session.target
        assert isinstance(session.identity, NativeIdentity)
        assert session.erp.kind == "native" and not session.is_connector
        assert not session.target.read_only
    finally:
        session.dispose()


def test_a_database_of_no_known_kind_is_refused_clearly(new_database_url, dialect):
    url = new_database_url(dialect, "other")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(ValidationError) as caught:
        open_session(_target(url))
    message = str(caught.value)
    assert "no erp-console schema and no tables of a known ERP" in message
    assert "Odoo, ERPNext, Dolibarr" in message and "erp-console init" in message
    assert _tables(url) == {"invoices"}


# ---- detection and --erp ---------------------------------------------------------------------


def test_an_erp_is_detected_and_opened_read_only_beside_its_own_store(company, tmp_path):
    before = _tables(company)
    session = open_session(_target(company, store=_store(tmp_path)))
    try:
        assert session.is_connector and session.erp.label == "Dolibarr 19.0.2"
        assert session.target.read_only and session.identity.read_only
        assert not session.store.read_only and session.store is not session.target
        assert session.identity.count_users().count > 100
        assert "maintenance_log" in _tables(_store(tmp_path))
    finally:
        session.dispose()
    assert _tables(company) == before  # no table of the console's in the ERP


def test_read_only_wins_over_allow_writes(company, tmp_path):
    session = open_session(
        _target(company, store=_store(tmp_path), allow_writes=True, read_only=True)
    )
    try:
        assert session.target.read_only and session.store.read_only
    finally:
        session.dispose()
    writes = open_session(_target(company, store=_store(tmp_path), allow_writes=True))
    try:
        assert not writes.target.read_only and not writes.identity.read_only
    finally:
        writes.dispose()


def test_the_default_store_is_the_profiles_embedded_sqlite(company, isolated_dirs):
    session = open_session(_target(company))
    try:
        store_path = session.store.url.database
        assert store_path.startswith(str(isolated_dirs / "data"))
        assert store_path.endswith(".sqlite3") and "store-" in store_path
    finally:
        session.dispose()
    again = open_session(_target(company))  # the same URL finds the same store
    try:
        assert again.store.url.database == store_path
    finally:
        again.dispose()
    named = open_session(_target(company, profile="prod"))
    try:
        assert named.store.url.database.endswith("store-prod.sqlite3")
    finally:
        named.dispose()


def test_the_store_may_not_be_the_erp_itself(company):
    with pytest.raises(ConfigError, match="never in it"):
        open_session(_target(company, store=company))
    assert "maintenance_log" not in _tables(company)


def test_erp_named_with_missing_tables_is_refused(db, tmp_path):
    with pytest.raises(ValidationError, match="is not a Dolibarr database"):
        open_session(_target(_url(db), erp="dolibarr", store=_store(tmp_path)))


def test_a_connector_not_installed_is_skipped_when_detecting_and_refused_by_name(
    company, monkeypatch, tmp_path
):
    monkeypatch.setitem(
        BACKENDS, "erpnext", "erp_console.services.access.backends.not_installed:Missing"
    )
    with pytest.raises(ConfigError, match="ERPNext connector is not part of this erp-console"):
        open_session(_target(company, erp="erpnext", store=_store(tmp_path)))
    session = open_session(_target(company, store=_store(tmp_path)))
    session.dispose()
    assert session.erp.product == "Dolibarr"


def test_an_unsupported_version_is_refused_not_guessed(new_database_url, tmp_path):
    url = new_database_url("mysql", "doli16")
    dolibarr.build(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE llx_const SET value = '16.0.5' WHERE name LIKE 'MAIN_VERSION%'"))
    engine.dispose()
    with pytest.raises(ConfigError, match="Dolibarr 16.0.5 is not supported"):
        open_session(_target(url, store=_store(tmp_path)))
    result = _cli("--url", url, "--store", _store(tmp_path), "users", "list")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "Dolibarr 16.0.5 is not supported" in result.stderr


def test_profile_keys_erp_store_and_allow_writes(tmp_path):
    from erp_console.config import Config, Profile, load_config, save_config

    path = tmp_path / "config.toml"
    save_config(
        Config(
            {
                "odoo": Profile(
                    "odoo",
                    "postgresql://odoo@db1/prod",
                    erp="odoo",
                    store="postgresql://console@db2/store",
                    allow_writes=True,
                )
            }
        ),
        path,
    )
    loaded = load_config(path)
    target = resolve_target(profile="odoo", env={}, config=loaded)
    assert (target.erp, target.store, target.allow_writes) == (
        "odoo",
        "postgresql://console@db2/store",
        True,
    )
    env_store = resolve_target(
        profile="odoo", env={"ERP_CONSOLE_STORE": "sqlite:///s"}, config=loaded
    )
    assert env_store.store == "sqlite:///s"
    path.write_text('[profiles.x]\nurl = "sqlite:///x"\nerp = "sap"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="erp = 'sap'"):
        load_config(path)


# ---- the CLI ---------------------------------------------------------------------------------


def _cli(*args):
    return CliRunner().invoke(main, ["--operator", "tester", *args])


def test_cli_reads_erp_users_as_one_json_document_and_refuses_writes_by_default(company, tmp_path):
    on_erp = ("--url", company, "--store", _store(tmp_path))
    listed = _cli(*on_erp, "--format", "json", "users", "list", "--limit", "5")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert len(rows) == 5 and rows == sorted(rows, key=lambda r: r["login"].lower())
    refused = _cli(*on_erp, "users", "disable", "s.leroy", "--reason", "left")
    assert refused.exit_code == 1 and refused.stderr.count("\n") == 1
    assert "Dolibarr 19.0.2 is open read-only" in refused.stderr
    assert "--allow-writes" in refused.stderr
    unsupported = _cli(*on_erp, "--allow-writes", "users", "lock", "s.leroy", "--reason", "x")
    assert unsupported.exit_code == 1 and "locking users is not supported" in unsupported.stderr
    no_add = _cli(*on_erp, "--allow-writes", "users", "add", "x.new", "--name", "New")
    assert no_add.exit_code == 1 and "do it in Dolibarr itself" in no_add.stderr
    no_end = _cli(
        *on_erp,
        "--allow-writes",
        "grant",
        "Comptables",
        "s.leroy",
        "--reason",
        "r",
        "--to",
        "2030-01-01",
    )
    assert no_end.exit_code == 1 and "grants with validity dates" in no_end.stderr


def test_init_never_creates_console_tables_in_an_erp(company, tmp_path):
    before = _tables(company)
    refused = _cli("--url", company, "init")
    assert refused.exit_code == 1 and "--store" in refused.stderr
    assert "never creates a table there" in refused.stderr
    demo = _cli("--url", company, "demo")
    assert demo.exit_code == 1 and "never creates a table there" in demo.stderr
    assert _tables(company) == before
    store = _store(tmp_path)
    made = _cli("--url", company, "--store", store, "init")
    assert made.exit_code == 0, made.output
    assert "schema created" in made.output and "maintenance_log" in _tables(store)
    assert _tables(company) == before


def test_audit_verify_names_erp_writes_with_no_outcome(company, tmp_path):
    from erp_console.services.core.audit import append_entry

    store_url = _store(tmp_path)
    on_erp = ("--url", company, "--store", store_url)
    assert _cli(*on_erp, "audit", "verify").exit_code == 0
    store = connect(store_url)
    with store.begin() as s:
        append_entry(
            s,
            actor="alice",
            action="erp.user.disable.intent",
            target_type="user",
            target_id="7",
            target_label="bob",
            reason="left",
        )
    store.dispose()
    verified = _cli(*on_erp, "audit", "verify")
    assert verified.exit_code == 1
    assert "1 ERP write(s) have no recorded outcome (entries #1)" in verified.stderr
    assert "erp.user.disable bob" in verified.stderr
    pending = _cli(*on_erp, "--format", "json", "audit", "list", "--pending")
    assert pending.exit_code == 0, pending.output
    assert [(p["id"], p["action"], p["target"]) for p in json.loads(pending.stdout)] == [
        (1, "erp.user.disable", "bob")
    ]


def test_demo_erp_not_installed_is_named(monkeypatch, new_database_url):
    import sys

    monkeypatch.setitem(sys.modules, "erp_console.demo.erp.erpnext", None)
    url = new_database_url("sqlite", "empty")
    result = _cli("demo", "--erp", "erpnext", "--url", url)
    assert result.exit_code == 2
    assert "ERPNext demo is not part of this erp-console" in result.stderr

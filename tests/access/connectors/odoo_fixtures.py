"""The Odoo demo (scale 1, Odoo 17) built once per test module on the real PostgreSQL server; each
test gets its own copy (CREATE DATABASE ... TEMPLATE), so writes never leak between tests."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from erp_console.db.engine import connect
from erp_console.demo.erp.odoo import build, seed_store
from erp_console.services.access.backends.odoo import OdooIdentity
from tests.conftest import server_for


@pytest.fixture(scope="module")
def odoo_template(servers) -> str:
    server = server_for(servers, "postgresql")
    url = server.create("odoo_tpl")
    build(url)
    return url


@pytest.fixture
def odoo_url(servers, odoo_template) -> str:
    server = server_for(servers, "postgresql")
    name = f"erpc_odoo_{uuid.uuid4().hex[:10]}"
    template = odoo_template.rsplit("/", 1)[1]
    with server.admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    server.created.append(name)
    return server.admin_url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def store(sqlite_db):
    seed_store(sqlite_db, actor="tester")
    return sqlite_db


@pytest.fixture
def target(odoo_url):
    db = connect(odoo_url)
    yield db
    db.dispose()


@pytest.fixture
def odoo(target, store) -> OdooIdentity:
    return OdooIdentity(target, store)

"""The Odoo connector's hot reads use the indexes Odoo itself creates (and no other), on a company of
a few thousand users with fresh statistics: a login lookup, a user's effective permissions and
who-has read res_users, res_partner, res_groups_users_rel and res_users_log by index, never whole."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from erp_console.db.engine import connect
from erp_console.demo.erp.odoo import build, seed_store
from erp_console.services.access.backends import odoo_tables as s
from erp_console.services.access.backends.odoo import OdooIdentity
from tests.conftest import server_for
from tests.support.plans import analyze, capturing, explain

BIG_TABLES = ("res_users", "res_partner", "res_groups_users_rel", "res_users_log")


@pytest.fixture(scope="module")
def company_url(servers) -> str:
    url = server_for(servers, "postgresql").create("odoo_plans")
    build(url, scale=10)  # ~4,100 users
    return url


@pytest.fixture
def odoo(company_url, sqlite_db):
    seed_store(sqlite_db, actor="tester")
    target = connect(company_url)
    analyze(target, [t.name for t in s.TABLES])
    yield OdooIdentity(target, sqlite_db)
    target.dispose()


def _plans(odoo: OdooIdentity, work) -> list:
    with capturing(odoo.target) as sent:
        work()
    return [explain(odoo.target, statement, params) for statement, params in sent]


def _assert_bounded(plans) -> None:
    touched = set()
    for plan in plans:
        for table in BIG_TABLES:
            for access in plan.of(table):
                touched.add(table)
                assert access.bounded, f"{table} read whole:\n{plan}"
    assert touched, "none of the big tables was read"


def test_only_odoo_indexes_exist(odoo):
    with odoo.target.engine.connect() as conn:
        names = set(
            conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
            ).scalars()
        )
    declared = {i.name for t in s.TABLES for i in t.indexes}
    declared |= {
        c.name
        for t in s.TABLES
        for c in t.constraints
        if c.name and c.name.endswith(("_pkey", "_key", "_uniq"))
    }
    assert names == declared


def test_login_lookup_seeks_the_login_key(odoo):
    plans = _plans(odoo, lambda: odoo.get_user("cfo"))
    _assert_bounded(plans)
    assert any(a.index == "res_users_login_key" for p in plans for a in p.of("res_users"))


def test_effective_permissions_seek_the_users_groups(odoo):
    plans = _plans(odoo, lambda: odoo.effective_permissions("head.purchasing"))
    _assert_bounded(plans)
    assert any(
        a.index == "res_groups_users_rel_uid_gid_idx"
        for p in plans
        for a in p.of("res_groups_users_rel")
    )


def test_who_has_seeks_members_of_the_granting_groups(odoo):
    plans = _plans(odoo, lambda: odoo.who_has("res.users:write"))
    _assert_bounded(plans)
    assert any(
        a.index == "res_groups_users_rel_pkey" for p in plans for a in p.of("res_groups_users_rel")
    )


def test_first_page_of_users_walks_the_login_key(odoo):
    plans = _plans(odoo, lambda: (odoo.list_users(limit=100), odoo.count_users()))
    page = plans[0]
    assert [a.index for a in page.of("res_users")] == ["res_users_login_key"] and not page.sorts
    for table in ("res_partner", "res_users_log"):
        assert all(a.bounded for a in page.of(table)), str(page)

"""The ERPNext connector's hot paths read users through the indexes Frappe itself creates.

A demo of 4,000 users on MariaDB with fresh statistics; each test captures the statements a real
call sends and has MariaDB EXPLAIN them. Frappe indexes `tabUser` by its primary key `name` and
`tabHas Role` by `parent` only (no index on `role`: who-has reads `tabHas Role` whole, as
Frappe's own "users with role" lookups do); the permission matrix tables (DocPerm, Custom DocPerm,
Role, DocType) are a few hundred rows whatever the number of users and are read whole.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from erp_console.db.engine import Database, connect
from erp_console.demo.erp import erpnext as demo
from erp_console.services.access.backends.erpnext import ErpnextIdentity
from erp_console.services.access.users import UserFilter
from tests.conftest import server_for
from tests.support.plans import Plan, capturing, explain

MATRIX = {"tabDocPerm", "tabCustom DocPerm", "tabRole", "tabDocType"}


@pytest.fixture(scope="module")
def target(servers) -> Iterator[Database]:
    url = server_for(servers, "mysql").create("erpnext_plans")
    demo.build(url, scale=10)  # 4,000 users; build() runs ANALYZE TABLE at the end
    db = connect(url)
    yield db
    db.dispose()


@pytest.fixture
def erp(target, sqlite_db) -> ErpnextIdentity:
    demo.seed_store(sqlite_db, actor="tester")
    return ErpnextIdentity(target, sqlite_db)


@pytest.fixture
def someone(target) -> str:
    with target.engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT parent FROM `tabHas Role` WHERE role = 'Accounts User' "
                "AND parenttype = 'User' ORDER BY parent LIMIT 1"
            )
        ).scalar_one()


def plans(db: Database, call, touching: str) -> list[Plan]:
    with capturing(db) as sent:
        call()
    found = [explain(db, s, p) for s, p in sent if touching in s]
    assert found, f"no statement touching {touching!r} among:\n" + "\n".join(s for s, _ in sent)
    return found


def assert_seeks(plan: Plan, table: str, index: str) -> None:
    accesses = plan.of(table)
    assert accesses, f"{table} is not read by:\n{plan}"
    for found in accesses:
        assert found.bounded and found.index == index, f"{table} not sought via {index}:\n{plan}"


def test_user_lookup_seeks_the_primary_key_and_the_parent_index(erp, target, someone):
    found = plans(target, lambda: erp.get_user(someone), "tabUser")
    user_reads = [p for p in found if p.of("tabUser")]
    assert all(a.index == "PRIMARY" and a.bounded for p in user_reads for a in p.of("tabUser"))
    (roles,) = plans(target, lambda: erp.get_user(someone), "`tabHas Role`")
    assert_seeks(roles, "tabHas Role", "parent")


def test_effective_permissions_read_one_user_and_its_roles(erp, target, someone):
    for plan in plans(target, lambda: erp.effective_permissions(someone), "FROM `tab"):
        for access in plan.accesses:
            if access.table in MATRIX:
                continue
            assert access.bounded, f"{access.table} is read whole:\n{plan}"
            assert access.index == {"tabUser": "PRIMARY", "tabHas Role": "parent"}[access.table]


def test_screen_two_first_page_walks_the_primary_key_without_sorting(erp, target):
    (first,) = plans(target, lambda: erp.list_users(limit=100), "FROM `tabUser`")
    (access,) = first.of("tabUser")
    assert access.index == "PRIMARY" and not first.sorts, str(first)
    key = erp.list_users(limit=100)[-1].sort_key
    (following,) = plans(target, lambda: erp.list_users(after=key, limit=100), "FROM `tabUser`")
    assert_seeks(following, "tabUser", "PRIMARY")
    assert not following.sorts


def test_the_role_filter_looks_roles_up_by_parent(erp, target):
    (plan,) = plans(
        target,
        lambda: erp.list_users(UserFilter(role="Accounts User"), limit=100),
        "FROM `tabUser`",
    )
    assert_seeks(plan, "tabHas Role", "parent")
    assert not plan.sorts


def test_who_has_reads_has_role_once_and_each_holder_by_primary_key(erp, target):
    (plan,) = plans(target, lambda: erp.who_has("Purchase Invoice:submit"), "JOIN `tabUser`")
    # Frappe has no index on `tabHas Role`.role: that table is read whole, once, in order
    assert [(a.table, a.bounded) for a in plan.accesses] == [
        ("tabHas Role", False),
        ("tabUser", True),
    ], str(plan)
    assert_seeks(plan, "tabUser", "PRIMARY")

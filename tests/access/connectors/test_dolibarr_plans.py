"""Query plans of the Dolibarr connector's hot reads, at a few thousand users, on MariaDB and
PostgreSQL, with only the indexes Dolibarr itself creates.

The login lookup and a user's effective permissions seek into Dolibarr's unique keys. who-has
reaches users through their primary key; the rights side has no index starting with the right id
(llx_user_rights, llx_usergroup_rights) and, on PostgreSQL, none starting with the group of a
membership (Dolibarr's foreign keys create none there; InnoDB adds one on MariaDB): those reads
are named here so a plan that gets worse than that fails.
"""

from __future__ import annotations

import pytest

from erp_console.db.engine import connect
from erp_console.db.schema import init_schema
from erp_console.demo.erp.dolibarr import build, seed_store
from erp_console.services.access.backends.dolibarr import DolibarrIdentity
from tests.conftest import server_for
from tests.support.plans import capturing, explain

# Every index Dolibarr's install creates on these tables (primary keys included), plus the ones
# InnoDB creates for Dolibarr's foreign keys on MariaDB.
DOLIBARR_INDEXES = {
    "PRIMARY",
    "llx_user_pkey",
    "uk_user_login",
    "idx_user_fk_societe",
    "uk_user_fk_socpeople",
    "uk_user_fk_member",
    "uk_user_api_key",
    "llx_usergroup_pkey",
    "uk_usergroup_name",
    "llx_usergroup_user_pkey",
    "uk_usergroup_user",
    "fk_usergroup_user_fk_user",
    "fk_usergroup_user_fk_usergroup",
    "llx_rights_def_pkey",
    "pk_rights_def",
    "llx_user_rights_pkey",
    "uk_user_rights",
    "fk_user_rights_fk_user_user",
    "llx_usergroup_rights_pkey",
    "uk_usergroup_rights",
    "fk_usergroup_rights_fk_usergroup",
    "llx_const_pkey",
    "uk_const",
}


@pytest.fixture(scope="module", params=("mysql", "postgresql"))
def erp(request, servers, tmp_path_factory):
    url = server_for(servers, request.param).create("doliplan")
    build(url, scale=8)
    store = connect(f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite3'}")
    init_schema(store)
    seed_store(store, actor="tester")
    target = connect(url, read_only=True)
    backend = DolibarrIdentity(target, store)
    backend.who_has("facture.lire")  # the administrators are read once, then kept for a while
    yield backend
    target.dispose()
    store.dispose()


def _plans(erp, work) -> list:
    with capturing(erp.target) as sent:
        work()
    return [explain(erp.target, s, p, prefer_indexes=True) for s, p in sent]


def _user_login(erp) -> str:
    return next(u.login for u in erp.list_users(limit=50) if erp.get_user(u.login).grants)


def _only_dolibarr_indexes(plans) -> None:
    for plan in plans:
        for access in plan.accesses:
            assert access.index is None or access.index in DOLIBARR_INDEXES, plan


def test_login_lookup_seeks_dolibarrs_unique_login_key(erp):
    login = _user_login(erp)
    plans = _plans(erp, lambda: erp.get_user(login))
    lookup = next(p for p in plans if "llx_user.login =" in p.statement)
    (access,) = lookup.of("llx_user")
    assert access.bounded and access.index == "uk_user_login", lookup
    _only_dolibarr_indexes(plans)


def test_the_first_page_walks_the_login_key(erp):
    first = erp.list_users(limit=100)
    plans = _plans(erp, lambda: erp.list_users(after=first[-1].sort_key, limit=100))
    page = next(p for p in plans if "ORDER BY" in p.statement)
    (access,) = page.of("llx_user")
    assert access.bounded and access.index == "uk_user_login" and not page.sorts, page
    _only_dolibarr_indexes(plans)


def test_effective_permissions_seek_user_rights_and_memberships(erp):
    login = _user_login(erp)
    plans = _plans(erp, lambda: erp.effective_permissions(login))
    for table, index in (
        ("llx_user_rights", "uk_user_rights"),
        ("llx_usergroup_user", "uk_usergroup_user"),
    ):
        accesses = [a for p in plans for a in p.of(table)]
        assert accesses and all(a.bounded and a.index == index for a in accesses), [
            str(p) for p in plans if p.of(table)
        ]
    for plan in plans:
        assert all(a.bounded for a in plan.of("llx_user")), plan
    _only_dolibarr_indexes(plans)


def test_who_has_reaches_users_by_primary_key(erp):
    plans = _plans(erp, lambda: erp.who_has("banque.configurer"))
    user_reads = [a for p in plans for a in p.of("llx_user")]
    assert user_reads and all(a.bounded for a in user_reads), [str(p) for p in plans]
    memberships = [a for p in plans for a in p.of("llx_usergroup_user")]
    if erp.target.dialect == "mysql":
        assert all(
            a.bounded and a.index == "fk_usergroup_user_fk_usergroup" for a in memberships
        ), [str(p) for p in plans]
    unbounded = {a.table for p in plans for a in p.accesses if not a.bounded}
    allowed = {"llx_rights_def", "llx_usergroup", "llx_user_rights", "llx_usergroup_rights"}
    if erp.target.dialect == "postgresql":
        allowed.add("llx_usergroup_user")
    assert unbounded <= allowed, [str(p) for p in plans]
    _only_dolibarr_indexes(plans)

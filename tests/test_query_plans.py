"""The hot paths reach their tables through indexes, on every dialect (EXPLAIN of the real SQL).

Each test captures the statements a real service call sends and has the database EXPLAIN them
with the same parameters. Tables that grow with the enterprise (users, grants, log lines) must be
read through an index seek in the planner's own choice, on a demo of 4,000 users with fresh
statistics. The catalog tables (a few hundred permissions and role-permission pairs, whatever
the number of users) are read whole by PostgreSQL and MariaDB because that is cheaper; for those
the test asks the planner to prefer indexes, which checks the query shape lets an index serve it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from erp_console.db.engine import Database, connect
from erp_console.db.models import Department, ErpUser, Permission, UserRole
from erp_console.db.schema import init_schema
from erp_console.services.access import grants, user_panel
from erp_console.services.access import users as access
from erp_console.services.access.users import UserFilter
from erp_console.services.processes import catalog as processes
from erp_console.services.processes import coverage
from tests.conftest import DIALECTS, server_for
from tests.support.plans import Plan, analyze, capturing, explain

TABLES = [
    "erp_user",
    "user_role",
    "role_permission",
    "permission",
    "role",
    "department",
    "system_log",
    "process_step",
    "process_version",
    "business_process",
]
LOGIN_INDEX = {
    "sqlite": "sqlite_autoindex_erp_user_1",
    "postgresql": "uq_erp_user_login_key",
    "mysql": "uq_erp_user_login_key",
}


@dataclass(frozen=True)
class Demo:
    db: Database
    login: str  # an active user holding roles
    permission: str  # held by some users
    department: str  # has locked users
    keys: list[tuple[str, int]]  # (login_key, id) of every user, in list order


@pytest.fixture(scope="module", params=DIALECTS)
def demo(request, servers, tmp_path_factory) -> Iterator[Demo]:
    """A demo ERP of 4,000 users, 8,700 grants and 20,000 log lines, built once per dialect."""
    from erp_console.demo import build_demo

    dialect = request.param
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('plans') / 'plans.sqlite3'}"
    else:
        url = server_for(servers, dialect).create("plans")
    db = connect(url)
    init_schema(db)
    build_demo(db, scale=10, log_lines=20_000, actor="tester")
    analyze(db, TABLES)
    with db.session() as s:
        login = s.scalar(
            select(ErpUser.login)
            .join(UserRole, UserRole.user_id == ErpUser.id)
            .where(ErpUser.status == "active", ErpUser.valid_to.is_(None))
            .order_by(ErpUser.id)
            .limit(1)
        )
        locked_dept = s.scalar(
            select(Department.code)
            .join(ErpUser, ErpUser.department_id == Department.id)
            .where(ErpUser.status == "locked")
            .group_by(Department.code)
            .order_by(func.count().desc(), Department.code)
            .limit(1)
        )
        assert s.scalar(select(Permission.id).where(Permission.code == "FI.INVOICE.POST"))
        keys = [
            tuple(k)
            for k in s.execute(select(ErpUser.login_key, ErpUser.id).order_by(ErpUser.login_key))
        ]
    yield Demo(db, login, "FI.INVOICE.POST", locked_dept, keys)
    db.dispose()


def plans(demo: Demo, call: Callable[[], object], touching: str, **options) -> list[Plan]:
    """EXPLAIN of every statement the call sent whose text contains `touching`."""
    with capturing(demo.db) as sent:
        call()
    found = [
        explain(demo.db, statement, params, **options)
        for statement, params in sent
        if touching in statement
    ]
    assert found, f"no statement containing {touching!r} among:\n" + "\n".join(s for s, _ in sent)
    return found


def assert_seeks(plan: Plan, table: str, index: str | None = None) -> None:
    accesses = plan.of(table)
    assert accesses, f"{table} is not read by:\n{plan}"
    for found in accesses:
        assert found.bounded, f"{table} is read whole ({found.index or 'table scan'}):\n{plan}"
        if index:
            assert found.index == index, f"{table} read through {found.index}, not {index}:\n{plan}"


# --- access ---------------------------------------------------------------------------------


def test_effective_permissions_find_the_user_by_login_and_the_grants_by_user(demo):
    (plan,) = plans(demo, lambda: grants.effective_permissions(demo.db, demo.login), "user_role")
    assert_seeks(plan, "erp_user")
    assert_seeks(plan, "user_role")
    assert_seeks(plan, "role_permission")
    assert [a for a in plan.of("erp_user") if a.index == LOGIN_INDEX[demo.db.dialect]]


def test_explain_finds_the_user_permission_and_granting_roles_by_key(demo):
    def call():
        grants.explain(demo.db, demo.login, demo.permission)

    subject, roles = plans(demo, call, "WHERE", prefer_indexes=False)
    assert_seeks(subject, "erp_user", LOGIN_INDEX[demo.db.dialect])
    assert_seeks(roles, "user_role")
    shaped_subject, shaped_roles = plans(demo, call, "WHERE", prefer_indexes=True)
    assert_seeks(shaped_subject, "permission")
    assert_seeks(shaped_roles, "role_permission")


def test_who_has_reaches_grants_through_the_permission_and_the_role(demo):
    def call():
        assert grants.who_has(demo.db, demo.permission)

    (holders,) = plans(demo, call, "user_role")
    assert_seeks(holders, "user_role")
    assert_seeks(holders, "erp_user")
    (shaped,) = plans(demo, call, "user_role", prefer_indexes=True)
    assert_seeks(shaped, "role_permission")
    (lookup,) = plans(demo, call, "FROM permission", prefer_indexes=True)
    assert_seeks(lookup, "permission")


def test_user_filter_by_status_and_department_seeks_the_users(demo):
    flt = UserFilter(status="locked", department=demo.department)

    def call():
        assert access.list_users(demo.db, flt)
        assert access.count_users(demo.db, flt).count

    page, count = plans(demo, call, "FROM erp_user")
    for plan in (page, count):
        assert_seeks(plan, "erp_user")


def test_first_page_of_a_broad_filter_walks_the_login_index_without_sorting(demo):
    """90% of users are active: the page must come from the login index in order, not from
    reading every active user and sorting them."""
    (page,) = plans(
        demo, lambda: access.list_users(demo.db, UserFilter(status="active")), "FROM erp_user"
    )
    logins = [a for a in page.of("erp_user") if a.index == LOGIN_INDEX[demo.db.dialect]]
    assert logins, f"the page is not read in login order:\n{page}"
    assert not page.sorts, f"every active user is sorted for one page:\n{page}"


@pytest.mark.parametrize("where", ["early", "deep"])
def test_keyset_page_starts_at_the_key_in_the_login_index(demo, where):
    """page_after seeks to the key: page 2 and page 40 cost what page 1 costs."""
    key = demo.keys[100] if where == "early" else demo.keys[-150]
    (page,) = plans(demo, lambda: access.list_users(demo.db, after=key), "FROM erp_user")
    assert_seeks(page, "erp_user", LOGIN_INDEX[demo.db.dialect])
    if where == "early":  # sorting the 150 rows after a deep key is cheap; 3,900 are not
        assert not page.sorts, f"every row after the key is sorted for one page:\n{page}"


# --- logs -----------------------------------------------------------------------------------


def test_recent_log_lines_of_a_user_seek_the_user_index(demo):
    (plan,) = plans(
        demo, lambda: user_panel.load_user_panel(demo.db, demo.login), "FROM system_log"
    )
    assert_seeks(plan, "system_log", "ix_system_log_user_ts")


# --- processes ------------------------------------------------------------------------------


def test_coverage_can_reach_holders_through_indexes(demo):
    """Coverage needs the holders of every step and SoD permission — most grants of the demo —
    so reading users and grants whole is the planner's right choice there; the check is that the
    query shape lets an index serve the users and grants. (The catalog-sized tables it reads —
    role_permission for ~50 of 200 permissions, the steps of the versions in force — are read
    whole even then, rightly.)"""

    def call():
        assert coverage.coverage(demo.db)

    (holders,) = plans(demo, call, "JOIN user_role", prefer_indexes=True)
    for table in ("user_role", "erp_user"):
        assert_seeks(holders, table)


def test_process_list_counts_holders_through_indexes(demo):
    """The list's badges: the database counts each step's holders (services/coverage_counts)."""

    def call():
        assert processes.list_processes(demo.db)

    statements = plans(demo, call, "step_holder", prefer_indexes=True)
    for plan in statements:
        for table in ("user_role", "erp_user"):
            assert_seeks(plan, table)

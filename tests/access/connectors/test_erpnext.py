"""The ERPNext connector on a real MariaDB holding the ERPNext demo (Frappe's own tables)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, text, update

from erp_console.db.engine import connect
from erp_console.db.models import MaintenanceLog
from erp_console.demo.erp import erpnext as demo
from erp_console.errors import ConfigError, Conflict, NotFound, ReadOnlyError, ValidationError
from erp_console.services.access.backends import erpnext_tables as fs
from erp_console.services.access.backends.erpnext import ErpnextIdentity, detect
from erp_console.services.access.erp_audit import pending_intents
from erp_console.services.access.identity import IdentityBackend
from erp_console.services.access.users import UserFilter
from tests.conftest import server_for

ACTOR = "console-admin"


@pytest.fixture(scope="module")
def erp_url(servers) -> str:
    url = server_for(servers, "mysql").create("erpnext")
    demo.build(url)
    return url


@pytest.fixture
def fresh_url(new_database_url) -> str:
    """A demo of its own, for tests that change who holds System Manager."""
    url = new_database_url("mysql", "erpnext_w")
    demo.build(url)
    return url


@pytest.fixture
def store(sqlite_db):
    demo.seed_store(sqlite_db, actor="tester")
    return sqlite_db


@pytest.fixture
def target(erp_url):
    db = connect(erp_url)
    yield db
    db.dispose()


@pytest.fixture
def erp(target, store) -> ErpnextIdentity:
    return ErpnextIdentity(target, store)


def names(target, sql: str, **params) -> list[str]:
    with target.engine.connect() as conn:
        return [r[0] for r in conn.execute(text(sql), params)]


def users_with(target, role: str, *, without: str = "", enabled: int = 1, taken=()) -> list[str]:
    """Enabled System Users holding `role` and not `without`, by name."""
    found = names(
        target,
        "SELECT u.name FROM tabUser u JOIN `tabHas Role` h ON h.parent = u.name "
        "WHERE h.role = :role AND h.parenttype = 'User' AND u.enabled = :enabled "
        "AND u.user_type = 'System User' AND NOT EXISTS (SELECT 1 FROM `tabHas Role` x "
        "WHERE x.parent = u.name AND x.role = :without) ORDER BY u.name",
        role=role,
        without=without,
        enabled=enabled,
    )
    return [n for n in found if n not in taken]


def user_row(target, name: str) -> dict:
    with target.engine.connect() as conn:
        return dict(conn.execute(select(fs.User).where(fs.User.c.name == name)).mappings().one())


def has_role_rows(target, name: str) -> list[dict]:
    with target.engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(fs.HasRole)
                .where(fs.HasRole.c.parent == name, fs.HasRole.c.parenttype == "User")
                .order_by(fs.HasRole.c.idx)
            ).mappings()
        ]


def audit_actions(store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(MaintenanceLog.action).order_by(MaintenanceLog.id)))


def changed_columns(before: dict, after: dict) -> set[str]:
    return {k for k in before if before[k] != after[k]}


# --- detection -------------------------------------------------------------------------------


def test_the_demo_is_detected_as_erpnext_with_its_version(erp):
    assert isinstance(erp, IdentityBackend)
    assert erp.identity.kind == "erpnext"
    assert erp.identity.label == f"ERPNext {demo.ERPNEXT_VERSION}"
    assert erp.read_only is False
    assert erp.capabilities == {"disable", "grant"}


def _frappe_site(url: str, versions: list[tuple[str, str]]) -> None:
    db = connect(url)
    fs.metadata.create_all(db.engine)
    with db.engine.begin() as conn:
        for i, (app, version) in enumerate(versions, start=1):
            conn.execute(
                fs.InstalledApplication.insert().values(
                    name=f"app{i}",
                    app_name=app,
                    app_version=version,
                    parent="Installed Applications",
                )
            )
    db.dispose()


def test_an_unsupported_version_is_refused_naming_it_and_the_range(new_database_url, store):
    url = new_database_url("mysql", "frappe13")
    _frappe_site(url, [("frappe", "13.58.1"), ("erpnext", "13.52.0")])
    target = connect(url)
    with pytest.raises(ConfigError, match=r"13\.58\.1 is not supported.*14–15"):
        ErpnextIdentity(target, store)
    target.dispose()


def test_a_newer_erpnext_on_a_supported_frappe_is_refused_too(new_database_url):
    url = new_database_url("mysql", "erpnext16")
    _frappe_site(url, [("frappe", "15.40.0"), ("erpnext", "16.0.0-dev")])
    target = connect(url)
    with target.engine.connect() as conn, pytest.raises(ConfigError, match="ERPNext 16.0.0-dev"):
        detect(conn)
    target.dispose()


def test_a_site_without_a_recorded_version_is_refused_not_guessed(new_database_url):
    url = new_database_url("mysql", "frappe_old")
    _frappe_site(url, [])
    target = connect(url)
    with pytest.raises(ConfigError, match="records no version"):
        detect(target)
    target.dispose()


def test_a_database_that_is_not_frappe_is_not_detected(new_database_url, store):
    target = connect(new_database_url("mysql", "empty"))
    assert detect(target) is None
    with pytest.raises(ConfigError, match="not a Frappe/ERPNext database"):
        ErpnextIdentity(target, store)
    target.dispose()


# --- users -----------------------------------------------------------------------------------


def test_users_page_through_every_user_in_name_order(erp):
    total = demo.SYSTEM_USERS + demo.WEBSITE_USERS + 2
    assert erp.count_users().count == total and erp.count_users().exact
    seen, after = [], None
    while page := erp.list_users(after=after, limit=100):
        seen += [u.login for u in page]
        after = page[-1].sort_key
    assert len(seen) == len(set(seen)) == total
    # one page of everything, in the collation's order, is what 100-row pages add up to
    assert seen == [u.login for u in erp.list_users(limit=1000)]
    assert seen.index("Administrator") < seen.index("zoe.novak@northwind.example")
    assert {"Administrator", "Guest"} <= set(seen)
    last = erp.list_users_before(limit=3)
    assert [u.login for u in last] == seen[-3:]
    before = erp.list_users_before(before=erp.list_users(limit=10)[-1].sort_key, limit=4)
    assert [u.login for u in before] == seen[5:9]


def test_big_counts_stop_at_the_cap_or_use_innodbs_estimate(erp, monkeypatch):
    from erp_console.services.access.backends import erpnext as backend

    monkeypatch.setattr(backend, "COUNT_CAP", 100)
    active = erp.count_users(UserFilter(status="active"))
    assert (active.count, active.exact, active.label()) == (100, False, "100+")
    everyone = erp.count_users()
    total = demo.SYSTEM_USERS + demo.WEBSITE_USERS + 2
    assert not everyone.exact and everyone.label().startswith("≈")
    assert abs(everyone.count - total) < total * 0.5  # InnoDB's estimate after ANALYZE
    few = erp.count_users(UserFilter(status="disabled"))
    assert few.exact and few.count < 100


def test_filters_by_text_status_and_role(erp, target):
    found = erp.list_users(UserFilter(text="horvath"), limit=1000)
    assert found and all("horvath" in (u.login + u.full_name).lower() for u in found)
    disabled = erp.list_users(UserFilter(status="disabled"), limit=1000)
    assert disabled and all(u.status == "disabled" for u in disabled)
    assert erp.count_users(UserFilter(status="disabled")).count == len(disabled)
    assert (
        erp.count_users(UserFilter(status="active")).count + len(disabled)
        == erp.count_users().count
    )
    assert erp.list_users(UserFilter(status="locked")) == []
    managers = [u.login for u in erp.list_users(UserFilter(role="System Manager"))]
    assert managers == [m for m, _valid_to in erp.get_role("System Manager").members]
    assert erp.list_users(UserFilter(department="FIN")) == []
    assert erp.departments() == []


def test_a_user_shows_roles_type_profile_and_restrictions(erp, target):
    (name,) = names(
        target,
        "SELECT user FROM `tabUser Permission` WHERE allow = 'Warehouse' ORDER BY user LIMIT 1",
    )
    user = erp.get_user(name)
    assert user.login == name and user.email == name
    assert user.user_type == "System User" and user.status in ("active", "disabled")
    assert [g.role for g in user.grants] == [r["role"] for r in has_role_rows(target, name)]
    assert ("Warehouse", user.user_permissions[0][1]) in user.user_permissions
    admin = erp.get_user("Administrator")
    assert admin.email == "admin@example.com" and admin.user_type == "System User"
    assert erp.get_user("Guest").user_type == "Website User"


def test_dormant_users_are_enabled_system_users_without_a_recent_login(erp):
    dormant = erp.dormant_users(90)
    assert dormant
    cutoff = dt.datetime.now() - dt.timedelta(days=90)
    for user in dormant:
        assert user.status == "active"
        assert user.last_login_at is None or user.last_login_at < cutoff
        assert erp.get_user(user.login).user_type == "System User"
    assert "Guest" not in {u.login for u in dormant}
    assert erp.expired_active_users() == []
    with pytest.raises(ValidationError, match="days"):
        erp.dormant_users(0)


# --- roles and rights ------------------------------------------------------------------------


def test_roles_list_their_rights_and_members(erp, target):
    roles = {r.code: r for r in erp.list_roles()}
    assert {"Accounts User", "Accounts Manager", "Purchase User", "System Manager"} <= set(roles)
    assert roles["Maintenance User"].description.startswith("disabled")
    manager = erp.get_role("Accounts Manager")
    codes = {code for code, _module, _risk in manager.permissions}
    assert {"Payment Entry:submit", "Sales Invoice:write@1", "Journal Entry:cancel"} <= codes
    members = {m for m, _ in manager.members}
    assert members == set(
        names(
            target,
            "SELECT parent FROM `tabHas Role` WHERE role='Accounts Manager' AND parenttype='User'",
        )
    )
    assert roles["Accounts Manager"].members == len(members)
    assert roles["Accounts Manager"].permissions == len(codes)


def test_custom_docperm_replaces_the_doctypes_docperm_rows(erp, target):
    clerk = users_with(target, "Accounts User", without="Accounts Manager")[0]
    mine = {p.code: p for p in erp.effective_permissions(clerk)}
    # standard DocPerm gives Accounts User submit on Payment Entry; the Custom DocPerm does not
    assert "Payment Entry:write" in mine and "Payment Entry:submit" not in mine
    assert mine["Purchase Invoice:submit"].roles == ("Accounts User",)
    assert mine["Purchase Invoice:submit"].module == "Accounts"
    assert "Custom DocPerm" in mine["Purchase Invoice:submit"].description
    assert mine["Sales Invoice:submit"].roles == ("Accounts User",)  # standard DocPerm
    storeman = users_with(target, "Stock User", without="Purchase User")[0]
    stock = {p.code for p in erp.effective_permissions(storeman)}
    assert "Purchase Receipt:submit" in stock and "Purchase Order:read" not in stock
    assert erp.effective_permissions("Guest") == []
    assert len(erp.effective_permissions("Administrator")) == len(erp.list_permissions())


def test_higher_permlevels_have_their_own_codes(erp, target):
    hr = users_with(target, "HR User", without="HR Manager")[0]
    codes = {p.code for p in erp.effective_permissions(hr)}
    assert "Employee:read@1" in codes and "Employee:write@1" not in codes
    assert "Employee:write" in codes


def test_who_has_lists_enabled_holders_with_their_roles(erp, target):
    holders = erp.who_has("Payment Entry:submit")
    assert holders[0].login == "Administrator" and holders[0].roles == ("Administrator",)
    expected = set(users_with(target, "Accounts Manager"))
    assert {h.login for h in holders[1:]} == expected
    assert all(h.roles == ("Accounts Manager",) for h in holders[1:])
    disabled = users_with(target, "Accounts User", enabled=0)
    assert not {h.login for h in erp.who_has("Purchase Invoice:submit")} & set(disabled)


def test_explain_says_which_role_and_which_docperm_row(erp, target):
    manager = users_with(target, "Accounts Manager")[0]
    yes = erp.explain(manager, "Payment Entry:submit")
    assert yes.allowed
    assert any(
        re.search(r"via role Accounts Manager .*Custom DocPerm row \w+ of Payment Entry", r)
        for r in yes.reasons
    )
    seller = users_with(target, "Sales User", without="Accounts User")[0]
    standard = erp.explain(seller, "Sales Invoice:read")
    assert standard.allowed and any(
        "DocPerm row" in r and "Sales User" in r for r in standard.reasons
    )
    admin = erp.explain("Administrator", "Payment Entry:cancel")
    assert admin.allowed and "Administrator has every right" in admin.reasons[0]


def test_explain_gives_every_reason_why_not(erp, target):
    clerk = users_with(target, "Accounts User", without="Accounts Manager")[0]
    replaced = erp.explain(clerk, "Payment Entry:submit")
    assert not replaced.allowed
    assert any(
        "come from Custom DocPerm" in r and "would grant it but no longer applies" in r
        for r in replaced.reasons
    )
    assert any(r.endswith("roles that would: Accounts Manager") for r in replaced.reasons)
    worker = users_with(target, "Stock User", without="Accounts User")[0]
    no_role = erp.explain(worker, "Journal Entry:submit")
    assert not no_role.allowed
    assert no_role.reasons[-1] == (
        "no role of the user grants submit on Journal Entry; roles that would: Accounts Manager, Accounts User"
    )
    gone = users_with(target, "Stock User", enabled=0)[0]
    disabled = erp.explain(gone, "Stock Entry:submit")
    assert not disabled.allowed
    assert disabled.reasons[0] == "user is disabled (enabled = 0)"
    assert any("does not apply" in r for r in disabled.reasons)
    (website,) = names(
        target,
        "SELECT name FROM tabUser WHERE user_type='Website User' AND name <> 'Guest' ORDER BY name LIMIT 1",
    )
    portal = erp.explain(website, "Sales Invoice:read")
    assert not portal.allowed and "Website User" in portal.reasons[0]


def test_compare_roles_and_users(erp, target):
    cmp = erp.compare_roles("Accounts User", "Accounts Manager")
    assert "Payment Entry:submit" in cmp.only_b and "Payment Entry:write" in cmp.both
    assert not set(cmp.only_a) & set(cmp.only_b)
    a = users_with(target, "Accounts User", without="Accounts Manager")[0]
    b = users_with(target, "Accounts Manager")[0]
    users = erp.compare_users(a, b)
    assert "Payment Entry:submit" in users.only_b


def test_sod_rules_from_the_store_are_matched_against_erpnext_rights(erp, target):
    manager = users_with(target, "Accounts Manager")[0]
    (conflict, *_rest) = erp.sod_check_user(manager)
    assert (conflict.rule, conflict.severity) == ("Supplier invoice vs payment", "critical")
    assert conflict.roles_b == ("Accounts Manager",)
    everyone = erp.sod_check_all()
    assert manager in {c.login for c in everyone}
    assert everyone[0].severity == "critical"
    clean = users_with(target, "Sales User", without="Accounts Manager")[0]
    assert erp.sod_check_user(clean) == []


def test_bad_input_is_named_and_changes_nothing(erp, target, store):
    with pytest.raises(NotFound, match="no ERPNext user 'nobody@x'"):
        erp.get_user("nobody@x")
    with pytest.raises(NotFound, match="no ERPNext role 'Wizard'"):
        erp.get_role("Wizard")
    with pytest.raises(
        ValidationError, match="permission: 'Payment Entry:pay' is not an ERPNext right"
    ):
        erp.who_has("Payment Entry:pay")
    with pytest.raises(NotFound, match="no role grants 'Spaceship:read'"):
        erp.who_has("Spaceship:read")
    someone = users_with(target, "Employee", without="Auditor")[0]
    with pytest.raises(ValidationError, match="action: ERPNext has no lock"):
        erp.set_status(someone, "lock", actor=ACTOR, reason="x")
    with pytest.raises(ValidationError, match="reason"):
        erp.set_status(someone, "disable", actor=ACTOR, reason=" ")
    with pytest.raises(ValidationError, match="no validity"):
        erp.grant("Auditor", [someone], actor=ACTOR, reason="r", valid_to=dt.date(2030, 1, 1))
    with pytest.raises(NotFound):
        erp.grant("Auditor", [someone, "ghost@x"], actor=ACTOR, reason="r")
    assert "Auditor" not in [g.role for g in erp.get_user(someone).grants]
    assert audit_actions(store) == ["erp.catalogue.seed"]


# --- writes ----------------------------------------------------------------------------------


def test_disable_and_enable_touch_only_enabled_and_frappes_audit_columns(erp, target, store):
    name = users_with(target, "Employee", without="System Manager", taken=())[1]
    before = user_row(target, name)
    detail = erp.set_status(name, "disable", actor=ACTOR, reason="left the company")
    after = user_row(target, name)
    assert detail.status == "disabled" and after["enabled"] == 0
    assert changed_columns(before, after) == {"enabled", "modified", "modified_by"}
    assert after["modified_by"] == ACTOR and after["modified"] > before["modified"]
    assert detail.version > erp.get_user(name).version - 1
    erp.set_status(name, "enable", actor=ACTOR, reason=None)
    assert user_row(target, name)["enabled"] == 1
    assert audit_actions(store)[1:] == [
        "erp.user.disable.intent",
        "erp.user.disable.done",
        "erp.user.enable.intent",
        "erp.user.enable.done",
    ]
    assert pending_intents(store) == []
    with store.session() as s:
        intent = s.scalars(
            select(MaintenanceLog).where(MaintenanceLog.action == "erp.user.disable.intent")
        ).one()
    assert (intent.target_id, intent.reason) == (name, "left the company")


def test_a_change_since_the_preview_is_refused(erp, target, store):
    name = users_with(target, "Employee", without="System Manager")[2]
    seen = erp.get_user(name)
    with target.engine.begin() as conn:  # someone edits the user in ERPNext meanwhile
        conn.execute(
            update(fs.User)
            .where(fs.User.c.name == name)
            .values(last_name="Renamed", modified=dt.datetime.now(), modified_by="erp-user@x")
        )
    before = user_row(target, name)
    with pytest.raises(Conflict, match="changed in ERPNext since it was read") as exc:
        erp.set_status(name, "disable", actor=ACTOR, reason="r", expected_version=seen.version)
    assert exc.value.exit_code == 4
    assert user_row(target, name) == before
    audited = audit_actions(store)
    with pytest.raises(Conflict, match="changed since the preview"):
        erp.grant(
            "Auditor", [name], actor=ACTOR, reason="r", expected_versions={name: seen.version}
        )
    assert "Auditor" not in [r["role"] for r in has_role_rows(target, name)]
    assert audit_actions(store) == audited  # refused before the intent is recorded
    assert pending_intents(store) == []


def test_a_grant_or_revoke_refuses_a_user_changed_since_its_preview(erp, target, store):
    first, second = users_with(target, "Employee", without="System Manager")[3:5]
    preview = erp.preview_grant("Auditor", [first, second])
    assert set(preview.versions) == {first, second}
    with target.engine.begin() as conn:  # the second user is edited in ERPNext meanwhile
        conn.execute(
            update(fs.User)
            .where(fs.User.c.name == second)
            .values(modified=dt.datetime.now(), modified_by="erp-user@x")
        )
    audited = audit_actions(store)
    with pytest.raises(Conflict, match=re.escape(repr(second))) as exc:
        erp.grant("Auditor", [first, second], actor=ACTOR, reason="r",
                  expected_versions=preview.versions)  # fmt: skip
    assert exc.value.exit_code == 4
    # nothing for either user: the first, unchanged, is not granted alone
    assert "Auditor" not in [r["role"] for r in has_role_rows(target, first)]
    assert audit_actions(store) == audited
    role = has_role_rows(target, first)[0]["role"]
    preview = erp.preview_revoke(role, [first])
    with target.engine.begin() as conn:
        conn.execute(
            update(fs.User)
            .where(fs.User.c.name == first)
            .values(modified=dt.datetime.now(), modified_by="erp-user@x")
        )
    with pytest.raises(Conflict):
        erp.revoke(role, [first], actor=ACTOR, reason="r", expected_versions=preview.versions)
    assert role in [r["role"] for r in has_role_rows(target, first)]
    assert audit_actions(store) == audited


def test_grant_adds_a_has_role_row_the_way_frappe_does(erp, target, store):
    name = users_with(target, "Sales User", without="Auditor")[0]
    rows_before = has_role_rows(target, name)
    user_before = user_row(target, name)
    preview = erp.preview_grant("Auditor", [name])
    assert "Journal Entry:read" in preview.gained[name] and preview.already == ()
    erp.grant("Auditor", [name], actor=ACTOR, reason="year-end audit, ticket 42")
    rows_after = has_role_rows(target, name)
    assert rows_after[:-1] == rows_before
    added = rows_after[-1]
    assert re.fullmatch(r"[0-9a-f]{10}", added["name"])
    assert (added["role"], added["parenttype"], added["parentfield"], added["idx"]) == (
        "Auditor",
        "User",
        "roles",
        len(rows_before) + 1,
    )
    assert (added["owner"], added["modified_by"], added["docstatus"]) == (ACTOR, ACTOR, 0)
    user_after = user_row(target, name)
    assert changed_columns(user_before, user_after) == {"modified", "modified_by"}
    assert "Journal Entry:read" in {p.code for p in erp.effective_permissions(name)}
    again = erp.grant("Auditor", [name], actor=ACTOR, reason="again")
    assert again.already == (name,)
    assert audit_actions(store)[1:] == ["erp.role.grant.intent", "erp.role.grant.done"]


def test_revoke_removes_the_row_and_renumbers_the_rest(erp, target, store):
    name = next(
        n
        for n in users_with(target, "Stock User", without="System Manager")
        if len(has_role_rows(target, n)) >= 3
    )
    rows_before = has_role_rows(target, name)
    first = rows_before[0]["role"]
    user_before = user_row(target, name)
    preview = erp.preview_revoke(first, [name, "Administrator"])
    assert preview.not_held == ("Administrator",)
    erp.revoke(first, [name], actor=ACTOR, reason="moved to another team")
    rows_after = has_role_rows(target, name)
    assert [r["role"] for r in rows_after] == [r["role"] for r in rows_before[1:]]
    assert [r["idx"] for r in rows_after] == list(range(1, len(rows_after) + 1))
    assert changed_columns(user_before, user_row(target, name)) == {"modified", "modified_by"}
    assert set(preview.lost[name]).isdisjoint({p.code for p in erp.effective_permissions(name)})
    assert audit_actions(store)[1:] == ["erp.role.revoke.intent", "erp.role.revoke.done"]


def test_a_critical_sod_conflict_needs_an_override_reason(erp, target, store):
    clerk = users_with(target, "Accounts User", without="Accounts Manager")[3]
    preview = erp.preview_grant("Accounts Manager", [clerk])
    assert preview.critical and preview.critical[0].rule == "Supplier invoice vs payment"
    with pytest.raises(
        ValidationError, match="override_reason: the grant would create critical SoD"
    ):
        erp.grant("Accounts Manager", [clerk], actor=ACTOR, reason="cover")
    assert "Accounts Manager" not in [r["role"] for r in has_role_rows(target, clerk)]
    erp.grant(
        "Accounts Manager", [clerk], actor=ACTOR, reason="cover", override_reason="4 weeks, CFO ok"
    )
    with store.session() as s:
        intent = s.scalars(
            select(MaintenanceLog).where(MaintenanceLog.action == "erp.role.grant.intent")
        ).one()
    assert "SoD override: 4 weeks, CFO ok" in intent.reason
    assert [(c.rule, c.accepted) for c in erp.sod_check_user(clerk)] == [
        ("Supplier invoice vs payment", True)
    ]
    assert (clerk, "Supplier invoice vs payment", True) in {
        (c.login, c.rule, c.accepted) for c in erp.sod_check_all()
    }
    other = users_with(target, "Accounts User", without="Accounts Manager")[4]
    assert not next(c for c in erp.preview_grant("Accounts Manager", [other]).conflicts).accepted


def test_bulk_disable_checks_every_user_before_changing_any(erp, target):
    a, b = users_with(target, "Employee", without="System Manager")[5:7]
    with pytest.raises(ValidationError, match="built-in Administrator"):
        erp.bulk_set_status([a, "Administrator", b], "disable", actor=ACTOR, reason="r")
    assert user_row(target, a)["enabled"] == user_row(target, b)["enabled"] == 1
    assert erp.bulk_set_status([a, b], "disable", actor=ACTOR, reason="contract ended") == [a, b]
    assert user_row(target, a)["enabled"] == user_row(target, b)["enabled"] == 0


def test_administrator_and_guest_are_protected(erp):
    with pytest.raises(ValidationError, match="built-in Administrator user"):
        erp.set_status("Administrator", "disable", actor=ACTOR, reason="r")
    with pytest.raises(ValidationError, match="built-in Guest user"):
        erp.grant("Auditor", ["Guest"], actor=ACTOR, reason="r")
    with pytest.raises(ValidationError, match="automatic roles"):
        erp.grant("All", [erp.list_users(limit=1)[0].login], actor=ACTOR, reason="r")


def test_the_last_enabled_system_manager_stays(fresh_url, store):
    target = connect(fresh_url)
    erp = ErpnextIdentity(target, store)
    *others, last = users_with(target, "System Manager")
    assert others, "the demo has several System Managers"
    erp.revoke("System Manager", others, actor=ACTOR, reason="tidy up")
    with pytest.raises(ValidationError, match="last enabled System Manager"):
        erp.revoke("System Manager", [last], actor=ACTOR, reason="r")
    with pytest.raises(ValidationError, match="last enabled System Manager"):
        erp.set_status(last, "disable", actor=ACTOR, reason="r")
    assert user_row(target, last)["enabled"] == 1
    target.dispose()


def test_a_read_only_target_refuses_writes_at_the_database(erp_url, store):
    target = connect(erp_url, read_only=True)
    erp = ErpnextIdentity(target, store)
    assert erp.read_only
    name = users_with(target, "Employee", without="System Manager")[8]
    with pytest.raises(ReadOnlyError):
        erp.set_status(name, "disable", actor=ACTOR, reason="r")
    target.read_only = False  # only the server's READ ONLY session is left to refuse
    with pytest.raises(ReadOnlyError, match="read-only"):
        erp.set_status(name, "disable", actor=ACTOR, reason="r")
    assert user_row(target, name)["enabled"] == 1
    assert audit_actions(store)[-2:] == ["erp.user.disable.intent", "erp.user.disable.failed"]
    target.dispose()


def test_a_store_that_cannot_take_the_intent_leaves_erpnext_untouched(erp, target, store):
    name = users_with(target, "Employee", without="System Manager")[9]
    before = user_row(target, name)
    store.read_only = True
    with pytest.raises(ReadOnlyError):
        erp.set_status(name, "disable", actor=ACTOR, reason="r")
    store.read_only = False
    assert user_row(target, name) == before
    assert audit_actions(store) == ["erp.catalogue.seed"]


def test_one_grant_to_several_users_leaves_one_audited_change_each(erp, target, store):
    a, b = users_with(target, "Sales User", without="Report Manager")[3:5]
    preview = erp.grant("Report Manager", [a, b, a], actor=ACTOR, reason="monthly reporting")
    assert set(preview.gained) == {a, b}
    for name in (a, b):
        assert has_role_rows(target, name)[-1]["role"] == "Report Manager"
    assert audit_actions(store)[1:] == ["erp.role.grant.intent", "erp.role.grant.done"] * 2


def test_the_store_gets_the_erpnext_codes_and_sod_rules_once(store):
    from erp_console.db.models import Permission, SodRule

    with store.session() as s:
        codes = set(s.scalars(select(Permission.code)))
        rules = {r.name: r for r in s.scalars(select(SodRule))}
    assert {"Payment Entry:submit", "Purchase Invoice:submit", "Employee:write@1"} <= codes
    assert rules["Supplier invoice vs payment"].severity == "critical"
    assert demo.seed_store(store, actor="tester") == {"permission": 0, "sod_rule": 0}


def test_a_disable_shows_in_the_users_recent_changes(erp, target, store):
    from erp_console.services.access.user_panel import identity_panel

    name, other = users_with(target, "Employee", without="System Manager")[7:9]
    erp.set_status(name, "disable", actor=ACTOR, reason="left")
    history = identity_panel(erp, store, name).history
    assert [(e.action, e.target_id, e.reason) for e in history] == [
        ("erp.user.disable.intent", name, "left")
    ]
    assert identity_panel(erp, store, other).history == ()

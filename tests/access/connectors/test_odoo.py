"""The Odoo connector on the real PostgreSQL server, against the Odoo demo company (Odoo 17)."""

# ruff: noqa: F811 - the fixtures are imported from odoo_fixtures

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text, update

from erp_console.db.engine import connect
from erp_console.db.models import MaintenanceLog
from erp_console.demo.erp import odoo as demo
from erp_console.demo.erp.odoo import seed_store
from erp_console.errors import ConfigError, Conflict, NotFound, ReadOnlyError, ValidationError
from erp_console.services.access.backends import odoo_tables as s
from erp_console.services.access.backends.odoo import OdooIdentity, detect
from erp_console.services.access.erp_audit import pending_intents
from erp_console.services.access.identity import CAPABILITIES, IdentityBackend
from erp_console.services.access.users import UserFilter
from tests.access.connectors.odoo_fixtures import (  # noqa: F401 - fixtures
    odoo,
    odoo_template,
    odoo_url,
    store,
    target,
)

DEMO_USERS = 5 + len(demo.KEY_PEOPLE) + demo.BASE_INTERNAL + demo.BASE_PORTAL + demo.BASE_NO_GROUP


def _sql(db, statement: str, **params):
    with db.engine.begin() as conn:
        return conn.execute(text(statement), params)


def _user_row(db, login: str) -> dict:
    with db.engine.connect() as conn:
        return dict(
            conn.execute(select(s.res_users).where(s.res_users.c.login == login)).one()._mapping
        )


def _uid(db, login: str) -> int:
    return _user_row(db, login)["id"]


def _gid(db, xml_id: str) -> int:
    module, name = xml_id.split(".")
    return _sql(
        db,
        "SELECT res_id FROM ir_model_data WHERE module=:m AND name=:n AND model='res.groups'",
        m=module,
        n=name,
    ).scalar_one()


def _audit_actions(store) -> list[str]:
    with store.session() as session:
        return list(session.scalars(select(MaintenanceLog.action).order_by(MaintenanceLog.id)))


# ---- identity ------------------------------------------------------------------------------


def test_detects_odoo_with_its_version_and_capabilities(odoo, target):
    assert isinstance(odoo, IdentityBackend)
    assert odoo.identity.label == "Odoo 17.0"
    assert odoo.capabilities <= CAPABILITIES
    assert "lock" not in odoo.capabilities and "departments" not in odoo.capabilities
    assert odoo.read_only is False


def test_a_database_without_odoo_tables_is_not_odoo(store):
    with store.engine.connect() as conn:
        assert detect(conn) is None


@pytest.mark.parametrize("version", ["15.0.1.3", "19.0.1.0"])
def test_unsupported_version_is_refused_naming_it_and_the_range(target, store, version):
    _sql(target, "UPDATE ir_module_module SET latest_version=:v WHERE name='base'", v=version)
    with pytest.raises(ConfigError) as err:
        OdooIdentity(target, store)
    major = version.rsplit(".", 2)[0]
    assert major in str(err.value) and "16–18" in str(err.value)
    assert err.value.exit_code == 2


# ---- users ---------------------------------------------------------------------------------


def test_lists_users_in_login_order_pages_and_counts(odoo):
    first = odoo.list_users(limit=50)
    logins = [r.login for r in first]
    assert logins == sorted(logins) and len(first) == 50
    following = odoo.list_users(after=first[-1].sort_key, limit=50)
    assert following[0].login > first[-1].login
    back = odoo.list_users_before(before=following[0].sort_key, limit=50)
    assert [r.login for r in back] == logins
    assert odoo.count_users().count == DEMO_USERS and odoo.count_users().exact
    last = odoo.list_users_before(limit=3)
    assert len(last) == 3 and last[-1].login == max(
        r.login for r in odoo.list_users(limit=DEMO_USERS)
    )


def test_filters_by_text_status_role_and_flags_share_users(odoo, target):
    found = odoo.list_users(UserFilter(text="FENWICK"))
    assert [r.login for r in found] == ["cfo"]
    assert found[0].full_name == "Clara Fenwick" and found[0].email == "cfo@northwind.example"
    disabled = odoo.list_users(UserFilter(status="disabled"), limit=1000)
    assert {"__system__", "public", "portaltemplate", "default"} <= {r.login for r in disabled}
    assert all(r.status == "disabled" for r in disabled)
    assert odoo.count_users(UserFilter(status="disabled")).count == len(disabled)
    assert odoo.list_users(UserFilter(status="locked")) == []
    managers = {r.login for r in odoo.list_users(UserFilter(role="account.group_account_manager"))}
    assert managers == {"admin", "cfo", "controller"}
    # erp_manager is implied by group_system: its admins count even without a row of their own
    _sql(target, "DELETE FROM res_groups_users_rel WHERE gid=:g AND uid=:u",
         g=_gid(target, "base.group_erp_manager"), u=_uid(target, "sys.ops"))  # fmt: skip
    assert "sys.ops" in {
        r.login for r in odoo.list_users(UserFilter(role="base.group_erp_manager"))
    }
    portal = [r for r in odoo.list_users(UserFilter(text="@acme-retail"), limit=500)]
    assert portal and all(r.share for r in portal)
    assert not any(r.share for r in odoo.list_users(UserFilter(text="@northwind"), limit=5))
    with pytest.raises(ValidationError, match="department"):
        odoo.list_users(UserFilter(department="FIN"))
    with pytest.raises(NotFound, match="no Odoo group 'base.group_nothing'"):
        odoo.list_users(UserFilter(role="base.group_nothing"))


def test_user_detail_shows_partner_groups_and_last_login(odoo, target):
    user = odoo.get_user("cfo")
    assert (user.full_name, user.email, user.status) == (
        "Clara Fenwick",
        "cfo@northwind.example",
        "active",
    )
    assert "account.group_account_manager" in {g.role for g in user.grants}
    assert next(g for g in user.grants if g.role == "account.group_account_manager").role_name == (
        "Invoicing / Administrator"
    )
    assert user.last_login_at is not None
    _sql(target, "INSERT INTO res_users_log (create_uid, create_date) VALUES (:u, '2031-01-02 03:04:05')",
         u=user.id)  # fmt: skip
    assert odoo.get_user("cfo").last_login_at.year == 2031
    with pytest.raises(NotFound, match="no Odoo user with login 'nobody'"):
        odoo.get_user("nobody")


def test_dormant_users_are_active_ones_without_a_recent_login(odoo, target):
    _sql(target, "DELETE FROM res_users_log WHERE create_uid=:u", u=_uid(target, "head.sales"))
    _sql(target, "INSERT INTO res_users_log (create_uid, create_date) "
         "VALUES (:u, now() at time zone 'UTC' - interval '200 days')", u=_uid(target, "head.sales"))  # fmt: skip
    dormant = {r.login for r in odoo.dormant_users(90)}
    assert "head.sales" in dormant and "cfo" not in dormant
    assert "public" not in dormant  # archived users are not dormant, they are off
    assert odoo.expired_active_users() == []
    with pytest.raises(ValidationError):
        odoo.dormant_users(0)


# ---- roles and permissions ---------------------------------------------------------------------


def test_roles_are_groups_by_xml_id_with_members_and_permissions(odoo):
    roles = {r.code: r for r in odoo.list_roles()}
    assert {"base.group_user", "base.group_system", "sales_team.group_sale_salesman"} <= set(roles)
    system = odoo.get_role("base.group_system")
    assert {m[0] for m in system.members} == {"__system__", "admin", "it.admin", "sys.ops"}
    codes = {p[0] for p in system.permissions}
    assert "res.users:write" in codes  # from base.group_erp_manager, which Settings implies
    assert roles["base.group_system"].permissions == len(system.permissions)
    assert system.name == "Administration / Settings"
    with pytest.raises(NotFound, match="XML id"):
        odoo.get_role("Settings")


def test_group_without_xml_id_is_named_by_its_id(odoo, target):
    _sql(target, 'INSERT INTO res_groups (name) VALUES (\'{"en_US": "Night shift"}\'::jsonb)')
    gid = _sql(target, "SELECT max(id) FROM res_groups").scalar_one()
    assert f"res.groups:{gid}" in {r.code for r in odoo.list_roles()}
    assert odoo.get_role(f"res.groups:{gid}").name == "Night shift"


def test_effective_permissions_follow_implied_groups_transitively(odoo, target):
    # as Odoo 18 stores it: only the explicit group, the rest comes through implied_ids
    uid = _uid(target, "sys.ops")
    _sql(target, "DELETE FROM res_groups_users_rel WHERE uid=:u AND gid<>:g", u=uid,
         g=_gid(target, "base.group_system"))  # fmt: skip
    perms = {p.code: p for p in odoo.effective_permissions("sys.ops")}
    assert perms["res.users:write"].roles == ("base.group_system",)
    assert perms["res.partner:read"].roles == ("base.group_system",)  # via erp_manager -> user
    assert perms["res.company:read"].roles == ("(every user)", "base.group_system")
    assert "account.move:read" not in perms
    assert perms["res.users:write"].risk == "high"  # from the store's catalogue
    assert odoo.effective_permissions("public") == []  # archived


def test_who_has_lists_active_holders_with_their_groups(odoo, target):
    holders = {h.login: h for h in odoo.who_has("res.users:write")}
    assert set(holders) == {"access.manager", "admin", "it.admin", "sys.ops"}
    assert "base.group_system" in holders["it.admin"].roles
    _sql(target, "UPDATE res_users SET active=false WHERE login='sys.ops'")
    assert "sys.ops" not in {h.login for h in odoo.who_has("res.users:write")}
    everyone = {h.login: h for h in odoo.who_has("res.company:read")}
    portal_login = next(
        r.login for r in odoo.list_users(UserFilter(text="@acme-retail", status="active"))
    )
    assert everyone[portal_login].roles == ("(every user)",)
    with pytest.raises(ValidationError, match="<model>:<read|write|create|unlink>"):
        odoo.who_has("account.move:approve")
    with pytest.raises(NotFound, match="no Odoo model 'account.asset'"):
        odoo.who_has("account.asset:read")


def test_explain_says_which_group_chain_and_access_rule(odoo, target):
    uid = _uid(target, "sys.ops")
    _sql(target, "DELETE FROM res_groups_users_rel WHERE uid=:u AND gid<>:g", u=uid,
         g=_gid(target, "base.group_system"))  # fmt: skip
    yes = odoo.explain("sys.ops", "res.users:write")
    assert yes.allowed
    assert any(
        "base.group_system → base.group_erp_manager" in r
        and "access_res_users_group_erp_manager" in r
        for r in yes.reasons
    )
    direct = odoo.explain("cfo", "account.payment:create")
    assert direct.allowed and any("held directly" in r for r in direct.reasons)


def test_explain_says_exactly_why_not(odoo, target):
    no_group = odoo.explain("head.sales", "account.payment:create")
    assert not no_group.allowed
    assert any("groups that would: account.group_account_invoice" in r for r in no_group.reasons)
    assert any("access_account_payment_salesman" in r and "archived" in r for r in no_group.reasons)

    _sql(target, "UPDATE res_users SET active=false WHERE login='cfo'")
    archived = odoo.explain("cfo", "account.payment:create")
    assert not archived.allowed
    assert archived.reasons[0].startswith("user is archived in Odoo")
    assert any("does not apply" in r for r in archived.reasons)

    portal_login = next(
        r.login for r in odoo.list_users(UserFilter(text="@acme-retail", status="active"))
    )
    portal = odoo.explain(portal_login, "sale.order:create")
    assert not portal.allowed and any("portal/share user" in r for r in portal.reasons)

    nobody = odoo.explain("head.sales", "ir.model.access:unlink")
    assert any("groups that would: base.group_system" in r for r in nobody.reasons)
    _sql(target, "INSERT INTO ir_model (name, model, \"order\") "
         "VALUES ('{\"en_US\": \"Asset\"}'::jsonb, 'account.asset', 'id')")  # fmt: skip
    unguarded = odoo.explain("head.sales", "account.asset:read")
    assert unguarded.reasons == ("no active access rule grants read on account.asset to any group",)
    with pytest.raises(NotFound, match="no Odoo user with login 'ghost'"):
        odoo.explain("ghost", "account.move:read")
    with pytest.raises(ValidationError, match="not an Odoo permission code"):
        odoo.explain("cfo", "FI.PAYMENT.APPROVE")


def test_compare_groups_and_users(odoo):
    cmp = odoo.compare_roles("account.group_account_invoice", "account.group_account_manager")
    assert cmp.only_a == () and "account.journal:write" in cmp.only_b
    assert "account.move:create" in cmp.both
    users = odoo.compare_users("head.sales", "head.purchasing")
    assert "sale.order:unlink" in users.only_a and "purchase.order:unlink" in users.only_b
    assert "res.partner:read" in users.both


def test_sod_rules_from_the_store_matched_on_odoo_codes(odoo):
    mine = odoo.sod_check_user("ap.clerk")
    assert [c.rule for c in mine] == [
        "Odoo: vendor bills vs payments",
        "Odoo: purchase orders vs vendor bills",
    ]
    assert mine[0].severity == "critical" and mine[0].roles_b == ("account.group_account_invoice",)
    assert odoo.sod_check_user("head.sales") == []
    everyone = odoo.sod_check_all()
    assert {c.login for c in everyone if c.rule == "Odoo: user administration vs payments"} == {
        "admin"
    }
    assert ("ap.clerk", "Odoo: vendor bills vs payments") in {(c.login, c.rule) for c in everyone}
    assert everyone[0].severity == "critical" and everyone[-1].severity in ("high", "medium")


# ---- writes --------------------------------------------------------------------------------


def test_disable_enable_touch_only_active_write_uid_and_write_date(odoo, target, store):
    _sql(target, "UPDATE res_users SET write_uid=2 WHERE login='head.sales'")
    before = _user_row(target, "head.sales")
    version = odoo.get_user("head.sales").version
    user = odoo.set_status("head.sales", "disable", actor="tester", reason="left",
                           expected_version=version)  # fmt: skip
    assert user.status == "disabled" and user.version != version
    after = _user_row(target, "head.sales")
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"active", "write_uid", "write_date"}
    assert after["write_uid"] == 1  # "tester" is no Odoo login: recorded as the superuser
    assert after["password"] == before["password"]
    odoo.set_status("head.sales", "enable", actor="it.admin", reason=None)
    assert _user_row(target, "head.sales")["write_uid"] == _uid(target, "it.admin")
    assert _audit_actions(store)[-4:] == [
        "erp.user.disable.intent",
        "erp.user.disable.done",
        "erp.user.enable.intent",
        "erp.user.enable.done",
    ]
    assert pending_intents(store) == []
    with pytest.raises(ValidationError, match="no lock"):
        odoo.set_status("head.sales", "lock", actor="tester", reason="x")
    with pytest.raises(ValidationError, match="active already"):
        odoo.set_status("head.sales", "enable", actor="tester", reason=None)
    with pytest.raises(ValidationError, match="reason"):
        odoo.set_status("head.sales", "disable", actor="tester", reason=" ")


def test_special_users_and_the_last_administrator_are_protected(odoo, target):
    for login in ("__system__", "public", "portaltemplate", "default"):
        with pytest.raises(ValidationError, match="never changes it"):
            odoo.set_status(login, "enable", actor="tester", reason=None)
    with pytest.raises(ValidationError, match="superuser"):
        odoo.grant("base.group_user", ["__system__"], actor="tester", reason="x")
    odoo.set_status("admin", "disable", actor="tester", reason="shared account")
    odoo.bulk_set_status(["it.admin"], "disable", actor="tester", reason="left")
    with pytest.raises(ValidationError, match="without an active member"):
        odoo.set_status("sys.ops", "disable", actor="tester", reason="left")
    with pytest.raises(ValidationError, match="without an active member"):
        odoo.revoke("base.group_system", ["sys.ops"], actor="tester", reason="x")
    assert _user_row(target, "sys.ops")["active"] is True


def test_grant_with_preview_refuses_critical_sod_without_override(odoo, target, store):
    preview = odoo.preview_grant("account.group_account_invoice", ["head.warehouse", "cfo"])
    assert preview.already == ("cfo",)
    assert "account.payment:create" in preview.gained["head.warehouse"]
    assert [c.rule for c in preview.critical] == ["Odoo: vendor bills vs payments"]
    _sql(target, "UPDATE res_users SET write_uid=2 WHERE login='head.warehouse'")
    before = _user_row(target, "head.warehouse")
    with pytest.raises(ValidationError, match="critical SoD"):
        odoo.grant(
            "account.group_account_invoice", ["head.warehouse"], actor="tester", reason="cover"
        )
    odoo.grant("account.group_account_invoice", ["head.warehouse"], actor="tester",
               reason="cover", override_reason="two weeks, CFO approved")  # fmt: skip
    assert "account.group_account_invoice" in {
        g.role for g in odoo.get_user("head.warehouse").grants
    }
    after = _user_row(target, "head.warehouse")
    assert {k for k in before if before[k] != after[k]} == {"write_uid", "write_date"}
    assert "account.payment:create" in {
        p.code for p in odoo.effective_permissions("head.warehouse")
    }
    overridden = [c for c in odoo.sod_check_user("head.warehouse") if c.severity == "critical"]
    assert [(c.rule, c.accepted) for c in overridden] == [("Odoo: vendor bills vs payments", True)]
    assert ("head.warehouse", "Odoo: vendor bills vs payments", True) in {
        (c.login, c.rule, c.accepted) for c in odoo.sod_check_all()
    }

    revoke = odoo.preview_revoke("account.group_account_invoice", ["head.warehouse", "head.sales"])
    assert (
        revoke.not_held == ("head.sales",)
        and "account.payment:create" in revoke.lost["head.warehouse"]
    )
    odoo.revoke("account.group_account_invoice", ["head.warehouse"], actor="tester", reason="done")
    assert "account.payment:create" not in {
        p.code for p in odoo.effective_permissions("head.warehouse")
    }
    actions = _audit_actions(store)
    assert actions[-4:] == ["erp.role.grant.intent", "erp.role.grant.done",
                            "erp.role.revoke.intent", "erp.role.revoke.done"]  # fmt: skip
    with store.session() as session:
        intent = session.scalars(
            select(MaintenanceLog).where(MaintenanceLog.action == "erp.role.grant.intent")
        ).one()
    assert "SoD override: two weeks, CFO approved" in intent.reason
    # The override stands: granting again needs no new one.
    again = odoo.preview_grant("account.group_account_invoice", ["head.warehouse"])
    assert again.conflicts and not again.critical
    odoo.grant("account.group_account_invoice", ["head.warehouse"], actor="tester", reason="back")


def test_grant_adds_implied_groups_as_odoo_17_does_and_recomputes_share(odoo, target):
    uid = _uid(target, "head.warehouse")
    odoo.grant("purchase.group_purchase_manager", ["head.warehouse"], actor="tester", reason="x")
    rows = set(_sql(target, "SELECT gid FROM res_groups_users_rel WHERE uid=:u", u=uid).scalars())
    assert {
        _gid(target, "purchase.group_purchase_manager"),
        _gid(target, "purchase.group_purchase_user"),
    } <= rows
    # a user with no group is a share user until given an internal group
    lonely = next(
        r.login
        for r in odoo.list_users(UserFilter(text="@northwind"), limit=1000)
        if r.share and r.status == "active"
    )
    odoo.grant("sales_team.group_sale_salesman", [lonely], actor="tester", reason="joins sales")
    assert _user_row(target, lonely)["share"] is False


def test_portal_users_cannot_get_internal_groups(odoo):
    portal_login = next(
        r.login for r in odoo.list_users(UserFilter(text="@acme-retail", status="active"))
    )
    with pytest.raises(ValidationError, match="portal/public user"):
        odoo.grant("sales_team.group_sale_salesman", [portal_login], actor="tester", reason="x")


def test_bad_input_is_named_and_writes_nothing(odoo, store):
    count = len(_audit_actions(store))
    with pytest.raises(NotFound, match="no Odoo user with login 'ghost'"):
        odoo.grant("base.group_user", ["ghost"], actor="tester", reason="x")
    with pytest.raises(NotFound, match="no Odoo group 'account.group_nothing'"):
        odoo.revoke("account.group_nothing", ["cfo"], actor="tester", reason="x")
    with pytest.raises(ValidationError, match="validity"):
        odoo.grant("base.group_user", ["cfo"], actor="tester", reason="x",
                   valid_to=dt.date(2030, 1, 1))  # fmt: skip
    with pytest.raises(ValidationError, match="reason"):
        odoo.revoke("base.group_user", ["cfo"], actor="tester", reason="")
    with pytest.raises(ValidationError, match="disable"):
        odoo.bulk_set_status(["cfo"], "lock", actor="tester", reason="x")
    assert len(_audit_actions(store)) == count


def test_bulk_disable_is_one_audited_change(odoo, target, store):
    done = odoo.bulk_set_status(["head.sales", "hr.head", "head.sales"],
                                "disable", actor="tester", reason="reorganisation")  # fmt: skip
    assert done == ["head.sales", "hr.head"]
    assert not _user_row(target, "hr.head")["active"]
    assert _audit_actions(store)[-2:] == [
        "erp.user.bulk_disable.intent",
        "erp.user.bulk_disable.done",
    ]
    assert odoo.bulk_set_status(["head.sales"], "disable", actor="tester", reason="again") == []


def test_a_change_since_the_preview_is_refused(odoo, target, store):
    shown = odoo.get_user("head.sales")
    _sql(
        target,
        "UPDATE res_users SET write_date = now() at time zone 'UTC' WHERE login='head.sales'",
    )
    with pytest.raises(Conflict) as err:
        odoo.set_status("head.sales", "disable", actor="tester", reason="x",
                        expected_version=shown.version)  # fmt: skip
    assert err.value.exit_code == 4
    assert _user_row(target, "head.sales")["active"] is True

    seen = odoo.preview_grant("stock.group_stock_manager", ["head.sales"])
    assert seen.versions["head.sales"] == odoo.get_user("head.sales").version
    _sql(target, "UPDATE res_users SET write_date = now() at time zone 'UTC' + interval '1 second' "
         "WHERE login='head.sales'")  # fmt: skip
    audited = _audit_actions(store)
    with pytest.raises(Conflict, match="changed since the preview") as err:
        odoo.grant("stock.group_stock_manager", ["head.sales"], actor="tester", reason="x",
                   expected_versions=seen.versions)  # fmt: skip
    assert err.value.exit_code == 4
    assert "stock.group_stock_manager" not in {g.role for g in odoo.get_user("head.sales").grants}
    # refused before the intent: the store's trail gets no entry for a write never attempted
    assert _audit_actions(store) == audited

    held = odoo.get_user("head.sales").grants[0].role
    seen = odoo.preview_revoke(held, ["head.sales"])
    _sql(target, "UPDATE res_users SET write_date = now() at time zone 'UTC' + interval '2 second' "
         "WHERE login='head.sales'")  # fmt: skip
    with pytest.raises(Conflict, match="changed since the preview"):
        odoo.revoke(held, ["head.sales"], actor="tester", reason="x",
                    expected_versions=seen.versions)  # fmt: skip
    assert held in {g.role for g in odoo.get_user("head.sales").grants}
    assert _audit_actions(store) == audited


def test_read_only_target_refuses_writes_at_the_database_level(odoo_url, store):
    target = connect(odoo_url, read_only=True)
    try:
        odoo = OdooIdentity(target, store)
        assert odoo.read_only
        assert odoo.list_users(limit=1)
        with pytest.raises(ReadOnlyError):
            odoo.set_status("head.sales", "disable", actor="tester", reason="x")
        with (
            target.engine.connect() as conn,
            pytest.raises(Exception, match="read-only transaction"),
        ):
            conn.execute(
                update(s.res_users).where(s.res_users.c.login == "head.sales").values(active=False)
            )
    finally:
        target.dispose()
    assert not any(a.startswith("erp.") for a in _audit_actions(store))


def test_counts_beyond_the_exact_limit_are_estimates(odoo, monkeypatch):
    from erp_console.services.access.backends import odoo as backend

    monkeypatch.setattr(backend, "EXACT_COUNT_LIMIT", 100)
    everyone = odoo.count_users()
    assert not everyone.exact and everyone.label().startswith("≈")
    assert abs(everyone.count - DEMO_USERS) < DEMO_USERS * 0.2
    internal = odoo.count_users(UserFilter(text="@northwind"))
    assert not internal.exact and internal.count > 100
    assert odoo.count_users(UserFilter(text="FENWICK")) == backend.Total(1)


@pytest.mark.parametrize("version", ["16.0", "18.0"])
def test_other_supported_versions_and_how_they_store_implied_groups(
    new_database_url, sqlite_db, version
):
    url = new_database_url("postgresql", "odoo_v")
    demo.build(url, version=version)
    seed_store(sqlite_db, actor="tester")
    target = connect(url)
    try:
        odoo = OdooIdentity(target, sqlite_db)
        assert odoo.identity.label == f"Odoo {version}"
        holders = {h.login: h.roles for h in odoo.who_has("res.users:write")}
        assert holders["it.admin"] == (
            ("base.group_erp_manager", "base.group_system")
            if version == "16.0"
            else ("base.group_system",)  # 18 keeps only explicit groups: erp_manager is implied
        )
        uid = _uid(target, "head.sales")
        before = set(
            _sql(target, "SELECT gid FROM res_groups_users_rel WHERE uid=:u", u=uid).scalars()
        )
        odoo.grant("purchase.group_purchase_manager", ["head.sales"], actor="tester", reason="x")
        after = set(
            _sql(target, "SELECT gid FROM res_groups_users_rel WHERE uid=:u", u=uid).scalars()
        )
        added = {_gid(target, "purchase.group_purchase_manager")}
        if version == "16.0":
            added.add(_gid(target, "purchase.group_purchase_user"))
        assert after - before == added
        assert "purchase.order:unlink" in {p.code for p in odoo.effective_permissions("head.sales")}
    finally:
        target.dispose()


def test_a_store_that_refuses_the_intent_leaves_odoo_untouched(odoo, target, store):
    store.read_only = True
    with pytest.raises(ReadOnlyError):
        odoo.set_status("head.sales", "disable", actor="tester", reason="left")
    store.read_only = False
    assert _user_row(target, "head.sales")["active"] is True
    assert not any(a.startswith("erp.") for a in _audit_actions(store))


def test_a_store_lost_after_the_odoo_commit_leaves_a_pending_intent(odoo, target, store):
    from sqlalchemy import event

    from erp_console.services.access.erp_audit import UnconfirmedErpWrite

    def lose_the_store(_conn):
        store.read_only = True  # the store stops taking writes between the two commits

    event.listen(target.engine, "commit", lose_the_store)
    try:
        with pytest.raises(UnconfirmedErpWrite, match="pending"):
            odoo.revoke("hr.group_hr_manager", ["hr.head"], actor="tester", reason="moved")
    finally:
        event.remove(target.engine, "commit", lose_the_store)
        store.read_only = False
    assert "hr.group_hr_manager" not in {g.role for g in odoo.get_user("hr.head").grants}
    (pending,) = pending_intents(store)
    assert (pending.action, pending.target_id, pending.reason) == (
        "erp.role.revoke",
        "hr.group_hr_manager",
        "moved",
    )


def test_a_disable_shows_in_the_users_recent_changes(odoo, store):
    from erp_console.services.access.user_panel import identity_panel

    assert identity_panel(odoo, store, "head.sales").history == ()
    odoo.set_status("head.sales", "disable", actor="tester", reason="left")
    history = identity_panel(odoo, store, "head.sales").history
    assert [(e.action, e.target_id, e.reason) for e in history] == [
        ("erp.user.disable.intent", "head.sales", "left")
    ]
    assert identity_panel(odoo, store, "hr.head").history == ()

"""The Dolibarr connector on Dolibarr's own tables, on MariaDB and on PostgreSQL.

Reads run on one demo company per engine (scale 1, built once per module); every write test gets
a fresh demo database, and a fresh SQLite console store seeded with the Dolibarr SoD rules.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, insert, select, update

from erp_console.db.engine import connect
from erp_console.db.models import MaintenanceLog
from erp_console.db.schema import init_schema
from erp_console.demo.erp.dolibarr import build, seed_store
from erp_console.demo.erp.dolibarr_catalog import CODES
from erp_console.errors import ConfigError, Conflict, NotFound, ReadOnlyError, ValidationError
from erp_console.services.access.backends import dolibarr_tables as sch
from erp_console.services.access.backends.dolibarr import DolibarrIdentity, detect
from erp_console.services.access.erp_audit import pending_intents
from erp_console.services.access.users import UserFilter
from tests.conftest import server_for

ENGINES = ("mysql", "postgresql")
U = sch.llx_user
GU = sch.llx_usergroup_user
G = sch.llx_usergroup
TODAY = dt.date.today()


@pytest.fixture(scope="module", params=ENGINES)
def company(request, servers):
    """A Dolibarr demo company (scale 1) on each engine, built once per module."""
    url = server_for(servers, request.param).create("doli")
    build(url)
    return url


def _store(path) -> object:
    store = connect(f"sqlite:///{path / 'store.sqlite3'}")
    init_schema(store)
    seed_store(store, actor="tester")
    return store


@pytest.fixture
def store(tmp_path):
    db = _store(tmp_path)
    yield db
    db.dispose()


@pytest.fixture
def erp(company, store):
    target = connect(company, read_only=True)
    yield DolibarrIdentity(target, store)
    target.dispose()


@pytest.fixture(params=ENGINES)
def fresh_url(request, servers):
    url = server_for(servers, request.param).create("doliw")
    build(url)
    return url


@pytest.fixture
def writable(fresh_url, store):
    target = connect(fresh_url)
    yield DolibarrIdentity(target, store)
    target.dispose()


def _sql(backend, stmt):
    with backend.target.engine.connect() as conn:
        return conn.execute(stmt).all()


def _members(backend, group: str) -> list[tuple]:
    return _sql(
        backend,
        select(U.c.login, U.c.statut, U.c.datestartvalidity, U.c.dateendvalidity)
        .join(GU, GU.c.fk_user == U.c.rowid)
        .join(G, G.c.rowid == GU.c.fk_usergroup)
        .where(G.c.nom == group)
        .order_by(U.c.login),
    )


def _usable(statut, start, end) -> bool:
    return (
        statut == 1
        and (start is None or start.date() <= TODAY)
        and (end is None or end.date() >= TODAY)
    )


def _whole_row(backend, login: str) -> dict:
    with backend.target.engine.connect() as conn:
        return dict(conn.execute(select(U).where(U.c.login == login)).mappings().one())


def _audit(store) -> list[tuple[str, str | None]]:
    with store.session() as s:
        return [
            (a, label)
            for a, label in s.execute(
                select(MaintenanceLog.action, MaintenanceLog.target_label).order_by(
                    MaintenanceLog.id
                )
            )
            if not a.startswith("demo.")
        ]


# ---- detection and version --------------------------------------------------------------


def test_detects_dolibarr_and_reads_its_version(erp):
    with erp.target.engine.connect() as conn:
        found = detect(conn)
    assert (found.kind, found.product, found.version) == ("dolibarr", "Dolibarr", "19.0.2")
    assert detect(erp.target) == found
    assert erp.identity.label == "Dolibarr 19.0.2"
    assert erp.capabilities == {"disable", "grant"}


@pytest.mark.parametrize("version", ["16.0.5", "21.0.0"])
@pytest.mark.parametrize("engine", ENGINES)
def test_an_unsupported_version_is_refused_naming_it(servers, store, engine, version):
    target = connect(server_for(servers, engine).create("dolv"))
    with target.engine.begin() as conn:
        sch.create(conn)
        conn.execute(
            insert(sch.llx_const),
            [{"name": "MAIN_VERSION_LAST_UPGRADE", "entity": 0, "value": version}],
        )
    with pytest.raises(ConfigError, match=rf"Dolibarr {version} is not supported.*17 to 20"):
        DolibarrIdentity(target, store)
    target.dispose()


def test_a_database_without_dolibarr_tables_is_not_dolibarr(servers, store):
    target = connect(server_for(servers, "postgresql").create("dolnone"))
    with target.engine.connect() as conn:
        assert detect(conn) is None
    with pytest.raises(ConfigError, match="no Dolibarr tables"):
        DolibarrIdentity(target, store)
    target.dispose()


# ---- users -------------------------------------------------------------------------------


def test_users_page_in_login_order_and_are_counted(erp):
    first = erp.list_users(limit=100)
    second = erp.list_users(after=first[-1].sort_key, limit=100)
    logins = [u.login for u in first + second]
    assert len(logins) == 200 and len(set(logins)) == 200
    assert logins == sorted(logins)
    assert erp.list_users_before(before=second[0].sort_key, limit=100) == first
    last = erp.list_users_before(limit=10)
    assert [u.login for u in last] == sorted(u.login for u in last)
    assert last[-1].login == max(r[0] for r in _sql(erp, select(U.c.login)))
    assert erp.count_users().count == 400 and erp.count_users().exact
    disabled = erp.list_users(UserFilter(status="disabled"), limit=1000)
    raw = _sql(erp, select(func.count()).select_from(U).where(U.c.statut == 0))[0][0]
    assert erp.count_users(UserFilter(status="disabled")).count == len(disabled) == raw > 0
    assert all(u.status == "disabled" for u in disabled)
    found = erp.list_users(UserFilter(text="DURAND"), limit=100)
    assert found and all(
        "durand" in (u.login + u.full_name + (u.email or "")).lower() for u in found
    )


def test_users_of_a_group_are_listed_with_the_group_as_role(erp):
    listed = [u.login for u in erp.list_users(UserFilter(role="Trésorerie"), limit=100)]
    assert listed == [m[0] for m in _members(erp, "Trésorerie")]
    assert [m[0] for m in erp.get_role("Trésorerie").members] == listed
    detail = erp.get_user(listed[0])
    assert "Trésorerie" in [g.role for g in detail.grants]


def test_user_detail_maps_dolibarr_columns(erp):
    admin = erp.get_user("admin")
    assert (admin.full_name, admin.status) == ("SuperAdmin", "active")
    expired = _sql(
        erp,
        select(U.c.login, U.c.dateendvalidity)
        .where(U.c.statut == 1, U.c.dateendvalidity < dt.datetime.now())
        .limit(1),
    )[0]
    detail = erp.get_user(expired.login)
    assert detail.valid_to == expired.dateendvalidity.date() < TODAY
    assert detail.email == f"{expired.login}@durand-industrie.fr"
    assert erp.get_user("p.morel").status == "disabled"


def test_dormant_and_expired_users(erp):
    dormant = erp.dormant_users(90)
    cutoff = dt.datetime.combine(TODAY, dt.time()) - dt.timedelta(days=90)
    assert dormant and all(
        u.status == "active" and (u.last_login_at is None or u.last_login_at < cutoff)
        for u in dormant
    )
    expired = erp.expired_active_users()
    assert expired and all(u.status == "active" and u.valid_to < TODAY for u in expired)


# ---- roles and permissions ---------------------------------------------------------------


def test_roles_are_user_groups_with_their_rights_and_members(erp):
    roles = {r.code: r for r in erp.list_roles()}
    assert {"Achats", "Comptabilité", "Ventes", "Stock", "Trésorerie"} <= set(roles)
    treasury = erp.get_role("Trésorerie")
    assert "banque.modifier" in [p[0] for p in treasury.permissions]
    assert roles["Trésorerie"].members == len(treasury.members) >= 8
    assert roles["Trésorerie"].permissions == len(treasury.permissions)


def test_effective_permissions_direct_and_via_groups(erp):
    member = next(m[0] for m in _members(erp, "Trésorerie") if _usable(*m[1:]))
    perms = {p.code: p for p in erp.effective_permissions(member)}
    assert "Trésorerie" in perms["banque.modifier"].roles
    assert perms["banque.modifier"].risk == "critical"
    login, right = _sql(
        erp,
        select(U.c.login, sch.llx_user_rights.c.fk_id)
        .join(sch.llx_user_rights, sch.llx_user_rights.c.fk_user == U.c.rowid)
        .where(
            U.c.admin == 0,
            U.c.statut == 1,
            U.c.dateendvalidity.is_(None),
            U.c.datestartvalidity.is_(None),
        )
        .order_by(U.c.login)
        .limit(1),
    )[0]
    assert (
        "(direct right)"
        in {p.code: p for p in erp.effective_permissions(login)}[CODES[right]].roles
    )


def test_an_administrator_has_every_right(erp):
    every = {p[0] for p in erp.list_permissions()}
    held = {p.code for p in erp.effective_permissions("n.durand")}
    assert held == every and len(every) > 100
    assert "a Dolibarr administrator has every right" in " ".join(
        erp.explain("n.durand", "banque.configurer").reasons
    )


def test_a_disabled_user_holds_nothing(erp):
    assert erp.effective_permissions("p.morel") == []


def test_users_without_any_right_hold_nothing_and_are_told_why(erp):
    lonely = _sql(
        erp,
        select(U.c.login)
        .where(
            U.c.statut == 1,
            U.c.admin == 0,
            U.c.entity == 1,
            ~select(GU.c.rowid).where(GU.c.fk_user == U.c.rowid).exists(),
            ~select(sch.llx_user_rights.c.rowid)
            .where(sch.llx_user_rights.c.fk_user == U.c.rowid)
            .exists(),
        )
        .order_by(U.c.login),
    )
    assert len(lonely) >= 3
    login = lonely[0][0]
    assert erp.effective_permissions(login) == []
    assert erp.get_user(login).grants == ()
    why = erp.explain(login, "facture.lire")
    assert not why.allowed and "no direct right and no user group" in why.reasons[-1]


def test_the_backend_is_an_identity_backend(erp):
    from erp_console.services.access.backends import BACKENDS
    from erp_console.services.access.identity import IdentityBackend

    assert isinstance(erp, IdentityBackend)
    module, _, name = BACKENDS["dolibarr"].partition(":")
    assert type(erp).__module__ == module and type(erp).__name__ == name


def test_who_has_lists_usable_holders_with_their_sources(erp):
    holders = {h.login: h for h in erp.who_has("banque.modifier")}
    usable_members = [m[0] for m in _members(erp, "Trésorerie") if _usable(*m[1:])]
    unusable_members = [m[0] for m in _members(erp, "Trésorerie") if not _usable(*m[1:])]
    assert set(usable_members) <= set(holders)
    assert not set(unusable_members) & set(holders)
    assert "(administrator)" in holders["n.durand"].roles
    assert "p.morel" not in holders  # a disabled administrator
    for login in holders:
        assert erp.explain(login, "banque.modifier").allowed


def test_explain_says_why_not_in_dolibarr_terms(erp):
    member_rows = _members(erp, "Achats")
    disabled = next(m[0] for m in member_rows if m[1] == 0)
    reasons = " ".join(erp.explain(disabled, "fournisseur.facture.creer").reasons)
    assert "disabled in Dolibarr (statut = 0)" in reasons
    assert "via user group Achats" in reasons and "does not apply" in reasons
    expired = next(m for m in member_rows if m[1] == 1 and m[3] and m[3].date() < TODAY)
    reasons = " ".join(erp.explain(expired[0], "fournisseur.facture.creer").reasons)
    assert f"expired on {expired[3].date()}" in reasons
    future = _sql(
        erp,
        select(U.c.login, U.c.datestartvalidity).where(U.c.datestartvalidity > dt.datetime.now()),
    )[0]
    reasons = " ".join(erp.explain(future.login, "facture.lire").reasons)
    assert f"valid only from {future.datestartvalidity.date()}" in reasons
    nobody = next(
        m[0]
        for m in _members(erp, "Lecture seule")
        if _usable(*m[1:])
        and "banque.modifier" not in {p.code for p in erp.effective_permissions(m[0])}
    )
    why = erp.explain(nobody, "banque.modifier")
    assert not why.allowed
    assert "user groups that would: Services - Comptabilité, Trésorerie" not in why.reasons[-1]
    assert "user groups that would: Trésorerie" in why.reasons[-1]
    yes = erp.explain(nobody, "facture.lire")
    assert yes.allowed and "via user group Lecture seule (entity 1)" in yes.reasons


def test_compare_groups_and_users(erp):
    cmp = erp.compare_roles("Achats", "Stock")
    assert "produit.lire" in cmp.both
    assert "fournisseur.facture.creer" in cmp.only_a and "stock.mouvement.creer" in cmp.only_b
    users = erp.compare_users("n.durand", "p.morel")
    assert users.only_b == () and len(users.only_a) > 100


def test_sod_conflicts_in_dolibarr_codes(erp):
    found = erp.sod_check_all()
    critical = [c for c in found if c.severity == "critical"]
    assert found[0].severity == "critical"
    buyer = next(
        c
        for c in critical
        if c.roles_a == ("Achats",) and c.roles_b == ("Validation factures fournisseurs",)
    )
    assert buyer.permission_b == "fournisseur.supplier_invoice_advance.validate"
    assert any(c.roles_b == ("(direct right)",) for c in critical)
    assert buyer in erp.sod_check_user(buyer.login)


def test_bad_input_gets_a_clear_message(erp):
    with pytest.raises(ValidationError, match="permission: 'banque' is not a Dolibarr permission"):
        erp.who_has("banque")
    with pytest.raises(NotFound, match="no Dolibarr permission 'banque.voler'"):
        erp.explain("n.durand", "banque.voler")
    with pytest.raises(NotFound, match="no Dolibarr user with login 'nobody'"):
        erp.get_user("nobody")
    with pytest.raises(NotFound, match="no Dolibarr user group 'Pirates'"):
        erp.get_role("Pirates")
    with pytest.raises(ValidationError, match="department: Dolibarr users have no department"):
        erp.list_users(UserFilter(department="FIN"))
    with pytest.raises(ValidationError, match="days: must be at least 1"):
        erp.dormant_users(0)


# ---- writes ------------------------------------------------------------------------------


def _changed(before: dict, after: dict) -> set[str]:
    return {k for k in before if before[k] != after[k]}


def test_disable_and_enable_touch_statut_and_dolibarr_audit_columns_only(writable, store):
    login = writable.list_users(UserFilter(status="active", role="Ventes"), limit=1)[0].login
    before = _whole_row(writable, login)
    detail = writable.set_status(login, "disable", actor="n.durand", reason="left the company")
    after = _whole_row(writable, login)
    assert detail.status == "disabled"
    assert _changed(before, after) <= {"statut", "tms", "fk_user_modif"}
    assert after["statut"] == 0 and after["tms"] >= before["tms"]
    assert after["fk_user_modif"] == _whole_row(writable, "n.durand")["rowid"]
    assert after["pass_crypted"] == before["pass_crypted"]

    writable.set_status(login, "enable", actor="someone-else", reason=None)
    again = _whole_row(writable, login)
    assert again["statut"] == 1 and again["fk_user_modif"] is None
    assert _changed(before, again) <= {"tms", "fk_user_modif"}
    assert _audit(store) == [
        ("erp.user.disable.intent", login),
        ("erp.user.disable.done", f"user {login}"),
        ("erp.user.enable.intent", login),
        ("erp.user.enable.done", f"user {login}"),
    ]
    assert pending_intents(store) == []


def test_grant_and_revoke_a_group_with_preview(writable, store):
    login = next(
        u.login
        for u in writable.list_users(UserFilter(status="active", role="Lecture seule"), limit=50)
        if "Stock" not in [g.role for g in writable.get_user(u.login).grants]
    )
    before = _whole_row(writable, login)
    preview = writable.preview_grant("Stock", [login])
    assert "stock.mouvement.creer" in preview.gained[login]
    assert "stock.lire" not in preview.gained[login]  # Lecture seule grants it already
    writable.grant("Stock", [login], actor="tester", reason="covers the warehouse")
    assert "Stock" in [g.role for g in writable.get_user(login).grants]
    assert (
        "Stock"
        in {p.code: p for p in writable.effective_permissions(login)}["stock.mouvement.creer"].roles
    )
    membership = _sql(
        writable,
        select(GU.c.entity)
        .join(G, G.c.rowid == GU.c.fk_usergroup)
        .where(G.c.nom == "Stock", GU.c.fk_user == before["rowid"]),
    )
    assert membership == [(1,)]
    assert _changed(before, _whole_row(writable, login)) <= {"tms", "fk_user_modif"}
    assert writable.preview_grant("Stock", [login]).already == (login,)

    lost = writable.preview_revoke("Stock", [login]).lost[login]
    assert "stock.mouvement.creer" in lost and "stock.lire" not in lost
    writable.revoke("Stock", [login], actor="tester", reason="back to read only")
    assert "Stock" not in [g.role for g in writable.get_user(login).grants]
    assert [a for a, _ in _audit(store)] == [
        "erp.role.grant.intent",
        "erp.role.grant.done",
        "erp.role.revoke.intent",
        "erp.role.revoke.done",
    ]


def test_a_critical_sod_grant_needs_an_override(writable, store):
    buyer = next(
        u.login
        for u in writable.list_users(UserFilter(status="active", role="Achats"), limit=200)
        if not writable.sod_check_user(u.login) and writable.effective_permissions(u.login)
    )
    with pytest.raises(ValidationError, match="critical SoD conflicts"):
        writable.grant(
            "Validation factures fournisseurs", [buyer], actor="tester", reason="holiday"
        )
    assert _audit(store) == []
    writable.grant(
        "Validation factures fournisseurs",
        [buyer],
        actor="tester",
        reason="holiday",
        override_reason="two weeks, controller informed",
    )
    with store.session() as s:
        reason = s.scalar(
            select(MaintenanceLog.reason).where(MaintenanceLog.action == "erp.role.grant.intent")
        )
    assert "SoD override: two weeks, controller informed" in reason
    conflict = writable.sod_check_user(buyer)[0]
    assert conflict.severity == "critical" and conflict.accepted  # the override is kept
    assert (buyer, conflict.rule) in {
        (c.login, c.rule) for c in writable.sod_check_all() if c.accepted
    }


def test_bulk_disable(writable, store):
    logins = [
        u.login for u in writable.list_users(UserFilter(status="active", role="Projets"), limit=3)
    ]
    assert (
        writable.bulk_set_status(logins, "disable", actor="tester", reason="project closed")
        == logins
    )
    assert all(writable.get_user(login).status == "disabled" for login in logins)
    assert len([a for a, _ in _audit(store) if a == "erp.user.disable.done"]) == 3
    with pytest.raises(ValidationError, match="Dolibarr has no lock"):
        writable.bulk_set_status(logins, "lock", actor="tester", reason="x")


def test_special_users_are_refused(writable, store):
    with pytest.raises(ValidationError, match="superadministrator"):
        writable.set_status("admin", "disable", actor="tester", reason="no")
    with pytest.raises(ValidationError, match="superadministrator"):
        writable.grant("Ventes", ["admin"], actor="tester", reason="no")
    writable.set_status("s.leroy", "disable", actor="tester", reason="left")
    with pytest.raises(ValidationError, match="last active administrator of entity 1"):
        writable.set_status("n.durand", "disable", actor="tester", reason="no")
    with pytest.raises(ValidationError, match="without an active administrator"):
        writable.bulk_set_status(["n.durand"], "disable", actor="tester", reason="no")
    with pytest.raises(ValidationError, match="reason"):
        writable.set_status("n.durand", "disable", actor="tester", reason="  ")
    with pytest.raises(ValidationError, match="no validity dates"):
        writable.grant("Ventes", ["n.durand"], actor="t", reason="r", valid_to=TODAY)
    assert writable.get_user("n.durand").status == "active"
    assert [a for a, _ in _audit(store)] == ["erp.user.disable.intent", "erp.user.disable.done"]


def test_a_change_since_the_preview_is_refused(writable, store):
    login = writable.list_users(UserFilter(status="active", role="Ventes"), limit=1)[0].login
    shown = writable.get_user(login)
    with writable.target.engine.begin() as other:
        other.execute(update(U).where(U.c.login == login).values(email="changed@example.org"))
    with pytest.raises(
        Conflict, match=f"Dolibarr user '{login}' was changed by someone else"
    ) as caught:
        writable.set_status(
            login, "disable", actor="tester", reason="r", expected_version=shown.version
        )
    assert caught.value.exit_code == 4
    assert _audit(store) == []
    assert writable.get_user(login).status == "active"


def test_a_grant_or_revoke_refuses_a_user_changed_since_its_preview(writable, store):
    login = next(
        u.login
        for u in writable.list_users(UserFilter(status="active", role="Ventes"), limit=50)
        if "Stock" not in [g.role for g in writable.get_user(u.login).grants]
    )
    preview = writable.preview_grant("Stock", [login])
    assert preview.versions == {login: writable.get_user(login).version}
    with writable.target.engine.begin() as other:
        other.execute(update(U).where(U.c.login == login).values(email="moved@example.org"))
    with pytest.raises(Conflict, match="changed since the preview") as caught:
        writable.grant("Stock", [login], actor="tester", reason="r",
                       expected_versions=preview.versions)  # fmt: skip
    assert caught.value.exit_code == 4
    assert "Stock" not in [g.role for g in writable.get_user(login).grants]
    preview = writable.preview_revoke("Ventes", [login])
    with writable.target.engine.begin() as other:
        other.execute(update(U).where(U.c.login == login).values(email="again@example.org"))
    with pytest.raises(Conflict, match="changed since the preview"):
        writable.revoke("Ventes", [login], actor="tester", reason="r",
                        expected_versions=preview.versions)  # fmt: skip
    assert "Ventes" in [g.role for g in writable.get_user(login).grants]
    assert _audit(store) == []  # refused before any intent was recorded


def test_a_change_between_the_read_and_the_write_is_refused_and_audited(writable, store):
    login = next(
        u.login
        for u in writable.list_users(UserFilter(status="active", role="Ventes"), limit=50)
        if "Stock" not in [g.role for g in writable.get_user(u.login).grants]
    )
    engine = writable.target.engine
    fired = []

    def concurrent_edit(conn, cursor, statement, parameters, context, executemany):
        if "FOR UPDATE" in statement and not fired:
            fired.append(True)
            with engine.connect() as other:
                other.execute(update(U).where(U.c.login == login).values(lastname="Autre"))
                other.commit()

    event.listen(engine, "before_cursor_execute", concurrent_edit)
    try:
        with pytest.raises(Conflict):
            writable.grant("Stock", [login], actor="tester", reason="r")
    finally:
        event.remove(engine, "before_cursor_execute", concurrent_edit)
    assert fired
    assert "Stock" not in [g.role for g in writable.get_user(login).grants]
    assert [a for a, _ in _audit(store)] == ["erp.role.grant.intent", "erp.role.grant.failed"]


def test_a_read_only_target_refuses_writes_at_the_database_level(fresh_url, store):
    target = connect(fresh_url, read_only=True)
    backend = DolibarrIdentity(target, store)
    login = backend.list_users(UserFilter(status="active", role="Ventes"), limit=1)[0].login
    with pytest.raises(ReadOnlyError):
        backend.set_status(login, "disable", actor="tester", reason="r")
    assert _audit(store) == []
    # Even if the console's own guard were bypassed, the database session refuses the write.
    target.read_only = backend.read_only = False
    with pytest.raises(ReadOnlyError, match="database refused the write"):
        backend.set_status(login, "disable", actor="tester", reason="r")
    assert backend.get_user(login).status == "active"
    assert [a for a, _ in _audit(store)] == ["erp.user.disable.intent", "erp.user.disable.failed"]
    target.dispose()


def test_the_store_gets_the_dolibarr_catalogue_and_rules_once(store):
    from erp_console.db.models import Permission, SodRule

    assert seed_store(store, actor="tester") == {"permission": 0, "sod_rule": 0}
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SodRule)) == 6
        risk = s.scalar(
            select(Permission.risk).where(
                Permission.code == "fournisseur.supplier_invoice_advance.validate"
            )
        )
    assert risk == "critical"


def test_the_demo_refuses_a_database_that_holds_dolibarr_already(company):
    with pytest.raises(ValidationError, match="already holds Dolibarr tables"):
        build(company)


def test_tms_precision_is_seconds_on_both_engines(writable):
    # tms keeps second precision on MariaDB; the console writes whole seconds on both engines.
    login = writable.list_users(UserFilter(status="active"), limit=1)[0].login
    writable.set_status(login, "disable", actor="tester", reason="r")
    assert _whole_row(writable, login)["tms"].microsecond == 0


def test_a_store_that_cannot_take_the_intent_leaves_dolibarr_untouched(writable, store):
    login = writable.list_users(UserFilter(status="active", role="Ventes"), limit=1)[0].login
    before = _whole_row(writable, login)
    store.read_only = True
    with pytest.raises(ReadOnlyError):
        writable.set_status(login, "disable", actor="tester", reason="left")
    store.read_only = False
    assert _whole_row(writable, login) == before
    assert _audit(store) == []


def test_a_store_failing_after_the_dolibarr_commit_leaves_a_pending_intent(writable, store):
    from erp_console.services.access.erp_audit import UnconfirmedErpWrite

    login = writable.list_users(UserFilter(status="active", role="Ventes"), limit=1)[0].login

    def store_goes_away(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE LLX_USER SET STATUT"):
            store.read_only = True

    engine = writable.target.engine
    event.listen(engine, "before_cursor_execute", store_goes_away)
    try:
        with pytest.raises(UnconfirmedErpWrite, match="stays pending"):
            writable.set_status(login, "disable", actor="tester", reason="left")
    finally:
        event.remove(engine, "before_cursor_execute", store_goes_away)
        store.read_only = False
    assert _whole_row(writable, login)["statut"] == 0
    (pending,) = pending_intents(store)
    assert (pending.action, pending.target_label) == ("erp.user.disable", login)


def test_a_disable_shows_in_the_users_recent_changes(writable, store):
    from erp_console.services.access.user_panel import identity_panel

    login, other = [
        u.login for u in writable.list_users(UserFilter(status="active", role="Ventes"), limit=2)
    ]
    writable.set_status(login, "disable", actor="tester", reason="left")
    history = identity_panel(writable, store, login).history
    assert [(e.action, e.target_id, e.reason) for e in history] == [
        ("erp.user.disable.intent", login, "left")
    ]
    assert identity_panel(writable, store, other).history == ()


def test_process_coverage_asks_dolibarr_who_can_perform_each_step(erp, store):
    import datetime as _dt

    from erp_console.db.models import BusinessProcess, Department, ProcessStep, ProcessVersion
    from erp_console.db.models import Permission as StorePermission
    from erp_console.services.processes.coverage import coverage

    enter, validate = "fournisseur.facture.creer", "fournisseur.supplier_invoice_advance.validate"
    with store.begin() as s:
        ids = dict(s.execute(select(StorePermission.code, StorePermission.id)).all())
        dept = Department(code="COMPTA", name="Comptabilité")
        process = BusinessProcess(code="AP", name="Factures fournisseurs")
        s.add_all([dept, process])
        s.flush()
        version = ProcessVersion(process_id=process.id, number=1,
                                 effective_from=_dt.date(2024, 1, 1), created_by="t")  # fmt: skip
        s.add(version)
        s.flush()
        s.add_all([
            ProcessStep(version_id=version.id, seq=1, name="Saisir", permission_id=ids[enter],
                        department_id=dept.id),
            ProcessStep(version_id=version.id, seq=2, name="Valider", permission_id=ids[validate]),
        ])  # fmt: skip
    (cov,) = coverage(store, "AP", identity=erp)
    first, second = cov.steps
    assert first.holders and second.holders
    for step, code in ((first, enter), (second, validate)):
        assert all(erp.explain(login, code).allowed for login in step.holders)
    both = set(first.holders) & set(second.holders)
    assert {c.login for c in cov.conflicts} == both
    assert ("sod" in first.flags) == bool(both)
    assert any("no departments" in n and "1 (COMPTA)" in n for n in cov.notes)

"""Odoo (16–18, PostgreSQL) as an identity backend: users, groups and model access of res_users,
res_groups, res_groups_users_rel, res_groups_implied_rel, ir_model_access and ir_model_data.

Terms:
- a role is an Odoo group, named by its XML id (`account.group_account_manager`), or
  `res.groups:<id>` for a group without one;
- a permission is `<model>:<read|write|create|unlink>` (model access); a user holds it when an
  active ir_model_access row grants it to a group the user is in or reaches through implied groups,
  or when a rule without group grants it (Odoo applies those to every user);
- a user is active or disabled (`res_users.active`); Odoo has no lock, no validity dates and no
  department the console could filter on, so those capabilities are absent. Share (portal/public)
  users are flagged on the rows.

Writes do what Odoo's ORM does for the same change and no more: `active`, or a row of
res_groups_users_rel (16/17 also add the implied groups' rows, as their ORM does), then
`write_uid`/`write_date` of the user and its computed `share` flag. `write_uid` is the Odoo user
whose login is the console operator's, else 1 (Odoo's superuser, which is what Odoo itself records
for sudo and server-side writes). The version of a user is its write_date (microseconds): each
write re-reads the row FOR UPDATE and refuses with `Conflict` when it changed since the caller's
preview. The superuser (__system__), the public user and the user templates are never changed, and
no change may leave base.group_system without an active member. Each write is recorded in the
console store as an intent confirmed after (`erp_audit`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import (
    Select,
    column,
    delete,
    exists,
    false,
    func,
    insert,
    inspect,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from erp_console.db.engine import Database
from erp_console.db.models import Permission
from erp_console.errors import ConfigError, Conflict, NotFound, ReadOnlyError, ValidationError
from erp_console.services.access.backends import odoo_query as q
from erp_console.services.access.erp_audit import ErpChange, audited_erp_write
from erp_console.services.access.erp_exceptions import mark_accepted, record_overrides
from erp_console.services.access.grants import (
    EffectivePermission,
    Explanation,
    GrantPreview,
    Holder,
    RevokePreview,
    UserConflict,
    check_preview_versions,
)
from erp_console.services.access.identity import ALL_USERS, ErpIdentity
from erp_console.services.access.present import sod_override_needed
from erp_console.services.access.roles import Comparison, RoleDetail, RoleSummary
from erp_console.services.access.sod_core import SEVERITY_ORDER, load_rules
from erp_console.services.access.users import Grant, UserDetail, UserFilter, UserRow
from erp_console.services.core.paging import SortColumn, Total, page_after, page_before
from erp_console.services.core.validation import require_text
from erp_console.services.core.versions import check_version

SUPPORTED_MAJORS = (16, 17, 18)
SUPPORTED_RANGE = "16–18"
VERSION_RE = re.compile(r"^(?:saas~)?(\d+)\.(\d+)")
SUPERUSER_ID = 1
EVERYONE = "(every user)"
EXACT_COUNT_LIMIT = 10_000
PROTECTED_XML_IDS = {
    "user_root": "superuser (__system__)",
    "public_user": "public (anonymous visitor) user",
    "template_portal_user_id": "portal user template",
    "default_user": "default user template",
}
_EPOCH = dt.datetime(1970, 1, 1)

u, p, rel, log = q.u, q.p, q.rel, q.log
pg_class = table("pg_class", column("oid"), column("reltuples"), schema="pg_catalog")


@dataclass(frozen=True)
class OdooUserRow(UserRow):
    share: bool = False

    @property
    def sort_key(self) -> tuple[str, int]:
        return (self.login, self.id)  # pages walk res_users_login_key, which orders by login


@dataclass(frozen=True)
class OdooUserDetail(UserDetail):
    share: bool = False
    write_uid: int | None = None


def stamp(write_date: dt.datetime | None) -> int:
    """A user's version: its write_date in microseconds (0 when never written)."""
    return 0 if write_date is None else (write_date - _EPOCH) // dt.timedelta(microseconds=1)


def detect(connection: Connection) -> ErpIdentity | None:
    """Odoo when res_users and ir_module_module exist; its version from base's latest_version."""
    inspector = inspect(connection)
    if not (inspector.has_table("res_users") and inspector.has_table("ir_module_module")):
        return None
    modules = q.s.ir_module_module
    version = connection.execute(
        select(modules.c.latest_version).where(modules.c.name == "base")
    ).scalar()
    found = VERSION_RE.match(version or "")
    if not found:
        raise ConfigError(
            f"this looks like an Odoo database but its version cannot be read "
            f"(ir_module_module 'base' latest_version = {version!r}); the console supports Odoo "
            f"{SUPPORTED_RANGE}"
        )
    major, minor = int(found.group(1)), int(found.group(2))
    if major not in SUPPORTED_MAJORS:
        raise ConfigError(
            f"Odoo {major}.{minor} (base {version}) is not supported; the Odoo connector supports "
            f"Odoo {SUPPORTED_RANGE}"
        )
    return ErpIdentity("odoo", "Odoo", f"{major}.{minor}")


def _utc_now():
    return func.timezone("UTC", func.now())


class OdooIdentity:
    capabilities = frozenset({"disable", "grant"})

    def __init__(self, target: Database, store: Database):
        if target.dialect != "postgresql":
            raise ConfigError("Odoo runs on PostgreSQL; this database is " + target.dialect)
        self.target = target
        self.store = store
        self.read_only = target.read_only
        with target.engine.connect() as conn:
            identity = detect(conn)
            if identity is None:
                raise ConfigError(
                    "not an Odoo database: tables res_users and ir_module_module are missing"
                )
            self._names_json = q.is_json_column(conn, "res_groups", "name")
            self._model_names_json = q.is_json_column(conn, "ir_model", "name")
        self.identity = identity
        self.major = int(identity.version.split(".")[0])

    # ---- shared reads ---------------------------------------------------------------------------

    def _conn(self):
        return self.target.engine.connect()

    def _user(self, conn: Connection, login: str, *, for_update: bool = False):
        stmt = (
            select(
                u.c.id,
                u.c.login,
                u.c.active,
                u.c.share,
                u.c.write_date,
                u.c.write_uid,
                u.c.create_date,
                p.c.name,
                p.c.email,
            )
            .join(p, p.c.id == u.c.partner_id)
            .where(u.c.login == (login or "").strip())
        )
        if for_update:
            stmt = stmt.with_for_update(of=u)
        row = conn.execute(stmt).first()
        if row is None:
            raise NotFound(f"no Odoo user with login '{login}'")
        return row

    def _catalogue(self) -> dict[str, tuple[str, str, str | None]]:
        """code -> (module, risk, description) from the store's permission catalogue."""
        with self.store.session() as session:
            return {
                code: (module, risk, desc)
                for code, module, risk, desc in session.execute(
                    select(
                        Permission.code, Permission.module, Permission.risk, Permission.description
                    )
                )
                if ":" in code
            }

    def _describe(self, code: str, catalogue) -> tuple[str, str, str | None]:
        if code in catalogue:
            return catalogue[code]
        model, right = code.split(":")
        return model.split(".")[0][:16], "low" if right == "read" else "medium", f"{right} {model}"

    def _codes(self, holding: dict[str, set[int | None]], groups) -> dict[str, tuple[str, ...]]:
        return {
            code: tuple(sorted(groups[g].code if g is not None else EVERYONE for g in sources))
            for code, sources in holding.items()
        }

    def _user_holdings(self, conn: Connection, uid: int, active: bool, groups):
        if not active:
            return {}
        return self._codes(q.holdings(conn, q.user_start(uid)), groups)

    def _protected(self, conn: Connection) -> dict[int, str]:
        xml = q.xml
        found = {SUPERUSER_ID: PROTECTED_XML_IDS["user_root"]}
        for res_id, name in conn.execute(
            select(xml.c.res_id, xml.c.name).where(
                xml.c.module == "base",
                xml.c.model == "res.users",
                xml.c.name.in_(list(PROTECTED_XML_IDS)),
            )
        ):
            found[res_id] = PROTECTED_XML_IDS[name]
        return found

    def _refuse_protected(self, conn: Connection, rows) -> None:
        protected = self._protected(conn)
        for row in rows:
            if row.id in protected:
                raise ValidationError(
                    f"'{row.login}' is Odoo's {protected[row.id]}; the console never changes it",
                    field="users",
                )

    def _admin_groups(self, conn: Connection) -> set[int]:
        try:
            system = q.group_id(conn, "base.group_system")
        except NotFound:
            return set()
        return q.implying(q.implied_graph(conn), system)

    def _other_active_admins(self, conn: Connection, admin_groups: set[int], uids: set[int]) -> int:
        if not admin_groups:
            return 1
        return conn.execute(
            select(func.count(func.distinct(rel.c.uid)))
            .join(u, u.c.id == rel.c.uid)
            .where(rel.c.gid.in_(admin_groups), u.c.active.is_(True), rel.c.uid.not_in(uids))
        ).scalar_one()

    def _operator_uid(self, session: Session, actor: str) -> int:
        uid = session.execute(
            select(u.c.id).where(u.c.login == actor, u.c.active.is_(True))
        ).scalar()
        return uid or SUPERUSER_ID

    def _writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError(
                "the Odoo database is connected read-only; enable writes for this profile "
                "(--allow-writes) to change it"
            )

    def _recheck(self, session: Session, row, expected: int) -> None:
        current = session.execute(
            select(u.c.write_date, u.c.active).where(u.c.id == row.id).with_for_update()
        ).one()
        if stamp(current.write_date) != expected:
            raise Conflict(
                f"Odoo user '{row.login}' was changed since the preview (write_date now "
                f"{current.write_date:%Y-%m-%d %H:%M:%S}); nothing was written — reload and try again"
            )

    # ---- users ----------------------------------------------------------------------------------

    def _user_query(self, conn: Connection, flt: UserFilter) -> Select:
        last_login = (
            select(func.max(log.c.create_date))
            .where(log.c.create_uid == u.c.id)
            .scalar_subquery()
            .label("last_login")
        )
        stmt = select(
            u.c.id, u.c.login, p.c.name, p.c.email, u.c.active, u.c.share, last_login
        ).join(p, p.c.id == u.c.partner_id)
        text = flt.text.strip()
        if text:
            stmt = stmt.where(
                or_(
                    u.c.login.icontains(text, autoescape=True),
                    p.c.name.icontains(text, autoescape=True),
                    p.c.email.icontains(text, autoescape=True),
                )
            )
        if flt.status == "active":
            stmt = stmt.where(u.c.active.is_(True))
        elif flt.status == "disabled":
            stmt = stmt.where(u.c.active.is_not(True))
        elif flt.status == "locked":
            stmt = stmt.where(false())
        elif flt.status:
            raise ValidationError(f"unknown status '{flt.status}'", field="status")
        if flt.department:
            raise ValidationError(
                "Odoo users have no department the console can filter on", field="department"
            )
        if flt.role:
            gids = q.implying(q.implied_graph(conn), q.group_id(conn, flt.role))
            stmt = stmt.where(exists().where(rel.c.uid == u.c.id, rel.c.gid.in_(gids)))
        if flt.dormant_days is not None:
            on = flt.on or dt.date.today()
            cutoff = dt.datetime.combine(on, dt.time()) - dt.timedelta(days=flt.dormant_days)
            stmt = stmt.where(
                u.c.active.is_(True),
                ~exists().where(log.c.create_uid == u.c.id, log.c.create_date >= cutoff),
            )
        if flt.expired:
            stmt = stmt.where(false())  # Odoo users have no validity dates
        return stmt

    _SORT = (SortColumn(u.c.login),)

    @staticmethod
    def _row(r) -> OdooUserRow:
        status = "active" if r.active else "disabled"
        return OdooUserRow(
            r.id, r.login, r.name or "", r.email, None, status, None, r.last_login, bool(r.share)
        )

    def list_users(
        self, flt: UserFilter = ALL_USERS, *, after: tuple | None = None, limit: int = 100
    ) -> list[OdooUserRow]:
        with self._conn() as conn:
            stmt = self._user_query(conn, flt)
            with Session(conn) as session:
                return [self._row(r) for r in page_after(session, stmt, self._SORT, after, limit)]

    def list_users_before(
        self, flt: UserFilter = ALL_USERS, *, before: tuple | None = None, limit: int = 100
    ) -> list[OdooUserRow]:
        with self._conn() as conn:
            stmt = self._user_query(conn, flt)
            with Session(conn) as session:
                return [self._row(r) for r in page_before(session, stmt, self._SORT, before, limit)]

    def count_users(self, flt: UserFilter = ALL_USERS) -> Total:
        """Exact up to 10,000 users; beyond that PostgreSQL's own estimate (shown as ≈): the
        planner statistics for all users, the plan's row estimate for a filter."""
        with self._conn() as conn:
            if flt == ALL_USERS:
                estimate = conn.execute(
                    select(func.greatest(pg_class.c.reltuples, 0)).where(
                        pg_class.c.oid == func.to_regclass("res_users")
                    )
                ).scalar()
                if estimate is not None and estimate > EXACT_COUNT_LIMIT:
                    return Total(int(estimate), exact=False)
                return Total(conn.execute(select(func.count()).select_from(u)).scalar_one())
            stmt = self._user_query(conn, flt).with_only_columns(u.c.id).order_by(None)
            capped = select(func.count()).select_from(stmt.limit(EXACT_COUNT_LIMIT + 1).subquery())
            count = conn.execute(capped).scalar_one()
            if count <= EXACT_COUNT_LIMIT:
                return Total(count)
            compiled = stmt.compile(dialect=conn.dialect)
            plan = conn.exec_driver_sql(
                "EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params
            ).scalar_one()
            return Total(max(int(plan[0]["Plan"]["Plan Rows"]), count), exact=False)

    def get_user(self, login: str) -> OdooUserDetail:
        with self._conn() as conn:
            row = self._user(conn, login)
            groups = q.load_groups(conn, self._names_json)
            last_login = conn.execute(
                select(func.max(log.c.create_date)).where(log.c.create_uid == row.id)
            ).scalar()
            direct = conn.execute(select(rel.c.gid).where(rel.c.uid == row.id)).scalars().all()
        grants = sorted(
            (
                Grant(groups[gid].code, groups[gid].name, None, None, None, None, "")
                for gid in direct
            ),
            key=lambda grant: grant.role,
        )
        return OdooUserDetail(
            row.id,
            row.login,
            row.name or "",
            row.email,
            None,
            None,
            "active" if row.active else "disabled",
            None,
            None,
            None,
            last_login,
            row.create_date,
            stamp(row.write_date),
            tuple(grants),
            bool(row.share),
            row.write_uid,
        )

    def departments(self) -> list[tuple[str, str]]:
        return []

    def dormant_users(
        self, days: int = 90, *, on: dt.date | None = None, limit: int = 10_000
    ) -> list[OdooUserRow]:
        if days < 1:
            raise ValidationError("must be at least 1", field="days")
        return self.list_users(UserFilter(dormant_days=days, on=on), limit=limit)

    def expired_active_users(
        self, *, on: dt.date | None = None, limit: int = 10_000
    ) -> list[OdooUserRow]:
        return []  # Odoo users carry no validity dates

    # ---- roles and permissions ------------------------------------------------------------------

    def list_roles(self) -> list[RoleSummary]:
        with self._conn() as conn:
            groups = q.load_groups(conn, self._names_json)
            perms: dict[int, set[str]] = {}
            for code, sources in q.holdings(conn, q.groups_start(list(groups))).items():
                for source in sources:
                    if source is not None:
                        perms.setdefault(source, set()).add(code)
            members = dict(conn.execute(select(rel.c.gid, func.count()).group_by(rel.c.gid)).all())
        return sorted(
            (
                RoleSummary(
                    info.code,
                    info.name,
                    info.comment,
                    len(perms.get(gid, ())),
                    members.get(gid, 0),
                    stamp(info.write_date),
                )
                for gid, info in groups.items()
            ),
            key=lambda r: r.code,
        )

    def _group_permissions(self, conn: Connection, gid: int) -> set[str]:
        return {
            code
            for code, sources in q.holdings(conn, q.groups_start([gid])).items()
            if sources - {None}
        }

    def get_role(self, code: str) -> RoleDetail:
        catalogue = self._catalogue()
        with self._conn() as conn:
            gid = q.group_id(conn, code)
            info = q.load_groups(conn, self._names_json)[gid]
            perms = self._group_permissions(conn, gid)
            members = (
                conn.execute(
                    select(u.c.login)
                    .join(rel, rel.c.uid == u.c.id)
                    .where(rel.c.gid == gid)
                    .order_by(u.c.login)
                )
                .scalars()
                .all()
            )
        return RoleDetail(
            info.code,
            info.name,
            info.comment,
            stamp(info.write_date),
            tuple((c, *self._describe(c, catalogue)[:2]) for c in sorted(perms)),
            tuple((login, None) for login in members),
        )

    def list_permissions(self, module: str | None = None) -> list[tuple[str, str, str, str | None]]:
        catalogue = self._catalogue()
        acl, model_t = q.acl, q.model_t
        with self._conn() as conn:
            rows = conn.execute(
                select(
                    model_t.c.model,
                    q.translated(model_t.c.name, self._model_names_json).label("label"),
                    func.bool_or(acl.c.perm_read),
                    func.bool_or(acl.c.perm_write),
                    func.bool_or(acl.c.perm_create),
                    func.bool_or(acl.c.perm_unlink),
                )
                .join(model_t, model_t.c.id == acl.c.model_id)
                .where(acl.c.active.is_(True))
                .group_by(model_t.c.model, "label")
            ).all()
        found = []
        for model, label, *granted in rows:
            for right, has in zip(q.RIGHTS, granted, strict=True):
                if has:
                    code = f"{model}:{right}"
                    mod, risk, desc = catalogue.get(
                        code,
                        (
                            model.split(".")[0][:16],
                            "low" if right == "read" else "medium",
                            f"{right} {label}",
                        ),
                    )
                    if module is None or mod == module:
                        found.append((code, mod, risk, desc))
        return sorted(found)

    def effective_permissions(
        self, login: str, *, on: dt.date | None = None
    ) -> list[EffectivePermission]:
        """What the user can do now (Odoo has no validity dates: `on` changes nothing)."""
        catalogue = self._catalogue()
        with self._conn() as conn:
            row = self._user(conn, login)
            groups = q.load_groups(conn, self._names_json)
            held = self._user_holdings(conn, row.id, row.active, groups)
        return [
            EffectivePermission(code, *self._describe(code, catalogue), roles)
            for code, roles in sorted(held.items())
        ]

    def _holders(self, conn: Connection, code: str, groups) -> dict[str, tuple[str, str, set[str]]]:
        """login -> (name, login, group codes) of active users holding the permission."""
        model, right = q.parse_permission(code)
        if not q.model_exists(conn, model):
            raise NotFound(f"no Odoo model '{model}' (ir_model) for permission '{code}'")
        rules = q.granting_rules(conn, model, right)
        everyone = any(group is None for _name, group in rules)
        graph = q.implied_graph(conn)
        holding: set[int] = set()
        for _name, gid in rules:
            if gid is not None:
                holding |= q.implying(graph, gid)
        via: dict[int, set[str]] = {}
        for uid, gid in conn.execute(q.holders_stmt(holding)) if holding else ():
            via.setdefault(uid, set()).add(groups[gid].code)
        if not everyone and not via:
            return {}
        people = (
            select(u.c.id, u.c.login, p.c.name)
            .join(p, p.c.id == u.c.partner_id)
            .where(u.c.active.is_(True))
        )
        if not everyone:
            people = people.where(u.c.id.in_(select(q.holders_stmt(holding).subquery().c.uid)))
        return {
            login: (name or "", login, via.get(uid, set()) | ({EVERYONE} if everyone else set()))
            for uid, login, name in conn.execute(people)
        }

    def who_has(self, permission: str, *, on: dt.date | None = None) -> list[Holder]:
        with self._conn() as conn:
            groups = q.load_groups(conn, self._names_json)
            holders = self._holders(conn, permission, groups)
        return [
            Holder(login, name, None, tuple(sorted(roles)))
            for login, (name, _l, roles) in sorted(holders.items())
        ]

    def explain(self, login: str, permission: str, *, on: dt.date | None = None) -> Explanation:
        model, right = q.parse_permission(permission)
        code = f"{model}:{right}"
        with self._conn() as conn:
            row = self._user(conn, login)
            if not q.model_exists(conn, model):
                raise NotFound(f"no Odoo model '{model}' (ir_model) for permission '{code}'")
            groups = q.load_groups(conn, self._names_json)
            rules = q.granting_rules(conn, model, right)
            archived_rules = q.granting_rules(conn, model, right, active=False)
            paths = conn.execute(q.paths_stmt(row.id)).all()
        by_group: dict[int, list[str]] = {}
        for name, gid in rules:
            by_group.setdefault(gid, []).append(name)
        granted = []
        for rule in by_group.get(None, []):
            granted.append(
                f"every user gets it from access rule '{rule}' (ir.model.access without group)"
            )
        for gid, path in sorted(paths, key=lambda r: (len(r.path), r.path)):
            for rule in by_group.get(gid, []):
                chain = " → ".join(groups[g].code for g in path)
                how = "held directly" if len(path) == 1 else f"implied: {chain}"
                granted.append(
                    f"via group {groups[gid].code} ({how}), access rule '{rule}' grants {right} on {model}"
                )
        granted = list(dict.fromkeys(granted))
        blockers = []
        if not row.active:
            blockers.append(
                f"user is archived in Odoo (res_users.active = false): {row.login} cannot log in"
            )
        if granted and not blockers:
            return Explanation(True, row.login, code, tuple(granted))
        reasons = [f"{g} — but it does not apply" for g in granted]
        if not granted:
            if row.share:
                reasons.append(
                    "user is a portal/share user (res_users.share): Odoo keeps such users out of "
                    "internal groups"
                )
            would = sorted(groups[gid].code for gid in by_group if gid is not None)
            if would:
                reasons.append(
                    f"no group of the user grants {right} on {model}; groups that would: "
                    + ", ".join(would)
                    + " (or any group implying one of them)"
                )
            else:
                reasons.append(f"no active access rule grants {right} on {model} to any group")
            for name, gid in archived_rules:
                target = groups[gid].code if gid is not None else "every user"
                reasons.append(f"access rule '{name}' would grant it to {target} but is archived")
        return Explanation(False, row.login, code, tuple(blockers + reasons))

    def compare_roles(self, a: str, b: str) -> Comparison:
        with self._conn() as conn:
            pa = self._group_permissions(conn, q.group_id(conn, a))
            pb = self._group_permissions(conn, q.group_id(conn, b))
        return _compare(a, b, pa, pb)

    def compare_users(self, a: str, b: str, *, on: dt.date | None = None) -> Comparison:
        pa = {perm.code for perm in self.effective_permissions(a)}
        pb = {perm.code for perm in self.effective_permissions(b)}
        return _compare(a, b, pa, pb)

    # ---- separation of duties -------------------------------------------------------------------

    def _rules(self):
        with self.store.session() as session:
            return load_rules(session)

    @staticmethod
    def _conflicts(login: str, held: dict[str, tuple[str, ...]], rules) -> list[UserConflict]:
        found = [
            UserConflict(
                login,
                rule.name,
                rule.severity,
                rule.permission_a,
                rule.permission_b,
                tuple(held[rule.permission_a]),
                tuple(held[rule.permission_b]),
            )
            for rule in rules
            if rule.permission_a in held and rule.permission_b in held
        ]
        return sorted(found, key=lambda c: -SEVERITY_ORDER.get(c.severity, 0))

    def sod_check_user(self, login: str, *, on: dt.date | None = None) -> list[UserConflict]:
        rules = self._rules()
        held = {perm.code: perm.roles for perm in self.effective_permissions(login)}
        return self._accepted(self._conflicts(self._user_login(login), held, rules), on)

    def _accepted(self, conflicts: list[UserConflict], on: dt.date | None) -> list[UserConflict]:
        return mark_accepted(self.store, self.identity.kind, conflicts, on)

    def _user_login(self, login: str) -> str:
        with self._conn() as conn:
            return self._user(conn, login).login

    def sod_check_all(self, *, on: dt.date | None = None) -> list[UserConflict]:
        rules = [r for r in self._rules() if ":" in r.permission_a and ":" in r.permission_b]
        found = []
        with self._conn() as conn:
            groups = q.load_groups(conn, self._names_json)
            cache: dict[str, dict] = {}

            def holders(code: str):
                if code not in cache:
                    try:
                        cache[code] = self._holders(conn, code, groups)
                    except (NotFound, ValidationError):
                        cache[code] = {}
                return cache[code]

            for rule in rules:
                a, b = holders(rule.permission_a), holders(rule.permission_b)
                for login in a.keys() & b.keys():
                    found.append(
                        UserConflict(
                            login,
                            rule.name,
                            rule.severity,
                            rule.permission_a,
                            rule.permission_b,
                            tuple(sorted(a[login][2])),
                            tuple(sorted(b[login][2])),
                        )
                    )
        found = self._accepted(found, on)
        return sorted(found, key=lambda c: (-SEVERITY_ORDER.get(c.severity, 0), c.login, c.rule))

    # ---- writes: status -------------------------------------------------------------------------

    def set_status(
        self,
        login: str,
        action: str,
        *,
        actor: str,
        reason: str | None,
        expected_version: int | None = None,
    ) -> OdooUserDetail:
        active = _status_action(action)
        if not active:
            reason = require_text(reason, "reason")
        self._writable()
        with self._conn() as conn:
            row = self._user(conn, login)
            self._refuse_protected(conn, [row])
            current = stamp(row.write_date)
            check_version(
                f"Odoo user '{row.login}'",
                current,
                expected_version,
                now="active" if row.active else "archived",
            )
            if bool(row.active) == active:
                raise ValidationError(
                    f"user '{row.login}' is {'active' if active else 'disabled'} already; "
                    f"cannot {action}",
                    field="status",
                )
            admin_groups = self._admin_groups(conn) if not active else set()
            self._refuse_last_admin(conn, admin_groups, {row.id}, [row.id])
        expected = current

        def write(session: Session) -> None:
            self._recheck(session, row, expected)
            if not active:
                self._refuse_last_admin(session.connection(), admin_groups, {row.id}, [row.id])
            session.execute(
                update(u)
                .where(u.c.id == row.id)
                .values(
                    active=active,
                    write_uid=self._operator_uid(session, actor),
                    write_date=_utc_now(),
                )
            )

        audited_erp_write(
            self.store,
            self.target,
            ErpChange(
                f"erp.user.{action}",
                "user",
                row.login,
                row.login,
                before={"active": bool(row.active), "write_date": row.write_date},
                after={"active": active},
                reason=reason,
            ),
            actor=actor,
            write=write,
        )
        return self.get_user(row.login)

    def _refuse_last_admin(self, conn, admin_groups: set[int], leaving: set[int], uids) -> None:
        if not admin_groups:
            return
        is_admin = conn.execute(
            select(rel.c.uid)
            .join(u, u.c.id == rel.c.uid)
            .where(rel.c.uid.in_(list(uids)), rel.c.gid.in_(admin_groups), u.c.active.is_(True))
        ).first()
        if is_admin is not None and self._other_active_admins(conn, admin_groups, leaving) == 0:
            raise ValidationError(
                "that would leave base.group_system (Settings) without an active member; "
                "give another user administration rights first",
                field="users",
            )

    def bulk_set_status(
        self, logins: list[str], action: str, *, actor: str, reason: str
    ) -> list[str]:
        if action != "disable":
            raise ValidationError("bulk actions on Odoo users are: disable", field="action")
        reason = require_text(reason, "reason")
        if not logins:
            raise ValidationError("select at least one user", field="logins")
        self._writable()
        with self._conn() as conn:
            rows = [self._user(conn, login) for login in dict.fromkeys(logins)]
            self._refuse_protected(conn, rows)
            todo = [r for r in rows if r.active]
            admin_groups = self._admin_groups(conn)
            ids = {r.id for r in todo}
            self._refuse_last_admin(conn, admin_groups, ids, ids)
        if not todo:
            return []
        expected = {r.id: stamp(r.write_date) for r in todo}

        def write(session: Session) -> None:
            operator = self._operator_uid(session, actor)
            for row in todo:
                self._recheck(session, row, expected[row.id])
            session.execute(
                update(u)
                .where(u.c.id.in_(list(ids)))
                .values(active=False, write_uid=operator, write_date=_utc_now())
            )

        audited_erp_write(
            self.store,
            self.target,
            ErpChange(
                "erp.user.bulk_disable",
                "users",
                ",".join(str(r.id) for r in todo),
                f"{len(todo)} Odoo users",
                before={r.login: {"active": True, "write_date": r.write_date} for r in todo},
                after={r.login: {"active": False} for r in todo},
                reason=reason,
            ),
            actor=actor,
            write=write,
        )
        return [r.login for r in todo]

    # ---- writes: groups -------------------------------------------------------------------------

    def _members(self, conn: Connection, gid: int, uids: list[int]) -> set[int]:
        return set(
            conn.execute(select(rel.c.uid).where(rel.c.gid == gid, rel.c.uid.in_(uids))).scalars()
        )

    def _preview_grant(self, conn: Connection, role: str, logins: list[str]):
        gid = q.group_id(conn, role)
        groups = q.load_groups(conn, self._names_json)
        rows = [self._user(conn, login) for login in dict.fromkeys(logins)]
        held = self._members(conn, gid, [r.id for r in rows])
        rules = self._rules()
        gained, conflicts = {}, []
        for row in rows:
            if row.id in held:
                continue
            before = self._user_holdings(conn, row.id, True, groups)
            after = self._codes(
                q.holdings(conn, q.user_start(row.id).union(q.groups_start([gid]))), groups
            )
            gained[row.login] = tuple(sorted(set(after) - set(before)))
            old = {c.rule for c in self._conflicts(row.login, before, rules)}
            conflicts += [c for c in self._conflicts(row.login, after, rules) if c.rule not in old]
        preview = GrantPreview(
            groups[gid].code,
            gained,
            tuple(r.login for r in rows if r.id in held),
            tuple(self._accepted(conflicts, None)),
            _versions(rows),
        )
        return preview, gid, rows

    def preview_grant(
        self, role: str, logins: list[str], *, on: dt.date | None = None
    ) -> GrantPreview:
        with self._conn() as conn:
            preview, _gid, _rows = self._preview_grant(conn, role, logins)
        return preview

    def grant(
        self,
        role: str,
        logins: list[str],
        *,
        actor: str,
        reason: str,
        valid_from: dt.date | None = None,
        valid_to: dt.date | None = None,
        override_reason: str | None = None,
        expected_versions: Mapping[str, object] | None = None,
    ) -> GrantPreview:
        reason = require_text(reason, "reason")
        if valid_from or valid_to:
            raise ValidationError("Odoo group memberships have no validity dates", field="valid_to")
        if not logins:
            raise ValidationError("give at least one user", field="users")
        self._writable()
        with self._conn() as conn:
            preview, gid, rows = self._preview_grant(conn, role, logins)
            check_preview_versions(preview.versions, expected_versions, product="Odoo")
            self._refuse_protected(conn, rows)
            self._refuse_portal(conn, gid, rows)
            graph = q.implied_graph(conn)
        critical = list(preview.critical)  # an accepted override needs no new one
        if critical and not (override_reason or "").strip():
            raise ValidationError(sod_override_needed(critical), field="override_reason")
        todo = [r for r in rows if r.login in preview.gained]
        if not todo:
            return preview
        expected = {r.id: stamp(r.write_date) for r in todo}
        adds = {gid} | (_closure(graph, gid) if self.major < 18 else set())
        user_group = self._group_or_none(gid_of="base.group_user")

        def write(session: Session) -> None:
            operator = self._operator_uid(session, actor)
            for row in todo:
                self._recheck(session, row, expected[row.id])
                have = set(session.execute(select(rel.c.gid).where(rel.c.uid == row.id)).scalars())
                if gid in have:
                    raise Conflict(
                        f"'{row.login}' got {preview.role} since the preview; nothing was written"
                    )
                missing = sorted(adds - have)
                session.execute(insert(rel), [{"gid": g, "uid": row.id} for g in missing])
                self._touch(session, row.id, operator, have | set(missing), graph, user_group)

        audited_erp_write(
            self.store,
            self.target,
            ErpChange(
                "erp.role.grant",
                "role",
                preview.role,
                f"{preview.role} to {', '.join(r.login for r in todo)}",
                before={r.login: {"member": False, "write_date": r.write_date} for r in todo},
                after={
                    r.login: {"member": True, "permissions_gained": list(preview.gained[r.login])}
                    for r in todo
                },
                reason=reason + (f" | SoD override: {override_reason.strip()}" if critical else ""),
            ),
            actor=actor,
            write=write,
            on_done=lambda session: record_overrides(
                session,
                erp=self.identity.kind,
                conflicts=[c for c in critical if c.login in preview.gained],
                reason=(override_reason or "").strip(),
                actor=actor,
            ),
        )
        return preview

    def _group_or_none(self, *, gid_of: str) -> int | None:
        with self._conn() as conn:
            try:
                return q.group_id(conn, gid_of)
            except NotFound:
                return None

    def _touch(self, session, uid, operator, gids: set[int], graph, user_group) -> None:
        """write_uid/write_date, and share as Odoo computes it (not a member of base.group_user)."""
        reached = set(gids)
        for gid in gids:
            reached |= _closure(graph, gid)
        values = {"write_uid": operator, "write_date": _utc_now()}
        if user_group is not None:
            values["share"] = user_group not in reached
        session.execute(update(u).where(u.c.id == uid).values(**values))

    def _refuse_portal(self, conn: Connection, gid: int, rows) -> None:
        graph = q.implied_graph(conn)
        try:
            internal = q.group_id(conn, "base.group_user")
        except NotFound:
            return
        if internal not in ({gid} | _closure(graph, gid)):
            return
        share_groups = set()
        for code in ("base.group_portal", "base.group_public"):
            with contextlib.suppress(NotFound):
                share_groups.add(q.group_id(conn, code))
        for row in rows:
            if share_groups and self._members_any(conn, share_groups, row.id):
                raise ValidationError(
                    f"'{row.login}' is a portal/public user: Odoo does not let one user be portal "
                    "and internal; change the user type in Odoo first",
                    field="users",
                )

    def _members_any(self, conn: Connection, gids: set[int], uid: int) -> bool:
        return (
            conn.execute(select(rel.c.uid).where(rel.c.uid == uid, rel.c.gid.in_(gids))).first()
            is not None
        )

    def _preview_revoke(self, conn: Connection, role: str, logins: list[str]):
        gid = q.group_id(conn, role)
        groups = q.load_groups(conn, self._names_json)
        rows = [self._user(conn, login) for login in dict.fromkeys(logins)]
        held = self._members(conn, gid, [r.id for r in rows])
        lost = {}
        for row in rows:
            if row.id not in held:
                continue
            before = self._user_holdings(conn, row.id, True, groups)
            rest = q.user_start(row.id).where(rel.c.gid != gid)
            after = self._codes(q.holdings(conn, rest), groups)
            lost[row.login] = tuple(sorted(set(before) - set(after)))
        preview = RevokePreview(
            groups[gid].code,
            lost,
            tuple(r.login for r in rows if r.id not in held),
            _versions(rows),
        )
        return preview, gid, rows

    def preview_revoke(
        self, role: str, logins: list[str], *, on: dt.date | None = None
    ) -> RevokePreview:
        with self._conn() as conn:
            preview, _gid, _rows = self._preview_revoke(conn, role, logins)
        return preview

    def revoke(
        self,
        role: str,
        logins: list[str],
        *,
        actor: str,
        reason: str,
        expected_versions: Mapping[str, object] | None = None,
    ) -> RevokePreview:
        reason = require_text(reason, "reason")
        if not logins:
            raise ValidationError("give at least one user", field="users")
        self._writable()
        with self._conn() as conn:
            preview, gid, rows = self._preview_revoke(conn, role, logins)
            check_preview_versions(preview.versions, expected_versions, product="Odoo")
            self._refuse_protected(conn, rows)
            todo = [r for r in rows if r.login in preview.lost]
            admin_groups = self._admin_groups(conn)
            if gid in admin_groups:
                ids = {r.id for r in todo}
                self._refuse_last_admin(conn, admin_groups, ids, ids)
            graph = q.implied_graph(conn)
        if not todo:
            return preview
        expected = {r.id: stamp(r.write_date) for r in todo}
        user_group = self._group_or_none(gid_of="base.group_user")

        def write(session: Session) -> None:
            operator = self._operator_uid(session, actor)
            for row in todo:
                self._recheck(session, row, expected[row.id])
                gone = session.execute(delete(rel).where(rel.c.gid == gid, rel.c.uid == row.id))
                if gone.rowcount != 1:
                    raise Conflict(
                        f"'{row.login}' lost {preview.role} since the preview; nothing was written"
                    )
                have = set(session.execute(select(rel.c.gid).where(rel.c.uid == row.id)).scalars())
                self._touch(session, row.id, operator, have, graph, user_group)

        audited_erp_write(
            self.store,
            self.target,
            ErpChange(
                "erp.role.revoke",
                "role",
                preview.role,
                f"{preview.role} from {', '.join(r.login for r in todo)}",
                before={r.login: {"member": True, "write_date": r.write_date} for r in todo},
                after={
                    r.login: {"member": False, "permissions_lost": list(preview.lost[r.login])}
                    for r in todo
                },
                reason=reason,
            ),
            actor=actor,
            write=write,
        )
        return preview


def _versions(rows) -> dict[str, object]:
    """login -> version (write_date as `stamp`) of the users a preview read."""
    return {r.login: stamp(r.write_date) for r in rows}


def _status_action(action: str) -> bool:
    """The `active` value an action sets; lock/unlock are refused (Odoo has no lock)."""
    if action in ("lock", "unlock"):
        raise ValidationError(
            "Odoo has no lock; disable the user instead (res_users.active)", field="action"
        )
    if action not in ("disable", "enable"):
        raise ValidationError(f"unknown action '{action}'", field="action")
    return action == "enable"


def _closure(graph: dict[int, set[int]], gid: int) -> set[int]:
    found, todo = set(), [gid]
    while todo:
        for hid in graph.get(todo.pop(), ()):
            if hid not in found:
                found.add(hid)
                todo.append(hid)
    return found


def _compare(a: str, b: str, pa: set[str], pb: set[str]) -> Comparison:
    return Comparison(a, b, tuple(sorted(pa - pb)), tuple(sorted(pb - pa)), tuple(sorted(pa & pb)))

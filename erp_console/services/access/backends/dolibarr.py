"""Dolibarr identity backend: screen 2 and the access CLI on a Dolibarr 17–20 database
(MariaDB/MySQL or PostgreSQL), with the console's own data in its store.

Dolibarr's model, in the console's terms:
- users are `llx_user` rows: statut 1 -> active, 0 -> disabled (Dolibarr has no lock);
  datestartvalidity/dateendvalidity -> valid_from/valid_to (Dolibarr refuses a login before the
  start or after the day of the end); datelastlogin -> last login;
- roles are user groups (`llx_usergroup`), granted through `llx_usergroup_user`; a role's code is
  the group's name, or `name@entity` when two entities have a group of that name;
- permissions are `llx_rights_def` rows, coded `module.perms[.subperms]` (e.g.
  `fournisseur.facture.creer`); a user holds a right directly (`llx_user_rights`) or through a
  group (`llx_usergroup_rights`), in the user's entity (a superadmin of entity 0 is read in the
  backend's entity, 1 by default); an administrator (admin = 1) has every right.

Only the default table prefix `llx_` is supported.

Writes are disable/enable (statut) and adding/removing a user to/from a group (with the group's
entity). Each re-reads the user row under a lock and refuses a change since the caller read it
(`Conflict`): the version the console shows is a checksum of `tms` and the columns it reads, so a
change inside the same second (`tms` has second precision) is caught too. Each sets `tms` and
`fk_user_modif` on llx_user and touches no other column. `fk_user_modif` is the Dolibarr user whose
login is the console operator's login, or NULL when there is none (the change was not made by a
Dolibarr user; the console's audit trail names the operator). Dolibarr's own SetInGroup does not
stamp llx_user; the console does, so the membership change shows on the user row and a preview
made before it is refused. The superadmin (admin = 1, entity 0) is never changed, and the last
active administrator of an entity cannot be disabled. Every write is recorded in the store as an
intent confirmed after the Dolibarr transaction (`erp_audit`).

SoD rules live in the store and name Dolibarr codes; an override of a critical conflict is kept in
the audit entry's reason and as an accepted exception of that login (`erp_exceptions`).
"""

from __future__ import annotations

import datetime as dt
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import (
    Integer,
    Select,
    and_,
    exists,
    false,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy import delete as sql_delete
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from erp_console.db.engine import Database, translate_db_error
from erp_console.db.models import Permission, utcnow
from erp_console.errors import ConfigError, Conflict, NotFound, ReadOnlyError, ValidationError
from erp_console.services.access.backends import dolibarr_tables as sch
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
from erp_console.services.access.sod_core import SEVERITY_ORDER, Rule, load_rules
from erp_console.services.access.users import Grant, UserDetail, UserFilter, UserRow
from erp_console.services.core.paging import SortColumn, Total, keyset_page
from erp_console.services.core.validation import require_text
from erp_console.services.core.versions import check_version

SUPPORTED_MAJORS = range(17, 21)
DIRECT = "(direct right)"
ADMIN = "(administrator)"
_DIRECT_SOURCE, _ADMIN_SOURCE = -1, -2  # group ids are positive
# Above this many users an unfiltered count is the database's estimate, so the first page of a
# 100k-user list costs what it costs on a small one.
ESTIMATE_FROM = 10_000
# Dolibarr has no index on llx_user.admin: the administrators are read with a scan of llx_user at
# most this often (and again after each write the backend makes).
ADMINS_TTL = 30.0

U = sch.llx_user
G = sch.llx_usergroup
GU = sch.llx_usergroup_user
R = sch.llx_rights_def
UR = sch.llx_user_rights
GR = sch.llx_usergroup_rights
C = sch.llx_const


# ---- detection ---------------------------------------------------------------------------


def detect(connection: Connection | Database) -> ErpIdentity | None:
    """Dolibarr when llx_user and llx_const exist; its version from llx_const. An unsupported
    version is refused with a ConfigError naming it and the supported range."""
    if isinstance(connection, Database):
        with connection.engine.connect() as conn:
            return detect(conn)
    inspector = inspect(connection)
    if not (inspector.has_table(U.name) and inspector.has_table(C.name)):
        return None
    rows = dict(
        connection.execute(
            select(C.c.name, C.c.value)
            .where(
                C.c.name.in_(("MAIN_VERSION_LAST_UPGRADE", "MAIN_VERSION_LAST_INSTALL")),
                C.c.entity.in_((0, 1)),
            )
            .order_by(C.c.entity.desc())
        ).all()
    )
    version = (
        rows.get("MAIN_VERSION_LAST_UPGRADE") or rows.get("MAIN_VERSION_LAST_INSTALL") or ""
    ).strip()
    try:
        major = int(version.split(".")[0])
    except ValueError:
        raise ConfigError(
            "this Dolibarr database does not say its version (llx_const MAIN_VERSION_LAST_UPGRADE "
            "or MAIN_VERSION_LAST_INSTALL); the Dolibarr connector supports Dolibarr 17 to 20"
        ) from None
    if major not in SUPPORTED_MAJORS:
        raise ConfigError(
            f"Dolibarr {version} is not supported: the Dolibarr connector supports Dolibarr 17 to 20"
        )
    return ErpIdentity("dolibarr", "Dolibarr", version)


# ---- small helpers -----------------------------------------------------------------------


def code_of(module: str | None, perms: str | None, subperms: str | None) -> str:
    return ".".join(part for part in (module, perms, subperms) if part)


def _code_parts(code: str) -> tuple[str, str, str | None]:
    parts = (code or "").strip().split(".")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValidationError(
            f"'{code}' is not a Dolibarr permission code (module.perms or module.perms.subperms, "
            "e.g. fournisseur.facture.creer)",
            field="permission",
        )
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


def _full_name(first: str | None, last: str | None, login: str) -> str:
    return " ".join(p for p in (first, last) if p) or login


def _status(statut) -> str:
    return "active" if statut == 1 else "disabled"


def _date(value) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


def _version(row) -> int:
    """The version the console shows: a checksum of tms and the columns it reads or writes."""
    stamp = (
        row.tms,
        row.statut,
        row.admin,
        row.entity,
        row.login,
        row.datestartvalidity,
        row.dateendvalidity,
        row.fk_user_modif,
        row.email,
        row.firstname,
        row.lastname,
    )
    return zlib.crc32(repr(tuple(str(v) for v in stamp)).encode())


def _day(on: dt.date | None) -> dt.date:
    return on or dt.date.today()


def _usable(on: dt.date):
    """Dolibarr lets the user log in on `on`: enabled, validity started, not ended before that day."""
    day_start = dt.datetime.combine(on, dt.time())
    next_day = day_start + dt.timedelta(days=1)
    return and_(
        U.c.statut == 1,
        or_(U.c.datestartvalidity.is_(None), U.c.datestartvalidity < next_day),
        or_(U.c.dateendvalidity.is_(None), U.c.dateendvalidity >= day_start),
    )


_USER_COLUMNS = (
    U.c.rowid,
    U.c.login,
    U.c.firstname,
    U.c.lastname,
    U.c.email,
    U.c.statut,
    U.c.admin,
    U.c.entity,
    U.c.datestartvalidity,
    U.c.dateendvalidity,
    U.c.datelastlogin,
    U.c.datec,
    U.c.tms,
    U.c.fk_user_modif,
)
# What a list row shows (fewer columns to fetch and decode per page than a user's detail).
_LIST_COLUMNS = (
    U.c.rowid,
    U.c.login,
    U.c.entity,
    U.c.firstname,
    U.c.lastname,
    U.c.email,
    U.c.statut,
    U.c.dateendvalidity,
    U.c.datelastlogin,
)
_SORT = (SortColumn(U.c.login), SortColumn(U.c.entity))


def _row(r) -> UserRow:
    return UserRow(
        r.rowid,
        r.login,
        _full_name(r.firstname, r.lastname, r.login),
        r.email,
        None,
        _status(r.statut),
        _date(r.dateendvalidity),
        r.datelastlogin,
    )


def _snapshot(r, groups: Iterable[str] | None = None) -> dict:
    snap = {
        "login": r.login,
        "entity": r.entity,
        "admin": r.admin,
        "statut": r.statut,
        "datestartvalidity": r.datestartvalidity,
        "dateendvalidity": r.dateendvalidity,
        "tms": r.tms,
        "fk_user_modif": r.fk_user_modif,
    }
    if groups is not None:
        snap["groups"] = sorted(groups)
    return snap


class DolibarrIdentity:
    """The IdentityBackend of a Dolibarr database (`target`), with the console's `store`."""

    def __init__(self, target: Database, store: Database, *, entity: int = 1):
        if target.dialect not in ("mysql", "postgresql"):
            raise ConfigError(
                "Dolibarr runs on MariaDB/MySQL or PostgreSQL; this target is " + target.dialect
            )
        self.target = target
        self.store = store
        self.entity = entity
        with target.engine.connect() as conn:
            identity = detect(conn)
        if identity is None:
            raise ConfigError(
                f"{target.masked_url} has no Dolibarr tables (llx_user, llx_const); only the "
                "default table prefix llx_ is supported"
            )
        self.identity = identity
        self.read_only = target.read_only
        self.capabilities = frozenset({"disable", "grant"})
        self._admins_cache: tuple[float, tuple[int, ...]] | None = None

    # ---- reading helpers -----------------------------------------------------------------

    def _entity_of(self, user_entity: int) -> int:
        return user_entity or self.entity

    def _user(self, conn: Connection, login: str, *, for_update: bool = False):
        login = (login or "").strip()
        if not login:
            raise ValidationError("give a login", field="login")
        stmt = select(*_USER_COLUMNS).where(U.c.login == login).order_by(U.c.entity).limit(1)
        if for_update:
            stmt = stmt.with_for_update()
        row = conn.execute(stmt).first()
        if row is None:
            raise NotFound(f"no Dolibarr user with login '{login}'")
        return row

    def _user_by_id(self, conn: Connection, rowid: int, *, for_update: bool = False):
        stmt = select(*_USER_COLUMNS).where(U.c.rowid == rowid)
        if for_update:
            stmt = stmt.with_for_update()
        return conn.execute(stmt).first()

    def _groups(self, conn: Connection) -> list:
        return list(
            conn.execute(
                select(G.c.rowid, G.c.nom, G.c.entity, G.c.note, G.c.tms).order_by(
                    G.c.nom, G.c.entity
                )
            )
        )

    @staticmethod
    def _group_codes(groups: list) -> dict[int, str]:
        count: dict[str, int] = defaultdict(int)
        for g in groups:
            count[g.nom] += 1
        return {g.rowid: g.nom if count[g.nom] == 1 else f"{g.nom}@{g.entity}" for g in groups}

    def _group(self, conn: Connection, code: str):
        code = (code or "").strip()
        if not code:
            raise ValidationError("give a user group", field="role")
        groups = self._groups(conn)
        codes = self._group_codes(groups)
        for g in groups:
            if codes[g.rowid] == code:
                return g, codes
        same_name = [codes[g.rowid] for g in groups if g.nom == code]
        if same_name:
            raise ValidationError(
                f"user group '{code}' exists in several entities; name one of: {', '.join(same_name)}",
                field="role",
            )
        raise NotFound(f"no Dolibarr user group '{code}'")

    def _rights(self, conn: Connection, entity: int) -> dict[int, tuple[str, str, str | None]]:
        """Right id -> (code, module, label) of the rights defined in the entity."""
        rows = conn.execute(
            select(R.c.id, R.c.module, R.c.perms, R.c.subperms, R.c.libelle).where(
                R.c.entity == entity, R.c.perms.is_not(None)
            )
        )
        return {r.id: (code_of(r.module, r.perms, r.subperms), r.module, r.libelle) for r in rows}

    def _right_ids(self, conn: Connection, code: str) -> list:
        module, perms, subperms = _code_parts(code)
        stmt = select(R.c.id, R.c.entity, R.c.libelle).where(
            R.c.module == module, R.c.perms == perms
        )
        stmt = stmt.where(
            R.c.subperms == subperms
            if subperms
            else or_(R.c.subperms.is_(None), R.c.subperms == "")
        )
        rows = list(conn.execute(stmt))
        if not rows:
            raise NotFound(f"no Dolibarr permission '{code}'")
        return rows

    def _holdings(
        self, conn: Connection, user, *, extra_group: int | None = None
    ) -> dict[str, set[str]]:
        """code -> sources (group codes, DIRECT, ADMIN) of everything the user holds in its entity,
        whatever its status; `extra_group` adds a group as if the user were in it."""
        entity = self._entity_of(user.entity)
        rights = self._rights(conn, entity)
        held: dict[str, set[str]] = defaultdict(set)
        if user.admin == 1:
            for code, _module, _label in rights.values():
                held[code].add(ADMIN)
        for (fk_id,) in conn.execute(
            select(UR.c.fk_id).where(UR.c.entity == entity, UR.c.fk_user == user.rowid)
        ):
            if fk_id in rights:
                held[rights[fk_id][0]].add(DIRECT)
        codes = self._group_codes(self._groups(conn))
        group_rows = conn.execute(
            select(GR.c.fk_usergroup, GR.c.fk_id)
            .join(
                GU,
                and_(GU.c.fk_usergroup == GR.c.fk_usergroup, GU.c.entity == GR.c.entity),
            )
            .where(GU.c.entity == entity, GU.c.fk_user == user.rowid)
        ).all()
        if extra_group is not None:
            group_rows += conn.execute(
                select(GR.c.fk_usergroup, GR.c.fk_id).where(
                    GR.c.fk_usergroup == extra_group, GR.c.entity == entity
                )
            ).all()
        for group_id, fk_id in group_rows:
            if fk_id in rights:
                held[rights[fk_id][0]].add(codes[group_id])
        return held

    def _admin_ids(self, conn: Connection) -> tuple[int, ...]:
        now = time.monotonic()
        if self._admins_cache is None or now - self._admins_cache[0] > ADMINS_TTL:
            ids = tuple(conn.scalars(select(U.c.rowid).where(U.c.admin == 1)))
            self._admins_cache = (now, ids)
        return self._admins_cache[1]

    def _holders(self, conn: Connection, code: str, on: dt.date) -> dict[int, list]:
        """rowid -> [login, full name, sources] of the users who can use the right on `on`."""
        ids = sorted({r.id for r in self._right_ids(conn, code)})
        groups = self._groups(conn)
        codes = self._group_codes(groups)
        found: dict[int, list] = {}

        def add(r, source: str) -> None:
            entry = found.get(r.rowid)
            if entry is None:
                found[r.rowid] = entry = [
                    r.login,
                    _full_name(r.firstname, r.lastname, r.login),
                    set(),
                ]
            entry[2].add(source)

        # The groups holding the right first (from the small group-rights table, as a list: given
        # a subquery MariaDB walks every membership), then one statement for their members (MariaDB
        # seeks them through the index InnoDB keeps for fk_usergroup), the users holding the right
        # directly, and the administrators.
        granting = sorted(set(conn.scalars(select(GR.c.fk_usergroup).where(GR.c.fk_id.in_(ids)))))
        person = (U.c.rowid, U.c.login, U.c.firstname, U.c.lastname)
        parts = [
            select(*person, GU.c.fk_usergroup.label("source"))
            .select_from(GU)
            .join(U, U.c.rowid == GU.c.fk_user)
            .join(GR, and_(GR.c.fk_usergroup == GU.c.fk_usergroup, GR.c.entity == GU.c.entity))
            .where(
                GU.c.fk_usergroup.in_(granting),
                GR.c.fk_id.in_(ids),
                or_(U.c.entity == GU.c.entity, U.c.entity == 0),
                _usable(on),
            ),
            select(*person, literal(_DIRECT_SOURCE, Integer).label("source"))
            .select_from(UR)
            .join(U, U.c.rowid == UR.c.fk_user)
            .where(
                UR.c.fk_id.in_(ids), or_(U.c.entity == UR.c.entity, U.c.entity == 0), _usable(on)
            ),
        ]
        admins = self._admin_ids(conn)
        if admins:
            parts.append(
                select(*person, literal(_ADMIN_SOURCE, Integer).label("source")).where(
                    U.c.rowid.in_(admins), U.c.admin == 1, _usable(on)
                )
            )
        labels = {_DIRECT_SOURCE: DIRECT, _ADMIN_SOURCE: ADMIN}
        for r in conn.execute(union_all(*parts)):
            add(r, labels.get(r.source) or codes[r.source])
        return found

    def _risks(self, codes: Iterable[str]) -> dict[str, str]:
        codes = list(codes)
        if not codes:
            return {}
        with self.store.session() as s:
            return dict(
                s.execute(
                    select(Permission.code, Permission.risk).where(Permission.code.in_(codes))
                ).all()
            )

    def _rules(self) -> list[Rule]:
        with self.store.session() as s:
            return load_rules(s)

    # ---- users ---------------------------------------------------------------------------

    def _user_query(self, flt: UserFilter) -> Select:
        on = _day(flt.on)
        stmt = select(*_LIST_COLUMNS)
        needle = flt.text.strip().lower()
        if needle:
            stmt = stmt.where(
                or_(
                    func.lower(U.c.login).contains(needle, autoescape=True),
                    func.lower(U.c.firstname).contains(needle, autoescape=True),
                    func.lower(U.c.lastname).contains(needle, autoescape=True),
                    func.lower(U.c.email).contains(needle, autoescape=True),
                )
            )
        if flt.status:
            if flt.status not in ("active", "locked", "disabled"):
                raise ValidationError(
                    f"unknown status '{flt.status}' (active or disabled)", field="status"
                )
            stmt = stmt.where(
                false()
                if flt.status == "locked"
                else U.c.statut == (1 if flt.status == "active" else 0)
            )
        if flt.department:
            raise ValidationError("Dolibarr users have no department", field="department")
        if flt.role:
            with self.target.engine.connect() as conn:
                group, _codes = self._group(conn, flt.role)
            stmt = stmt.where(
                exists().where(
                    GU.c.fk_user == U.c.rowid,
                    GU.c.fk_usergroup == group.rowid,
                    GU.c.entity == group.entity,
                )
            )
        if flt.dormant_days is not None:
            cutoff = dt.datetime.combine(on, dt.time()) - dt.timedelta(days=flt.dormant_days)
            stmt = stmt.where(
                U.c.statut == 1, or_(U.c.datelastlogin.is_(None), U.c.datelastlogin < cutoff)
            )
        if flt.expired:
            stmt = stmt.where(
                U.c.statut == 1, U.c.dateendvalidity < dt.datetime.combine(on, dt.time())
            )
        return stmt

    def _key(self, conn: Connection, key: tuple | None) -> tuple | None:
        """A row's sort key as UserRow gives it (login lowercased, rowid) -> (login, entity)."""
        if key is None:
            return None
        if len(key) < 2 or not isinstance(key[1], int):
            return (key[0], -1)
        row = conn.execute(select(U.c.login, U.c.entity).where(U.c.rowid == key[1])).first()
        return (row.login, row.entity) if row else (key[0], -1)

    def list_users(
        self, flt: UserFilter = ALL_USERS, *, after: tuple | None = None, limit: int = 100
    ) -> list[UserRow]:
        stmt = self._user_query(flt)
        with self.target.engine.connect() as conn:
            page = keyset_page(stmt, _SORT, self._key(conn, after), limit)
            return [_row(r) for r in conn.execute(page)]

    def list_users_before(
        self, flt: UserFilter = ALL_USERS, *, before: tuple | None = None, limit: int = 100
    ) -> list[UserRow]:
        stmt = self._user_query(flt)
        with self.target.engine.connect() as conn:
            page = keyset_page(stmt, _SORT, self._key(conn, before), limit, forward=False)
            rows = [_row(r) for r in conn.execute(page)]
        rows.reverse()
        return rows

    def count_users(self, flt: UserFilter = ALL_USERS) -> Total:
        stmt = self._user_query(flt)
        with self.target.engine.connect() as conn:
            if flt == ALL_USERS:
                estimate = self._estimated_users(conn)
                if estimate is not None and estimate >= ESTIMATE_FROM:
                    return Total(estimate, exact=False)
            return Total(
                conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
            )

    def _estimated_users(self, conn: Connection) -> int | None:
        if self.target.dialect == "postgresql":
            stmt = text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)")
        else:
            stmt = text(
                "SELECT TABLE_ROWS FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :name"
            )
        value = conn.execute(stmt, {"name": U.name}).scalar()
        return int(value) if value is not None and value >= 0 else None

    def get_user(self, login: str) -> UserDetail:
        with self.target.engine.connect() as conn:
            user = self._user(conn, login)
            return self._detail(conn, user)

    def _detail(self, conn: Connection, user) -> UserDetail:
        entity = self._entity_of(user.entity)
        codes = self._group_codes(self._groups(conn))
        memberships = conn.execute(
            select(GU.c.fk_usergroup, G.c.nom)
            .join(G, G.c.rowid == GU.c.fk_usergroup)
            .where(GU.c.entity == entity, GU.c.fk_user == user.rowid)
        ).all()
        grants = tuple(
            Grant(codes[gid], nom, None, None, None, None, "")
            for gid, nom in sorted(memberships, key=lambda m: codes[m[0]])
        )
        return UserDetail(
            user.rowid,
            user.login,
            _full_name(user.firstname, user.lastname, user.login),
            user.email,
            None,
            None,
            _status(user.statut),
            None,
            _date(user.datestartvalidity),
            _date(user.dateendvalidity),
            user.datelastlogin,
            user.datec or user.tms,
            _version(user),
            grants,
        )

    def departments(self) -> list[tuple[str, str]]:
        return []

    def dormant_users(
        self, days: int = 90, *, on: dt.date | None = None, limit: int = 10_000
    ) -> list[UserRow]:
        if days < 1:
            raise ValidationError("must be at least 1", field="days")
        return self.list_users(UserFilter(dormant_days=days, on=on), limit=limit)

    def expired_active_users(
        self, *, on: dt.date | None = None, limit: int = 10_000
    ) -> list[UserRow]:
        return self.list_users(UserFilter(expired=True, on=on), limit=limit)

    # ---- roles and permissions -----------------------------------------------------------

    def list_roles(self) -> list[RoleSummary]:
        with self.target.engine.connect() as conn:
            groups = self._groups(conn)
            codes = self._group_codes(groups)
            perms = dict(
                conn.execute(
                    select(GR.c.fk_usergroup, func.count()).group_by(GR.c.fk_usergroup)
                ).all()
            )
            members = dict(
                conn.execute(
                    select(GU.c.fk_usergroup, func.count()).group_by(GU.c.fk_usergroup)
                ).all()
            )
        return sorted(
            (
                RoleSummary(
                    codes[g.rowid],
                    g.nom,
                    g.note,
                    perms.get(g.rowid, 0),
                    members.get(g.rowid, 0),
                    zlib.crc32(str(g.tms).encode()),
                )
                for g in groups
            ),
            key=lambda r: r.code,
        )

    def _group_rights(self, conn: Connection, group) -> list[tuple[str, str]]:
        rights = self._rights(conn, group.entity)
        ids = conn.scalars(
            select(GR.c.fk_id).where(GR.c.entity == group.entity, GR.c.fk_usergroup == group.rowid)
        )
        return sorted({rights[i][:2] for i in ids if i in rights})

    def get_role(self, code: str) -> RoleDetail:
        with self.target.engine.connect() as conn:
            group, codes = self._group(conn, code)
            perms = self._group_rights(conn, group)
            members = conn.execute(
                select(U.c.login)
                .join(GU, GU.c.fk_user == U.c.rowid)
                .where(GU.c.fk_usergroup == group.rowid, GU.c.entity == group.entity)
                .order_by(U.c.login)
            ).all()
        risks = self._risks(c for c, _m in perms)
        return RoleDetail(
            codes[group.rowid],
            group.nom,
            group.note,
            zlib.crc32(str(group.tms).encode()),
            tuple((c, m, risks.get(c, "low")) for c, m in perms),
            tuple((login, None) for (login,) in members),
        )

    def list_permissions(self, module: str | None = None) -> list[tuple[str, str, str, str | None]]:
        with self.target.engine.connect() as conn:
            rights = self._rights(conn, self.entity)
        found = {
            code: (mod, label)
            for code, mod, label in rights.values()
            if not module or mod == module
        }
        risks = self._risks(found)
        return [(c, m, risks.get(c, "low"), label) for c, (m, label) in sorted(found.items())]

    def effective_permissions(
        self, login: str, *, on: dt.date | None = None
    ) -> list[EffectivePermission]:
        on = _day(on)
        with self.target.engine.connect() as conn:
            user = self._user(conn, login)
            if not conn.execute(
                select(U.c.rowid).where(U.c.rowid == user.rowid, _usable(on))
            ).first():
                return []
            held = self._holdings(conn, user)
            rights = self._rights(conn, self._entity_of(user.entity))
        labels = {code: (module, label) for code, module, label in rights.values()}
        risks = self._risks(held)
        return [
            EffectivePermission(
                code, labels[code][0], risks.get(code, "low"), labels[code][1], tuple(sorted(src))
            )
            for code, src in sorted(held.items())
        ]

    def who_has(self, permission: str, *, on: dt.date | None = None) -> list[Holder]:
        with self.target.engine.connect() as conn:
            found = self._holders(conn, permission, _day(on))
        return [
            Holder(login, name, None, tuple(sorted(sources)))
            for login, name, sources in sorted(found.values(), key=lambda h: h[0])
        ]

    def explain(self, login: str, permission: str, *, on: dt.date | None = None) -> Explanation:
        on = _day(on)
        with self.target.engine.connect() as conn:
            user = self._user(conn, login)
            right_rows = self._right_ids(conn, permission)
            code = permission.strip()
            entity = self._entity_of(user.entity)
            ids = [r.id for r in right_rows if r.entity == entity]
            held = self._holdings(conn, user).get(code, set())
            codes = self._group_codes(self._groups(conn))
            would = sorted(
                codes[gid]
                for gid in conn.scalars(
                    select(GR.c.fk_usergroup).where(GR.c.entity == entity, GR.c.fk_id.in_(ids))
                )
            )
        blockers = []
        if user.statut != 1:
            blockers.append("user is disabled in Dolibarr (statut = 0)")
        if user.datestartvalidity and _date(user.datestartvalidity) > on:
            blockers.append(f"user account is valid only from {_date(user.datestartvalidity)}")
        if user.dateendvalidity and _date(user.dateendvalidity) < on:
            blockers.append(
                f"user account expired on {_date(user.dateendvalidity)} (end of validity)"
            )
        sources = []
        if ADMIN in held:
            sources.append("administrator (admin = 1): a Dolibarr administrator has every right")
        if DIRECT in held:
            sources.append(f"direct right #{ids[0]} (llx_user_rights, entity {entity})")
        for group in sorted(held - {ADMIN, DIRECT}):
            sources.append(f"via user group {group} (entity {entity})")
        if not ids:
            return Explanation(
                False,
                user.login,
                code,
                tuple(
                    blockers
                    + [
                        f"{code} is not defined in entity {entity} (its module is not enabled there)"
                    ]
                ),
            )
        if sources and not blockers:
            return Explanation(True, user.login, code, tuple(sources))
        reasons = [f"{s} — but it does not apply" for s in sources]
        if not sources:
            reasons.append(
                f"no direct right and no user group of the user grants {code} in entity {entity}; "
                f"user groups that would: {', '.join(would) or 'none'}"
            )
        return Explanation(False, user.login, code, tuple(blockers + reasons))

    def compare_roles(self, a: str, b: str) -> Comparison:
        with self.target.engine.connect() as conn:
            pa = {c for c, _m in self._group_rights(conn, self._group(conn, a)[0])}
            pb = {c for c, _m in self._group_rights(conn, self._group(conn, b)[0])}
        return Comparison(
            a, b, tuple(sorted(pa - pb)), tuple(sorted(pb - pa)), tuple(sorted(pa & pb))
        )

    def compare_users(self, a: str, b: str, *, on: dt.date | None = None) -> Comparison:
        pa = {p.code for p in self.effective_permissions(a, on=on)}
        pb = {p.code for p in self.effective_permissions(b, on=on)}
        return Comparison(
            a, b, tuple(sorted(pa - pb)), tuple(sorted(pb - pa)), tuple(sorted(pa & pb))
        )

    # ---- separation of duties ------------------------------------------------------------

    @staticmethod
    def _conflicts(login: str, held: dict[str, set[str]], rules: list[Rule]) -> list[UserConflict]:
        found = [
            UserConflict(
                login,
                rule.name,
                rule.severity,
                rule.permission_a,
                rule.permission_b,
                tuple(sorted(held[rule.permission_a])),
                tuple(sorted(held[rule.permission_b])),
            )
            for rule in rules
            if held.get(rule.permission_a) and held.get(rule.permission_b)
        ]
        found.sort(key=lambda c: -SEVERITY_ORDER.get(c.severity, 0))
        return found

    def sod_check_user(self, login: str, *, on: dt.date | None = None) -> list[UserConflict]:
        on = _day(on)
        rules = self._rules()
        with self.target.engine.connect() as conn:
            user = self._user(conn, login)
            if not conn.execute(
                select(U.c.rowid).where(U.c.rowid == user.rowid, _usable(on))
            ).first():
                return []
            held = self._holdings(conn, user)
        return self._accepted(self._conflicts(user.login, held, rules), on)

    def _accepted(self, conflicts: list[UserConflict], on: dt.date | None) -> list[UserConflict]:
        return mark_accepted(self.store, self.identity.kind, conflicts, on)

    def sod_check_all(self, *, on: dt.date | None = None) -> list[UserConflict]:
        on = _day(on)
        rules = self._rules()
        wanted = {r.permission_a for r in rules} | {r.permission_b for r in rules}
        per_user: dict[int, dict[str, set[str]]] = defaultdict(dict)
        logins: dict[int, str] = {}
        with self.target.engine.connect() as conn:
            for code in sorted(wanted):
                try:
                    holders = self._holders(conn, code, on)
                except NotFound:
                    continue  # a rule naming a right this Dolibarr does not define
                for rowid, (login, _name, sources) in holders.items():
                    per_user[rowid][code] = sources
                    logins[rowid] = login
        found = []
        for rowid, held in per_user.items():
            found += self._conflicts(logins[rowid], held, rules)
        found = self._accepted(found, on)
        order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
        return sorted(found, key=lambda c: (order.get(c.severity, 9), c.login, c.rule))

    # ---- writes --------------------------------------------------------------------------

    def _check_writable(self) -> None:
        if self.read_only or self.target.read_only:
            raise ReadOnlyError(
                "the Dolibarr connection is read-only; enable writes for it (--allow-writes) to change Dolibarr"
            )

    @staticmethod
    def _refuse_special(user) -> None:
        if user.admin == 1 and user.entity == 0:
            raise ValidationError(
                f"'{user.login}' is Dolibarr's superadministrator (admin = 1, entity 0); the console "
                "does not change it",
                field="user",
            )

    def _other_active_admins(self, conn: Connection, user) -> int:
        return conn.execute(
            select(func.count()).where(
                U.c.admin == 1,
                U.c.statut == 1,
                U.c.entity == user.entity,
                U.c.rowid != user.rowid,
            )
        ).scalar_one()

    def _operator(self, conn: Connection, actor: str):
        return conn.scalar(
            select(U.c.rowid).where(U.c.login == actor).order_by(U.c.entity).limit(1)
        )

    def _stamp(self, conn: Connection, user, actor: str) -> None:
        conn.execute(
            update(U)
            .where(U.c.rowid == user.rowid)
            .values(tms=utcnow().replace(microsecond=0), fk_user_modif=self._operator(conn, actor))
        )

    def _locked_unchanged(self, conn: Connection, user, what: str):
        """Re-read the user under a lock; refuse when it changed since `user` was read."""
        now = self._user_by_id(conn, user.rowid, for_update=True)
        if now is None:
            raise Conflict(f"user '{user.login}' was deleted in Dolibarr since it was read; reload")
        if _version(now) != _version(user):
            raise Conflict(
                f"user '{user.login}' was changed in Dolibarr since {what} (now statut {now.statut}, "
                f"tms {now.tms}); reload and try again"
            )
        return now

    def _write(self, change: ErpChange, actor: str, write, on_done=None) -> None:
        try:
            audited_erp_write(
                self.store,
                self.target,
                change,
                actor=actor,
                write=lambda session: write(session.connection()),
                on_done=on_done,
            )
        except DBAPIError as exc:
            raise translate_db_error(self.target.url, exc) from None
        finally:
            self._admins_cache = None

    def set_status(
        self,
        login: str,
        action: str,
        *,
        actor: str,
        reason: str | None,
        expected_version: int | None = None,
    ) -> UserDetail:
        new = self._status_action(action)
        if action == "disable":
            reason = require_text(reason, "reason")
        self._check_writable()
        with self.target.engine.connect() as conn:
            user = self._user(conn, login)
            self._check_status_change(conn, user, action, new)
        check_version(
            f"Dolibarr user '{user.login}'",
            _version(user),
            expected_version,
            now=f"statut {user.statut}, tms {user.tms}",
        )
        self._set_statut(user, action, new, actor=actor, reason=reason)
        return self.get_user(user.login)

    @staticmethod
    def _status_action(action: str) -> int:
        if action in ("lock", "unlock"):
            raise ValidationError("Dolibarr has no lock; use disable or enable", field="action")
        if action not in ("disable", "enable"):
            raise ValidationError(f"unknown action '{action}' (disable or enable)", field="action")
        return 0 if action == "disable" else 1

    def _check_status_change(self, conn: Connection, user, action: str, new: int) -> None:
        self._refuse_special(user)
        if user.statut == new:
            raise ValidationError(
                f"user '{user.login}' is {_status(user.statut)} already; cannot {action}",
                field="status",
            )
        if new == 0 and user.admin == 1 and self._other_active_admins(conn, user) == 0:
            raise ValidationError(
                f"'{user.login}' is the last active administrator of entity {user.entity}; "
                "make another user administrator first",
                field="user",
            )

    def _set_statut(self, user, action: str, new: int, *, actor: str, reason: str | None) -> None:
        before = _snapshot(user)
        change = ErpChange(
            action=f"erp.user.{action}",
            target_type="user",
            target_id=user.login,
            target_label=user.login,
            before=before,
            after={**before, "statut": new},
            reason=reason,
        )

        def write(conn: Connection) -> None:
            locked = self._locked_unchanged(conn, user, "it was read")
            if new == 0 and locked.admin == 1 and self._other_active_admins(conn, locked) == 0:
                raise ValidationError(
                    f"'{user.login}' is the last active administrator of entity {user.entity}",
                    field="user",
                )
            conn.execute(update(U).where(U.c.rowid == user.rowid).values(statut=new))
            self._stamp(conn, user, actor)

        self._write(change, actor, write)

    def bulk_set_status(
        self, logins: list[str], action: str, *, actor: str, reason: str
    ) -> list[str]:
        if action != "disable":
            raise ValidationError("bulk actions are disable (Dolibarr has no lock)", field="action")
        reason = require_text(reason, "reason")
        if not logins:
            raise ValidationError("select at least one user", field="logins")
        self._check_writable()
        with self.target.engine.connect() as conn:
            users = [self._user(conn, login) for login in dict.fromkeys(logins)]
            todo = [u for u in users if u.statut == 1]
            for user in todo:
                self._refuse_special(user)
            leaving = {u.rowid for u in todo if u.admin == 1}
            for user in todo:
                if user.admin == 1:
                    others = conn.scalars(
                        select(U.c.rowid).where(
                            U.c.admin == 1, U.c.statut == 1, U.c.entity == user.entity
                        )
                    )
                    if not set(others) - leaving:
                        raise ValidationError(
                            f"disabling these users would leave entity {user.entity} without an "
                            f"active administrator ('{user.login}')",
                            field="logins",
                        )
        for user in todo:
            self._set_statut(user, "disable", 0, actor=actor, reason=reason)
        return [u.login for u in todo]

    def _grant_users(self, conn: Connection, group, logins: list[str]) -> list:
        users = [self._user(conn, login) for login in dict.fromkeys(logins)]
        for user in users:
            if self._entity_of(user.entity) != group.entity:
                raise ValidationError(
                    f"user group '{group.nom}' belongs to entity {group.entity}, user "
                    f"'{user.login}' to entity {user.entity}",
                    field="users",
                )
        return users

    def _members(self, conn: Connection, group, users: list) -> set[int]:
        return set(
            conn.scalars(
                select(GU.c.fk_user).where(
                    GU.c.entity == group.entity,
                    GU.c.fk_usergroup == group.rowid,
                    GU.c.fk_user.in_([u.rowid for u in users]),
                )
            )
        )

    def _preview_grant(self, conn: Connection, group, codes, users: list) -> GrantPreview:
        members = self._members(conn, group, users)
        rules = self._rules()
        gained, conflicts = {}, []
        for user in users:
            if user.rowid in members:
                continue
            before = self._holdings(conn, user)
            after = self._holdings(conn, user, extra_group=group.rowid)
            gained[user.login] = tuple(sorted(c for c in after if c not in before))
            old = {c.rule for c in self._conflicts(user.login, before, rules)}
            conflicts += [c for c in self._conflicts(user.login, after, rules) if c.rule not in old]
        already = tuple(u.login for u in users if u.rowid in members)
        versions = {u.login: _version(u) for u in users}
        conflicts = self._accepted(conflicts, None)
        return GrantPreview(codes[group.rowid], gained, already, tuple(conflicts), versions)

    def preview_grant(
        self, role: str, logins: list[str], *, on: dt.date | None = None
    ) -> GrantPreview:
        with self.target.engine.connect() as conn:
            group, codes = self._group(conn, role)
            return self._preview_grant(conn, group, codes, self._grant_users(conn, group, logins))

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
            raise ValidationError(
                "Dolibarr user group memberships have no validity dates",
                field="valid_to" if valid_to else "valid_from",
            )
        if not logins:
            raise ValidationError("give at least one user", field="users")
        self._check_writable()
        with self.target.engine.connect() as conn:
            group, codes = self._group(conn, role)
            users = self._grant_users(conn, group, logins)
            for user in users:
                self._refuse_special(user)
            preview = self._preview_grant(conn, group, codes, users)
            check_preview_versions(preview.versions, expected_versions, product="Dolibarr")
            current = {u.rowid: [g.role for g in self._detail(conn, u).grants] for u in users}
        critical = preview.critical
        override = (override_reason or "").strip()
        if critical and not override:
            raise ValidationError(sod_override_needed(critical), field="override_reason")
        code = codes[group.rowid]
        for user in users:
            if user.login in preview.already:
                continue
            overridden = [c for c in critical if c.login == user.login]
            overrides = [c.rule for c in overridden]
            change = ErpChange(
                action="erp.role.grant",
                target_type="user",
                target_id=user.login,
                target_label=user.login,
                before={**_snapshot(user), "groups": current[user.rowid]},
                after={
                    "group": code,
                    "entity": group.entity,
                    "permissions_gained": list(preview.gained.get(user.login, ())),
                    "sod_override": overrides or None,
                },
                reason=reason + (f" | SoD override: {override}" if overrides else ""),
            )

            def write(conn: Connection, user=user) -> None:
                self._locked_unchanged(conn, user, "the preview")
                if self._members(conn, group, [user]):
                    raise Conflict(
                        f"user '{user.login}' was added to user group {code} by someone else since the preview"
                    )
                conn.execute(
                    insert(GU).values(
                        entity=group.entity, fk_user=user.rowid, fk_usergroup=group.rowid
                    )
                )
                self._stamp(conn, user, actor)

            self._write(
                change,
                actor,
                write,
                on_done=lambda s, o=overridden: record_overrides(
                    s, erp=self.identity.kind, conflicts=o, reason=override, actor=actor
                ),
            )
        return preview

    def _preview_revoke(self, conn: Connection, group, codes, users: list) -> RevokePreview:
        members = self._members(conn, group, users)
        code = codes[group.rowid]
        lost = {}
        for user in users:
            if user.rowid in members:
                held = self._holdings(conn, user)
                lost[user.login] = tuple(sorted(c for c, src in held.items() if src == {code}))
        not_held = tuple(u.login for u in users if u.rowid not in members)
        return RevokePreview(code, lost, not_held, {u.login: _version(u) for u in users})

    def preview_revoke(
        self, role: str, logins: list[str], *, on: dt.date | None = None
    ) -> RevokePreview:
        with self.target.engine.connect() as conn:
            group, codes = self._group(conn, role)
            users = [self._user(conn, login) for login in dict.fromkeys(logins)]
            return self._preview_revoke(conn, group, codes, users)

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
        self._check_writable()
        with self.target.engine.connect() as conn:
            group, codes = self._group(conn, role)
            users = [self._user(conn, login) for login in dict.fromkeys(logins)]
            for user in users:
                self._refuse_special(user)
            preview = self._preview_revoke(conn, group, codes, users)
            check_preview_versions(preview.versions, expected_versions, product="Dolibarr")
        code = codes[group.rowid]
        for user in users:
            if user.login not in preview.lost:
                continue
            change = ErpChange(
                action="erp.role.revoke",
                target_type="user",
                target_id=user.login,
                target_label=user.login,
                before={**_snapshot(user), "group": code, "entity": group.entity},
                after={"permissions_lost": list(preview.lost[user.login])},
                reason=reason,
            )

            def write(conn: Connection, user=user) -> None:
                self._locked_unchanged(conn, user, "the preview")
                removed = conn.execute(
                    sql_delete(GU).where(
                        GU.c.entity == group.entity,
                        GU.c.fk_user == user.rowid,
                        GU.c.fk_usergroup == group.rowid,
                    )
                ).rowcount
                if removed != 1:
                    raise Conflict(
                        f"user '{user.login}' was removed from user group {code} by someone else since the preview"
                    )
                self._stamp(conn, user, actor)

            self._write(change, actor, write)
        return preview

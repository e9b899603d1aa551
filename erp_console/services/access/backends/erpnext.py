"""ERPNext (Frappe 14/15) identity backend: users, roles and DocPerm rights of a Frappe site's
MariaDB database, and the few writes an admin needs, made the way Frappe makes them.

Frappe's model, as the connector reads it:
- a user is a `tabUser` row named by its e-mail (plus `Administrator` and `Guest`); `enabled`
  is active/disabled (Frappe has no lock); a *Website User* has no desk access;
- a user's roles are `tabHas Role` rows (parenttype `User`, parentfield `roles`); every System
  User also holds the automatic roles `All` and `Guest`, and `Administrator` holds every role;
  a disabled Role grants nothing;
- a DocType's rights are its `tabDocPerm` rows (role × permlevel × read/write/create/submit/...),
  unless the DocType has any `tabCustom DocPerm` rows: then those, and only those, apply;
- a right's code is `<DocType>:<right>` at permlevel 0 and `<DocType>:<right>@<level>` above.

The permission matrix (DocPerm, Custom DocPerm, Role, DocType) is a few hundred rows whatever the
number of users and is read whole per call; users and their roles are read through the indexes
Frappe creates (`tabUser` primary key `name`, `tabHas Role`.`parent`). The connector adds no
index, table or row of its own to the ERP database, and never reads `__Auth` (passwords).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    MetaData,
    Select,
    String,
    Table,
    and_,
    delete,
    false,
    func,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from erp_console.db.engine import Database, translate_db_error
from erp_console.errors import ConfigError, Conflict, NotFound, ValidationError
from erp_console.services.access.backends import erpnext_tables as fs
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

SUPPORTED_MAJORS = (14, 15)
ADMINISTRATOR = "Administrator"
GUEST = "Guest"
PROTECTED_USERS = (ADMINISTRATOR, GUEST)
AUTOMATIC_ROLES = ("All", "Guest")  # frappe.get_roles adds them to every System User
UNGRANTABLE_ROLES = (ADMINISTRATOR, "All", "Guest")
SYSTEM_MANAGER = "System Manager"
SYSTEM_USER = "System User"
WEBSITE_USER = "Website User"

User, HasRole, Role = fs.User, fs.HasRole, fs.Role
DocPerm, CustomDocPerm, DocType = fs.DocPerm, fs.CustomDocPerm, fs.DocType
_EPOCH = dt.datetime(1970, 1, 1)


# --- codes -----------------------------------------------------------------------------------


def permission_code(doctype: str, right: str, permlevel: int = 0) -> str:
    return f"{doctype}:{right}" if not permlevel else f"{doctype}:{right}@{permlevel}"


def parse_code(code: str) -> tuple[str, str, int]:
    """`Payment Entry:submit` -> ("Payment Entry", "submit", 0); `Employee:write@1` -> level 1."""
    text = (code or "").strip()
    doctype, sep, right = text.rpartition(":")
    level = 0
    if "@" in right:
        right, _at, level_text = right.partition("@")
        if not level_text.isdigit():
            raise ValidationError(
                f"'{code}' has no permlevel after '@' (e.g. Employee:write@1)", field="permission"
            )
        level = int(level_text)
    if not sep or not doctype or right not in fs.RIGHTS:
        raise ValidationError(
            f"'{code}' is not an ERPNext right; write <DocType>:<right>[@<permlevel>] with a "
            f"right of {', '.join(fs.RIGHTS)} (e.g. Payment Entry:submit)",
            field="permission",
        )
    return doctype, right, level


def right_risk(right: str) -> str:
    if right in ("submit", "cancel", "amend", "delete"):
        return "high"
    if right in ("write", "create", "import"):
        return "medium"
    return "low"


# --- detection -------------------------------------------------------------------------------


def _major(version: str) -> int | None:
    head = (version or "").strip().lstrip("v").split(".")[0]
    return int(head) if head.isdigit() else None


def detect(connection) -> ErpIdentity | None:
    """Frappe when `tabUser` and `tabDocType` exist; its version from `tabInstalled Application`.

    Returns None for a database that is not a Frappe site; raises ConfigError for a Frappe site
    whose version the console does not support (or cannot read), never guessing.
    """
    if isinstance(connection, Database):
        with connection.engine.connect() as conn:
            return detect(conn)
    tables = set(inspect(connection).get_table_names())
    if not {User.name, DocType.name} <= tables:
        return None
    versions: dict[str, str] = {}
    if fs.InstalledApplication.name in tables:
        ia = fs.InstalledApplication
        versions = {
            app: version
            for app, version in connection.execute(select(ia.c.app_name, ia.c.app_version))
            if app
        }
    supported = "–".join(str(m) for m in (SUPPORTED_MAJORS[0], SUPPORTED_MAJORS[-1]))
    frappe = versions.get("frappe")
    if not frappe:
        raise ConfigError(
            "this Frappe database records no version (no 'frappe' row in `tabInstalled "
            f"Application`, as in Frappe 13 and older); the console supports Frappe/ERPNext {supported}"
        )
    product, version = (
        ("ERPNext", versions["erpnext"]) if versions.get("erpnext") else ("Frappe", frappe)
    )
    for name, found in (("Frappe", frappe), (product, version)):
        if _major(found) not in SUPPORTED_MAJORS:
            raise ConfigError(
                f"{name} {found} is not supported; the console supports Frappe/ERPNext {supported}"
            )
    return ErpIdentity("erpnext", product, version)


# --- the permission matrix -------------------------------------------------------------------


@dataclass(frozen=True)
class PermRow:
    source: str  # "DocPerm" or "Custom DocPerm"
    name: str
    doctype: str
    role: str
    permlevel: int
    if_owner: bool
    rights: frozenset[str]

    def describe(self) -> str:
        owner = ", only on documents the user owns (if_owner)" if self.if_owner else ""
        return f"{self.source} row {self.name} of {self.doctype}, permlevel {self.permlevel}{owner}"


@dataclass
class Matrix:
    rows: list[PermRow]  # the rows in force
    replaced: list[PermRow]  # DocPerm rows set aside by Custom DocPerm
    custom: set[str]  # DocTypes whose rights come from Custom DocPerm
    modules: dict[str, str]
    roles: dict[str, tuple[bool, bool]]  # role -> (disabled, desk_access)
    by_code: dict[str, list[PermRow]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for row in self.rows:
            for right in sorted(row.rights):
                self.by_code.setdefault(
                    permission_code(row.doctype, right, row.permlevel), []
                ).append(row)

    def active(self, role: str) -> bool:
        return role in self.roles and not self.roles[role][0]

    def codes_of(self, roles: Iterable[str]) -> dict[str, set[str]]:
        """code -> which of `roles` grant it (disabled roles grant nothing)."""
        held = {r for r in roles if self.active(r)}
        found: dict[str, set[str]] = {}
        for code, rows in self.by_code.items():
            granting = {r.role for r in rows if r.role in held}
            if granting:
                found[code] = granting
        return found

    def granting_roles(self, code: str) -> set[str]:
        return {r.role for r in self.by_code.get(code, ()) if self.active(r.role)}

    def entry(self, code: str) -> tuple[str, str, str, str]:
        doctype, right, level = parse_code(code)
        level_text = f" (permlevel {level})" if level else ""
        source = "Custom DocPerm" if doctype in self.custom else "DocPerm"
        return (
            code,
            self.modules.get(doctype, ""),
            right_risk(right),
            f"{right} on {doctype}{level_text}, from {source}",
        )


def _perm_rows(conn: Connection, table, source: str, where) -> list[PermRow]:
    rights = [table.c[r] for r in fs.RIGHTS]
    stmt = select(
        table.c.name, table.c.parent, table.c.role, table.c.permlevel, table.c.if_owner, *rights
    ).where(where)
    found = []
    for row in conn.execute(stmt):
        name, doctype, role, level, if_owner, *flags = row
        found.append(
            PermRow(
                source,
                name,
                doctype,
                role,
                int(level or 0),
                bool(if_owner),
                frozenset(r for r, flag in zip(fs.RIGHTS, flags, strict=True) if flag),
            )
        )
    return found


def load_matrix(conn: Connection) -> Matrix:
    standard = _perm_rows(conn, DocPerm, "DocPerm", DocPerm.c.parenttype == "DocType")
    custom_rows = _perm_rows(
        conn, CustomDocPerm, "Custom DocPerm", CustomDocPerm.c.parent.isnot(None)
    )
    custom = {r.doctype for r in custom_rows}
    rows = [r for r in standard if r.doctype not in custom] + custom_rows
    replaced = [r for r in standard if r.doctype in custom]
    modules = dict(conn.execute(select(DocType.c.name, DocType.c.module)).all())
    roles = {
        name: (bool(disabled), bool(desk))
        for name, disabled, desk in conn.execute(
            select(Role.c.name, Role.c.disabled, Role.c.desk_access)
        )
    }
    return Matrix(rows, replaced, custom, modules, roles)


# --- users -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrappeUserDetail(UserDetail):
    """A user as screen 2 shows it, plus what only Frappe has."""

    user_type: str = SYSTEM_USER
    role_profile: str | None = None
    user_permissions: tuple[tuple[str, str], ...] = ()  # (allow, for_value)
    modified_by: str | None = None


def version_of(modified: dt.datetime | None) -> int:
    """`modified` as an integer (microseconds since 1970): the version a caller previews."""
    if modified is None:
        return 0
    delta = modified - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _versions(users) -> dict[str, object]:
    """login (the User's name) -> `modified` as `version_of`, as a preview read them."""
    return {u.name: version_of(u.modified) for u in users}


def _login_time(value: str | None) -> dt.datetime | None:
    """`last_login` is a Read Only (varchar) field holding str(datetime)."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def _status(enabled) -> str:
    return "active" if enabled else "disabled"


_USER_COLUMNS = (
    User.c.name,
    User.c.full_name,
    User.c.email,
    User.c.enabled,
    User.c.last_login,
)
_SORT = (SortColumn(User.c.name),)  # the primary key: utf8mb4_unicode_ci orders it ignoring case


def _row(r) -> UserRow:
    return UserRow(
        0,
        r.name,
        r.full_name or r.name,
        r.email,
        None,
        _status(r.enabled),
        None,
        _login_time(r.last_login),
    )


def _login_cutoff(days: int, on: dt.date | None) -> str:
    cutoff = dt.datetime.combine(on or dt.date.today(), dt.time()) - dt.timedelta(days=days)
    return cutoff.strftime("%Y-%m-%d %H:%M:%S.%f")


def _holds_role(role: str):
    """A lookup per user through `tabHas Role`.`parent`, in the list's order.

    Written as a LIMITed scalar subquery rather than EXISTS: MariaDB turns EXISTS into a
    semi-join that reads `tabHas Role` whole (Frappe has no index on `role`), while a first page
    needs only the lookups of the users it shows.
    """
    first = (
        select(HasRole.c.name)
        .where(
            HasRole.c.parent == User.c.name, HasRole.c.parenttype == "User", HasRole.c.role == role
        )
        .limit(1)
        .scalar_subquery()
    )
    return first.is_not(None)


def _user_query(flt: UserFilter) -> Select:
    stmt = select(*_USER_COLUMNS)
    text = flt.text.strip()
    if text:
        stmt = stmt.where(
            or_(
                User.c.name.contains(text, autoescape=True),
                User.c.full_name.contains(text, autoescape=True),
            )
        )
    if flt.status == "active":
        stmt = stmt.where(User.c.enabled == 1)
    elif flt.status == "disabled":
        stmt = stmt.where(User.c.enabled == 0)
    elif flt.status:
        stmt = stmt.where(false())  # ERPNext has no locked users
    if flt.department or flt.expired:
        stmt = stmt.where(false())  # no departments, no account validity in Frappe
    if flt.role:
        stmt = stmt.where(_holds_role(flt.role))
    if flt.dormant_days is not None:
        stmt = stmt.where(
            User.c.enabled == 1,
            User.c.user_type == SYSTEM_USER,
            User.c.name != GUEST,
            or_(
                User.c.last_login.is_(None),
                User.c.last_login < _login_cutoff(flt.dormant_days, flt.on),
            ),
        )
    return stmt


def _key(key: tuple | None) -> tuple | None:
    return None if key is None else (key[0],)


COUNT_CAP = 10_000
# Frappe has no index on `tabHas Role`.role, so the holders of a role are found by reading that
# table once in order and each holder's User row by primary key. Left to itself MariaDB starts
# from `tabUser` and looks up every user's roles by `parent`: ten times slower at 100k users.
_HAS_ROLE_FIRST = "STRAIGHT_JOIN"
information_tables = Table(
    "TABLES",
    MetaData(),
    Column("TABLE_SCHEMA", String(64)),
    Column("TABLE_NAME", String(64)),
    Column("TABLE_ROWS", BigInteger),
    schema="information_schema",
)


class AtLeast(Total):
    """A count that stopped at its cap: shown as "10,000+"."""

    def label(self) -> str:
        return f"{self.count:,}" if self.exact else f"{self.count:,}+"


# --- the backend -----------------------------------------------------------------------------


class ErpnextIdentity:
    """The identity interface over a Frappe site's database (`target`), audited in `store`."""

    capabilities = frozenset({"disable", "grant"})

    def __init__(self, target: Database, store: Database):
        if target.dialect != "mysql":
            raise ConfigError(
                f"ERPNext runs on MariaDB; '{target.masked_url}' is a {target.dialect} database"
            )
        identity = detect(target)
        if identity is None:
            raise ConfigError(
                f"'{target.masked_url}' is not a Frappe/ERPNext database (no `tabUser` and `tabDocType`)"
            )
        self.identity = identity
        self.target = target
        self.store = store

    @property
    def read_only(self) -> bool:
        return self.target.read_only

    # ---- reading helpers --------------------------------------------------------------------

    def _connect(self):
        return self.target.engine.connect()

    def _user(self, conn: Connection, login: str):
        name = (login or "").strip()
        row = conn.execute(
            select(
                *_USER_COLUMNS,
                User.c.user_type,
                User.c.creation,
                User.c.modified,
                User.c.modified_by,
                User.c.role_profile_name,
            ).where(User.c.name == name)
        ).first()
        if row is None:
            raise NotFound(
                f"no ERPNext user '{login}' (users are named by e-mail, e.g. jane@example.com)"
            )
        return row

    def _roles_of(self, conn: Connection, name: str) -> list[tuple[str, str, dt.datetime | None]]:
        """(role, owner, creation) of the user's Has Role rows, in the user's order (idx)."""
        return [
            tuple(r)
            for r in conn.execute(
                select(HasRole.c.role, HasRole.c.owner, HasRole.c.creation)
                .where(HasRole.c.parent == name, HasRole.c.parenttype == "User")
                .order_by(HasRole.c.idx)
            )
        ]

    def _role(self, matrix: Matrix, code: str) -> str:
        role = (code or "").strip()
        if role not in matrix.roles:
            raise NotFound(
                f"no ERPNext role '{code}' (roles are named as in ERPNext, e.g. Accounts User)"
            )
        return role

    def _code(self, matrix: Matrix, code: str) -> str:
        code = (code or "").strip()
        parse_code(code)
        if code not in matrix.by_code:
            raise NotFound(
                f"no role grants '{code}' in this ERPNext (see `permissions` for the codes)"
            )
        return code

    @staticmethod
    def _usable(user) -> bool:
        return bool(user.enabled) and user.user_type == SYSTEM_USER and user.name != GUEST

    def _holdings(self, matrix: Matrix, user, roles: Iterable[str]) -> dict[str, set[str]]:
        """code -> roles granting it to this user, as Frappe would evaluate it."""
        if user.name == ADMINISTRATOR:
            return {code: {ADMINISTRATOR} for code in matrix.by_code}
        automatic = AUTOMATIC_ROLES if user.user_type == SYSTEM_USER else (GUEST,)
        return matrix.codes_of([*roles, *automatic])

    # ---- users ------------------------------------------------------------------------------

    def list_users(
        self, flt: UserFilter = ALL_USERS, *, after: tuple | None = None, limit: int = 100
    ) -> list[UserRow]:
        with self._connect() as conn:
            rows = conn.execute(keyset_page(_user_query(flt), _SORT, _key(after), limit)).all()
        return [_row(r) for r in rows]

    def list_users_before(
        self, flt: UserFilter = ALL_USERS, *, before: tuple | None = None, limit: int = 100
    ) -> list[UserRow]:
        with self._connect() as conn:
            rows = conn.execute(
                keyset_page(_user_query(flt), _SORT, _key(before), limit, forward=False)
            ).all()
        return [_row(r) for r in reversed(rows)]

    def count_users(self, flt: UserFilter = ALL_USERS) -> Total:
        """Exact up to COUNT_CAP; beyond it InnoDB's row estimate ("≈") when nothing is
        filtered, else "10,000+": counting 100k rows exactly costs what a whole page does 20
        times over, and Frappe has nothing cheaper to count with."""
        with self._connect() as conn:
            if flt == ALL_USERS:
                estimate = conn.execute(
                    select(information_tables.c.TABLE_ROWS).where(
                        func.database() == information_tables.c.TABLE_SCHEMA,
                        User.name == information_tables.c.TABLE_NAME,
                    )
                ).scalar()
                if estimate is not None and estimate > COUNT_CAP:
                    return Total(int(estimate), exact=False)
            capped = _user_query(flt).with_only_columns(User.c.name).limit(COUNT_CAP + 1).subquery()
            n = conn.execute(select(func.count()).select_from(capped)).scalar_one()
        return Total(n) if n <= COUNT_CAP else AtLeast(COUNT_CAP, exact=False)

    def get_user(self, login: str) -> FrappeUserDetail:
        up = fs.UserPermission
        with self._connect() as conn:
            user = self._user(conn, login)
            roles = self._roles_of(conn, user.name)
            restrictions = conn.execute(
                select(up.c.allow, up.c.for_value)
                .where(up.c.user == user.name)
                .order_by(up.c.allow, up.c.for_value)
            ).all()
        grants = tuple(
            Grant(role, role, None, None, owner or None, creation or user.creation, "")
            for role, owner, creation in roles
        )
        return FrappeUserDetail(
            0,
            user.name,
            user.full_name or user.name,
            user.email,
            None,
            None,
            _status(user.enabled),
            None,
            None,
            None,
            _login_time(user.last_login),
            user.creation,
            version_of(user.modified),
            grants,
            user_type=user.user_type or SYSTEM_USER,
            role_profile=user.role_profile_name,
            user_permissions=tuple(map(tuple, restrictions)),
            modified_by=user.modified_by,
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
        return []  # a Frappe user has no validity period

    # ---- roles and permissions --------------------------------------------------------------

    def list_roles(self) -> list[RoleSummary]:
        with self._connect() as conn:
            matrix = load_matrix(conn)
            members = dict(
                conn.execute(
                    select(HasRole.c.role, func.count())
                    .where(HasRole.c.parenttype == "User")
                    .group_by(HasRole.c.role)
                ).all()
            )
        perms: dict[str, int] = defaultdict(int)
        for code in matrix.by_code:
            for role in matrix.granting_roles(code):
                perms[role] += 1
        return [
            RoleSummary(
                role, role, self._role_note(matrix, role), perms[role], members.get(role, 0), 0
            )
            for role in sorted(matrix.roles)
        ]

    @staticmethod
    def _role_note(matrix: Matrix, role: str) -> str | None:
        disabled, desk = matrix.roles[role]
        if disabled:
            return "disabled: grants nothing"
        if role in AUTOMATIC_ROLES:
            return "automatic: every System User has it"
        if role == ADMINISTRATOR:
            return "the Administrator user's role: every right"
        return None if desk else "no desk access (website role)"

    def get_role(self, code: str) -> RoleDetail:
        with self._connect() as conn:
            matrix = load_matrix(conn)
            role = self._role(matrix, code)
            members = conn.execute(
                select(HasRole.c.parent)
                .where(HasRole.c.role == role, HasRole.c.parenttype == "User")
                .order_by(HasRole.c.parent)
            ).all()
        perms = tuple(matrix.entry(c)[:3] for c in sorted(matrix.codes_of([role])))
        return RoleDetail(
            role,
            role,
            self._role_note(matrix, role),
            0,
            perms,
            tuple((m, None) for (m,) in members),
        )

    def list_permissions(self, module: str | None = None) -> list[tuple[str, str, str, str | None]]:
        with self._connect() as conn:
            matrix = load_matrix(conn)
        entries = [matrix.entry(c) for c in sorted(matrix.by_code)]
        return [e for e in entries if not module or e[1] == module]

    def effective_permissions(
        self, login: str, *, on: dt.date | None = None
    ) -> list[EffectivePermission]:
        """What the user can do: nothing when disabled, a Website User or Guest."""
        with self._connect() as conn:
            user = self._user(conn, login)
            roles = [r for r, _o, _c in self._roles_of(conn, user.name)]
            matrix = load_matrix(conn)
        if not self._usable(user):
            return []
        holdings = self._holdings(matrix, user, roles)
        result = []
        for code in sorted(holdings):
            _code, module, risk, description = matrix.entry(code)
            result.append(
                EffectivePermission(code, module, risk, description, tuple(sorted(holdings[code])))
            )
        return result

    def who_has(self, permission: str, *, on: dt.date | None = None) -> list[Holder]:
        """Enabled System Users holding the right, with the roles that give it (Administrator first)."""
        with self._connect() as conn:
            matrix = load_matrix(conn)
            code = self._code(matrix, permission)
            granting = matrix.granting_roles(code)
            explicit = sorted(granting - set(AUTOMATIC_ROLES))
            usable = and_(
                User.c.enabled == 1,
                User.c.user_type == SYSTEM_USER,
                User.c.name.notin_(PROTECTED_USERS),
            )
            holders: dict[str, tuple[str, set[str]]] = {}
            if granting & set(AUTOMATIC_ROLES):
                automatic = sorted(granting & set(AUTOMATIC_ROLES))
                for name, full_name in conn.execute(
                    select(User.c.name, User.c.full_name).where(usable).order_by(User.c.name)
                ):
                    holders[name] = (full_name or name, set(automatic))
            if explicit:
                stmt = (
                    select(User.c.name, User.c.full_name, HasRole.c.role)
                    .select_from(HasRole)
                    .join(User, User.c.name == HasRole.c.parent)
                    .where(HasRole.c.parenttype == "User", HasRole.c.role.in_(explicit), usable)
                    .prefix_with(_HAS_ROLE_FIRST, dialect="mysql")
                )
                for name, full_name, role in conn.execute(stmt):
                    holders.setdefault(name, (full_name or name, set()))[1].add(role)
            admin = conn.execute(
                select(User.c.full_name).where(User.c.name == ADMINISTRATOR, User.c.enabled == 1)
            ).first()
        found = [
            Holder(name, full_name, None, tuple(sorted(roles)))
            for name, (full_name, roles) in sorted(holders.items(), key=lambda kv: kv[0].lower())
        ]
        if admin is not None:
            found.insert(
                0, Holder(ADMINISTRATOR, admin.full_name or ADMINISTRATOR, None, (ADMINISTRATOR,))
            )
        return found

    def explain(self, login: str, permission: str, *, on: dt.date | None = None) -> Explanation:
        """Can the user do it? Which role and DocPerm/Custom DocPerm row says so, or every reason why not."""
        with self._connect() as conn:
            user = self._user(conn, login)
            matrix = load_matrix(conn)
            roles = [r for r, _o, _c in self._roles_of(conn, user.name)]
        code = (permission or "").strip()
        doctype, right, level = parse_code(code)
        if code not in matrix.by_code and not any(r.doctype == doctype for r in matrix.rows):
            raise NotFound(
                f"no role grants '{code}' in this ERPNext (see `permissions` for the codes)"
            )
        if user.name == ADMINISTRATOR:
            return Explanation(
                bool(user.enabled),
                user.name,
                code,
                ("Administrator has every right: Frappe gives the Administrator user all roles",)
                if user.enabled
                else ("Administrator is disabled (enabled = 0)",),
            )
        blockers = []
        if not user.enabled:
            blockers.append("user is disabled (enabled = 0)")
        if user.user_type != SYSTEM_USER:
            blockers.append(
                f"user is a {user.user_type}: no desk access, DocPerm rights do not apply"
            )
        automatic = AUTOMATIC_ROLES if user.user_type == SYSTEM_USER else (GUEST,)
        held = set(roles) | set(automatic)
        rows = matrix.by_code.get(code, [])
        valid, reasons = [], []
        for row in rows:
            if row.role not in held:
                continue
            how = "every System User has it" if row.role in AUTOMATIC_ROLES else "held by the user"
            if not matrix.active(row.role):
                reasons.append(
                    f"role {row.role} would grant it ({row.describe()}), but the role is disabled"
                )
            else:
                valid.append(f"via role {row.role} ({how}): {row.describe()}")
        custom_note = None
        if doctype in matrix.custom:
            custom_note = (
                f"{doctype}'s rights come from Custom DocPerm, which replaces its DocPerm rows"
            )
            set_aside = [
                r
                for r in matrix.replaced
                if right in r.rights and r.permlevel == level and r.role in held
            ]
            custom_note += "".join(
                f"; DocPerm row {r.name} (role {r.role}) would grant it but no longer applies"
                for r in set_aside
            )
        if not valid:
            if custom_note:
                reasons.append(custom_note)
            would = sorted({r.role for r in rows if matrix.active(r.role)})
            level_text = f" at permlevel {level}" if level else ""
            reasons.append(
                f"no role of the user grants {right} on {doctype}{level_text}; roles that would: "
                + (", ".join(would) or "no role at all")
            )
        if valid and not blockers:
            return Explanation(
                True, user.name, code, tuple(valid + ([custom_note] if custom_note else []))
            )
        if valid:
            reasons = [f"{v} — but it does not apply" for v in valid] + reasons
        return Explanation(False, user.name, code, tuple(blockers + reasons))

    def compare_roles(self, a: str, b: str) -> Comparison:
        with self._connect() as conn:
            matrix = load_matrix(conn)
        ra, rb = self._role(matrix, a), self._role(matrix, b)
        pa, pb = set(matrix.codes_of([ra])), set(matrix.codes_of([rb]))
        return Comparison(
            ra, rb, tuple(sorted(pa - pb)), tuple(sorted(pb - pa)), tuple(sorted(pa & pb))
        )

    def compare_users(self, a: str, b: str, *, on: dt.date | None = None) -> Comparison:
        pa = {p.code for p in self.effective_permissions(a)}
        pb = {p.code for p in self.effective_permissions(b)}
        return Comparison(
            a, b, tuple(sorted(pa - pb)), tuple(sorted(pb - pa)), tuple(sorted(pa & pb))
        )

    # ---- separation of duties ---------------------------------------------------------------

    def _rules(self) -> list[Rule]:
        with self.store.session() as s:
            return load_rules(s)

    @staticmethod
    def _conflicts(
        login: str, holdings: dict[str, set[str]], rules: list[Rule]
    ) -> list[UserConflict]:
        found = [
            UserConflict(
                login,
                rule.name,
                rule.severity,
                rule.permission_a,
                rule.permission_b,
                tuple(sorted(holdings[rule.permission_a])),
                tuple(sorted(holdings[rule.permission_b])),
            )
            for rule in rules
            if holdings.get(rule.permission_a) and holdings.get(rule.permission_b)
        ]
        found.sort(key=lambda c: (-SEVERITY_ORDER.get(c.severity, 0), c.rule))
        return found

    def sod_check_user(self, login: str, *, on: dt.date | None = None) -> list[UserConflict]:
        rules = self._rules()
        with self._connect() as conn:
            user = self._user(conn, login)
            roles = [r for r, _o, _c in self._roles_of(conn, user.name)]
            matrix = load_matrix(conn)
        if not self._usable(user):
            return []
        return self._accepted(
            self._conflicts(user.name, self._holdings(matrix, user, roles), rules), on
        )

    def _accepted(self, conflicts: list[UserConflict], on: dt.date | None) -> list[UserConflict]:
        return mark_accepted(self.store, self.identity.kind, conflicts, on)

    def sod_check_all(self, *, on: dt.date | None = None) -> list[UserConflict]:
        """Every enabled System User's conflicts, most severe first (Administrator, who holds
        every right by design, is left out: ask for it by name)."""
        rules = self._rules()
        if not rules:
            return []
        with self._connect() as conn:
            matrix = load_matrix(conn)
            codes = {r.permission_a for r in rules} | {r.permission_b for r in rules}
            wanted = set().union(*(matrix.granting_roles(c) for c in codes)) - set(AUTOMATIC_ROLES)
            roles_of: dict[str, set[str]] = defaultdict(set)
            if wanted:
                stmt = (
                    select(HasRole.c.parent, HasRole.c.role)
                    .join(User, User.c.name == HasRole.c.parent)
                    .prefix_with(_HAS_ROLE_FIRST, dialect="mysql")
                    .where(
                        HasRole.c.parenttype == "User",
                        HasRole.c.role.in_(sorted(wanted)),
                        User.c.enabled == 1,
                        User.c.user_type == SYSTEM_USER,
                        User.c.name.notin_(PROTECTED_USERS),
                    )
                )
                for name, role in conn.execute(stmt):
                    roles_of[name].add(role)
        found = []
        for name, roles in roles_of.items():
            holdings = matrix.codes_of([*roles, *AUTOMATIC_ROLES])
            found += self._conflicts(name, holdings, rules)
        found = self._accepted(found, on)
        return sorted(
            found, key=lambda c: (-SEVERITY_ORDER.get(c.severity, 0), c.login.lower(), c.rule)
        )

    # ---- writes -----------------------------------------------------------------------------

    def _protect(self, name: str) -> None:
        if name in PROTECTED_USERS:
            raise ValidationError(
                f"'{name}' is Frappe's built-in {name} user; the console does not change it",
                field="user",
            )

    def _system_managers(self, conn: Connection) -> set[str]:
        """Enabled users (other than Administrator) holding System Manager."""
        return {
            name
            for (name,) in conn.execute(
                select(User.c.name)
                .select_from(HasRole)
                .join(User, User.c.name == HasRole.c.parent)
                .prefix_with(_HAS_ROLE_FIRST, dialect="mysql")
                .where(
                    HasRole.c.parenttype == "User",
                    HasRole.c.role == SYSTEM_MANAGER,
                    User.c.enabled == 1,
                    User.c.name != ADMINISTRATOR,
                )
            )
        }

    def _keep_a_system_manager(self, conn: Connection, leaving: set[str]) -> None:
        managers = self._system_managers(conn)
        if managers and not managers - leaving:
            raise ValidationError(
                f"{', '.join(sorted(managers & leaving))} "
                f"{'is the last enabled System Manager' if len(managers) == 1 else 'are the last enabled System Managers'}; "
                "give another user System Manager first",
                field="user",
            )

    def _write(self, change: ErpChange, actor: str, write, on_done=None):
        try:
            return audited_erp_write(
                self.store, self.target, change, actor=actor, write=write, on_done=on_done
            )
        except DBAPIError as exc:
            raise translate_db_error(self.target.url, exc) from None

    @staticmethod
    def _lock_user(session: Session, name: str, expected: int):
        """Re-read the user row under a lock; refuse when it changed since the caller read it."""
        row = session.execute(
            select(User.c.name, User.c.enabled, User.c.modified, User.c.modified_by)
            .where(User.c.name == name)
            .with_for_update()
        ).first()
        if row is None:
            raise Conflict(f"user '{name}' was deleted in ERPNext since it was read; reload")
        if version_of(row.modified) != expected:
            raise Conflict(
                f"user '{name}' was changed in ERPNext since it was read "
                f"(modified {row.modified} by {row.modified_by or '?'}); reload and try again"
            )
        return row

    @staticmethod
    def _touch(session: Session, name: str, actor: str, now: dt.datetime, **values) -> None:
        """Frappe's audit columns of the parent document: a child row change modifies the User."""
        session.execute(
            update(User)
            .where(User.c.name == name)
            .values(modified=now, modified_by=actor, **values)
        )

    @staticmethod
    def _now() -> dt.datetime:
        return dt.datetime.now().replace(tzinfo=None)

    def set_status(
        self,
        login: str,
        action: str,
        *,
        actor: str,
        reason: str | None,
        expected_version: int | None = None,
    ) -> FrappeUserDetail:
        """disable | enable (`tabUser`.`enabled`); ERPNext has no lock."""
        if action in ("lock", "unlock"):
            raise ValidationError(
                "ERPNext has no lock: a user is enabled or disabled; use disable/enable",
                field="action",
            )
        if action not in ("disable", "enable"):
            raise ValidationError(f"unknown action '{action}'", field="action")
        if action == "disable":
            reason = require_text(reason, "reason")
        user = self.get_user(login)
        self._protect(user.login)
        wanted = 0 if action == "disable" else 1
        if (user.status == "active") == bool(wanted):
            raise ValidationError(
                f"user '{user.login}' is {user.status}; cannot {action}", field="status"
            )
        if action == "disable":
            with self._connect() as conn:
                self._keep_a_system_manager(conn, {user.login})
        expected = user.version if expected_version is None else expected_version

        def write(session: Session) -> None:
            self._lock_user(session, user.login, expected)
            self._touch(session, user.login, actor, self._now(), enabled=wanted)

        self._write(
            ErpChange(
                f"erp.user.{action}",
                "user",
                user.login,
                user.full_name,
                before={"enabled": 1 - wanted, "modified_version": expected},
                after={"enabled": wanted},
                reason=reason,
            ),
            actor,
            write,
        )
        return self.get_user(user.login)

    def bulk_set_status(
        self, logins: list[str], action: str, *, actor: str, reason: str
    ) -> list[str]:
        """Disable (or enable) many users; every user is checked before any is changed."""
        if action not in ("disable", "enable"):
            raise ValidationError("bulk actions on ERPNext are disable or enable", field="action")
        reason = require_text(reason, "reason")
        if not logins:
            raise ValidationError("select at least one user", field="logins")
        users = [self.get_user(login) for login in dict.fromkeys(logins)]
        for user in users:
            self._protect(user.login)
        target_status = "disabled" if action == "disable" else "active"
        todo = [u for u in users if u.status != target_status]
        if action == "disable" and todo:
            with self._connect() as conn:
                self._keep_a_system_manager(conn, {u.login for u in todo})
        changed = []
        for user in todo:
            self.set_status(
                user.login, action, actor=actor, reason=reason, expected_version=user.version
            )
            changed.append(user.login)
        return changed

    def _plan(self, role: str, logins: list[str]):
        with self._connect() as conn:
            matrix = load_matrix(conn)
            role = self._role(matrix, role)
            users = [self._user(conn, login) for login in dict.fromkeys(logins)]
            roles = {u.name: [r for r, _o, _c in self._roles_of(conn, u.name)] for u in users}
        return matrix, role, users, roles

    def _preview_grant(self, matrix, role, users, roles, rules) -> GrantPreview:
        gained, conflicts, already = {}, [], []
        for user in users:
            if role in roles[user.name]:
                already.append(user.name)
                continue
            before = self._holdings(matrix, user, roles[user.name])
            after = self._holdings(matrix, user, [*roles[user.name], role])
            gained[user.name] = tuple(sorted(c for c in after if c not in before))
            old = {c.rule for c in self._conflicts(user.name, before, rules)}
            conflicts += [c for c in self._conflicts(user.name, after, rules) if c.rule not in old]
        conflicts = self._accepted(conflicts, None)
        return GrantPreview(role, gained, tuple(already), tuple(conflicts), _versions(users))

    def preview_grant(
        self, role: str, logins: list[str], *, on: dt.date | None = None
    ) -> GrantPreview:
        matrix, role, users, roles = self._plan(role, logins)
        return self._preview_grant(matrix, role, users, roles, self._rules())

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
        """Add a `tabHas Role` row per user (as the User form does) and modify the User."""
        reason = require_text(reason, "reason")
        if valid_from or valid_to:
            raise ValidationError("an ERPNext role has no validity period", field="valid_to")
        if not logins:
            raise ValidationError("give at least one user", field="users")
        matrix, role, users, roles = self._plan(role, logins)
        if role in UNGRANTABLE_ROLES:
            raise ValidationError(
                f"'{role}' is one of Frappe's automatic roles; it is not granted", field="role"
            )
        if matrix.roles[role][0]:
            raise ValidationError(f"role '{role}' is disabled in ERPNext", field="role")
        for user in users:
            self._protect(user.name)
            if user.user_type != SYSTEM_USER and matrix.roles[role][1]:
                raise ValidationError(
                    f"'{user.name}' is a {user.user_type}: a desk role would make ERPNext turn them into a "
                    "System User; change the user type in ERPNext first",
                    field="users",
                )
        preview = self._preview_grant(matrix, role, users, roles, self._rules())
        check_preview_versions(preview.versions, expected_versions, product="ERPNext")
        critical = preview.critical
        if critical and not (override_reason or "").strip():
            raise ValidationError(sod_override_needed(critical), field="override_reason")
        for user in users:
            if user.name in preview.already:
                continue
            expected = version_of(user.modified)
            overridden = [c for c in critical if c.login == user.name]
            overrides = [c.rule for c in overridden]
            self._write(
                ErpChange(
                    "erp.role.grant",
                    "user",
                    user.name,
                    user.full_name,
                    before={"roles": roles[user.name]},
                    after={
                        "roles": [*roles[user.name], role],
                        "permissions_gained": list(preview.gained.get(user.name, ())),
                        "sod_override": overrides or None,
                    },
                    reason=reason
                    + (f" | SoD override: {override_reason.strip()}" if overrides else ""),
                ),
                actor,
                lambda s, u=user.name, e=expected: self._add_role(s, u, role, e, actor),
                on_done=lambda s, o=overridden: record_overrides(
                    s,
                    erp=self.identity.kind,
                    conflicts=o,
                    reason=(override_reason or "").strip(),
                    actor=actor,
                ),
            )
        return preview

    def _add_role(self, session: Session, name: str, role: str, expected: int, actor: str) -> None:
        self._lock_user(session, name, expected)
        held = session.execute(
            select(HasRole.c.name).where(
                HasRole.c.parent == name, HasRole.c.parenttype == "User", HasRole.c.role == role
            )
        ).first()
        if held is not None:
            raise Conflict(f"user '{name}' was given role '{role}' in ERPNext meanwhile; reload")
        last_idx = session.execute(
            select(func.max(HasRole.c.idx)).where(
                HasRole.c.parent == name,
                HasRole.c.parenttype == "User",
                HasRole.c.parentfield == "roles",
            )
        ).scalar()
        now = self._now()
        session.execute(
            insert(HasRole).values(
                name=secrets.token_hex(5),  # Frappe's `autoname: hash`: 10 random hex characters
                creation=now,
                modified=now,
                modified_by=actor,
                owner=actor,
                docstatus=0,
                idx=(last_idx or 0) + 1,
                role=role,
                parent=name,
                parentfield="roles",
                parenttype="User",
            )
        )
        self._touch(session, name, actor, now)

    def _preview_revoke(self, matrix, role, users, roles) -> RevokePreview:
        lost, not_held = {}, []
        for user in users:
            if role not in roles[user.name]:
                not_held.append(user.name)
                continue
            holdings = self._holdings(matrix, user, roles[user.name])
            lost[user.name] = tuple(sorted(c for c, by in holdings.items() if by == {role}))
        return RevokePreview(role, lost, tuple(not_held), _versions(users))

    def preview_revoke(
        self, role: str, logins: list[str], *, on: dt.date | None = None
    ) -> RevokePreview:
        matrix, role, users, roles = self._plan(role, logins)
        return self._preview_revoke(matrix, role, users, roles)

    def revoke(
        self,
        role: str,
        logins: list[str],
        *,
        actor: str,
        reason: str,
        expected_versions: Mapping[str, object] | None = None,
    ) -> RevokePreview:
        """Delete the user's `tabHas Role` row, renumber the rest (idx) and modify the User."""
        reason = require_text(reason, "reason")
        if not logins:
            raise ValidationError("give at least one user", field="users")
        matrix, role, users, roles = self._plan(role, logins)
        for user in users:
            self._protect(user.name)
        preview = self._preview_revoke(matrix, role, users, roles)
        check_preview_versions(preview.versions, expected_versions, product="ERPNext")
        if role == SYSTEM_MANAGER and preview.lost:
            with self._connect() as conn:
                self._keep_a_system_manager(conn, set(preview.lost))
        for user in users:
            if user.name not in preview.lost:
                continue
            expected = version_of(user.modified)
            self._write(
                ErpChange(
                    "erp.role.revoke",
                    "user",
                    user.name,
                    user.full_name,
                    before={"roles": roles[user.name]},
                    after={
                        "roles": [r for r in roles[user.name] if r != role],
                        "permissions_lost": list(preview.lost[user.name]),
                    },
                    reason=reason,
                ),
                actor,
                lambda s, u=user.name, e=expected: self._remove_role(s, u, role, e, actor),
            )
        return preview

    def _remove_role(
        self, session: Session, name: str, role: str, expected: int, actor: str
    ) -> None:
        self._lock_user(session, name, expected)
        mine = and_(
            HasRole.c.parent == name,
            HasRole.c.parenttype == "User",
            HasRole.c.parentfield == "roles",
        )
        gone = session.execute(delete(HasRole).where(mine, HasRole.c.role == role)).rowcount
        if not gone:
            raise Conflict(f"user '{name}' no longer holds role '{role}' in ERPNext; reload")
        rows = session.execute(
            select(HasRole.c.name, HasRole.c.idx).where(mine).order_by(HasRole.c.idx)
        ).all()
        for position, (row_name, idx) in enumerate(rows, start=1):
            if idx != position:
                session.execute(
                    update(HasRole).where(HasRole.c.name == row_name).values(idx=position)
                )
        self._touch(session, name, actor, self._now())

"""A realistic ERPNext 15 company in an empty MariaDB database (`demo --erp erpnext`).

The Frappe tables of `erpnext_tables` filled the way a running site has them: Administrator and
Guest, System Users with role profiles, some Website Users, disabled and dormant users, users with
no role, the standard ERPNext roles, DocPerm rows per DocType (permlevel 0 and 1), Custom DocPerm
rows replacing the standard ones for a few DocTypes (as the Role Permissions Manager leaves them),
User Permissions, and people holding both sides of an SoD rule. Deterministic for a seed and a
day; `scale` multiplies the users (scale 250: 100,000), written with multi-row inserts.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Callable, Iterable

from sqlalchemy import Connection, Table, insert, inspect

from erp_console.db.engine import Database, connect
from erp_console.db.models import Permission, SodRule
from erp_console.demo import catalog as cat
from erp_console.errors import ValidationError
from erp_console.services.access.backends import erpnext_tables as fs
from erp_console.services.access.backends.erpnext import permission_code, right_risk
from erp_console.services.core import audit

Progress = Callable[[str, int, int], None]
BATCH = 5000
SYSTEM_USERS = 380
WEBSITE_USERS = 20
FRAPPE_VERSION = "15.38.0"
ERPNEXT_VERSION = "15.34.1"
DOMAIN = "northwind.example"

# DocType -> (module, submittable)
DOCTYPES = {
    "Payment Entry": ("Accounts", True),
    "Purchase Invoice": ("Accounts", True),
    "Sales Invoice": ("Accounts", True),
    "Journal Entry": ("Accounts", True),
    "Account": ("Accounts", False),
    "Purchase Order": ("Buying", True),
    "Supplier": ("Buying", False),
    "Sales Order": ("Selling", True),
    "Customer": ("Selling", False),
    "Stock Entry": ("Stock", True),
    "Delivery Note": ("Stock", True),
    "Purchase Receipt": ("Stock", True),
    "Item": ("Stock", False),
    "Employee": ("Setup", False),
    "User": ("Core", False),
    "Role": ("Core", False),
}
FRAMEWORK_DOCTYPES = {  # the tables themselves are DocTypes too
    "DocType": ("Core", False, False),
    "DocPerm": ("Core", False, True),
    "Custom DocPerm": ("Core", False, False),
    "Has Role": ("Core", False, True),
    "User Permission": ("Core", False, False),
    "Role Profile": ("Core", False, False),
    "Installed Application": ("Core", False, True),
    "DefaultValue": ("Core", False, True),
}

ROLES = [
    "Administrator",
    "Guest",
    "All",
    "System Manager",
    "Accounts User",
    "Accounts Manager",
    "Auditor",
    "Purchase User",
    "Purchase Manager",
    "Purchase Master Manager",
    "Sales User",
    "Sales Manager",
    "Sales Master Manager",
    "Stock User",
    "Stock Manager",
    "Item Manager",
    "Manufacturing User",
    "Manufacturing Manager",
    "HR User",
    "HR Manager",
    "Employee",
    "Report Manager",
    "Customer",
    "Supplier",
    "Maintenance User",
]
DISABLED_ROLES = {"Maintenance User"}
WEBSITE_ROLES = {"Customer", "Supplier", "Guest"}

# Rights sets used by the DocPerm rows below.
READ = ("read", "report", "export", "print", "email", "share")
EDIT = (*READ, "write", "create", "delete")
SUBMIT = (*EDIT, "submit", "cancel", "amend")
ALL = (*SUBMIT, "import", "select")

# DocType -> [(role, permlevel, rights, if_owner)], as ERPNext 15 ships them (abridged).
DOCPERMS: dict[str, list[tuple[str, int, tuple[str, ...], bool]]] = {
    "Payment Entry": [
        ("Accounts User", 0, SUBMIT, False),
        ("Accounts Manager", 0, ALL, False),
        ("Auditor", 0, READ, False),
    ],
    "Purchase Invoice": [
        ("Accounts User", 0, SUBMIT, False),
        ("Accounts Manager", 0, ALL, False),
        ("Purchase User", 0, READ, False),
        ("Auditor", 0, READ, False),
    ],
    "Sales Invoice": [
        ("Accounts User", 0, SUBMIT, False),
        ("Accounts Manager", 0, ALL, False),
        ("Sales User", 0, READ, False),
        ("Accounts Manager", 1, ("read", "write"), False),
    ],
    "Journal Entry": [
        ("Accounts User", 0, SUBMIT, False),
        ("Accounts Manager", 0, ALL, False),
        ("Auditor", 0, READ, False),
    ],
    "Account": [
        ("Accounts Manager", 0, ALL, False),
        ("Accounts User", 0, READ, False),
        ("Auditor", 0, READ, False),
    ],
    "Purchase Order": [
        ("Purchase User", 0, SUBMIT, False),
        ("Purchase Manager", 0, ALL, False),
        ("Stock User", 0, READ, False),
        ("Accounts User", 0, READ, False),
    ],
    "Supplier": [
        ("Purchase User", 0, READ, False),
        ("Purchase Manager", 0, READ, False),
        ("Purchase Master Manager", 0, ALL, False),
        ("Accounts User", 0, READ, False),
        ("Stock User", 0, READ, False),
    ],
    "Sales Order": [
        ("Sales User", 0, SUBMIT, False),
        ("Sales Manager", 0, ALL, False),
        ("Accounts User", 0, READ, False),
        ("Stock User", 0, READ, False),
    ],
    "Customer": [
        ("Sales User", 0, READ, False),
        ("Sales Manager", 0, READ, False),
        ("Sales Master Manager", 0, ALL, False),
        ("Accounts User", 0, READ, False),
    ],
    "Stock Entry": [
        ("Stock User", 0, SUBMIT, False),
        ("Stock Manager", 0, ALL, False),
        ("Manufacturing User", 0, SUBMIT, False),
        ("Manufacturing Manager", 0, SUBMIT, False),
    ],
    "Delivery Note": [
        ("Stock User", 0, SUBMIT, False),
        ("Stock Manager", 0, ALL, False),
        ("Sales User", 0, READ, False),
        ("Accounts User", 0, READ, False),
    ],
    "Purchase Receipt": [
        ("Stock User", 0, SUBMIT, False),
        ("Stock Manager", 0, ALL, False),
        ("Purchase User", 0, READ, False),
    ],
    "Item": [
        ("Item Manager", 0, ALL, False),
        ("Stock Manager", 0, EDIT, False),
        ("Stock User", 0, READ, False),
        ("Sales User", 0, READ, False),
        ("Purchase User", 0, READ, False),
        ("Accounts User", 0, READ, False),
    ],
    "Employee": [
        ("HR User", 0, EDIT, False),
        ("HR Manager", 0, ALL, False),
        ("Employee", 0, ("read",), True),
        ("HR Manager", 1, ("read", "write"), False),
        ("HR User", 1, ("read",), False),
    ],
    "User": [
        ("System Manager", 0, ALL, False),
        ("System Manager", 1, ("read", "write"), False),
        ("All", 0, ("read",), True),
    ],
    "Role": [("System Manager", 0, EDIT, False)],
}

# Changed in the Role Permissions Manager: these replace the DocType's DocPerm rows entirely.
CUSTOM_DOCPERMS: dict[str, list[tuple[str, int, tuple[str, ...], bool]]] = {
    # payments are submitted by the Accounts Manager only; Purchase Users may look at them
    "Payment Entry": [
        ("Accounts User", 0, EDIT, False),
        ("Accounts Manager", 0, ALL, False),
        ("Purchase User", 0, READ, False),
        ("Auditor", 0, READ, False),
    ],
    # the buying department submits its own supplier invoices
    "Purchase Invoice": [
        ("Accounts User", 0, SUBMIT, False),
        ("Accounts Manager", 0, ALL, False),
        ("Purchase Manager", 0, SUBMIT, False),
        ("Auditor", 0, READ, False),
    ],
    # warehouse staff no longer see purchase orders
    "Purchase Order": [
        ("Purchase User", 0, SUBMIT, False),
        ("Purchase Manager", 0, ALL, False),
        ("Accounts User", 0, READ, False),
    ],
}

# Role Profile -> roles; the share of System Users with each profile.
PROFILES = {
    "Accountant": (("Accounts User", "Employee"), 10),
    "Finance Manager": (("Accounts Manager", "Accounts User", "Report Manager", "Employee"), 1),
    "Buyer": (("Purchase User", "Stock User", "Employee"), 8),
    "Purchasing Manager": (("Purchase Manager", "Purchase User", "Employee"), 1),
    "Sales Rep": (("Sales User", "Employee"), 12),
    "Sales Manager": (("Sales Manager", "Sales User", "Sales Master Manager", "Employee"), 1),
    "Warehouse": (("Stock User", "Employee"), 16),
    "Production": (("Manufacturing User", "Stock User", "Employee"), 18),
    "HR": (("HR User", "Employee"), 3),
    "Staff": (("Employee",), 14),
}
EXTRA_ROLES = (
    "Item Manager",
    "Purchase Master Manager",
    "Auditor",
    "Report Manager",
    "Stock Manager",
)
# SoD: people who also hold the other side (e.g. a Buyer who can pay).
VIOLATIONS = (
    ("Accounts Manager", "Purchase Manager"),
    ("Purchase Master Manager", "Accounts Manager"),
    ("Purchase User", "Stock User", "Accounts Manager"),
)
SOD_RULES = (
    (
        "Supplier invoice vs payment",
        "Purchase Invoice:submit",
        "Payment Entry:submit",
        "critical",
        "Whoever books a supplier invoice must not also pay it",
    ),
    (
        "Supplier master vs payment",
        "Supplier:write",
        "Payment Entry:submit",
        "high",
        "Changing supplier bank details and paying suppliers is a classic fraud path",
    ),
    (
        "Order vs receipt",
        "Purchase Order:submit",
        "Purchase Receipt:submit",
        "medium",
        "Ordering and confirming receipt of the same goods",
    ),
    (
        "Sales order vs invoice",
        "Sales Order:submit",
        "Sales Invoice:submit",
        "medium",
        "Booking an order and invoicing it",
    ),
)


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def _stamp(at: dt.datetime) -> str:
    """`last_login` is a Read Only field: varchar, written by Frappe as str(now_datetime())."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def _hash(rng: random.Random) -> str:
    """A child-row name the way Frappe's `autoname: hash` makes one (10 hex characters)."""
    return f"{rng.getrandbits(40):010x}"


def catalogue() -> list[tuple[str, str, str, str]]:
    """(code, module, risk, description) of every right the demo's DocPerms can grant."""
    codes: dict[str, tuple[str, str, str, str]] = {}
    for table in (DOCPERMS, CUSTOM_DOCPERMS):
        for doctype, rows in table.items():
            module = DOCTYPES[doctype][0]
            for _role, level, rights, _owner in rows:
                for right in rights:
                    code = permission_code(doctype, right, level)
                    codes[code] = (
                        code,
                        module,
                        right_risk(right),
                        f"{right} on {doctype}" + (f" (permlevel {level})" if level else ""),
                    )
    return [codes[c] for c in sorted(codes)]


class _Builder:
    def __init__(self, conn: Connection, scale: int, seed: int, progress: Progress | None):
        self.conn = conn
        self.scale = scale
        self.rng = random.Random(seed)
        self.now = dt.datetime.combine(dt.date.today(), dt.time(9, 30))
        self.installed = self.now - dt.timedelta(days=400)
        self.progress = progress or (lambda *_: None)
        self.counts: dict[str, int] = {}

    def _write(self, table: Table, batch: list[dict]) -> None:
        """One multi-row INSERT; a column some rows leave out is NULL in them."""
        keys = {k: None for row in batch for k in row}
        self.conn.execute(insert(table), [keys | row for row in batch])

    def _insert(self, table: Table, rows: Iterable[dict], label: str | None = None, total=0):
        batch: list[dict] = []
        done = 0
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self._write(table, batch)
                done += len(batch)
                batch = []
                if label:
                    self.progress(label, done, total)
        if batch:
            self._write(table, batch)
            done += len(batch)
        if label:
            self.progress(label, done, total or done)
        self.counts[table.name] = self.counts.get(table.name, 0) + done

    def _doc(self, name: str, at: dt.datetime | None = None, **values) -> dict:
        at = at or self.installed
        return {
            "name": name,
            "creation": at,
            "modified": at,
            "modified_by": "Administrator",
            "owner": "Administrator",
            "docstatus": 0,
            "idx": 0,
            **values,
        }

    def _child(self, parent: str, parenttype: str, parentfield: str, idx: int, **values) -> dict:
        return self._doc(
            _hash(self.rng),
            parent=parent,
            parenttype=parenttype,
            parentfield=parentfield,
            idx=idx,
            **values,
        )

    # -- the site ---------------------------------------------------------------------------

    def site(self) -> None:
        apps = [
            ("frappe", FRAPPE_VERSION, "version-15"),
            ("erpnext", ERPNEXT_VERSION, "version-15"),
        ]
        self._insert(
            fs.InstalledApplication,
            (
                self._child(
                    "Installed Applications",
                    "Installed Applications",
                    "installed_applications",
                    i,
                    app_name=app,
                    app_version=version,
                    git_branch=branch,
                    has_setup_wizard=1,
                    is_setup_complete=1,
                )
                for i, (app, version, branch) in enumerate(apps, start=1)
            ),
        )
        self._insert(
            fs.DefaultValue,
            [
                self._child("__default", None, None, 1, defkey="company", defvalue="Northwind Ltd"),
                self._child("__default", None, None, 2, defkey="currency", defvalue="EUR"),
                self._child(
                    "__global",
                    None,
                    None,
                    1,
                    defkey="installed_apps",
                    defvalue='["frappe", "erpnext"]',
                ),
            ],
        )
        doctypes = [
            self._doc(
                name,
                module=module,
                istable=0,
                issingle=0,
                is_submittable=int(submittable),
                app="frappe" if module == "Core" else "erpnext",
                engine="InnoDB",
            )
            for name, (module, submittable) in DOCTYPES.items()
        ] + [
            self._doc(
                name,
                module=module,
                istable=int(table),
                issingle=0,
                is_submittable=int(sub),
                app="frappe",
                engine="InnoDB",
            )
            for name, (module, sub, table) in FRAMEWORK_DOCTYPES.items()
        ]
        self._insert(fs.DocType, doctypes)

    def roles(self) -> None:
        self._insert(
            fs.Role,
            (
                self._doc(
                    role,
                    role_name=role,
                    disabled=int(role in DISABLED_ROLES),
                    desk_access=int(role not in WEBSITE_ROLES),
                )
                for role in ROLES
            ),
        )

        def docperm_rows():
            for doctype, rows in DOCPERMS.items():
                for i, (role, level, rights, if_owner) in enumerate(rows, start=1):
                    yield self._child(
                        doctype,
                        "DocType",
                        "permissions",
                        i,
                        role=role,
                        permlevel=level,
                        if_owner=int(if_owner),
                        **{r: int(r in rights) for r in fs.RIGHTS},
                    )

        self._insert(fs.DocPerm, docperm_rows())
        changed = self.now - dt.timedelta(days=120)
        self._insert(
            fs.CustomDocPerm,
            (
                self._doc(
                    _hash(self.rng),
                    changed,
                    parent=doctype,
                    role=role,
                    permlevel=level,
                    if_owner=int(if_owner),
                    **{r: int(r in rights) for r in fs.RIGHTS},
                )
                for doctype, rows in CUSTOM_DOCPERMS.items()
                for role, level, rights, if_owner in rows
            ),
        )
        self._insert(fs.RoleProfile, (self._doc(p, role_profile=p) for p in PROFILES))
        self._insert(
            fs.HasRole,
            (
                self._child(profile, "Role Profile", "roles", i, role=role)
                for profile, (roles, _w) in PROFILES.items()
                for i, role in enumerate(roles, start=1)
            ),
        )

    # -- people -----------------------------------------------------------------------------

    def users(self) -> None:
        rng = self.rng
        system_total = SYSTEM_USERS * self.scale
        website_total = WEBSITE_USERS * self.scale
        taken: dict[str, int] = {}
        profiles = list(PROFILES)
        weights = [w for _roles, w in PROFILES.values()]
        self.grants: list[tuple[str, list[str]]] = []
        self.user_names: list[str] = []

        def person():
            first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
            base = f"{_ascii(first)}.{_ascii(last)}"
            n = taken.get(base, 0) + 1
            taken[base] = n
            return first, last, f"{base}{'' if n == 1 else n}@{DOMAIN}"

        def special():
            yield self._doc(
                "Administrator",
                email="admin@example.com",
                first_name="Administrator",
                full_name="Administrator",
                username="administrator",
                user_type="System User",
                enabled=1,
                last_login=_stamp(self.now - dt.timedelta(days=2, hours=3)),
            )
            yield self._doc(
                "Guest",
                email="guest@example.com",
                first_name="Guest",
                full_name="Guest",
                username="guest",
                user_type="Website User",
                enabled=1,
            )

        def rows():
            yield from special()
            violators = set(rng.sample(range(system_total), k=min(system_total, 4 * self.scale)))
            system_managers = set(rng.sample(range(system_total), k=3))
            for i in range(system_total + website_total):
                first, last, email = person()
                created = self.installed + dt.timedelta(days=rng.randint(0, 360))
                website = i >= system_total
                enabled = 1
                last_login = self.now - dt.timedelta(
                    days=rng.uniform(0, 20), hours=rng.uniform(0, 8)
                )
                r = rng.random()
                if r < 0.06:
                    enabled = 0
                    last_login = created + dt.timedelta(days=rng.randint(1, 30))
                elif r < 0.12:
                    last_login = (
                        None
                        if rng.random() < 0.3
                        else self.now - dt.timedelta(days=rng.randint(95, 300))
                    )
                profile, roles = None, []
                if website:
                    roles = [rng.choice(("Customer", "Supplier"))]
                elif rng.random() < 0.03:
                    roles = []  # a System User nobody gave a role
                else:
                    profile = rng.choices(profiles, weights)[0]
                    roles = list(PROFILES[profile][0])
                    if rng.random() < 0.08:
                        roles.append(rng.choice(EXTRA_ROLES))
                    if i in violators:
                        profile = None
                        roles += VIOLATIONS[i % len(VIOLATIONS)]
                    if i in system_managers:
                        roles.append("System Manager")
                        enabled, last_login = 1, self.now - dt.timedelta(hours=rng.randint(1, 40))
                    if rng.random() < 0.02:
                        roles.append("Maintenance User")  # a disabled role still on some users
                roles = list(dict.fromkeys(roles))
                self.grants.append((email, roles))
                self.user_names.append(email)
                yield self._doc(
                    email,
                    created,
                    email=email,
                    first_name=first,
                    last_name=last,
                    full_name=f"{first} {last}",
                    username=email.split("@")[0].replace(".", "_"),
                    user_type="Website User" if website else "System User",
                    role_profile_name=profile,
                    enabled=enabled,
                    language="en",
                    time_zone="Europe/Berlin",
                    last_login=_stamp(last_login) if last_login else None,
                    last_active=last_login,
                    last_ip=f"10.{rng.randint(0, 40)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                    if last_login
                    else None,
                )

        total = system_total + website_total + 2
        self._insert(fs.User, rows(), "users", total)

    def has_roles(self) -> None:
        def rows():
            for email, roles in self.grants:
                for i, role in enumerate(roles, start=1):
                    yield self._child(email, "User", "roles", i, role=role)

        self._insert(fs.HasRole, rows(), "roles", sum(len(r) for _e, r in self.grants))

    def user_permissions(self) -> None:
        rng = self.rng
        warehouses = ("Stores - NW", "Finished Goods - NW", "Work In Progress - NW", "Transit - NW")

        def rows():
            for email, roles in self.grants:
                if "Stock User" in roles and rng.random() < 0.3:
                    yield self._doc(
                        _hash(rng),
                        user=email,
                        allow="Warehouse",
                        for_value=rng.choice(warehouses),
                        is_default=1,
                        apply_to_all_doctypes=1,
                    )
                if roles and rng.random() < 0.1:
                    yield self._doc(
                        _hash(rng),
                        user=email,
                        allow="Company",
                        for_value="Northwind Ltd",
                        is_default=0,
                        apply_to_all_doctypes=1,
                    )

        self._insert(fs.UserPermission, rows(), "user permissions")


def build(
    url: str, *, scale: int = 1, seed: int = 42, progress: Progress | None = None
) -> dict[str, int]:
    """Create the Frappe tables and an ERPNext company in the EMPTY MariaDB database at `url`."""
    if scale < 1:
        raise ValidationError("must be at least 1", field="scale")
    db = connect(url)
    try:
        if db.dialect != "mysql":
            raise ValidationError(
                f"ERPNext runs on MariaDB; '{db.masked_url}' is {db.dialect}", field="url"
            )
        existing = inspect(db.engine).get_table_names()
        if existing:
            raise ValidationError(
                f"the database is not empty ({len(existing)} tables, e.g. {existing[0]}); "
                "the ERPNext demo is built only in an empty database",
                field="url",
            )
        fs.metadata.create_all(db.engine)
        with db.engine.begin() as conn:
            builder = _Builder(conn, scale, seed, progress)
            builder.site()
            builder.roles()
            builder.users()
            builder.has_roles()
            builder.user_permissions()
        with db.engine.connect() as conn:
            for table in fs.metadata.sorted_tables:
                conn.exec_driver_sql(f"ANALYZE TABLE `{table.name}`")
        return builder.counts
    finally:
        db.dispose()


def seed_store(store: Database, *, actor: str) -> dict[str, int]:
    """Put the ERPNext permission codes and SoD rules into the console store (one audited change).

    The store's permission rows are the catalogue SoD rules and process steps name; codes the
    store has already are left as they are.
    """
    with audit.change(
        store,
        actor=actor,
        action="erp.catalogue.seed",
        target_type="catalogue",
        target_label="erpnext",
        reason="ERPNext demo: permission codes and SoD rules",
    ) as ch:
        s = ch.session
        known = dict(s.query(Permission.code, Permission.id).all())
        added = []
        for code, module, risk, description in catalogue():
            if code not in known:
                perm = Permission(code=code, module=module, risk=risk, description=description)
                s.add(perm)
                s.flush()
                known[code] = perm.id
                added.append(code)
        rules = {name for (name,) in s.query(SodRule.name).all()}
        new_rules = []
        for name, a, b, severity, description in SOD_RULES:
            if name in rules:
                continue
            s.add(
                SodRule(
                    name=name,
                    permission_a_id=known[a],
                    permission_b_id=known[b],
                    severity=severity,
                    description=description,
                )
            )
            new_rules.append(name)
        ch.after = {"permissions": len(added), "sod_rules": new_rules}
    return {"permission": len(added), "sod_rule": len(new_rules)}

"""A realistic Odoo company in an empty PostgreSQL database, to try the Odoo connector on.

`build(url)` creates the tables of `odoo_tables` and loads: the company, Odoo's special users
(__system__, admin, public, portal and default templates), groups of base/account/sales/purchase/
inventory/employees with their real XML ids and implied chains, model access rules per group, ~400
users per scale step (internal, portal, archived, users with no group, dormant ones), login history
and the installed modules with their versions. Odoo 16 and 17 store a user's implied groups as rows
of res_groups_users_rel too (the ORM adds them); 18 keeps only the groups given explicitly — the
demo does the same for the version it is built as.

Rows go in with PostgreSQL COPY, so `scale=250` (~100k users) loads in well under a minute.
`seed_store(store, actor=...)` puts the permission codes and SoD rules in Odoo's terms into the
console store (one audited transaction).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import select, text

from erp_console.db.engine import Database, connect
from erp_console.db.models import Permission, SodRule
from erp_console.demo import catalog as cat
from erp_console.errors import ValidationError
from erp_console.services.access.backends import odoo_tables as s
from erp_console.services.core import audit

Progress = Callable[[str, int, int], None]

BASE_INTERNAL = 320
BASE_PORTAL = 74
BASE_NO_GROUP = 6
SUPPORTED_BUILD_VERSIONS = ("16.0", "17.0", "18.0")

# (module, name, model, label) of each model the access rules name
MODELS = [
    ("base", "res.partner", "Contact"),
    ("base", "res.users", "User"),
    ("base", "res.groups", "Access Groups"),
    ("base", "res.company", "Companies"),
    ("base", "ir.model.access", "Model Access"),
    ("base", "ir.module.module", "Module"),
    ("account", "account.move", "Journal Entry"),
    ("account", "account.move.line", "Journal Item"),
    ("account", "account.payment", "Payments"),
    ("account", "account.journal", "Journal"),
    ("account", "account.account", "Account"),
    ("sale", "sale.order", "Sales Order"),
    ("sale", "sale.order.line", "Sales Order Line"),
    ("purchase", "purchase.order", "Purchase Order"),
    ("purchase", "purchase.order.line", "Purchase Order Line"),
    ("stock", "stock.picking", "Transfer"),
    ("stock", "stock.move", "Stock Move"),
    ("stock", "stock.quant", "Quants"),
    ("product", "product.product", "Product Variant"),
    ("hr", "hr.employee", "Employee"),
    ("hr", "hr.department", "Department"),
]

CATEGORIES = {
    "base.module_category_user_type": "User types",
    "base.module_category_administration_administration": "Administration",
    "base.module_category_accounting_accounting": "Invoicing",
    "base.module_category_sales_sales": "Sales",
    "base.module_category_inventory_purchase": "Purchase",
    "base.module_category_inventory_inventory": "Inventory",
    "base.module_category_human_resources_employees": "Employees",
}

# xml id: (name, category xml id, implied xml ids, share)
GROUPS = {
    "base.group_user": ("Internal User", "base.module_category_user_type", (), False),
    "base.group_portal": ("Portal", "base.module_category_user_type", (), True),
    "base.group_public": ("Public", "base.module_category_user_type", (), True),
    "base.group_erp_manager": (
        "Access Rights",
        "base.module_category_administration_administration",
        ("base.group_user",),
        False,
    ),
    "base.group_system": (
        "Settings",
        "base.module_category_administration_administration",
        ("base.group_erp_manager",),
        False,
    ),
    "base.group_partner_manager": ("Contact Creation", None, (), False),
    "base.group_no_one": ("Technical Features", None, (), False),
    "account.group_account_invoice": (
        "Billing",
        "base.module_category_accounting_accounting",
        ("base.group_user",),
        False,
    ),
    "account.group_account_readonly": (
        "Read-only",
        "base.module_category_accounting_accounting",
        ("base.group_user",),
        False,
    ),
    "account.group_account_user": (
        "Bookkeeper",
        "base.module_category_accounting_accounting",
        ("account.group_account_invoice", "account.group_account_readonly"),
        False,
    ),
    "account.group_account_manager": (
        "Administrator",
        "base.module_category_accounting_accounting",
        ("account.group_account_user",),
        False,
    ),
    "sales_team.group_sale_salesman": (
        "User: Own Documents Only",
        "base.module_category_sales_sales",
        ("base.group_user",),
        False,
    ),
    "sales_team.group_sale_salesman_all_leads": (
        "User: All Documents",
        "base.module_category_sales_sales",
        ("sales_team.group_sale_salesman",),
        False,
    ),
    "sales_team.group_sale_manager": (
        "Administrator",
        "base.module_category_sales_sales",
        ("sales_team.group_sale_salesman_all_leads", "base.group_partner_manager"),
        False,
    ),
    "purchase.group_purchase_user": (
        "User",
        "base.module_category_inventory_purchase",
        ("base.group_user",),
        False,
    ),
    "purchase.group_purchase_manager": (
        "Administrator",
        "base.module_category_inventory_purchase",
        ("purchase.group_purchase_user",),
        False,
    ),
    "stock.group_stock_user": (
        "User",
        "base.module_category_inventory_inventory",
        ("base.group_user",),
        False,
    ),
    "stock.group_stock_manager": (
        "Administrator",
        "base.module_category_inventory_inventory",
        ("stock.group_stock_user",),
        False,
    ),
    "hr.group_hr_user": (
        "Officer: Manage all employees",
        "base.module_category_human_resources_employees",
        ("base.group_user",),
        False,
    ),
    "hr.group_hr_manager": (
        "Administrator",
        "base.module_category_human_resources_employees",
        ("hr.group_hr_user",),
        False,
    ),
}

# xml id of the rule, model, group xml id (None: every user), rights as r/w/c/u letters, active
ACCESS = [
    ("base.access_res_partner_group_user", "res.partner", "base.group_user", "r", True),
    ("base.access_res_partner_group_partner_manager", "res.partner", "base.group_partner_manager", "rwcu", True),
    ("base.access_res_partner_portal", "res.partner", "base.group_portal", "r", True),
    ("base.access_res_users_group_user", "res.users", "base.group_user", "r", True),
    ("base.access_res_users_group_erp_manager", "res.users", "base.group_erp_manager", "rwcu", True),
    ("base.access_res_groups_group_user", "res.groups", "base.group_user", "r", True),
    ("base.access_res_groups_group_erp_manager", "res.groups", "base.group_erp_manager", "rwcu", True),
    ("base.access_res_company_all", "res.company", None, "r", True),
    ("base.access_res_company_group_erp_manager", "res.company", "base.group_erp_manager", "rwcu", True),
    ("base.access_ir_model_access_group_user", "ir.model.access", "base.group_user", "r", True),
    ("base.access_ir_model_access_group_system", "ir.model.access", "base.group_system", "rwcu", True),
    ("base.access_ir_module_module_group_user", "ir.module.module", "base.group_user", "r", True),
    ("base.access_ir_module_module_group_system", "ir.module.module", "base.group_system", "rwcu", True),
    ("account.access_account_move_readonly", "account.move", "account.group_account_readonly", "r", True),
    ("account.access_account_move_invoice", "account.move", "account.group_account_invoice", "rwcu", True),
    ("account.access_account_move_line_readonly", "account.move.line", "account.group_account_readonly", "r", True),
    ("account.access_account_move_line_invoice", "account.move.line", "account.group_account_invoice", "rwcu", True),
    ("account.access_account_payment_readonly", "account.payment", "account.group_account_readonly", "r", True),
    ("account.access_account_payment_invoice", "account.payment", "account.group_account_invoice", "rwcu", True),
    ("account.access_account_journal_invoice", "account.journal", "account.group_account_invoice", "r", True),
    ("account.access_account_journal_manager", "account.journal", "account.group_account_manager", "rwcu", True),
    ("account.access_account_account_invoice", "account.account", "account.group_account_invoice", "r", True),
    ("account.access_account_account_manager", "account.account", "account.group_account_manager", "rwcu", True),
    ("account.access_account_payment_salesman", "account.payment", "sales_team.group_sale_salesman", "rc", False),
    ("sale.access_account_move_salesman", "account.move", "sales_team.group_sale_salesman", "r", True),
    ("sale.access_sale_order", "sale.order", "sales_team.group_sale_salesman", "rwc", True),
    ("sale.access_sale_order_manager", "sale.order", "sales_team.group_sale_manager", "rwcu", True),
    ("sale.access_sale_order_line", "sale.order.line", "sales_team.group_sale_salesman", "rwcu", True),
    ("sale.access_sale_order_portal", "sale.order", "base.group_portal", "r", True),
    ("purchase.access_purchase_order", "purchase.order", "purchase.group_purchase_user", "rwc", True),
    ("purchase.access_purchase_order_manager", "purchase.order", "purchase.group_purchase_manager", "rwcu", True),
    ("purchase.access_purchase_order_line", "purchase.order.line", "purchase.group_purchase_user", "rwcu", True),
    ("purchase.access_account_move_purchase_user", "account.move", "purchase.group_purchase_user", "rc", True),
    ("stock.access_stock_picking_user", "stock.picking", "stock.group_stock_user", "rwc", True),
    ("stock.access_stock_picking_manager", "stock.picking", "stock.group_stock_manager", "rwcu", True),
    ("stock.access_stock_move_user", "stock.move", "stock.group_stock_user", "rwc", True),
    ("stock.access_stock_quant_user", "stock.quant", "stock.group_stock_user", "r", True),
    ("stock.access_stock_quant_manager", "stock.quant", "stock.group_stock_manager", "rwcu", True),
    ("product.access_product_product_user", "product.product", "base.group_user", "r", True),
    ("stock.access_product_product_stock_manager", "product.product", "stock.group_stock_manager", "rwcu", True),
    ("purchase.access_product_product_purchase_manager", "product.product", "purchase.group_purchase_manager", "rwc", True),
    ("hr.access_hr_employee_user", "hr.employee", "hr.group_hr_user", "rwc", True),
    ("hr.access_hr_employee_manager", "hr.employee", "hr.group_hr_manager", "rwcu", True),
    ("hr.access_hr_department_user", "hr.department", "base.group_user", "r", True),
    ("hr.access_hr_department_manager", "hr.department", "hr.group_hr_manager", "rwcu", True),
]  # fmt: skip

# name, version suffix (after "<major>.0."), state, application
MODULES = [
    ("base", "1.3", "installed", False),
    ("web", "1.0", "installed", False),
    ("mail", "1.15", "installed", False),
    ("product", "1.2", "installed", False),
    ("contacts", "1.0", "installed", True),
    ("account", "1.2", "installed", True),
    ("sales_team", "1.1", "installed", False),
    ("sale", "1.2", "installed", True),
    ("purchase", "1.2", "installed", True),
    ("stock", "1.1", "installed", True),
    ("hr", "1.1", "installed", True),
    ("mrp", None, "uninstalled", True),
    ("project", None, "uninstalled", True),
]

# What an internal user does, with the groups it brings (weights sum to 100)
JOBS = [
    ("sales", 30, ("sales_team.group_sale_salesman",)),
    ("sales lead", 6, ("sales_team.group_sale_salesman_all_leads",)),
    ("warehouse", 24, ("stock.group_stock_user",)),
    ("buyer", 9, ("purchase.group_purchase_user",)),
    ("buyer billing", 2, ("purchase.group_purchase_user", "account.group_account_invoice")),
    ("billing", 8, ("account.group_account_invoice",)),
    ("bookkeeper", 3, ("account.group_account_user",)),
    ("auditor", 1, ("account.group_account_readonly",)),
    ("hr", 3, ("hr.group_hr_user",)),
    ("staff", 14, ("base.group_user",)),
]

# A handful of holders that do not grow with the company (who administers, who approves)
KEY_PEOPLE = [
    ("it.admin", "Ines Thorvald", ("base.group_system", "base.group_no_one")),
    ("sys.ops", "Samir Oduya", ("base.group_system",)),
    ("access.manager", "Anke Marr", ("base.group_erp_manager",)),
    ("cfo", "Clara Fenwick", ("account.group_account_manager",)),
    ("controller", "Colin Trask", ("account.group_account_manager", "purchase.group_purchase_user")),
    ("head.purchasing", "Hugo Pereira", ("purchase.group_purchase_manager",)),
    ("head.sales", "Hannah Sollis", ("sales_team.group_sale_manager",)),
    ("head.warehouse", "Willem Aart", ("stock.group_stock_manager",)),
    ("hr.head", "Helga Ruud", ("hr.group_hr_manager",)),
    ("ap.clerk", "Paul Ostrander", ("account.group_account_invoice", "purchase.group_purchase_manager")),
]  # fmt: skip

SOD_RULES = [
    (
        "Odoo: vendor bills vs payments",
        "account.move:create",
        "account.payment:create",
        "critical",
        "Whoever enters vendor bills must not register the payments for them.",
    ),
    (
        "Odoo: purchase orders vs vendor bills",
        "purchase.order:create",
        "account.move:create",
        "high",
        "Ordering and billing the same purchase lets one person pay a supplier end to end.",
    ),
    (
        "Odoo: user administration vs payments",
        "res.users:write",
        "account.payment:create",
        "critical",
        "Who can change users' access must not move money.",
    ),
    (
        "Odoo: receipts vs stock adjustments",
        "stock.picking:write",
        "stock.quant:write",
        "medium",
        "Whoever receives goods should not adjust the stock on hand.",
    ),
]

RIGHTS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}


def _ascii(value: str) -> str:
    return (
        unicodedata.normalize("NFKD", value)
        .encode("ascii", "ignore")
        .decode()
        .lower()
        .replace(" ", "")
    )


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dt.datetime):
        value = value.isoformat(sep=" ")
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class _Loader:
    """COPY rows into tables through the raw psycopg2 connection of one transaction."""

    def __init__(self, dbapi_conn, progress: Progress):
        self.dbapi = dbapi_conn
        self.progress = progress
        self.counts: dict[str, int] = {}

    def copy(self, table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        buffer = io.StringIO()
        done = 0
        cursor = self.dbapi.cursor()
        names = ", ".join(f'"{c}"' for c in columns)

        def flush() -> None:
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table.name} ({names}) FROM STDIN", buffer)
            buffer.seek(0)
            buffer.truncate()

        for row in rows:
            buffer.write("\t".join(_copy_value(v) for v in row))
            buffer.write("\n")
            done += 1
            if done % 50_000 == 0:
                flush()
                self.progress(table.name, done, 0)
        flush()
        cursor.close()
        self.counts[table.name] = self.counts.get(table.name, 0) + done
        self.progress(table.name, done, done)
        return done


class _Company:
    def __init__(self, scale: int, seed: int, version: str, now: dt.datetime):
        self.scale = scale
        self.rng = random.Random(seed)
        self.version = version
        self.major = int(version.split(".")[0])
        self.now = now
        self.install = now - dt.timedelta(days=900)
        self.group_ids = {xml: i for i, xml in enumerate(GROUPS, start=1)}
        self.category_ids = {xml: i for i, xml in enumerate(CATEGORIES, start=1)}
        self.model_ids = {model: i for i, (_m, model, _l) in enumerate(MODELS, start=1)}
        self.closure = {g: self._implied_closure(g) for g in GROUPS}
        self.partners: list[tuple] = []
        self.users: list[tuple] = []
        self.members: set[tuple[int, int]] = set()
        self.logins: list[tuple[int, dt.datetime]] = []
        self.xml: list[tuple[str, str, str, int]] = []  # module, name, model, res_id

    def _implied_closure(self, group: str) -> set[str]:
        seen, todo = set(), [group]
        while todo:
            for implied in GROUPS[todo.pop()][2]:
                if implied not in seen:
                    seen.add(implied)
                    todo.append(implied)
        return seen

    def _stamp(self, days_ago_max: float) -> dt.datetime:
        return self.now - dt.timedelta(days=self.rng.uniform(1, days_ago_max))

    def _join(self, uid: int, groups: Iterable[str]) -> None:
        for group in groups:
            self.members.add((self.group_ids[group], uid))
            if self.major < 18:  # the 16/17 ORM writes implied memberships as rows too
                for implied in self.closure[group]:
                    self.members.add((self.group_ids[implied], uid))

    def _user(
        self,
        uid: int,
        login: str,
        name: str,
        email: str | None,
        *,
        groups: Sequence[str],
        active: bool = True,
        created: dt.datetime | None = None,
    ) -> None:
        created = created or self._stamp(800)
        partner_id = uid + 1  # partner 1 is the company's
        self.partners.append(
            (partner_id, name, name, 1, None, partner_id, "contact", email, "en_US",
             "Europe/Brussels", False, active, 1, created, 1, created)
        )  # fmt: skip
        effective = set(groups) | {i for g in groups for i in self.closure[g]}
        share = "base.group_user" not in effective
        written = created + dt.timedelta(days=self.rng.uniform(0, 30))
        self.users.append(
            (uid, 1, partner_id, active, login, None, share, None, "email", 1, created, 1, written)
        )
        self._join(uid, groups)

    def people(self) -> None:
        rng = self.rng
        specials = [
            (1, "__system__", "OdooBot", ("base.group_system",), False, "user_root"),
            (2, "admin", "Mitchell Admin", ("base.group_system", "account.group_account_manager",
             "sales_team.group_sale_manager", "purchase.group_purchase_manager",
             "stock.group_stock_manager", "hr.group_hr_manager"), True, "user_admin"),
            (3, "public", "Public user", ("base.group_public",), False, "public_user"),
            (4, "portaltemplate", "Portal User Template", ("base.group_portal",), False,
             "template_portal_user_id"),
            (5, "default", "Default User Template", ("base.group_user",), False, "default_user"),
        ]  # fmt: skip
        for uid, login, name, groups, active, xml in specials:
            email = f"{login}@northwind.example" if uid == 2 else None
            self._user(uid, login, name, email, groups=groups, active=active, created=self.install)
            self.xml.append(("base", xml, "res.users", uid))
        uid = len(specials)
        taken: set[str] = {s[1] for s in specials}
        for login, name, groups in KEY_PEOPLE:
            uid += 1
            self._user(uid, login, name, f"{login}@northwind.example", groups=groups)
            taken.add(login)
            self.logins.append((uid, self._stamp(6)))

        def unique(base: str) -> str:
            login, n = base, 1
            while login in taken:
                n += 1
                login = f"{base}{n}"
            taken.add(login)
            return login

        jobs, weights = [j[2] for j in JOBS], [j[1] for j in JOBS]
        for _ in range(BASE_INTERNAL * self.scale):
            uid += 1
            first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
            login = unique(f"{_ascii(first)}.{_ascii(last)}")
            groups = rng.choices(jobs, weights)[0]
            active = rng.random() > 0.06
            self._user(uid, login, f"{first} {last}", f"{login}@northwind.example",
                       groups=groups, active=active)  # fmt: skip
            r = rng.random()
            if r < 0.05:
                continue  # never logged in
            days = rng.uniform(120, 400) if r < 0.13 else rng.uniform(0, 20)
            self.logins.append((uid, self.now - dt.timedelta(days=days)))
            if rng.random() < 0.3:  # Odoo's autovacuum keeps the last one; not yet run for some
                self.logins.append((uid, self.now - dt.timedelta(days=days + rng.uniform(1, 30))))
        for _ in range(BASE_PORTAL * self.scale):
            uid += 1
            first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
            domain = rng.choice(("acme-retail", "baltic-trade", "corvina", "delta-parts"))
            login = unique(f"{_ascii(first)}.{_ascii(last)}@{domain}.example")
            self._user(uid, login, f"{first} {last}", login, groups=("base.group_portal",),
                       active=rng.random() > 0.1)  # fmt: skip
            if rng.random() < 0.6:
                self.logins.append((uid, self._stamp(90)))
        for _ in range(BASE_NO_GROUP * self.scale):
            uid += 1
            first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
            login = unique(f"{_ascii(first)}.{_ascii(last)}")
            self._user(uid, login, f"{first} {last}", f"{login}@northwind.example", groups=())

    def records(self) -> None:
        for xml, gid in self.group_ids.items():
            module, name = xml.split(".")
            self.xml.append((module, name, "res.groups", gid))
        for xml, cid in self.category_ids.items():
            module, name = xml.split(".")
            self.xml.append((module, name, "ir.module.category", cid))
        for module, model, _label in MODELS:
            self.xml.append((module, "model_" + model.replace(".", "_"), "ir.model",
                             self.model_ids[model]))  # fmt: skip
        for i, (xml, *_rest) in enumerate(ACCESS, start=1):
            module, name = xml.split(".")
            self.xml.append((module, name, "ir.model.access", i))
        self.xml.append(("base", "main_company", "res.company", 1))
        self.xml.append(("base", "main_partner", "res.partner", 1))


def _versioned(major: str, suffix: str | None) -> str | None:
    return f"{major}.{suffix}" if suffix else None


def build(
    url: str,
    *,
    scale: int = 1,
    seed: int = 42,
    version: str = "17.0",
    progress: Progress | None = None,
) -> dict[str, int]:
    """Create the Odoo tables and a company in the EMPTY PostgreSQL database at `url`."""
    if not isinstance(scale, int) or scale < 1:
        raise ValidationError(
            "must be a whole number of at least 1 (1 ≈ 400 users, 250 ≈ 100k users)",
            field="--scale",
        )
    if version not in SUPPORTED_BUILD_VERSIONS:
        raise ValidationError(
            f"the Odoo demo is built as one of {', '.join(SUPPORTED_BUILD_VERSIONS)}",
            field="version",
        )
    db = connect(url)
    try:
        if db.dialect != "postgresql":
            raise ValidationError(
                "Odoo runs on PostgreSQL: give a postgresql:// URL for the Odoo demo", field="--url"
            )
        with db.engine.begin() as conn:
            existing = conn.execute(
                text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            ).scalar_one()
            if existing:
                raise ValidationError(
                    f"the database is not empty ({existing} tables); the Odoo demo needs an empty one",
                    field="--url",
                )
            s.create_tables(conn)
            loader = _Loader(conn.connection.dbapi_connection, progress or (lambda *_: None))
            _load(
                loader, _Company(scale, seed, version, dt.datetime.now(dt.UTC).replace(tzinfo=None))
            )
            s.add_foreign_keys(conn)
            for table in s.TABLES:
                if "id" in table.c and table.c.id.primary_key:
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
        # a live Odoo database is vacuumed and analysed by autovacuum; a bulk load is neither
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in s.TABLES:
                conn.execute(text(f"VACUUM ANALYZE {table.name}"))
        return dict(loader.counts)
    finally:
        db.dispose()


def _load(loader: _Loader, co: _Company) -> None:
    now, install, major = co.now, co.install, co.version.split(".")[0]
    co.people()
    co.records()
    stamp = (1, install, 1, install)
    loader.copy(
        s.ir_module_category,
        ["id", "name", "sequence", "visible", "exclusive", "create_uid", "create_date",
         "write_uid", "write_date"],
        ((cid, {"en_US": CATEGORIES[xml]}, cid, True, False, *stamp)
         for xml, cid in co.category_ids.items()),
    )  # fmt: skip
    loader.copy(
        s.res_partner,
        ["id", "name", "complete_name", "company_id", "parent_id", "commercial_partner_id",
         "type", "email", "lang", "tz", "is_company", "active", "create_uid", "create_date",
         "write_uid", "write_date"],
        [(1, "Northwind Components GmbH", "Northwind Components GmbH", 1, None, 1, "contact",
          "info@northwind.example", "en_US", "Europe/Brussels", True, True, *stamp),
         *co.partners],
    )  # fmt: skip
    loader.copy(
        s.res_company,
        ["id", "name", "partner_id", "currency_id", "parent_path", "sequence", "email", "active",
         "create_uid", "create_date", "write_uid", "write_date"],
        [(1, "Northwind Components GmbH", 1, 1, "1/", 10, "info@northwind.example", True,
          *stamp)],
    )  # fmt: skip
    loader.copy(
        s.res_users,
        ["id", "company_id", "partner_id", "active", "login", "password", "share", "signature",
         "notification_type", "create_uid", "create_date", "write_uid", "write_date"],
        co.users,
    )  # fmt: skip
    loader.copy(
        s.res_groups,
        ["id", "name", "comment", "category_id", "color", "share", "create_uid", "create_date",
         "write_uid", "write_date"],
        ((gid, {"en_US": GROUPS[xml][0]}, None,
          co.category_ids.get(GROUPS[xml][1]) if GROUPS[xml][1] else None, 0, GROUPS[xml][3],
          *stamp) for xml, gid in co.group_ids.items()),
    )  # fmt: skip
    loader.copy(
        s.res_groups_implied_rel,
        ["gid", "hid"],
        ((co.group_ids[xml], co.group_ids[implied])
         for xml, (_n, _c, implied_ids, _s) in GROUPS.items() for implied in implied_ids),
    )  # fmt: skip
    loader.copy(s.res_groups_users_rel, ["gid", "uid"], sorted(co.members))
    loader.copy(
        s.ir_model,
        ["id", "name", "model", "order", "state", "transient", "create_uid", "create_date",
         "write_uid", "write_date"],
        ((co.model_ids[model], {"en_US": label}, model, "id", "base", False, *stamp)
         for _m, model, label in MODELS),
    )  # fmt: skip
    loader.copy(
        s.ir_model_access,
        ["id", "name", "active", "model_id", "group_id", "perm_read", "perm_write",
         "perm_create", "perm_unlink", "create_uid", "create_date", "write_uid", "write_date"],
        ((i, xml.split(".")[1], active, co.model_ids[model],
          co.group_ids[group] if group else None, "r" in rights, "w" in rights, "c" in rights,
          "u" in rights, *stamp)
         for i, (xml, model, group, rights, active) in enumerate(ACCESS, start=1)),
    )  # fmt: skip
    loader.copy(
        s.ir_model_data,
        ["id", "module", "name", "model", "res_id", "noupdate", "create_uid", "create_date",
         "write_uid", "write_date"],
        ((i, module, name, model, res_id, False, *stamp)
         for i, (module, name, model, res_id) in enumerate(co.xml, start=1)),
    )  # fmt: skip
    loader.copy(
        s.res_users_log,
        ["id", "create_uid", "create_date", "write_uid", "write_date"],
        ((i, uid, at, uid, at) for i, (uid, at) in enumerate(sorted(co.logins, key=lambda x: x[1]),
                                                              start=1)),
    )  # fmt: skip
    loader.copy(
        s.ir_module_module,
        ["id", "name", "shortdesc", "author", "state", "latest_version", "published_version",
         "license", "application", "auto_install", "create_uid", "create_date", "write_uid",
         "write_date"],
        ((i, name, {"en_US": name.replace("_", " ").title()}, "Odoo S.A.", state,
          _versioned(f"{major}.0", suffix), None, "LGPL-3", app, False, 1, install, 1, now)
         for i, (name, suffix, state, app) in enumerate(MODULES, start=1)),
    )  # fmt: skip


# ---- the console store -------------------------------------------------------------------------


def permission_catalogue() -> list[tuple[str, str, str, str]]:
    """(code, module, risk, description) of every code the demo's access rules can grant."""
    labels = {model: (module, label) for module, model, label in MODELS}
    codes: dict[str, tuple[str, str, str, str]] = {}
    for _xml, model, _group, rights, _active in ACCESS:
        module, label = labels[model]
        for letter in rights:
            right = RIGHTS[letter]
            code = f"{model}:{right}"
            risk = (
                "high"
                if right != "read" and model.split(".")[0] in ("account", "res")
                else "medium"
                if right in ("create", "unlink")
                else "low"
            )
            codes[code] = (code, module[:16], risk, f"{right} {label} ({model})")
    return sorted(codes.values())


def seed_store(store: Database, *, actor: str) -> dict[str, int]:
    """Put the Odoo permission codes and SoD rules into the console store, in one audited change.

    The store's permission rows are the catalogue SoD rules and process steps name; codes already
    there are kept as they are, rules already there (by name) are not added twice.
    """
    with audit.change(
        store,
        actor=actor,
        action="demo.seed_odoo",
        target_type="store",
        target_label="Odoo permission codes and SoD rules",
        reason="demo --erp odoo",
    ) as ch:
        session = ch.session
        have = set(session.scalars(select(Permission.code)))
        added_codes = []
        for code, module, risk, description in permission_catalogue():
            if code not in have:
                session.add(
                    Permission(code=code, module=module, risk=risk, description=description)
                )
                added_codes.append(code)
        session.flush()
        ids = dict(session.execute(select(Permission.code, Permission.id)).all())
        rules = set(session.scalars(select(SodRule.name)))
        added_rules = []
        for name, a, b, severity, description in SOD_RULES:
            if name not in rules:
                session.add(
                    SodRule(
                        name=name,
                        permission_a_id=ids[a],
                        permission_b_id=ids[b],
                        severity=severity,
                        description=description,
                    )
                )
                added_rules.append(name)
        ch.after = {"permissions": added_codes, "sod_rules": added_rules}
    return {"permission": len(added_codes), "sod_rule": len(added_rules)}

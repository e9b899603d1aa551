"""The Odoo tables the Odoo connector reads and writes, as Odoo 16–18 creates them on PostgreSQL.

Written from Odoo's model definitions (odoo/addons/base/models: res_users.py, res_groups,
ir_model.py, res_partner.py, res_company.py, ir_module.py) and the way its ORM turns fields into
columns:
- every model table has `id SERIAL PRIMARY KEY` and the log-access columns create_uid/write_uid
  (FK res_users ON DELETE SET NULL) and create_date/write_date (timestamp without time zone, UTC);
- `required=True` becomes NOT NULL; Odoo sets defaults in the ORM, so no column has a DB default;
- Char is `varchar` without length, Text/Html `text`, translated fields (`translate=True`) `jsonb`
  holding {"en_US": ...} since Odoo 16 (which replaced ir_translation with jsonb columns);
- Many2one is an int4 with a foreign key named `<table>_<column>_fkey`, added after every table
  exists (Odoo adds them by ALTER TABLE), and `index=True` an index named `<table>__<column>_index`;
- a Many2many table is (id1 int4 NOT NULL, id2 int4 NOT NULL, PRIMARY KEY(id1, id2)) with both
  foreign keys ON DELETE CASCADE and one more index on (id2, id1);
- `_sql_constraints` become constraints named `<table>_<name>`.

Only the columns the connector and the demo use are declared, plus every NOT NULL column of those
tables; modules add many more columns that the connector never touches. Only the indexes Odoo itself
creates are declared: the console adds none to an ERP database.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

metadata = MetaData()

Translated = JSONB  # {"en_US": "..."}; the connector reads the en_US value


def _m2o(table: str, column: str, target: str, *, ondelete: str = "SET NULL", **kw) -> Column:
    if kw.get("nullable") is False and ondelete == "SET NULL":
        ondelete = "RESTRICT"  # Odoo turns a required Many2one's 'set null' into 'restrict'
    return Column(
        column,
        Integer,
        ForeignKey(
            f"{target}.id", ondelete=ondelete, use_alter=True, name=f"{table}_{column}_fkey"
        ),
        **kw,
    )


def _log_access(table: str) -> list[Column]:
    return [
        _m2o(table, "create_uid", "res_users"),
        Column("create_date", DateTime),
        _m2o(table, "write_uid", "res_users"),
        Column("write_date", DateTime),
    ]


def _index(table: str, column: str) -> Index:
    return Index(f"{table}__{column}_index", column)


def _model_table(name: str, *items, log_access: bool = True) -> Table:
    columns = [item for item in items if isinstance(item, Column)]
    others = [item for item in items if not isinstance(item, Column)]
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        *columns,
        *(_log_access(name) if log_access else ()),
        PrimaryKeyConstraint("id", name=f"{name}_pkey"),
        *others,
    )


def _m2m(name: str, col1: str, target1: str, col2: str, target2: str) -> Table:
    return Table(
        name,
        metadata,
        Column(
            col1,
            Integer,
            ForeignKey(
                f"{target1}.id", ondelete="CASCADE", use_alter=True, name=f"{name}_{col1}_fkey"
            ),
            nullable=False,
        ),
        Column(
            col2,
            Integer,
            ForeignKey(
                f"{target2}.id", ondelete="CASCADE", use_alter=True, name=f"{name}_{col2}_fkey"
            ),
            nullable=False,
        ),
        PrimaryKeyConstraint(col1, col2, name=f"{name}_pkey"),
        # Odoo: CREATE INDEX ON <rel> (<col2>, <col1>) — PostgreSQL names it <rel>_<col2>_<col1>_idx
        Index(f"{name}_{col2}_{col1}_idx", col2, col1),
    )


res_partner = _model_table(
    "res_partner",
    Column("name", String),
    Column("complete_name", String),
    _m2o("res_partner", "company_id", "res_company"),
    _m2o("res_partner", "parent_id", "res_partner"),
    _m2o("res_partner", "commercial_partner_id", "res_partner"),
    Column("type", String),
    Column("email", String),
    Column("lang", String),
    Column("tz", String),
    Column("is_company", Boolean),
    Column("active", Boolean),
    CheckConstraint(
        "(type='contact' AND name IS NOT NULL) or (type!='contact')",
        name="res_partner_check_name",
    ),
    _index("res_partner", "name"),
    _index("res_partner", "complete_name"),
    _index("res_partner", "company_id"),
    _index("res_partner", "parent_id"),
    _index("res_partner", "commercial_partner_id"),
)

res_company = _model_table(
    "res_company",
    Column("name", String, nullable=False),
    _m2o("res_company", "partner_id", "res_partner", nullable=False),
    Column("currency_id", Integer, nullable=False),  # res_currency is not part of this fixture
    _m2o("res_company", "parent_id", "res_company"),
    Column("parent_path", String),
    Column("sequence", Integer),
    Column("email", String),
    Column("active", Boolean),
    UniqueConstraint("name", name="res_company_name_uniq"),
    _index("res_company", "parent_id"),
    _index("res_company", "parent_path"),
)

res_users = _model_table(
    "res_users",
    _m2o("res_users", "company_id", "res_company", nullable=False),
    _m2o("res_users", "partner_id", "res_partner", ondelete="RESTRICT", nullable=False),
    Column("active", Boolean),
    Column("login", String, nullable=False),
    Column("password", String),
    Column("action_id", Integer),
    Column("share", Boolean),
    Column("signature", Text),
    Column("notification_type", String, nullable=False),
    UniqueConstraint("login", name="res_users_login_key"),
    _index("res_users", "partner_id"),
)

ir_module_category = _model_table(
    "ir_module_category",
    Column("name", Translated, nullable=False),
    _m2o("ir_module_category", "parent_id", "ir_module_category"),
    Column("description", Translated),
    Column("sequence", Integer),
    Column("visible", Boolean),
    Column("exclusive", Boolean),
    _index("ir_module_category", "parent_id"),
)

res_groups = _model_table(
    "res_groups",
    Column("name", Translated, nullable=False),
    Column("comment", Translated),
    _m2o("res_groups", "category_id", "ir_module_category"),
    Column("color", Integer),
    Column("share", Boolean),
    UniqueConstraint("category_id", "name", name="res_groups_name_uniq"),
    _index("res_groups", "category_id"),
)

res_groups_users_rel = _m2m("res_groups_users_rel", "gid", "res_groups", "uid", "res_users")
res_groups_implied_rel = _m2m("res_groups_implied_rel", "gid", "res_groups", "hid", "res_groups")

ir_model = _model_table(
    "ir_model",
    Column("name", Translated, nullable=False),
    Column("model", String, nullable=False),
    Column("order", String, nullable=False),
    Column("info", Text),
    Column("state", String),
    Column("transient", Boolean),
    UniqueConstraint("model", name="ir_model_obj_name_uniq"),
)

ir_model_access = _model_table(
    "ir_model_access",
    Column("name", String, nullable=False),
    Column("active", Boolean),
    _m2o("ir_model_access", "model_id", "ir_model", ondelete="CASCADE", nullable=False),
    _m2o("ir_model_access", "group_id", "res_groups", ondelete="RESTRICT"),
    Column("perm_read", Boolean),
    Column("perm_write", Boolean),
    Column("perm_create", Boolean),
    Column("perm_unlink", Boolean),
    _index("ir_model_access", "name"),
    _index("ir_model_access", "model_id"),
    _index("ir_model_access", "group_id"),
)

ir_model_data = _model_table(
    "ir_model_data",
    Column("name", String, nullable=False),
    Column("module", String, nullable=False),
    Column("model", String, nullable=False),
    Column("res_id", Integer),
    Column("noupdate", Boolean),
    # created in IrModelData._auto_init
    Index("ir_model_data_module_name_uniq_index", "module", "name", unique=True),
    Index("ir_model_data_model_res_id_index", "model", "res_id"),
)

res_users_log = _model_table("res_users_log", _index("res_users_log", "create_uid"))

ir_module_module = _model_table(
    "ir_module_module",
    Column("name", String, nullable=False),
    _m2o("ir_module_module", "category_id", "ir_module_category"),
    Column("shortdesc", Translated),
    Column("summary", Translated),
    Column("author", String),
    Column("state", String),
    Column("latest_version", String),
    Column("published_version", String),
    Column("license", String),
    Column("application", Boolean),
    Column("auto_install", Boolean),
    UniqueConstraint("name", name="ir_module_module_name_uniq"),
    _index("ir_module_module", "category_id"),
    _index("ir_module_module", "state"),
)

TABLES = tuple(metadata.sorted_tables)


def create_tables(connection) -> None:
    """The tables and their indexes, without foreign keys (Odoo adds those after loading data)."""
    for table in TABLES:
        connection.execute(CreateTable(table, include_foreign_key_constraints=[]))
        for index in table.indexes:
            connection.execute(CreateIndex(index))


def add_foreign_keys(connection) -> None:
    for table in TABLES:
        for fk in table.foreign_key_constraints:
            connection.execute(AddConstraint(fk))


def create_schema(connection) -> None:
    create_tables(connection)
    add_foreign_keys(connection)

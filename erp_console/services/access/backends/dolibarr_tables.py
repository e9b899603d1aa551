"""Dolibarr's identity tables as Dolibarr 19 creates them, for MariaDB/MySQL and PostgreSQL.

Written from Dolibarr's install SQL (htdocs/install/mysql/tables/llx_user.sql, llx_user.key.sql,
llx_usergroup(.key).sql, llx_usergroup_user(.key).sql, llx_rights_def(.key).sql,
llx_user_rights(.key).sql, llx_usergroup_rights(.key).sql, llx_const(.key).sql). On PostgreSQL
Dolibarr's installer converts those MySQL files (`DoliDBPgsql::convertSQLFromMysql`):
`integer AUTO_INCREMENT PRIMARY KEY` -> `SERIAL PRIMARY KEY`, `tinyint` -> `smallint`,
`datetime` -> `timestamp`, `double(24,8)` -> `numeric(24,8)`, `tms timestamp` ->
`timestamp without time zone DEFAULT now() NOT NULL` (MySQL's `ON UPDATE CURRENT_TIMESTAMP` is
dropped), foreign keys `DEFERRABLE INITIALLY IMMEDIATE`, and `ADD [UNIQUE] INDEX` -> `CREATE
[UNIQUE] INDEX`. Only the indexes Dolibarr itself creates are declared (on MariaDB InnoDB adds an
index for a foreign key that no index starts with; PostgreSQL does not).

The connector reads and writes through these Table objects; it never creates them (only the demo
does). Columns the console never reads (pass, pass_crypted, pass_temp, api_key, ...) are declared
so the demo builds the whole table, and so a test can compare whole rows before and after a write.
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    event,
    text,
)
from sqlalchemy.dialects import mysql

PREFIX = "llx_"

# tinyint on MariaDB, smallint on PostgreSQL (Dolibarr's conversion).
TinyInt = SmallInteger().with_variant(mysql.TINYINT(), "mysql", "mariadb")
# datetime on MariaDB (second precision), timestamp without time zone on PostgreSQL.
DateTimeCol = DateTime().with_variant(mysql.DATETIME(), "mysql", "mariadb")
# double(24,8) on MariaDB, numeric(24,8) on PostgreSQL.
Double24 = Numeric(24, 8).with_variant(mysql.DOUBLE(precision=24, scale=8), "mysql", "mariadb")
Double16 = Numeric(16, 8).with_variant(mysql.DOUBLE(precision=16, scale=8), "mysql", "mariadb")
Tms = DateTime().with_variant(mysql.TIMESTAMP(), "mysql", "mariadb")

metadata = MetaData()


def _tms() -> Column:
    """`tms timestamp DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP` (MariaDB); on
    PostgreSQL `timestamp without time zone DEFAULT now() NOT NULL` (set by `_tms_not_null`)."""
    return Column(
        "tms",
        Tms,
        server_default=text("CURRENT_TIMESTAMP"),
        nullable=True,
    )


llx_user = Table(
    "llx_user",
    metadata,
    Column("rowid", Integer, primary_key=True, autoincrement=True),
    Column("entity", Integer, nullable=False, server_default=text("1")),
    Column("ref_ext", String(50)),
    Column("ref_int", String(50)),
    Column("admin", SmallInteger, server_default=text("0")),
    Column("employee", TinyInt, server_default=text("1")),
    Column("fk_establishment", Integer, server_default=text("0")),
    Column("datec", DateTimeCol),
    _tms(),
    Column("fk_user_creat", Integer),
    Column("fk_user_modif", Integer),
    Column("login", String(50), nullable=False),
    Column("pass_encoding", String(24)),
    Column("pass", String(128)),
    Column("pass_crypted", String(128)),
    Column("pass_temp", String(128)),
    Column("api_key", String(128)),
    Column("gender", String(10)),
    Column("civility", String(6)),
    Column("lastname", String(50)),
    Column("firstname", String(50)),
    Column("address", String(255)),
    Column("zip", String(25)),
    Column("town", String(50)),
    Column("fk_state", Integer, server_default=text("0")),
    Column("fk_country", Integer, server_default=text("0")),
    Column("birth", Date),
    Column("job", String(128)),
    Column("office_phone", String(20)),
    Column("office_fax", String(20)),
    Column("user_mobile", String(20)),
    Column("personal_mobile", String(20)),
    Column("email", String(255)),
    Column("personal_email", String(255)),
    Column("signature", Text),
    Column("socialnetworks", Text),
    Column("fk_soc", Integer),
    Column("fk_socpeople", Integer),
    Column("fk_member", Integer),
    Column("fk_user", Integer),
    Column("fk_user_expense_validator", Integer),
    Column("fk_user_holiday_validator", Integer),
    Column("idpers1", String(128)),
    Column("idpers2", String(128)),
    Column("idpers3", String(128)),
    Column("note_public", Text),
    Column("note", Text),
    Column("model_pdf", String(255)),
    Column("datelastlogin", DateTimeCol),
    Column("datepreviouslogin", DateTimeCol),
    Column("datelastpassvalidation", DateTimeCol),
    Column("datestartvalidity", DateTimeCol),
    Column("dateendvalidity", DateTimeCol),
    Column("iplastlogin", String(250)),
    Column("ippreviouslogin", String(250)),
    Column("egroupware_id", Integer),
    Column("ldap_sid", String(255)),
    Column("openid", String(255)),
    Column("statut", TinyInt, server_default=text("1")),
    Column("photo", String(255)),
    Column("lang", String(6)),
    Column("color", String(6)),
    Column("barcode", String(255)),
    Column("fk_barcode_type", Integer, server_default=text("0")),
    Column("accountancy_code", String(32)),
    Column("nb_holiday", Integer, server_default=text("0")),
    Column("thm", Double24),
    Column("tjm", Double24),
    Column("salary", Double24),
    Column("salaryextra", Double24),
    Column("dateemployment", Date),
    Column("dateemploymentend", Date),
    Column("weeklyhours", Double16),
    Column("import_key", String(14)),
    Column("default_range", Integer),
    Column("default_c_exp_tax_cat", Integer),
    Column("fk_warehouse", Integer),
    # llx_user.key.sql
    Index("uk_user_login", "login", "entity", unique=True),
    Index("idx_user_fk_societe", "fk_soc"),
    Index("uk_user_fk_socpeople", "fk_socpeople", unique=True),
    Index("uk_user_fk_member", "fk_member", unique=True),
    Index("uk_user_api_key", "api_key", unique=True),
)

llx_usergroup = Table(
    "llx_usergroup",
    metadata,
    Column("rowid", Integer, primary_key=True, autoincrement=True),
    Column("nom", String(180), nullable=False),
    Column("entity", Integer, nullable=False, server_default=text("1")),
    Column("datec", DateTimeCol),
    _tms(),
    Column("note", Text),
    Column("model_pdf", String(255)),
    Index("uk_usergroup_name", "nom", "entity", unique=True),
)

llx_usergroup_user = Table(
    "llx_usergroup_user",
    metadata,
    Column("rowid", Integer, primary_key=True, autoincrement=True),
    Column("entity", Integer, nullable=False, server_default=text("1")),
    Column("fk_user", Integer, nullable=False),
    Column("fk_usergroup", Integer, nullable=False),
    Index("uk_usergroup_user", "entity", "fk_user", "fk_usergroup", unique=True),
)

llx_rights_def = Table(
    "llx_rights_def",
    metadata,
    Column("id", Integer, nullable=False, autoincrement=False),
    Column("entity", Integer, nullable=False, server_default=text("1")),
    Column("libelle", String(255)),
    Column("module", String(64)),
    Column("module_origin", String(64)),
    Column("module_position", Integer, nullable=False, server_default=text("0")),
    Column("family_position", Integer, nullable=False, server_default=text("0")),
    Column("perms", String(50)),
    Column("subperms", String(50)),
    Column("type", String(1)),
    Column("bydefault", TinyInt, server_default=text("0")),
    Column("enabled", Text),
    PrimaryKeyConstraint("id", "entity", name="pk_rights_def"),
)

llx_user_rights = Table(
    "llx_user_rights",
    metadata,
    Column("rowid", Integer, primary_key=True, autoincrement=True),
    Column("entity", Integer, nullable=False, server_default=text("1")),
    Column("fk_user", Integer, nullable=False),
    Column("fk_id", Integer, nullable=False),
    Index("uk_user_rights", "entity", "fk_user", "fk_id", unique=True),
)

llx_usergroup_rights = Table(
    "llx_usergroup_rights",
    metadata,
    Column("rowid", Integer, primary_key=True, autoincrement=True),
    Column("entity", Integer, nullable=False, server_default=text("1")),
    Column("fk_usergroup", Integer, nullable=False),
    Column("fk_id", Integer, nullable=False),
    Index("uk_usergroup_rights", "entity", "fk_usergroup", "fk_id", unique=True),
)

llx_const = Table(
    "llx_const",
    metadata,
    Column("rowid", Integer, primary_key=True, autoincrement=True),
    Column("name", String(180), nullable=False),
    Column("entity", Integer, nullable=False, server_default=text("1")),
    Column("value", Text, nullable=False),
    Column("type", String(64), server_default=text("'string'")),
    Column("visible", TinyInt, nullable=False, server_default=text("1")),
    Column("note", Text),
    _tms(),
    Index("uk_const", "name", "entity", unique=True),
)

TABLES = (
    llx_user,
    llx_usergroup,
    llx_usergroup_user,
    llx_rights_def,
    llx_user_rights,
    llx_usergroup_rights,
    llx_const,
)


def _tms_dialect_ddl(table: Table) -> None:
    """MariaDB: `ON UPDATE CURRENT_TIMESTAMP`; PostgreSQL: `DEFAULT now() NOT NULL`."""
    event.listen(
        table,
        "after_create",
        DDL(
            f"ALTER TABLE {table.name} MODIFY tms timestamp NULL "
            "DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"
        ).execute_if(dialect=("mysql", "mariadb")),
    )
    event.listen(
        table,
        "after_create",
        DDL(
            f"ALTER TABLE {table.name} ALTER COLUMN tms SET DEFAULT now(), "
            "ALTER COLUMN tms SET NOT NULL"
        ).execute_if(dialect="postgresql"),
    )


for _table in (llx_user, llx_usergroup, llx_const):
    _tms_dialect_ddl(_table)

# Foreign keys as the .key.sql files add them after the tables; PostgreSQL gets Dolibarr's
# `DEFERRABLE INITIALLY IMMEDIATE`, which MariaDB does not parse.
FOREIGN_KEYS = (
    (llx_usergroup_user, "fk_usergroup_user_fk_user", "fk_user", "llx_user"),
    (llx_usergroup_user, "fk_usergroup_user_fk_usergroup", "fk_usergroup", "llx_usergroup"),
    (llx_user_rights, "fk_user_rights_fk_user_user", "fk_user", "llx_user"),
    (llx_usergroup_rights, "fk_usergroup_rights_fk_usergroup", "fk_usergroup", "llx_usergroup"),
)
for _table, _name, _column, _parent in FOREIGN_KEYS:
    _add = f"ALTER TABLE {_table.name} ADD CONSTRAINT {_name} FOREIGN KEY ({_column}) REFERENCES {_parent} (rowid)"
    event.listen(_table, "after_create", DDL(_add).execute_if(dialect=("mysql", "mariadb")))
    event.listen(
        _table,
        "after_create",
        DDL(_add + " DEFERRABLE INITIALLY IMMEDIATE").execute_if(dialect="postgresql"),
    )


def create(connection) -> None:
    """Create the tables (the demo only: the connector never runs DDL on an ERP database)."""
    metadata.create_all(connection)

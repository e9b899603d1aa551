"""The Frappe (ERPNext 14/15) tables the ERPNext connector reads and writes, as Frappe creates them
on MariaDB.

Sources, all from the published frappe/frappe repository:
- `frappe/database/mariadb/framework_mariadb.sql`: the tables installed before any DocType
  exists (`tabDocType`, `tabDocPerm`, `tabDefaultValue`), column for column; Frappe's DocType sync
  later adds the DocType JSON's fields those statements lack (DocPerm `if_owner`, `select`) with
  ALTER TABLE ADD COLUMN, and no index;
- `frappe/database/mariadb/schema.py` (`MariaDBTable.create`, v14/v15): every other table is
  `name varchar(140) primary key`, `creation`/`modified datetime(6)`, `modified_by`/`owner
  varchar(140)`, `docstatus int(1)`, `idx int(8)`, the DocType's fields, then (child tables only)
  `parent`/`parentfield`/`parenttype varchar(140)` with `index parent(parent)`, and always
  `index modified(modified)`; InnoDB, ROW_FORMAT=DYNAMIC, utf8mb4_unicode_ci. A `unique` field is
  a column-level UNIQUE (index named after the column), a `search_index` field gets
  ``index `f`(`f`)``, and a non-child DocType also gets the optional Text columns `_user_tags`,
  `_comments`, `_assign`, `_liked_by`;
- the DocType JSON of each table (`frappe/core/doctype/<name>/<name>.json`): User, Has Role,
  Role, Custom DocPerm, User Permission, Role Profile, Installed Application; field types map as
  Frappe's MariaDB type map does (Check int(1), Int int(11), Data/Link/Select/Read Only
  varchar(140), Small Text/Text/Password/Attach Image text, Code longtext, Date date, Datetime
  datetime(6)).

Only the indexes Frappe itself creates are declared: the connector adds none to an ERP database.
`__Auth` (where Frappe keeps passwords) is deliberately absent: the console never reads it.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, MetaData, Table, text
from sqlalchemy.dialects.mysql import DATE, DATETIME, INTEGER, LONGTEXT, TEXT, VARCHAR

metadata = MetaData()

VARCHAR_LEN = 140
TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_row_format": "DYNAMIC",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}
OPTIONAL_COLUMNS = ("_user_tags", "_comments", "_assign", "_liked_by")

_VARCHAR_TYPES = ("Data", "Link", "Dynamic Link", "Select", "Read Only")
_TEXT_TYPES = ("Small Text", "Text", "Password", "Attach Image")


def _field(fieldname: str, fieldtype: str, default: str | None = None, *, unique: bool = False):
    """One DocType field as Frappe's MariaDB column definition makes it."""
    if fieldtype == "Check":
        return Column(
            fieldname,
            INTEGER(display_width=1),
            nullable=False,
            server_default=text(default or "0"),
        )
    if fieldtype == "Int":
        return Column(
            fieldname,
            INTEGER(display_width=11),
            nullable=False,
            server_default=text(default or "0"),
        )
    if fieldtype in _VARCHAR_TYPES:
        return Column(
            fieldname,
            VARCHAR(VARCHAR_LEN),
            unique=unique or None,
            server_default=default,
        )
    if fieldtype in _TEXT_TYPES:
        return Column(fieldname, TEXT)
    if fieldtype == "Code":
        return Column(fieldname, LONGTEXT)
    if fieldtype == "Date":
        return Column(fieldname, DATE)
    if fieldtype == "Datetime":
        return Column(fieldname, DATETIME(fsp=6))
    raise ValueError(f"no column for field type {fieldtype}")


def _standard_columns(name_len: int = VARCHAR_LEN) -> list[Column]:
    return [
        Column("name", VARCHAR(name_len), primary_key=True),
        Column("creation", DATETIME(fsp=6)),
        Column("modified", DATETIME(fsp=6)),
        Column("modified_by", VARCHAR(name_len)),
        Column("owner", VARCHAR(name_len)),
        Column("docstatus", INTEGER(display_width=1), nullable=False, server_default=text("0")),
        Column("idx", INTEGER(display_width=8), nullable=False, server_default=text("0")),
    ]


def _doctype_table(
    doctype: str, fields: list[Column], *, child: bool = False, search_index: tuple[str, ...] = ()
) -> Table:
    """A table as `MariaDBTable.create` makes it for a DocType (v14/v15)."""
    columns = _standard_columns() + fields
    indexes = [Index(f, f) for f in search_index]
    if child:
        columns += [
            Column("parent", VARCHAR(VARCHAR_LEN)),
            Column("parentfield", VARCHAR(VARCHAR_LEN)),
            Column("parenttype", VARCHAR(VARCHAR_LEN)),
        ]
        indexes.append(Index("parent", "parent"))
    else:
        columns += [Column(c, TEXT) for c in OPTIONAL_COLUMNS]
    indexes.append(Index("modified", "modified"))
    return Table(f"tab{doctype}", metadata, *columns, *indexes, **TABLE_OPTIONS)


# --- framework tables (framework_mariadb.sql) ------------------------------------------------


def _v255(name: str) -> Column:
    return Column(name, VARCHAR(255))


def _flag(name: str, default: str) -> Column:
    return Column(name, INTEGER(display_width=1), nullable=False, server_default=text(default))


DocType = Table(
    "tabDocType",
    metadata,
    *_standard_columns(255),
    _v255("search_fields"),
    _flag("issingle", "0"),
    _flag("is_tree", "0"),
    _flag("istable", "0"),
    _flag("editable_grid", "1"),
    _flag("track_changes", "0"),
    _v255("module"),
    _v255("restrict_to_domain"),
    _v255("app"),
    _v255("autoname"),
    Column("naming_rule", VARCHAR(40)),
    _v255("title_field"),
    _v255("image_field"),
    _v255("timeline_field"),
    _v255("sort_field"),
    _v255("sort_order"),
    Column("description", TEXT),
    _v255("colour"),
    _flag("read_only", "0"),
    _flag("in_create", "0"),
    Column("menu_index", INTEGER(display_width=11)),
    _v255("parent_node"),
    _v255("smallicon"),
    _flag("allow_copy", "0"),
    _flag("allow_rename", "0"),
    _flag("allow_import", "0"),
    _flag("hide_toolbar", "0"),
    _flag("track_seen", "0"),
    Column("max_attachments", INTEGER(display_width=11), nullable=False, server_default=text("0")),
    _v255("print_outline"),
    _v255("document_type"),
    _v255("icon"),
    _v255("color"),
    _v255("tag_fields"),
    _v255("subject"),
    Column("_last_update", VARCHAR(32)),
    Column("engine", VARCHAR(20), server_default="InnoDB"),
    _v255("default_print_format"),
    _flag("is_submittable", "0"),
    _flag("show_name_in_global_search", "0"),
    _v255("_user_tags"),
    _flag("custom", "0"),
    _flag("beta", "0"),
    _flag("has_web_view", "0"),
    _flag("allow_guest_to_view", "0"),
    _v255("route"),
    _v255("is_published_field"),
    _v255("website_search_field"),
    _flag("email_append_to", "0"),
    _v255("subject_field"),
    _v255("sender_field"),
    _flag("show_title_field_in_link", "0"),
    _v255("migration_hash"),
    _flag("translated_doctype", "0"),
    **TABLE_OPTIONS,
)

RIGHTS = (
    "select",
    "read",
    "write",
    "create",
    "delete",
    "submit",
    "cancel",
    "amend",
    "report",
    "export",
    "import",
    "share",
    "print",
    "email",
)

DocPerm = Table(
    "tabDocPerm",
    metadata,
    *_standard_columns(255),
    _v255("parent"),
    _v255("parentfield"),
    _v255("parenttype"),
    Column("permlevel", INTEGER(display_width=11), server_default=text("'0'")),
    _v255("role"),
    _v255("match"),
    _flag("read", "1"),
    _flag("write", "1"),
    _flag("create", "1"),
    _flag("submit", "0"),
    _flag("cancel", "0"),
    _flag("delete", "1"),
    _flag("amend", "0"),
    _flag("report", "1"),
    _flag("export", "1"),
    _flag("import", "0"),
    _flag("share", "1"),
    _flag("print", "1"),
    _flag("email", "1"),
    # added by the DocType sync from docperm.json
    _flag("if_owner", "0"),
    _flag("select", "0"),
    Index("parent", "parent"),
    **TABLE_OPTIONS,
)

DefaultValue = Table(
    "tabDefaultValue",
    metadata,
    *_standard_columns(255),
    _v255("parent"),
    _v255("parentfield"),
    _v255("parenttype"),
    Column("defvalue", TEXT),
    _v255("defkey"),
    Index("parent", "parent"),
    Index("defaultvalue_parent_defkey_index", "parent", "defkey"),
    # DefaultValue's on_doctype_update adds this one on every migrate
    Index("defaultvalue_parent_parenttype_index", "parent", "parenttype"),
    **TABLE_OPTIONS,
)

# --- DocType tables (MariaDBTable.create from each DocType's JSON) -----------------------------

User = _doctype_table(
    "User",
    [
        _field("enabled", "Check", "1"),
        _field("email", "Data"),
        _field("first_name", "Data"),
        _field("middle_name", "Data"),
        _field("last_name", "Data"),
        _field("full_name", "Data"),
        _field("username", "Data", unique=True),
        _field("language", "Link"),
        _field("time_zone", "Select"),
        _field("send_welcome_email", "Check", "1"),
        _field("unsubscribed", "Check", "0"),
        _field("user_image", "Attach Image"),
        _field("role_profile_name", "Link"),
        _field("gender", "Link"),
        _field("birth_date", "Date"),
        _field("interest", "Small Text"),
        _field("banner_image", "Attach Image"),
        _field("desk_theme", "Select"),
        _field("phone", "Data"),
        _field("location", "Data"),
        _field("bio", "Small Text"),
        _field("mute_sounds", "Check", "0"),
        _field("mobile_no", "Data", unique=True),
        _field("new_password", "Password"),
        _field("logout_all_sessions", "Check", "1"),
        _field("reset_password_key", "Data"),
        _field("last_password_reset_date", "Date"),
        _field("redirect_url", "Small Text"),
        _field("document_follow_notify", "Check", "0"),
        _field("document_follow_frequency", "Select", "Daily"),
        _field("email_signature", "Small Text"),
        _field("thread_notify", "Check", "1"),
        _field("send_me_a_copy", "Check", "0"),
        _field("allowed_in_mentions", "Check", "1"),
        _field("module_profile", "Link"),
        _field("home_settings", "Code"),
        _field("simultaneous_sessions", "Int", "1"),
        _field("restrict_ip", "Data"),
        _field("last_ip", "Read Only"),
        _field("login_after", "Int"),
        _field("user_type", "Link", "System User"),
        _field("last_active", "Datetime"),
        _field("login_before", "Int"),
        _field("bypass_restrict_ip_check_if_2fa_enabled", "Check", "0"),
        _field("last_login", "Read Only"),
        _field("last_known_versions", "Text"),
        _field("api_key", "Data", unique=True),
        _field("api_secret", "Password"),
    ],
)

HasRole = _doctype_table("Has Role", [_field("role", "Link")], child=True)

Role = _doctype_table(
    "Role",
    [
        _field("role_name", "Data", unique=True),
        _field("home_page", "Data"),
        _field("restrict_to_domain", "Link"),
        _field("disabled", "Check", "0"),
        _field("is_custom", "Check", "0"),
        _field("desk_access", "Check", "1"),
        _field("two_factor_auth", "Check", "0"),
        _field("search_bar", "Check", "1"),
        _field("notifications", "Check", "1"),
        _field("list_sidebar", "Check", "1"),
        _field("bulk_actions", "Check", "1"),
        _field("view_switcher", "Check", "1"),
        _field("form_sidebar", "Check", "1"),
        _field("timeline", "Check", "1"),
        _field("dashboard", "Check", "1"),
    ],
)

CustomDocPerm = _doctype_table(
    "Custom DocPerm",
    [
        _field("parent", "Data"),  # "Reference Document Type": a plain field, not a child link
        _field("role", "Link"),
        _field("if_owner", "Check", "0"),
        _field("permlevel", "Int", "0"),
        _field("select", "Check", "0"),
        _field("read", "Check", "1"),
        _field("write", "Check", "0"),
        _field("create", "Check", "0"),
        _field("delete", "Check", "0"),
        _field("submit", "Check", "0"),
        _field("cancel", "Check", "0"),
        _field("amend", "Check", "0"),
        _field("report", "Check", "0"),
        _field("export", "Check", "1"),
        _field("import", "Check", "0"),
        _field("set_user_permissions", "Check", "0"),
        _field("share", "Check", "0"),
        _field("print", "Check", "0"),
        _field("email", "Check", "0"),
    ],
)

UserPermission = _doctype_table(
    "User Permission",
    [
        _field("user", "Link"),
        _field("allow", "Link"),
        _field("for_value", "Dynamic Link"),
        _field("is_default", "Check", "0"),
        _field("apply_to_all_doctypes", "Check", "1"),
        _field("applicable_for", "Link"),
        _field("hide_descendants", "Check", "0"),
    ],
)

RoleProfile = _doctype_table("Role Profile", [_field("role_profile", "Data", unique=True)])

InstalledApplication = _doctype_table(
    "Installed Application",
    [
        _field("app_name", "Data"),
        _field("app_version", "Data"),
        _field("git_branch", "Data"),
        _field("has_setup_wizard", "Check", "0"),
        _field("is_setup_complete", "Check", "0"),
    ],
    child=True,
)

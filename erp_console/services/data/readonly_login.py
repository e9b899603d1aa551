"""A database login that can only read, and a check whether the current login could write.

`--read-only` on PostgreSQL and MariaDB is a session default that the session itself can undo
(`SET TRANSACTION READ WRITE`); only the login's privileges make read-only hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

from erp_console.db.engine import Database
from erp_console.errors import ValidationError
from erp_console.services.core import audit

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
WRITE_PRIVILEGES = {
    "ALL PRIVILEGES",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "ALTER",
    "INDEX",
    "CREATE VIEW",
    "CREATE ROUTINE",
    "ALTER ROUTINE",
    "EXECUTE",
    "TRIGGER",
    "EVENT",
    "LOCK TABLES",
    "REFERENCES",
    "DELETE HISTORY",
    "SUPER",
}


@dataclass(frozen=True)
class ReadonlyLogin:
    name: str
    statements: tuple[str, ...]
    created: bool
    audit_id: int | None = None


def _check(db: Database, name: str) -> None:
    if not NAME.fullmatch(name):
        raise ValidationError(
            "use a letter or '_' then up to 62 letters, digits or '_'", field="NAME"
        )
    if db.dialect == "sqlite":
        raise ValidationError(
            "SQLite has no logins: --read-only opens the file mode=ro, or make the file "
            "read-only for the OS user who runs the console",
            field="NAME",
        )


def readonly_login_sql(db: Database, name: str, host: str = "%") -> list[str]:
    """The statements that create NAME with SELECT on this database only (no password in them)."""
    _check(db, name)
    quote = db.engine.dialect.identifier_preparer.quote
    database = db.url.database or ""
    if db.dialect == "postgresql":
        role = quote(name)
        return [
            f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT",
            f"ALTER ROLE {role} SET default_transaction_read_only = on",
            f"GRANT CONNECT ON DATABASE {quote(database)} TO {role}",
            f"GRANT USAGE ON SCHEMA public TO {role}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {role}",
        ]
    account = f"'{name}'@'{host}'"
    return [
        f"CREATE USER IF NOT EXISTS {account}",
        f"GRANT SELECT ON {quote(database)}.* TO {account}",
    ]


def _exists(conn: Connection, db: Database, name: str, host: str) -> bool:
    if db.dialect == "postgresql":
        query = text("SELECT 1 FROM pg_roles WHERE rolname = :name")
        return conn.execute(query, {"name": name}).first() is not None
    query = text("SELECT 1 FROM mysql.user WHERE User = :name AND Host = :host")
    return conn.execute(query, {"name": name, "host": host}).first() is not None


def create_readonly_login(
    db: Database, name: str, *, actor: str, password: str | None = None, host: str = "%"
) -> ReadonlyLogin:
    """Create (or complete) NAME with SELECT only, with one audit entry; the password, if any,
    goes to the server as a bound parameter and nowhere else."""
    statements = readonly_login_sql(db, name, host)
    if not re.fullmatch(r"[A-Za-z0-9_.%:-]{1,60}", host):
        raise ValidationError("a host name, an address or '%'", field="--host")
    with db.begin() as session:
        conn = session.connection()
        created = not _exists(conn, db, name, host)
        for statement in statements:
            if statement.startswith("CREATE ROLE") and not created:
                continue
            conn.execute(text(statement))
        if password is not None:
            if db.dialect == "postgresql":
                role = db.engine.dialect.identifier_preparer.quote(name)
                conn.execute(text(f"ALTER ROLE {role} PASSWORD :pw"), {"pw": password})
            else:
                conn.execute(
                    text(f"ALTER USER '{name}'@'{host}' IDENTIFIED BY :pw"), {"pw": password}
                )
        entry = audit.append_entry(
            session,
            actor=actor,
            action="db.readonly_login",
            target_type="login",
            target_label=name,
            after={"created": created, "password_set": password is not None, "select_only": True},
        )
    return ReadonlyLogin(name, tuple(statements), created, entry.id)


def login_write_access(conn: Connection, dialect: str) -> list[str]:
    """What the connected login may change (empty when it can only read)."""
    if dialect == "postgresql":
        return _postgres_write_access(conn)
    if dialect == "mysql":
        return _mysql_write_access(conn)
    return []


def _postgres_write_access(conn: Connection) -> list[str]:
    found = []
    if conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
        found.append("superuser")
    writable = conn.execute(
        text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND "
            "has_table_privilege(format('%I.%I', schemaname, tablename), "
            "'INSERT, UPDATE, DELETE, TRUNCATE')"
        )
    ).scalar_one()
    if writable:
        found.append(f"INSERT/UPDATE/DELETE on {writable} table(s)")
    if conn.execute(text("SELECT has_database_privilege(current_database(), 'CREATE')")).scalar():
        found.append("CREATE in the database")
    return found


_GRANT = re.compile(r"GRANT (.+?) ON (\S+) TO ", re.IGNORECASE)


def _mysql_write_access(conn: Connection) -> list[str]:
    database = conn.execute(text("SELECT DATABASE()")).scalar_one()
    found = []
    for (line,) in conn.execute(text("SHOW GRANTS FOR CURRENT_USER()")):
        match = _GRANT.match(line)
        if not match:
            continue
        privileges = {p.strip().upper() for p in match.group(1).split(",")}
        target = match.group(2).replace("`", "")
        scope = target.split(".", 1)[0]
        if scope not in ("*", database):
            continue
        writes = sorted(privileges & WRITE_PRIVILEGES)
        if writes:
            found.append(f"{', '.join(writes)} on {target}")
    return found

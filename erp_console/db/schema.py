"""Create or upgrade the schema with the Alembic migrations shipped in the package."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from erp_console.db.engine import Database, describe_connection_error
from erp_console.db.models import OWNED_TABLES
from erp_console.errors import ValidationError

SCRIPT_LOCATION = "erp_console.db:migrations"
# The newest migration's revision id. Kept here so checking a database at start-up needs no Alembic
# import; tests/test_schema.py proves it equals Alembic's head.
HEAD_REVISION = "0003"


@dataclass(frozen=True)
class InitResult:
    before: str | None
    after: str
    created_database: bool
    foreign_tables: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.before != self.after or self.created_database


def _alembic_config(connection: Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    return HEAD_REVISION


def alembic_head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return ScriptDirectory.from_config(cfg).get_current_head() or ""


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def is_owned(table: str) -> bool:
    return table in OWNED_TABLES or table.startswith("system_log_fts")


def foreign_tables(connection: Connection) -> tuple[str, ...]:
    return tuple(sorted(t for t in inspect(connection).get_table_names() if not is_owned(t)))


def init_schema(db: Database, force: bool = False) -> InitResult:
    """Create or upgrade to the latest migration; idempotent; refuses a foreign database."""
    from alembic import command

    with db.engine.connect() as conn:
        before = current_revision(conn)
        foreign = foreign_tables(conn)
    if foreign and before is None and not force:
        shown = ", ".join(foreign[:8]) + (" …" if len(foreign) > 8 else "")
        raise ValidationError(
            f"database {db.masked_url} already holds {len(foreign)} table(s) erp-console does not own "
            f"({shown}); nothing was changed. Use an empty database, or pass --force to add the "
            "erp-console tables beside them"
        )
    with db.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
    with db.engine.connect() as conn:
        after = current_revision(conn) or ""
    return InitResult(before, after, False, foreign)


def ensure_server_database(url: URL) -> bool:
    """Create the database named in a server URL when it is missing; True when created."""
    backend = url.get_backend_name()
    if backend == "sqlite" or not url.database:
        return False
    admin_db = "postgres" if backend == "postgresql" else None
    admin_url = URL.create(
        url.drivername, url.username, url.password, url.host, url.port, admin_db, url.query
    )
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if backend == "postgresql":
                exists = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
                ).scalar()
            else:
                exists = conn.execute(
                    text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :name"),
                    {"name": url.database},
                ).scalar()
            if exists:
                return False
            quoted = admin.dialect.identifier_preparer.quote(url.database)
            suffix = (
                ""
                if backend == "postgresql"
                else " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
            conn.execute(text(f"CREATE DATABASE {quoted}{suffix}"))
            return True
    except DBAPIError as exc:
        raise describe_connection_error(url, exc) from None
    finally:
        admin.dispose()


def check_schema(db: Database) -> None:
    """Refuse a database without the erp-console schema or at another revision, naming the fix."""
    with db.engine.connect() as conn:
        revision = current_revision(conn)
    if revision is None:
        raise ValidationError(
            f"{db.masked_url} holds no erp-console schema; run `erp-console init` "
            "(or `erp-console --demo` for a demo database)"
        )
    if revision != HEAD_REVISION:
        raise ValidationError(
            f"{db.masked_url} is at schema revision {revision}, this erp-console needs "
            f"{HEAD_REVISION}; run `erp-console init` to upgrade"
        )

"""What every command shares: the resolved target, the open database and the operator."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

import click


def os_login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class CliContext:
    url: str | None = None
    profile: str | None = None
    read_only: bool = False
    operator: str = field(default_factory=os_login)
    fmt: str = "table"
    _db: object | None = None
    _target: object | None = None

    @property
    def target(self):
        if self._target is None:
            from erp_console.config import resolve_target

            self._target = opened_as_snapshot(
                resolve_target(self.url, self.profile, self.read_only)
            )
        return self._target

    def database(self, *, require_schema: bool = True):
        """Connect (once) and check the schema is there, with a fix-it message if not."""
        if self._db is None:
            from erp_console.db.engine import connect

            self._db = connect(self.target.url, read_only=self.target.read_only)
        if require_schema:
            ensure_schema(self._db)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


def opened_as_snapshot(target):
    """A snapshot file (`erp-console snapshot`) opens read-only by default."""
    if target.read_only or not target.url.startswith("sqlite"):
        return target
    from dataclasses import replace

    from erp_console.snapshot_info import snapshot_info

    path = target.url.split(":///", 1)[-1].split("?", 1)[0]
    if path and snapshot_info(path) is not None:
        return replace(target, read_only=True, source=f"{target.source} (snapshot)")
    return target


def ensure_schema(db) -> None:
    from erp_console.db.schema import check_schema

    check_schema(db)


def get_context() -> CliContext:
    return click.get_current_context().find_object(CliContext)


pass_cli = click.make_pass_decorator(CliContext)

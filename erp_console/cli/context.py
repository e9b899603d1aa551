"""What every command shares: the resolved target, the open session (store, identity backend,
target) and the operator."""

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
    erp: str | None = None
    store: str | None = None
    allow_writes: bool = False
    _session: object | None = None
    _console_db: object | None = None
    _target: object | None = None

    @property
    def target(self):
        if self._target is None:
            from erp_console.config import resolve_target

            self._target = opened_as_snapshot(
                resolve_target(
                    self.url,
                    self.profile,
                    self.read_only,
                    erp=self.erp,
                    store=self.store,
                    allow_writes=self.allow_writes,
                )
            )
        return self._target

    def session(self):
        """Open (once) the store, the identity backend and the target; see erp_console.session."""
        if self._session is None:
            from erp_console.session import open_session

            self._session = open_session(self.target)
        return self._session

    @property
    def opened(self):
        """The session if a command opened one, else None."""
        return self._session

    def identity(self):
        """The users, roles and permissions of the target (native schema or ERP)."""
        return self.session().identity

    def database(self, *, require_schema: bool = True, create: bool = False):
        """The console store. Without `require_schema`, the database that holds (or will hold)
        the console's tables, not checked (init, demo, health, restore).

        Only `create=True` (init, demo, restore, the console) may create a missing SQLite file.
        """
        if require_schema:
            return self.session().store
        if self._console_db is None:
            from erp_console.session import open_console_database

            self._console_db = open_console_database(self.target, create=create)
        return self._console_db

    @property
    def error_url(self):
        """The URL a driver error is described against (no password is ever shown)."""
        if self._session is not None:
            return self._session.target.url
        return self._console_db.url if self._console_db is not None else None

    def close(self) -> None:
        if self._session is not None:
            self._session.dispose()
            self._session = None
        if self._console_db is not None:
            self._console_db.dispose()
            self._console_db = None


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


def get_context() -> CliContext:
    return click.get_current_context().find_object(CliContext)


pass_cli = click.make_pass_decorator(CliContext)

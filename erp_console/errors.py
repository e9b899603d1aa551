"""Domain errors shared by services, the CLI and the TUI."""

from __future__ import annotations


class ErpConsoleError(Exception):
    """Base class; `exit_code` is what the CLI returns for it (docs/ARCHITECTURE.md §3)."""

    exit_code = 1


class ValidationError(ErpConsoleError):
    """Bad input. Knows where: a field, or a file row and column."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        row: int | None = None,
        column: str | None = None,
        source: str | None = None,
        problems: list[str] | None = None,
    ) -> None:
        self.message = message
        self.field = field
        self.row = row
        self.column = column
        self.source = source
        self.problems = problems or []
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.row is not None:
            where.append(str(self.row))
        if self.column:
            where.append(self.column)
        if where:
            return f"{':'.join(where)}: {self.message}"
        if self.field:
            return f"{self.field}: {self.message}"
        return self.message


class NotFound(ErpConsoleError):
    pass


class Conflict(ErpConsoleError):
    """A stale edit or a competing change; nothing was overwritten."""

    exit_code = 4


class ReadOnlyError(ErpConsoleError):
    pass


class StatementTimeout(ErpConsoleError):
    """A statement ran past the session's statement timeout and was cancelled."""


class ConnectionProblem(ErpConsoleError):
    exit_code = 3


class ConfigError(ErpConsoleError):
    exit_code = 2

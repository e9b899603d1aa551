"""A database connection opened in the background while the console paints its first frame.

The app can show its shell at once; what only the live connection knows (engine, sessions)
waits for it. The URL, dialect and read-only flag are known up front from the target.
"""

from __future__ import annotations

import threading
from typing import Any

from erp_console.config import Target


class PendingDatabase:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.read_only = target.read_only
        self.masked_url = target.masked
        self.dialect = target.url.split(":", 1)[0].split("+", 1)[0].replace("mariadb", "mysql")
        self._ready = threading.Event()
        self._database = None
        self._error: BaseException | None = None
        self._started = False

    def start(self) -> PendingDatabase:
        if self._started:
            return self
        self._started = True
        threading.Thread(target=self._open, name="erp-console-connect", daemon=True).start()
        return self

    def _open(self) -> None:
        try:
            from erp_console.db.engine import connect
            from erp_console.db.schema import check_schema

            database = connect(self.target.url, read_only=self.target.read_only)
            check_schema(database)
            self._database = database
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the connection
            self._error = exc
        finally:
            self._ready.set()

    def wait(self, timeout: float | None = None):
        """The open Database; raises the connection's error if opening it failed."""
        if not self._ready.wait(timeout):
            raise TimeoutError("the database connection is still being opened")
        if self._error is not None:
            raise self._error
        return self._database

    @property
    def failed(self) -> BaseException | None:
        return self._error if self._ready.is_set() else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wait(), name)

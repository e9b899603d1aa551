"""A read begun on a thread before the widgets that show it exist.

A screen is made when its key is pressed, and building its widgets takes longer than reading its
first rows. Started as the screen is made, the read is usually done when the widgets mount, so
they show the rows in the screen's first frame instead of an empty frame and a second one.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any


def wait_all(reads: Iterable[EarlyRead], timeout: float) -> None:
    """Wait until every read has ended, for at most `timeout` seconds in all."""
    deadline = time.monotonic() + timeout
    for read in reads:
        if not read.wait(max(0.0, deadline - time.monotonic())):
            return


class EarlyRead:
    """`fn(*args, **kwargs)` on a thread of its own, started now."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None
        name = f"early-{getattr(fn, '__name__', 'read')}"
        # In the maker's context (Textual's active app is a context variable), as a worker is.
        context = contextvars.copy_context()
        threading.Thread(target=context.run, args=(self._read,), name=name, daemon=True).start()

    def _read(self) -> None:
        try:
            self._value = self._fn(*self._args, **self._kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever takes the result
            self._error = exc
        finally:
            self._done.set()

    def wait(self, timeout: float) -> bool:
        """Wait at most `timeout` seconds for the read to end; whether it has."""
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def succeeded(self) -> bool:
        """Done, without an error: `value` answers at once."""
        return self.done and self._error is None

    @property
    def value(self) -> Any:
        if not self.succeeded:
            raise RuntimeError("the early read has no value (not done, or it failed)")
        return self._value

    def get(self) -> Any:
        """The result, waiting for the read. A read that failed is made again here (on the
        caller's thread), so a retry after a dropped connection reads afresh."""
        self._done.wait()
        if self._error is None:
            return self._value
        return self._fn(*self._args, **self._kwargs)

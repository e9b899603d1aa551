"""EarlyRead: a read begun on a thread before the widgets that show it exist."""

from __future__ import annotations

import contextvars
import threading

import pytest

from erp_console.widgets.early_read import EarlyRead

who = contextvars.ContextVar("who", default="nobody")


def test_the_read_runs_on_another_thread_in_the_makers_context():
    who.set("alice")  # Textual's active app is such a variable: the read must see it
    seen = {}

    def read():
        seen["thread"] = threading.current_thread() is not threading.main_thread()
        return who.get()

    early = EarlyRead(read)
    assert early.get() == "alice"
    assert seen["thread"]
    assert early.succeeded and early.value == "alice"


def test_a_failed_read_has_no_value_and_is_made_again_by_get():
    calls = []

    def flaky(n):
        calls.append(n)
        if len(calls) == 1:
            raise ConnectionError("dropped")
        return n * 2

    early = EarlyRead(flaky, 21)
    assert early.get() == 42  # the first read failed: get read again, on this thread
    assert calls == [21, 21]
    assert not early.succeeded
    with pytest.raises(RuntimeError, match="no value"):
        _ = early.value
    with pytest.raises(ConnectionError):
        EarlyRead(lambda: (_ for _ in ()).throw(ConnectionError("down"))).get()

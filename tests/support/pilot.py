"""Driving the headless console: wait until its workers are done and the screen is redrawn."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress

from textual.worker import WorkerCancelled


async def settle(app, pilot, rounds: int = 4, rest: float = 0.0) -> None:
    """`rest` first lets debounced loads fire (the users' details pane waits 0.12 s: pass 0.15).

    Workflows (workers of a group "flow…") wait for the person at a dialog: not waited for.
    """
    if rest:
        await pilot.pause(rest)
    for _ in range(rounds):
        await pilot.pause()
        busy = [w for w in app.workers if not w.group.startswith("flow")]
        if busy:
            with suppress(WorkerCancelled):  # a load superseded by a newer one
                await app.workers.wait_for_complete(busy)
    await pilot.pause()


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


async def wait_for(pilot, condition, what: str | Callable[[], str], seconds: float = 20.0) -> None:
    """Let the app run until `condition()` holds (threads and timers work meanwhile); `what` names
    it in the failure, or says what is wrong when it is a function."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {seconds:.0f} s: {what() if callable(what) else what}")
        await pilot.pause(0.1)


async def press_settled(app, pilot, *keys: str) -> None:
    """Press each key and let the app settle after it, as a person waits to see each screen."""
    for key in keys:
        await pilot.press(key)
        await settle(app, pilot)

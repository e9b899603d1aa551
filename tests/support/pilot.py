"""Driving the headless console: wait until its workers are done and the screen is redrawn."""

from __future__ import annotations

from contextlib import suppress

from textual.worker import WorkerCancelled


async def settle(app, pilot, rounds: int = 4, rest: float = 0.0) -> None:
    """`rest` first lets debounced loads fire (the users' details pane waits 0.12 s: pass 0.15)."""
    if rest:
        await pilot.pause(rest)
    for _ in range(rounds):
        await pilot.pause()
        with suppress(WorkerCancelled):  # a load superseded by a newer one
            await app.workers.wait_for_complete()
    await pilot.pause()


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)

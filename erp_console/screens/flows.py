"""Workflows written straight down: an async worker that awaits each dialog and service call.

    @flow
    async def action_raise_change(self) -> None:
        existing = await call_service(self, changes_from_incident, db, incident.id)
        if await self.app.push_screen_wait(ConfirmChange(...)) is None:
            return
        ...

`call_service` runs the call in a thread worker; when it fails the error is shown as a toast and
the flow stops (`FlowStopped`), so a flow never continues with a missing result. A call whose
errors belong in a form is the form's `submit` (widgets/forms.py): the form stays open with what
was typed and the service's message next to its field, and the flow gets `Submitted`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

from textual import work
from textual.worker import WorkerCancelled, WorkerFailed


class FlowStopped(Exception):
    """A service call of a flow failed and was reported; the flow ends quietly."""


def flow(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def run(self, *args: Any, **kwargs: Any) -> None:
        with contextlib.suppress(FlowStopped):
            await method(self, *args, **kwargs)

    return work(group="flow", exclusive=False)(run)


async def call_service(node, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)` in a thread; a failure is told to the person and stops the flow.

    The thread is a worker of `node` (group "service"), so whoever waits for the app's workers
    to finish (tests, the screen going away) sees the call in flight.
    """
    worker = node.run_worker(
        functools.partial(fn, *args, **kwargs),
        thread=True,
        group="service",
        exit_on_error=False,
        name=getattr(fn, "__name__", "service"),
    )
    try:
        return await worker.wait()
    except WorkerCancelled as exc:
        raise FlowStopped from exc
    except WorkerFailed as failed:
        from erp_console.error_text import describe_error

        db = getattr(node.app, "db", None)
        message, severity = describe_error(failed.error, getattr(db, "url", None))
        node.notify(message, severity=severity, timeout=8)
        raise FlowStopped from failed.error

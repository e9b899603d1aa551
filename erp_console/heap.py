"""When the garbage collector may stop the console: at quiet moments, not in a key press.

A full collection scans every container object that is not frozen. A console that has shown a
few screens holds ~100k of them, and on a small server a full pass takes 60-150 ms. CPython starts
one whenever enough objects have survived younger collections, so the stall lands anywhere: in
the first frame of a screen, in the middle of scrolling. The keeper therefore

- freezes what start-up made, after one full collection, once the first screen shows its data
  (`settle`);
- freezes what a screen made when it first shows its data (`park`): the screen lives as long as
  the console, so later automatic collections skip it and stay short;
- once the console has been idle for `IDLE_SECONDS` (no key or mouse, no worker running), thaws
  everything and runs one full collection (`collect_if_idle`), so garbage frozen by `park` is
  freed and nothing frozen is kept forever, then freezes the survivors again.

Only a real session uses it: a test process must not make its objects immortal.
"""

from __future__ import annotations

import gc
import time

IDLE_SECONDS = 2.0


def _young_collections() -> int:
    """Collections of generations 0 and 1 so far: they grow only while objects are made."""
    return sum(stats["collections"] for stats in gc.get_stats()[:2])


class HeapKeeper:
    def __init__(self, *, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self.last_activity = time.monotonic()
        self.full_collections = 0  # run by the keeper
        self._young_at_last_full = _young_collections()

    def touch(self) -> None:
        """The user did something: the console is not idle."""
        self.last_activity = time.monotonic()

    def quiet_for(self, seconds: float) -> bool:
        """No key or mouse for `seconds`."""
        return time.monotonic() - self.last_activity >= seconds

    def settle(self) -> None:
        self._collect_and_freeze()

    def park(self) -> None:
        gc.freeze()

    def collect_if_idle(self, *, busy: bool) -> bool:
        """A full collection if the console is idle and objects were made since the last one."""
        if busy or time.monotonic() - self.last_activity < self.idle_seconds:
            return False
        if _young_collections() == self._young_at_last_full:
            return False
        gc.unfreeze()
        self._collect_and_freeze()
        return True

    def _collect_and_freeze(self) -> None:
        gc.collect()
        gc.freeze()
        self.full_collections += 1
        self._young_at_last_full = _young_collections()

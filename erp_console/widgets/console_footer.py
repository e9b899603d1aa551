"""The key footer of every screen, rebuilt only when the keys it shows change.

Textual's Footer rebuilds all its keys whenever the screen's bindings may have changed (every
focus move); while a screen mounts that happens several times with the same keys, and each key
restyles itself as it mounts. Skipping the rebuilds that would show the same keys keeps a first
visit of a screen quicker, and the footer keeps following focus and read-only changes.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer


class ConsoleFooter(Footer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None

    def _keys(self) -> tuple:
        return tuple(
            (active.binding.key, active.binding.action, active.binding.description)
            + (active.enabled, active.tooltip)
            for active in self.screen.active_bindings.values()  # textual.binding.ActiveBinding
            if active.binding.show
        )

    def compose(self) -> ComposeResult:
        # What is shown is what the bindings were when the keys were built: a rebuild awaits the
        # removal of the old keys first, and focus may move (and move back) meanwhile. Before
        # the screen's bindings are ready Textual builds no keys: then nothing is shown yet.
        keys, built = self._keys(), False
        for widget in super().compose():
            built = True
            yield widget
        self._shown = keys if built else None

    async def recompose(self) -> None:
        if not self.is_attached:
            return  # its screen was dismissed while a rebuild was queued
        if self._keys() == self._shown:
            return
        await super().recompose()

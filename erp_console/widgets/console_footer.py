"""The key footer of every screen, rebuilt only when the keys it shows change.

Textual's Footer rebuilds all its keys whenever the screen's bindings may have changed (every
focus move); while a screen mounts that happens several times with the same keys, and each key
restyles itself as it mounts. Skipping the rebuilds that would show the same keys keeps a first
visit of a screen quicker, and the footer keeps following focus and read-only changes.
"""

from __future__ import annotations

from textual.widgets import Footer


class ConsoleFooter(Footer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None

    def _keys(self) -> tuple:
        return tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )

    async def recompose(self) -> None:
        keys = self._keys()
        if keys == self._shown:
            return
        self._shown = keys
        await super().recompose()

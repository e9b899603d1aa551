"""A detail pane's text that repaints only itself when the highlighted row changes.

A Static whose height follows its text makes Textual lay the whole screen out again on every
update, and a layout repaints the whole terminal: over SSH about 12 KB per cursor move at 80x24
instead of under 1 KB. This text keeps the tallest height it has had (padding shorter texts with
blank lines), so an update needs a layout only when a text is taller than any before it.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StableText(Static):
    DEFAULT_CSS = "StableText { height: auto; }"

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id)
        self._lines = 0  # the height the pane has been laid out with
        self._width = 0  # ... at this width

    def show(self, markup: str) -> None:
        width = self.content_region.width or self.size.width
        if width <= 0:
            self.update(markup)
            return
        if width != self._width:
            self._width, self._lines = width, 0  # wrapping changed: the height starts afresh
        needed = len(Text.from_markup(markup).wrap(self.app.console, width))
        grows = needed > self._lines
        self._lines = max(self._lines, needed)
        padded = markup + "\n" * (self._lines - needed)
        self.update(padded, layout=grows)

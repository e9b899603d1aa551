"""What a screen's computed styles depend on outside its own nodes.

Textual restyles every node of a screen it shows (`ScreenResume.refresh_styles`), in case the
style sheet or the app's state changed while the screen was away: ~20 ms for a main screen, a
third of a revisit, and on a first visit right after each widget was styled as it mounted.
Changes inside the screen (classes, focus, disabled) restyle their nodes when they happen,
suspended or not. What is left is the app's side: the theme, the app's pseudo-classes
(dark/light, focus/blur, ansi) and classes, and the style sheet's sources. A widget type seen for
the first time adds its default CSS, scoped to that type: it cannot match a node styled before
(a node of that type did not exist). Any other new or changed source can, and so can a theme.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, eq=False)
class StyleInputs:
    sources: dict[Any, Any]  # the style sheet's sources: (file, name) -> CssSource
    theme: str
    pseudo_classes: frozenset[str]
    classes: frozenset[str]

    @classmethod
    def of(cls, app) -> StyleInputs:
        return cls(
            dict(app.stylesheet.source),
            app.theme,
            app.pseudo_classes,
            frozenset(app.classes),
        )

    def unchanged_in(self, app) -> bool:
        """Whether a node styled under these inputs is styled as it would be now."""
        if (app.theme, app.pseudo_classes, frozenset(app.classes)) != (
            self.theme,
            self.pseudo_classes,
            self.classes,
        ):
            return False
        now = app.stylesheet.source
        if not self.sources.keys() <= now.keys():
            return False
        for location, source in now.items():
            before = self.sources.get(location)
            if before is None:
                if not (source.is_defaults and source.scope):  # not a new type's own CSS
                    return False
            elif before != source:
                return False
        return True

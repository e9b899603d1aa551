"""What a suspended screen's computed styles depend on outside its own nodes.

Textual restyles every node of a screen it switches back to (`ScreenResume.refresh_styles`), in
case the style sheet or the app's state changed while the screen was away: ~20 ms for a main
screen, a third of a revisit. Changes inside the screen (classes, focus, disabled) restyle their
nodes when they happen, suspended or not. What is left is the app's side: the rules (a theme
change, a new screen's or widget's CSS re-parses them into a new list), the app's pseudo-classes
(dark/light, focus/blur, ansi) and classes. When none of them changed, resuming needs no restyle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, eq=False)
class StyleInputs:
    rules: Any  # the style sheet's rule list: a new list on every parse
    pseudo_classes: frozenset[str]
    classes: frozenset[str]

    @classmethod
    def of(cls, app) -> StyleInputs:
        return cls(app.stylesheet.rules, app.pseudo_classes, frozenset(app.classes))

    def unchanged_in(self, app) -> bool:
        now = StyleInputs.of(app)
        return (
            now.rules is self.rules
            and now.pseudo_classes == self.pseudo_classes
            and now.classes == self.classes
        )

"""Every key a screen answers to, read from the bindings of the screen and of its own panes.

Help shows this table, so it can never drift from what the keys do. Keys of Textual's generic
widgets (cursor keys of a table, editing keys of an input) are left out: they are not the
console's.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.dom import DOMNode


@dataclass(frozen=True)
class KeyRow:
    key: str
    description: str
    where: str  # "" for the screen itself, else the pane or tab it belongs to


def _own_bindings(node: DOMNode) -> list[Binding]:
    bindings: list[Binding] = []
    for cls in reversed(type(node).__mro__):
        if not cls.__module__.startswith("erp_console") or "BINDINGS" not in cls.__dict__:
            continue
        bindings.extend(Binding.make_bindings(cls.__dict__["BINDINGS"]))
    return bindings


def _where(node: DOMNode) -> str:
    return getattr(node, "HELP_SECTION", "") or type(node).__name__.removesuffix("Pane")


def key_rows(screen, *, include_app: bool = True) -> list[KeyRow]:
    """The screen's keys, its panes' keys (named by pane), then the console's own keys."""
    app = screen.app
    nodes: list[tuple[DOMNode, str]] = [(screen, "this screen")]
    nodes += [(n, _where(n)) for n in screen.query("*") if _own_bindings(n)]
    if include_app:
        nodes.append((app, "Everywhere"))
    rows: list[KeyRow] = []
    seen: set[tuple[str, str, str]] = set()
    read_only = bool(getattr(getattr(app, "db", None), "read_only", False))
    for node, where in nodes:
        hidden = getattr(node, "WRITE_ACTIONS", frozenset()) if read_only else frozenset()
        for binding in _own_bindings(node):
            action = binding.action.split("(")[0].removeprefix("app.")
            if not binding.description or action in hidden:
                continue
            display = binding.key_display or app.get_key_display(binding)
            entry = (display, binding.description, where)
            if entry not in seen:
                seen.add(entry)
                rows.append(KeyRow(*entry))
    return rows

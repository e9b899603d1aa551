"""Selects mounted after a screen's first frame (inside `textual.lazy.Lazy`): read and fill them
whether or not they are there yet."""

from __future__ import annotations

from textual.dom import DOMNode
from textual.widgets import Select


def select_value(node: DOMNode, selector: str, default: str) -> str:
    """The chosen value of the Select under `node`, or `default` while it is not mounted."""
    select = node.query_one_optional(selector, Select)
    return default if select is None else str(select.value or "")


def set_options_when_mounted(node: DOMNode, selector: str, options: list[tuple[str, str]]) -> None:
    """Give the Select its options now, or after the next refresh if it has not mounted yet."""
    select = node.query_one_optional(selector, Select)
    if select is None:
        node.call_after_refresh(set_options_when_mounted, node, selector, options)
    else:
        select.set_options(options)

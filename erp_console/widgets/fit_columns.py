"""A table's free-text column takes the width the terminal gives (the other columns are fixed).

At 80 columns a name or a message keeps what is left after the fixed columns; at 160 it grows
instead of leaving the right half of the table empty. The fit is made again when the vertical
scrollbar comes or goes (rows arriving after the first fit), so the last column never ends up
under it ("LOG-WH" shown as "LOG-W"), and when the table's content changes width: a fit made
before new rows were measured (DataTable measures them when idle) would otherwise leave a wider
cell's column past the edge, under a horizontal scrollbar.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from textual.widgets import DataTable

MIN_FLEX = 8

_FLEX_KEY: WeakKeyDictionary[DataTable, str] = WeakKeyDictionary()


def clip_cell(cell: Any, width: int | None) -> Any:
    """A plain-text cell longer than its column ends in "…": cut short without it, a login like
    "elehmann17" would read as another login, "elehmann1"."""
    if width is None or not isinstance(cell, str) or len(cell) <= width or "[" in cell:
        return cell
    return cell[: width - 1] + "…"


def fit_flex_column(table: DataTable, flex_key: str) -> None:
    if table not in _FLEX_KEY:
        table.watch(table, "show_vertical_scrollbar", lambda _shown: _refit(table), init=False)
        table.watch(table, "virtual_size", lambda _size: _refit(table), init=False)
    _FLEX_KEY[table] = flex_key
    column = table.columns.get(flex_key)  # type: ignore[call-overload]
    available = table.scrollable_content_region.width
    if column is None or available <= 0:
        return
    others = sum(
        c.get_render_width(table) for key, c in table.columns.items() if key.value != flex_key
    )
    width = max(MIN_FLEX, available - others - 2 * table.cell_padding)
    if column.width == width and not column.auto_width:
        return
    column.width = width
    column.auto_width = False
    table._require_update_dimensions = True  # Textual re-measures the table on its next idle
    table._clear_caches()
    table.refresh()


def _refit(table: DataTable) -> None:
    flex_key = _FLEX_KEY.get(table)
    if flex_key is not None and table.is_attached:
        fit_flex_column(table, flex_key)

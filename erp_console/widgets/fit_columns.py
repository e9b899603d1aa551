"""A table's free-text column takes the width the terminal gives (the other columns are fixed).

At 80 columns a name or a message keeps what is left after the fixed columns; at 160 it grows
instead of leaving the right half of the table empty.
"""

from __future__ import annotations

from textual.widgets import DataTable

MIN_FLEX = 8


def fit_flex_column(table: DataTable, flex_key: str) -> None:
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

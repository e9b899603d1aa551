"""A table line with its cells joined where they look the same, for fewer bytes on the wire.

DataTable draws each cell as a segment of its own, carrying the cell's row and column (for the
mouse), and the terminal gets each segment as its style, its text and a reset: a row of five
cells with one look is written as five. Over SSH every byte crosses the link, and a PageDown
repaints every row of the table. Joined, a run of cells with one look is written once; it keeps
the first cell's row and column, which is all a row-cursor table reads from a click or a hover.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip


def join_cells(strip: Strip) -> Strip:
    joined: list[Segment] = []
    look = None
    for segment in strip:
        text, style, control = segment
        this_look = style.clear_meta_and_links() if style is not None and not control else None
        if joined and this_look is not None and this_look == look:
            first = joined[-1]
            joined[-1] = Segment(first.text + text, first.style)
        else:
            joined.append(segment)
            look = this_look
    return Strip(joined, strip.cell_length)

"""SVG snapshots of every main screen and its main dialog at 80x24 and 160x48 (layout, colours
and focus are guarded, not only text).

The hand-built ERP of tests/test_screen_snapshots.py is dated relative to today, so every figure
is the same on any day; calendar dates and clock times are masked in the SVG text before it is
compared. After an intended change: `pytest tests/tui/test_svg_snapshots.py --snapshot-update`,
then look at the SVGs in tests/tui/__snapshots__/ (pytest-textual-snapshot writes an HTML report
of any difference).
"""

from __future__ import annotations

import re

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual.widgets import DataTable

from erp_console.app import ErpConsoleApp
from erp_console.db.engine import connect
from tests.support.pilot import settle
from tests.test_screen_snapshots import _small_erp

SIZES = ((80, 24), (160, 48))
# screen key, keys that open its main dialog
SCREENS = {
    "dashboard": ("1", ("t",)),
    "users": ("2", ("a",)),
    "processes": ("3", ("question_mark",)),
    "logs": ("4", ("slash",)),
    "documents": ("4", ("t", "a")),
    "database": ("5", ("e",)),
}


def _masked(svg: str) -> str:
    svg = re.sub(r"erp-svg-[0-9a-f]+", lambda m: "erp-svg-" + "X" * (len(m[0]) - 8), svg)
    svg = re.sub(r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD", svg)
    svg = re.sub(r"\d{2}:\d{2}:\d{2}", "hh:mm:ss", svg)
    svg = re.sub(r"\d{2}:\d{2}", "hh:mm", svg)
    svg = re.sub(r"\b\d{2}-\d{2}(?=&#160;hh:mm)", "MM-DD", svg)
    # Screen 5's summary (size, tables, rows, schema revision) moves with every migration.
    svg = re.sub(r"Size&#160;[^<]*", lambda m: re.sub(r"\d", "#", m[0]), svg)
    return re.sub(r"\b\d+(&#160;)?days?(&#160;)since", "N days since", svg)


async def _stable_svg(app, pilot) -> str:
    """The screen once debounced loads have run and three frames in a row agree (a busy
    machine can delay the users' details past a first quiet moment)."""
    await settle(app, pilot, rest=0.3)
    for field in app.screen.query("Input, TextArea"):
        field.cursor_blink = False  # a blinking cursor would make every frame one of two
    for table in app.screen.query(DataTable):
        table.notify_style_update()
    frames: list[str] = []
    for _ in range(30):
        await pilot.pause(0.1)
        frames.append(_masked(app.export_screenshot()))
        if len(frames) >= 3 and frames[-1] == frames[-2] == frames[-3]:
            return frames[-1]
    return frames[-1]


@pytest.fixture
def small_erp():
    """In a directory whose path has the same length on every run (the screens show it)."""
    import hashlib
    import os
    import shutil
    import tempfile
    from pathlib import Path

    tag = hashlib.sha256(f"{os.getcwd()}:{os.getpid()}".encode()).hexdigest()[:8]
    folder = Path(tempfile.gettempdir()) / f"erp-svg-{tag}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    db = connect(f"sqlite:///{folder / 'erp.sqlite3'}")
    from erp_console.db.schema import init_schema

    init_schema(db)
    _small_erp(db)
    yield db
    db.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SCREENS))
async def test_screen_and_its_dialog(small_erp, snapshot, name, size):
    key, dialog_keys = SCREENS[name]
    app = ErpConsoleApp(small_erp, operator="lead")
    app.animation_level = "none"
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press(key)
        await settle(app, pilot, rest=0.2)
        if name == "documents":
            await pilot.press(dialog_keys[0])
            await settle(app, pilot, rest=0.2)
            dialog_keys = dialog_keys[1:]
        label = f"{name}_{size[0]}x{size[1]}"
        assert await _stable_svg(app, pilot) == snapshot(
            name=label, extension_class=SVGImageExtension
        )
        for dialog_key in dialog_keys:
            await pilot.press(dialog_key)
        await settle(app, pilot, rest=0.2)
        assert await _stable_svg(app, pilot) == snapshot(
            name=f"{label}_dialog", extension_class=SVGImageExtension
        )

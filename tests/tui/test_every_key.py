"""Every screen at 80x24 and 160x48: each key it shows in help and each palette command is used
once, as a person trying them out would (Esc backs out of whatever opens). Any exception fails.

One app per screen and size, not per key, to stay quick.
"""

from __future__ import annotations

import pytest

from erp_console.app import ErpConsoleApp
from erp_console.screens.key_table import _own_bindings
from tests.support.pilot import settle

SCREENS = ("1", "2", "3", "4", "5", "R")
SIZES = ((80, 24), (160, 48))
SKIPPED_ACTIONS = {"quit", "show_screen", "help", "cancel_loading", "back"}


def _bindings(screen):
    nodes = [screen, *(n for n in screen.query("*") if _own_bindings(n))]
    for node in nodes:
        for binding in _own_bindings(node):
            name = binding.action.split("(")[0].removeprefix("app.")
            if name not in SKIPPED_ACTIONS:
                yield node, binding


async def _back_to(app, pilot, screen) -> None:
    for _ in range(4):
        if app.screen is screen:
            return
        await pilot.press("escape")
        await settle(app, pilot)
    assert app.screen is screen, f"could not leave {type(app.screen).__name__} with Esc"


async def _open(app, pilot, key: str):
    await settle(app, pilot)
    if key == "R":
        await pilot.press("2")
        await settle(app, pilot, rest=0.15)
    await pilot.press(key)
    await settle(app, pilot, rest=0.15)
    return app.screen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key", SCREENS)
async def test_every_key_and_palette_command_of_a_screen(demo_sqlite, key, size):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=size) as pilot:
        screen = await _open(app, pilot, key)
        tried = []
        for node, binding in list(_bindings(screen)):
            if not node.is_attached or node.check_action(binding.action.split("(")[0], ()) is False:
                continue
            tried.append(binding.key)
            await node.run_action(binding.action)
            await settle(app, pilot, rest=0.05)
            await _back_to(app, pilot, screen)
        assert tried, "no key of the screen could be used"
        for command in list(app.get_system_commands(screen)):
            if command.title.startswith(("Go to", "Quit", "Save screenshot")) or command.title in (
                "Keys",
                "Theme",
                "Maximize",
                "Minimize",
            ):
                continue
            command.callback()
            await settle(app, pilot, rest=0.05)
            await _back_to(app, pilot, screen)
        await pilot.press("question_mark")
        await settle(app, pilot)
        await _back_to(app, pilot, screen)

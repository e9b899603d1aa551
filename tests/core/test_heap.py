"""The heap keeper of a real session (erp_console.heap): frozen objects are skipped by automatic
collections, and an idle moment frees the garbage that was frozen with them."""

from __future__ import annotations

import gc
import weakref

import pytest

from erp_console.app import ErpConsoleApp
from erp_console.heap import HeapKeeper
from tests.support.pilot import settle


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the garbage collector can free it


def _make_young_objects() -> None:
    for _ in range(3):
        gc.collect(0)  # what making objects does: young collections happen


@pytest.fixture
def unfreeze_after():
    yield
    gc.unfreeze()
    gc.collect()


def test_parked_garbage_waits_for_an_idle_moment_then_is_freed(unfreeze_after):
    keeper = HeapKeeper(idle_seconds=0.0)
    node = Node()
    gone = weakref.ref(node)
    keeper.park()
    del node
    gc.collect()
    assert gone() is not None, "a frozen cycle is not collected by an ordinary full collection"
    _make_young_objects()
    assert not keeper.collect_if_idle(busy=True)  # a worker is running: not now
    assert gone() is not None
    assert keeper.collect_if_idle(busy=False)
    assert gone() is None and keeper.full_collections == 1
    assert gc.get_freeze_count() > 0  # the survivors are frozen again
    assert not keeper.collect_if_idle(busy=False)  # nothing made since: no second pass


def test_no_collection_while_the_user_is_active(unfreeze_after):
    keeper = HeapKeeper(idle_seconds=60.0)
    _make_young_objects()
    keeper.touch()
    assert not keeper.collect_if_idle(busy=False)
    assert keeper.full_collections == 0


async def test_a_screen_parks_its_objects_when_its_first_data_shows(demo_sqlite, unfreeze_after):
    app = ErpConsoleApp(demo_sqlite, operator="alice", settle_heap=True)
    app.heap.idle_seconds = 3600  # a slow machine must not look idle while the test works
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.heap.full_collections == 1  # start-up: collected once and frozen
        after_dashboard = gc.get_freeze_count()
        await pilot.press("2")
        await settle(app, pilot)
        assert gc.get_freeze_count() > after_dashboard + 1000  # the users screen is parked
        assert app.heap.full_collections == 1  # no full pass while the user works
        app.heap.idle_seconds = 0.2
        for _ in range(60):  # the keeper looks every 0.5 s; a loaded machine may take longer
            await pilot.pause(0.25)
            if app.heap.full_collections > 1:
                break
        assert app.heap.full_collections == 2  # idle: one full pass


async def test_a_file_watch_running_does_not_keep_the_console_from_being_idle(
    sqlite_db, tmp_path, unfreeze_after
):
    from erp_console.screens.logs.pane import LogsPane

    log = tmp_path / "odoo-server.log"
    log.write_text("2026-05-01 10:00:00,123 4242 INFO ? odoo: Odoo version 17.0\n")
    app = ErpConsoleApp(sqlite_db, operator="alice", settle_heap=True)
    app.heap.idle_seconds = 3600
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        pane = app.screen.query_one(LogsPane)
        pane.action_watch()
        await settle(app, pilot)
        app.screen.input("paths").value = str(log)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert pane.watch is not None
        collections = app.heap.full_collections
        app.heap.idle_seconds = 0.2
        for _ in range(60):
            await pilot.pause(0.25)
            if app.heap.full_collections > collections:
                break
        assert app.heap.full_collections > collections  # idle while watching: one full pass
        pane.action_stop_watch()

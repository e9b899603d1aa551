"""Child process of bench/tui.py: drives the users screen headless on one database and prints JSON
figures: time to first rows, End, PageDown, Home, and peak RSS after browsing end to end; then the
time from key 4 to the first log lines of the last hour, and from key 3 to the process list."""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import sys
import time
from pathlib import Path

from textual.worker import WorkerCancelled

from erp_console.app import ErpConsoleApp
from erp_console.db.engine import connect
from erp_console.widgets.paged_table import PagedTable


async def until(pilot, condition, timeout: float = 60.0) -> float:
    """Poll without waiting for the app to be idle (Pilot.pause would), so the time is the app's."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.001)
    return (time.perf_counter() - start) * 1000


def peak_rss_mb() -> float:
    """This process's own high-water mark. Not ru_maxrss: Linux carries the parent's peak across
    fork+exec into it, so every child of a big parent would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def settle(app) -> None:
    """Wait for the running workers; a fetch superseded by a newer one counts as done."""
    with contextlib.suppress(WorkerCancelled):
        await app.workers.wait_for_complete()


async def first_rows(pilot, app, key: str, screen: str, table: str) -> float:
    """Milliseconds from the key that opens a screen to the first rows in its table."""

    def shown() -> bool:
        if type(app.screen).__name__ != screen:
            return False
        found = app.screen.query(table)
        if not found:
            return False
        widget = found.first()
        return bool(widget.rows if isinstance(widget, PagedTable) else widget.row_count)

    # Watched from a task while Pilot delivers the key: Pilot returns only once the app is idle,
    # which a long worker (coverage at 100k users) delays well after the rows are in.
    watcher = asyncio.create_task(until(pilot, shown))
    await pilot.press(key)
    return await watcher  # the watcher's own time: from the key to the moment the rows were in


async def main(url: str, variant: str = "shipped") -> dict:
    """`variant` (bench/machinery.py): "shipped" as `erp-console` runs; "no-heap" without the
    garbage collections and freezes of erp_console.heap (the rest of a real session's quiet-moment
    work stays); "plain-footer" with Textual's own Footer rebuilds."""
    if variant == "plain-footer":
        from textual.widgets import Footer

        from erp_console.widgets.console_footer import ConsoleFooter

        ConsoleFooter.recompose = Footer.recompose  # type: ignore[method-assign]
    if variant == "no-heap":
        # Only the collections go: the rest of a real session's quiet-moment work stays.
        from erp_console.heap import HeapKeeper

        HeapKeeper.settle = HeapKeeper.park = lambda self: None  # type: ignore[method-assign]
        HeapKeeper.collect_if_idle = lambda self, *, busy: False  # type: ignore[method-assign]
    db = connect(url)
    app = ErpConsoleApp(db, operator="bench", settle_heap=True)
    figures: dict[str, float] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await settle(app)
        figures["first_rows_ms"] = await first_rows(pilot, app, "2", "UsersScreen", "PagedTable")
        table = app.screen.query_one(PagedTable)
        await settle(app)
        table.focus()
        await pilot.pause()
        idle = []
        for _ in range(20):
            start = time.perf_counter()
            await pilot.press("f24")  # bound to nothing: the cost of a key press round trip
            idle.append((time.perf_counter() - start) * 1000)
        idle_ms = sorted(idle)[len(idle) // 2]
        ends = []
        for _ in range(5):
            # Watch from a task while Pilot delivers the key: Pilot returns only once the app is
            # idle, long after the rows are in; the watcher sees the moment they are.
            at_last = asyncio.create_task(
                until(pilot, lambda: table.at_end and table.table.cursor_row == len(table.rows) - 1)
            )
            await pilot.press("end")
            ends.append(await at_last)
            await settle(app)
            await pilot.press("home")
            await until(pilot, lambda: table.at_start and table.table.cursor_row == 0)
            await settle(app)
        figures["end_ms"] = sorted(ends)[len(ends) // 2]
        samples = []
        for _ in range(20):
            before = table.table.cursor_row
            start = time.perf_counter()
            await pilot.press("pagedown")
            await until(pilot, lambda b=before: table.table.cursor_row != b or table._loading)
            samples.append((time.perf_counter() - start) * 1000)
            await settle(app)
            await pilot.pause()
        figures["pagedown_ms"] = max(0.0, sorted(samples)[len(samples) // 2] - idle_ms)
        for key in ("end", "home", "end"):
            await pilot.press(key)
            await pilot.pause(0.05)
            await settle(app)
        await pilot.pause()
        figures["peak_rss_mb"] = peak_rss_mb()
        figures["log_first_rows_ms"] = await first_rows(
            pilot, app, "4", "RecordsScreen", "#logs-table"
        )
        await settle(app)
        figures["process_first_rows_ms"] = await first_rows(
            pilot, app, "3", "ProcessesScreen", "#proc-list"
        )
        await settle(app)
    db.dispose()
    return figures


async def plain_table() -> dict:
    """PageDown in a bare Textual DataTable of 1000 rows: what one paint of a table costs here."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer

    class Plain(App):
        def compose(self) -> ComposeResult:
            yield DataTable(cursor_type="row")
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Login", "Name", "Status", "Dept")
            for i in range(1000):
                table.add_row(f"user{i:05}", f"User Number {i}", "active", "FIN-AP")
            table.focus()

    app = Plain()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        idle, samples = [], []
        for _ in range(20):
            start = time.perf_counter()
            await pilot.press("f24")
            idle.append((time.perf_counter() - start) * 1000)
        for _ in range(15):
            before = table.cursor_row
            start = time.perf_counter()
            await pilot.press("pagedown")
            await until(pilot, lambda b=before: table.cursor_row != b)
            samples.append((time.perf_counter() - start) * 1000)
            await pilot.pause()
    return {
        "pagedown_ms": max(0.0, sorted(samples)[len(samples) // 2] - sorted(idle)[len(idle) // 2])
    }


if __name__ == "__main__":
    figures = asyncio.run(plain_table() if sys.argv[1] == "plain" else main(*sys.argv[1:3]))
    print(json.dumps(figures))

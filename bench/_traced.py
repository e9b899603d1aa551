"""Run a module with a wall-clock trace of what the console does: garbage collections, style sheet
parses and updates, screen switches and loads, service calls, early reads, paged-table
arrivals, frames written to the terminal.
bench/person.py starts the console through it when ERPC_BENCH_TRACE names a file; the bench
writes its keys and the moments their text was on screen to the same file (time.perf_counter is
CLOCK_MONOTONIC on Linux: one clock for both processes).

Usage: python bench/_traced.py TRACE_FILE MODULE [ARGS...]
"""

from __future__ import annotations

import functools
import gc
import importlib
import os
import runpy
import sys
import threading
import time

out, module = sys.argv[1], sys.argv[2]
sys.argv = [module, *sys.argv[3:]]
fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


def log(event: str) -> None:
    os.write(
        fd, f"{time.perf_counter():.4f} child {threading.current_thread().name}: {event}\n".encode()
    )


log("started")
_gc_start: list[float] = []


def _gc(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_start.append(time.perf_counter())
    elif _gc_start:
        took = (time.perf_counter() - _gc_start.pop()) * 1000
        if info["generation"] == 2 or took > 2:
            log(f"gc gen{info['generation']} {took:.1f} ms, collected {info['collected']}")


gc.callbacks.append(_gc)

# (module, attribute path, always log): timed calls; a call is logged when it took >= 2 ms.
TIMED = [
    ("textual.css.stylesheet", "Stylesheet.parse", False),
    ("textual.css.stylesheet", "Stylesheet.reparse", False),
    ("textual.css.stylesheet", "Stylesheet.update_nodes", False),
    ("textual.app", "App.switch_screen", True),
    ("textual.app", "App._display", False),
    ("textual.widget", "Widget._compose", False),
    ("textual.screen", "Screen._refresh_layout", False),
    ("textual.drivers.linux_driver", "LinuxDriver.write", True),
    ("erp_console.screens", "ScreenEntry.load", True),
    ("erp_console.screens.base", "ErpScreen.run_service", True),
    ("erp_console.screens.base", "ErpScreen._service_done", True),
    ("erp_console.session", "PendingSession.wait", True),
    ("erp_console.heap", "HeapKeeper.settle", True),
    ("erp_console.heap", "HeapKeeper.park", True),
    ("erp_console.widgets.paged_table", "PagedTable._apply", True),
    ("erp_console.widgets.paged_table", "PagedTable._apply_total", True),
    ("erp_console.widgets.paged_table", "PagedTable.set_source", True),
    ("erp_console.screens.base", "ErpScreen.on_mount", True),
    ("textual.screen", "Screen._on_screen_resume", True),
    ("textual.app", "App._register", False),
    ("erp_console.widgets.early_read", "EarlyRead._read", True),
    ("textual.screen", "Screen.set_focus", True),
    ("textual.widget", "Widget._on_compose", False),
]


def _wrap(owner, name: str, label: str, always: bool) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            took = (time.perf_counter() - start) * 1000
            if always or took >= 2:
                detail = ""
                if name == "write" and len(args) > 1:
                    detail = f" {len(args[1])} chars"
                elif name == "run_service" and len(args) > 1:
                    detail = f" {getattr(args[1], '__qualname__', args[1])}"
                elif name == "_service_done" and len(args) > 3 and args[3] is not None:
                    detail = f" {getattr(args[3], '__qualname__', '')}"
                elif name == "switch_screen" and len(args) > 1:
                    detail = f" {args[1]}"
                elif name == "load":
                    detail = f" {args[0].name}"
                log(f"{label}{detail} {took:.1f} ms")

    setattr(owner, name, timed)


for module_name, path, always in TIMED:
    owner = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    _wrap(owner, name, path, always)
log("traced")
try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
finally:
    log("exit")

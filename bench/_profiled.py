"""Run a module under cProfile and dump the stats when it exits: bench/person.py starts the console
through it when ERPC_BENCH_PROFILE names a directory. The main thread is written to OUT.prof, each
other thread (session opening, service workers) to OUT.<thread name>.prof.

Usage: python bench/_profiled.py OUT.prof MODULE [ARGS...]
"""

from __future__ import annotations

import cProfile
import runpy
import sys
import threading

out, module = sys.argv[1], sys.argv[2]
sys.argv = [module, *sys.argv[3:]]
threads: list[tuple[str, cProfile.Profile]] = []


def _start_thread_profile(*_args) -> None:
    """Installed by threading.setprofile in every new thread: replaces itself with a profiler."""
    profiler = cProfile.Profile()
    threads.append((threading.current_thread().name, profiler))
    profiler.enable()


threading.setprofile(_start_thread_profile)
profiler = cProfile.Profile()
profiler.enable()
try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
finally:
    profiler.disable()
    profiler.dump_stats(out)
    for n, (name, thread_profiler) in enumerate(threads):
        thread_profiler.dump_stats(f"{out.removesuffix('.prof')}.{n}-{name}.prof")

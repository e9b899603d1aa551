"""Responsiveness as a person sees it (issue 18): the installed console in a real pseudo-terminal at
80x24, timed from the key (the write to the pty) to the moment its data is on the emulated screen.

Figures, on the demo database (SQLite):
- launch: process spawn to the dashboard's stage criteria on screen (they come from the database);
- first visit of screens 2-5 (first time in that process): key to the screen's first rows;
- revisit of each (back to 1, then the key again): key to the same rows.

Baselines, in the same run, each in its own pseudo-terminal (bench/_person_baselines.py): a
minimal Textual app (Header, 200-row DataTable, Footer) for launch; a bare Textual app that pushes
a screen with a 50-row DataTable on a key for the first visit, and switches back to that installed
screen for the revisit. The console and both baselines take turns, run after run, so a slow spell
of the machine falls on both sides of a ratio; medians over the runs.

Targets: launch <= 1.5x the minimal app; every first visit <= 2x the bare push; every revisit
<= 1.2x the bare switch back. Exit code 1 when a target is missed.

Usage: python bench/person.py [--url URL] [--runs 7] [--raw]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _measure  # noqa: E402
from _terminal import Terminal  # noqa: E402
from tabulate import tabulate  # noqa: E402

# Text that is on the screen only once the data is: the demo is deterministic for its seed.
DASHBOARD = ("To advance to", "(needs ")  # the stage criteria, computed from the database
SCREENS = {
    "2": ("users", ("row 1 of", " abakker ")),  # the first row of the users table
    "3": ("processes", ("Code  Coverage", " H2R ")),  # the first process of the list
    "4": ("logs", ("Time (UTC)", "row 1 of", "  INFO ")),  # the last hour's first lines
    "5": ("database", ("Rows", " system_log ")),  # the tables and their sizes
}
QUIET_S = 0.4  # no output for this long: the screen is done (its background loads too)


def console_run(url: str, env: dict[str, str]) -> dict[str, float]:
    """One console process: launch, then each screen's first visit and revisit, in ms."""
    argv = [sys.executable, "-m", "erp_console", "--url", url]
    profile_dir = os.environ.get("ERPC_BENCH_PROFILE")  # cProfile of the console's main thread
    if profile_dir:
        out = tempfile.mkstemp(suffix=".prof", dir=profile_dir)[1]
        argv = [sys.executable, str(HERE / "_profiled.py"), out, "erp_console", *argv[3:]]
    trace = os.environ.get("ERPC_BENCH_TRACE")  # a wall-clock trace of the console, and the keys
    if trace:
        argv = [sys.executable, str(HERE / "_traced.py"), trace, "erp_console", *argv[3:]]
    term = Terminal(argv, env, trace=trace)
    figures: dict[str, float] = {}
    try:
        figures["launch"] = (term.wait_for(*DASHBOARD) - term.started) * 1000
        term.settle(QUIET_S)
        for key, (name, texts) in SCREENS.items():
            for visit in ("first", "revisit"):
                if all(t in term.text() for t in texts):
                    raise RuntimeError(f"{name}: its text is on screen before the key")
                pressed = term.press(key)
                figures[f"{name} {visit}"] = (term.wait_for(*texts) - pressed) * 1000
                term.settle(QUIET_S)
                term.press("1")
                term.wait_for(*DASHBOARD, absent=(texts[-1],))
                term.settle(QUIET_S)
        term.press("q")  # a clean exit (the profile is written then)
        term.wait_exit()
    finally:
        term.close()
    return figures


def baseline_run(url: str, env: dict[str, str]) -> dict[str, float]:
    """The minimal app's launch, the floor's launch (its rows read through SQLAlchemy's ORM from
    `url`), the bare app's first push and switch back, in ms."""
    script = str(HERE / "_person_baselines.py")
    figures: dict[str, float] = {}
    term = Terminal([sys.executable, script, "minimal"], env)
    try:
        figures["launch"] = (term.wait_for(" user000 ") - term.started) * 1000
    finally:
        term.close()
    term = Terminal([sys.executable, script, "floor", url], env)
    try:
        figures["floor"] = (term.wait_for(" abakker ") - term.started) * 1000
    finally:
        term.close()
    term = Terminal([sys.executable, script, "push"], env)
    try:
        term.wait_for("bare home screen")
        term.settle(QUIET_S)
        for visit in ("first", "revisit"):
            pressed = term.press("2")
            figures[visit] = (term.wait_for(" pushed00 ") - pressed) * 1000
            term.settle(QUIET_S)
            term.press("1")
            term.wait_for("bare home screen", absent=(" pushed00 ",))
            term.settle(QUIET_S)
    finally:
        term.close()
    return figures


def isolated_env(home: str) -> dict[str, str]:
    return {
        **os.environ,
        "XDG_DATA_HOME": os.path.join(home, "data"),
        "XDG_CONFIG_HOME": os.path.join(home, "config"),
    }


def build_demo(home: str) -> str:
    """The demo database, made once with `erp-console demo` in the bench's own directory."""
    url = f"sqlite:///{os.path.join(home, 'demo.sqlite3')}"
    subprocess.run(
        [sys.executable, "-m", "erp_console", "--url", url, "demo"],
        env=isolated_env(home),
        check=True,
        capture_output=True,
    )
    return url


def compile_bytecode(env: dict[str, str]) -> None:
    """Compile the console's modules and the baselines' as `pip install` does: a source checkout
    under PYTHONDONTWRITEBYTECODE (set on this machine) would compile them on every launch and
    first visit (~50 ms of a launch), which an installed console never does."""
    code = (
        "import compileall, pathlib, sys, erp_console; "
        "compileall.compile_dir(pathlib.Path(erp_console.__file__).parent, quiet=1); "
        "compileall.compile_dir(sys.argv[1], quiet=1, maxlevels=0)"
    )
    subprocess.run([sys.executable, "-c", code, str(HERE)], env=env, check=True)


def measure(url: str | None, runs: int) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Every run's figures (console, baselines); the demo is built first when `url` is None."""
    with tempfile.TemporaryDirectory(prefix="erpc-person-") as home:
        env = isolated_env(home)
        url = url or build_demo(home)
        compile_bytecode(env)
        baseline_run(url, env)  # warm the OS file cache for both
        console_run(url, env)
        console, baseline = [], []
        for _ in range(runs):
            baseline.append(baseline_run(url, env))
            console.append(console_run(url, env))
    return console, baseline


def table_rows(console: list[dict[str, float]], baseline: list[dict[str, float]]) -> list[dict]:
    def median(found: list[dict[str, float]], key: str) -> float:
        return statistics.median(f[key] for f in found)

    rows = [
        _measure.row(
            "person: launch to the dashboard's criteria vs minimal app's first rows",
            median(console, "launch"),
            median(baseline, "launch"),
            "<= 1.5",
        ),
        _measure.row(
            "person: launch to the dashboard's criteria vs the floor: minimal app, rows by the ORM",
            median(console, "launch"),
            median(baseline, "floor"),
            "",
        ),
        _measure.row(
            "person: the floor's launch vs the minimal app's (what SQLAlchemy's ORM costs)",
            median(baseline, "floor"),
            median(baseline, "launch"),
            "",
        ),
    ]
    for key, (name, _texts) in SCREENS.items():
        rows.append(
            _measure.row(
                f"person: key {key} to {name} data, first visit vs bare screen push",
                median(console, f"{name} first"),
                median(baseline, "first"),
                "<= 2",
            )
        )
    for key, (name, _texts) in SCREENS.items():
        rows.append(
            _measure.row(
                f"person: key {key} to {name} data, revisit vs bare switch back",
                median(console, f"{name} revisit"),
                median(baseline, "revisit"),
                "<= 1.2",
            )
        )
    return rows


def run(url: str | None = None, runs: int = 5) -> list[dict]:
    return table_rows(*measure(url, runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="default: the demo, built in a temporary directory")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--raw", action="store_true", help="print every run's figures too")
    args = parser.parse_args()
    load_before = os.getloadavg()
    console, baseline = measure(args.url, args.runs)
    load_after = os.getloadavg()
    if args.raw:
        for side, found in (("console", console), ("baseline", baseline)):
            for key in found[0]:
                print(f"{side:<9}{key:<20}" + " ".join(f"{f[key]:7.1f}" for f in found))
    rows = table_rows(console, baseline)
    print(tabulate(rows, headers="keys"))
    print(
        f"median of {args.runs} runs per side, interleaved; load average "
        f"{' '.join(f'{x:.2f}' for x in load_before)} before, "
        f"{' '.join(f'{x:.2f}' for x in load_after)} after ({os.cpu_count()} CPUs)"
    )
    missed = [r["figure"] for r in rows if r["met"] == "NO"]
    if missed:
        print(f"{len(missed)} target(s) missed")
        sys.exit(1)


if __name__ == "__main__":
    main()

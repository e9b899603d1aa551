"""The speed machinery, measured where a person notices it: the users, logs and processes screens
at 100k users / 1M log lines, each variant in its own process, the variants taking turns run after
run. "shipped" is the console as `erp-console` runs it; "no-heap" runs it without the garbage
collections and freezes of erp_console/heap.py (the rest of a real session's quiet-moment work
stays); "plain-footer" with Textual's Footer rebuilding
on every focus move instead of ConsoleFooter's skip of rebuilds that show the same keys. Revisits are not measured
here: bench/person.py run with and without ConsoleFooter shows where the footer pays.

A piece of machinery pays for itself when the shipped figure is clearly below the one without it
(ratio shipped ÷ without < 1). No target: this script informs the decision to keep or remove it.

Usage: python bench/machinery.py [--dialect sqlite|postgresql|mysql] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _scale  # noqa: E402
from tabulate import tabulate  # noqa: E402

VARIANTS = ("shipped", "no-heap", "plain-footer")
FIGURES = {
    "first_rows_ms": "key 2 to the first user rows",
    "log_first_rows_ms": "key 4 to the first log lines",
    "process_first_rows_ms": "key 3 to the process list",
    "pagedown_ms": "PageDown (minus an idle key)",
    "end_ms": "End to the last page",
    "peak_rss_mb": "peak RSS (MB)",
}


def child(url: str, variant: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, str(HERE / "_tui_child.py"), url, variant],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dialect", choices=["sqlite", "postgresql", "mysql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    url = _scale.ensure(args.dialect, "scale")
    found: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    for _ in range(args.runs):
        for variant in VARIANTS:
            found[variant].append(child(url, variant))
    median = {
        v: {k: statistics.median(run[k] for run in runs) for k in FIGURES}
        for v, runs in found.items()
    }
    rows = []
    for key, label in FIGURES.items():
        shipped = median["shipped"][key]
        row = {f"figure (median of {args.runs})": label, "shipped": round(shipped, 1)}
        for variant in VARIANTS[1:]:
            other = median[variant][key]
            row[variant] = round(other, 1)
            row[f"shipped ÷ {variant}"] = round(shipped / other, 2) if other else None
        rows.append(row)
    print(f"{args.dialect}, 100k users / 1M log lines, 80x24")
    print(tabulate(rows, headers="keys"))


if __name__ == "__main__":
    main()

"""The users, logs and processes screens at 100k users / 1M log lines vs at the default demo
size, each in its own process.

Figures: time to first rows of the users, logs and processes screens (target ratio <= 1.3);
PageDown at 100k rows against PageDown in a bare Textual DataTable of 1000 rows in the same run
(the paint itself is the floor; target <= 1.5; the ms are printed, a frame is ~16 ms); End at
100k rows, from the key to the last page in the table (one keyset query in a worker and the
window re-rendered; it is painted in the next frame), against 2 frames; peak RSS after browsing
end to end (target ratio <= 1.5).

Usage: python bench/tui.py [--dialect sqlite|postgresql|mysql] [--runs 5]
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

import _measure  # noqa: E402
import _scale  # noqa: E402
from tabulate import tabulate  # noqa: E402


def child(url: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, str(HERE / "_tui_child.py"), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(urls: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    """Median figures per database. The databases take turns, run after run, so a slow spell of
    this noisy machine falls on both sides of a ratio instead of on one of them."""
    results: dict[str, list[dict[str, float]]] = {name: [] for name in urls}
    for _ in range(runs):
        for name, url in urls.items():
            results[name].append(child(url))
    return {
        name: {key: statistics.median(r[key] for r in found) for key in found[0]}
        for name, found in results.items()
    }


def run(dialect: str, runs: int = 5) -> list[dict]:
    urls = {
        "small": _scale.ensure(dialect, "default"),
        "large": _scale.ensure(dialect, "scale"),
        "plain": "plain",
    }
    figures = measure(urls, runs)
    small, large, plain = figures["small"], figures["large"], figures["plain"]
    frame = 1000 / 60
    return [
        _measure.row(
            f"{dialect}: users screen first rows, 100k vs 400 users",
            large["first_rows_ms"],
            small["first_rows_ms"],
            "<= 1.3",
        ),
        _measure.row(
            f"{dialect}: logs screen first rows, 1M vs 50,000 log lines",
            large["log_first_rows_ms"],
            small["log_first_rows_ms"],
            "<= 1.3",
        ),
        _measure.row(
            f"{dialect}: processes screen first rows, 100k vs 400 users",
            large["process_first_rows_ms"],
            small["process_first_rows_ms"],
            "<= 1.3",
        ),
        _measure.row(
            f"{dialect}: PageDown at 100k rows vs PageDown in a bare 1000-row DataTable",
            large["pagedown_ms"],
            plain["pagedown_ms"],
            "<= 1.5",
        ),
        _measure.row(
            f"{dialect}: End at 100k rows, key to last page shown (one keyset query) vs 2 frames",
            large["end_ms"],
            2 * frame,
            "<= 1",
        ),
        _measure.row(
            f"{dialect}: peak RSS after browsing 100k vs 400 users",
            large["peak_rss_mb"],
            small["peak_rss_mb"],
            "<= 1.5",
            unit="MB",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dialect", choices=["sqlite", "postgresql", "mysql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(tabulate(run(args.dialect, args.runs), headers="keys"))


if __name__ == "__main__":
    main()

"""Start-up: process start to the first painted home screen on the demo database, against a minimal
Textual app (Header + 200-row DataTable + Footer) measured in the same run. Also prints the time
until the home screen shows its figures read from the database (the connection opens in the
background while the first frame paints).

Usage: python bench/startup.py [--url URL] [--runs N]
Target: ratio (console / minimal) <= 1.5. The last line prints the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def ensure_demo(url: str | None) -> str:
    if url:
        return url
    path = Path(tempfile.gettempdir()) / "erp-console-bench-demo.sqlite3"
    url = f"sqlite:///{path}"
    if not path.exists():
        subprocess.run(
            [sys.executable, "-m", "erp_console", "--url", url, "demo"],
            check=True,
            capture_output=True,
        )
    return url


def measure(which: str, url: str, mode: str = "figures") -> float:
    out = (
        subprocess.run(
            [
                sys.executable,
                str(HERE / "_startup_targets.py"),
                which,
                repr(time.time()),
                url,
                mode,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()
    )
    return float(out[-1])


def medians(url: str, runs: int) -> tuple[float, float, float]:
    """(minimal app first paint, console first paint, console figures shown), in seconds."""
    measure("baseline", url)
    measure("console", url)  # warm the OS file cache for both
    baseline, painted, figures = [], [], []
    for _ in range(runs):
        baseline.append(measure("baseline", url))
        painted.append(measure("console", url, "paint"))
        figures.append(measure("console", url, "figures"))
    b, p, f = (statistics.median(x) for x in (baseline, painted, figures))
    return b, p, f


def run(url: str, runs: int = 5) -> list[dict]:
    sys.path.insert(0, str(HERE))
    import _measure

    b, p, _f = medians(url, runs)
    return [
        _measure.row("startup: first paint vs minimal Textual app", p * 1000, b * 1000, "<= 1.5")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    url = ensure_demo(args.url)
    b, p, f = medians(url, args.runs)
    print(
        f"minimal Textual app, first paint:        median {b * 1000:.0f} ms over {args.runs} runs"
    )
    print(f"erp-console home, first paint:           median {p * 1000:.0f} ms")
    print(f"erp-console home, figures from database: median {f * 1000:.0f} ms (ratio {f / b:.2f})")
    print(f"startup ratio, first paint (target <= 1.5): {p / b:.2f}")


if __name__ == "__main__":
    main()

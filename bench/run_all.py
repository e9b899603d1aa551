"""Every bench on every dialect, one table of figures and ratios against baselines measured in the
same run. Builds the scale databases once (`demo --scale 250`: ~100k users, ~1M log lines) and
keeps them for the next run.

Usage: python bench/run_all.py [--dialects sqlite,postgresql,mysql] [--quick]
Exit code 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _scale  # noqa: E402
from tabulate import tabulate  # noqa: E402

# Benches that return rows for the table: run(dialect) -> list of figure rows.
TABLE_BENCHES = ("access", "log_search", "tui")
# Benches that print their own figures and ratios; run per dialect or once.
SCRIPT_BENCHES = (
    ("records.py", ["--size", "scale", "--runs", "20"], True),
    ("coverage.py", ["--size", "scale"], True),
    ("data.py", ["--size", "scale"], False),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dialects", default="sqlite,postgresql,mysql")
    parser.add_argument("--quick", action="store_true", help="fewer runs and calls")
    args = parser.parse_args()
    dialects = [d.strip() for d in args.dialects.split(",") if d.strip()]
    for dialect in dialects:
        for size in ("default", "scale"):
            _scale.ensure(dialect, size)
    import startup

    rows = startup.run(startup.ensure_demo(None), runs=3 if args.quick else 7)
    for name in TABLE_BENCHES:
        module = importlib.import_module(name)
        for dialect in dialects:
            print(f"… {name} on {dialect}", file=sys.stderr)
            options = {"runs": 1} if args.quick and name == "tui" else {}
            rows.extend(module.run(dialect, **options))
    for script, script_args, per_dialect in SCRIPT_BENCHES:
        for dialect in dialects if per_dialect else [None]:
            extra = ["--dialect", dialect] if dialect else []
            print(f"\n## {script} {' '.join(script_args + extra)}", flush=True)
            subprocess.run([sys.executable, str(HERE / script), *script_args, *extra], check=False)
    print()
    print(tabulate(rows, headers="keys"))
    missed = [r["figure"] for r in rows if r["met"] != "yes"]
    if missed:
        print(f"\n{len(missed)} target(s) missed: " + "; ".join(missed))
        sys.exit(1)


if __name__ == "__main__":
    main()

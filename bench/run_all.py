"""Every bench on every dialect, one table of figures and ratios against baselines measured in the
same run. Builds the scale databases once (`demo --scale 250`: ~100k users, ~1M log lines) and
keeps them for the next run.

The connector benches (connector_odoo, connector_erpnext, connector_dolibarr: screen 2's first
page and who-has at 100k vs 400 ERP users) add their rows to the table, each on the engines its
ERP runs on that are among --dialects (their bench databases are built once and kept as well).

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
# ERP connector benches: table_rows(engines, calls) -> figure rows, on their ERP's own engines.
CONNECTOR_BENCHES = ("connector_odoo", "connector_erpnext", "connector_dolibarr")
# Benches that print their own figures and ratios: run per dialect ("each"), once without a
# dialect ("once"), or once given every dialect ("all").
SCRIPT_BENCHES = (
    ("records.py", ["--size", "scale", "--runs", "20"], "each"),
    ("coverage.py", ["--size", "scale"], "each"),
    ("data.py", ["--size", "scale"], "once"),
    ("ingest.py", ["--lines", "1000000"], "all"),
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
    import person
    import startup

    rows = startup.run(startup.ensure_demo(None), runs=3 if args.quick else 7)
    print("… person (key to data in a real terminal)", file=sys.stderr)
    rows.extend(person.run(startup.ensure_demo(None), runs=3 if args.quick else 5))
    for name in TABLE_BENCHES:
        module = importlib.import_module(name)
        for dialect in dialects:
            print(f"… {name} on {dialect}", file=sys.stderr)
            options = {"runs": 1} if args.quick and name == "tui" else {}
            rows.extend(module.run(dialect, **options))
    for name in CONNECTOR_BENCHES:
        module = importlib.import_module(name)
        engines = [d for d in dialects if d in module.ENGINES]
        if engines:
            print(f"… {name} on {', '.join(engines)}", file=sys.stderr)
            calls = max(5, module.TABLE_CALLS // 4) if args.quick else module.TABLE_CALLS
            rows.extend(module.table_rows(engines, calls=calls))
    for script, script_args, runs in SCRIPT_BENCHES:
        for dialect in dialects if runs == "each" else [None]:
            extra = ["--dialect", dialect] if dialect else []
            if runs == "all":
                extra = ["--dialects", ",".join(dialects)]
            print(f"\n## {script} {' '.join(script_args + extra)}", flush=True)
            subprocess.run([sys.executable, str(HERE / script), *script_args, *extra], check=False)
    print()
    print(tabulate(rows, headers="keys"))
    missed = [r["figure"] for r in rows if r["met"] == "NO"]
    if missed:
        print(f"\n{len(missed)} target(s) missed: " + "; ".join(missed))
        sys.exit(1)


if __name__ == "__main__":
    main()

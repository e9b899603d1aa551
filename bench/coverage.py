"""Process coverage and org planning on a big demo, against the bare holders query measured in the
same run (the SQL every coverage run needs: who holds each step permission now, rows fetched).

Usage: python bench/coverage.py [--dialect sqlite|postgresql|mysql] [--size default|scale] [--runs N]
Opens the bench database read-only. The last line prints the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scale import ensure  # noqa: E402


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dialect", default="sqlite", choices=["sqlite", "postgresql", "mysql"])
    parser.add_argument("--size", default="scale", choices=["default", "scale"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from sqlalchemy import select

    from erp_console.db.engine import connect
    from erp_console.db.models import ProcessStep
    from erp_console.services.access.grants_query import holders_stmt
    from erp_console.services.processes.catalog import list_processes
    from erp_console.services.processes.coverage import coverage
    from erp_console.services.processes.org_plan import MergeDepartments, plan_org_change

    db = connect(ensure(args.dialect, args.size), read_only=True)
    today = dt.date.today()
    with db.session() as s:
        perm_ids = set(s.scalars(select(ProcessStep.permission_id)))

    def baseline() -> int:
        with db.session() as s:
            return len(s.execute(holders_stmt(perm_ids, today)).all())

    rows = baseline()
    base = timed(baseline, args.runs)
    cov = timed(lambda: coverage(db), args.runs)
    listing = timed(lambda: list_processes(db), args.runs)
    plan = timed(lambda: plan_org_change(db, MergeDepartments("FIN-AR", "FIN-AP")), args.runs)
    merged = plan_org_change(db, MergeDepartments("FIN-AR", "FIN-AP"))
    db.dispose()
    print(f"{args.dialect} {args.size}: {rows:,} holder rows for {len(perm_ids)} step permissions")
    print(f"baseline holders query   {base * 1000:8.1f} ms")
    print(f"coverage (all processes) {cov * 1000:8.1f} ms")
    print(f"process list + badges    {listing * 1000:8.1f} ms")
    print(
        f"plan merge FIN-AR→FIN-AP {plan * 1000:8.1f} ms ({len(merged.users)} users, "
        f"{merged.grants} grants, {merged.revokes} revokes)"
    )
    print(
        f"ratios vs baseline: coverage {cov / base:.2f}  list {listing / base:.2f}  plan {plan / base:.2f}"
    )


if __name__ == "__main__":
    main()

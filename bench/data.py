"""Data in and out on the scale demo: export rows/s against a raw driver cursor + csv.writer over the
same query (target >= 0.7, peak memory flat), import rows/s of a users CSV against a bare
executemany of the same rows (target >= 0.5), and backup + restore SQLite -> PostgreSQL.

Usage: python bench/data.py [--size scale|default] [--users N]
The last line prints the ratios.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scale import SERVER_URLS, ensure  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from erp_console.db.engine import connect  # noqa: E402
from erp_console.db.schema import init_schema  # noqa: E402

QUERY = "SELECT * FROM system_log ORDER BY id"


def raw_export(url: str, out: Path) -> int:
    engine = create_engine(url)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(QUERY)
        rows = 0
        with out.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow([d[0] for d in cur.description])
            while batch := cur.fetchmany(2000):
                writer.writerows(batch)
                rows += len(batch)
        return rows
    finally:
        raw.close()
        engine.dispose()


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started, None


def peak_memory(fn, *args, **kwargs) -> int:
    """Peak Python heap of one run (measured apart: tracemalloc slows everything down)."""
    tracemalloc.start()
    try:
        fn(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def users_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("login,full_name,email,valid_from\n")
        for i in range(count):
            fh.write(f"bench{i:06d},Bench User {i},bench{i}@example.com,2026-03-01\n")


def fresh_sqlite(name: str):
    path = Path(tempfile.gettempdir()) / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    db = connect(f"sqlite:///{path}")
    init_schema(db)
    return db


def bare_executemany(db, path: Path) -> int:
    import datetime as dt

    with path.open(encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = [
            {
                "login": r[0],
                "login_key": r[0].lower(),
                "full_name": r[1],
                "email": r[2],
                "valid_from": dt.date.fromisoformat(r[3]),
                "status": "active",
                "created_at": dt.datetime(2026, 1, 1),
                "version": 1,
            }
            for r in reader
        ]
    from sqlalchemy import insert

    from erp_console.db.models import ErpUser

    with db.begin() as s:
        s.execute(insert(ErpUser.__table__), rows)
    return len(rows)


def fresh_pg(name: str) -> str:
    admin = create_engine(f"{SERVER_URLS['postgresql']}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{SERVER_URLS['postgresql']}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="scale", choices=["scale", "default"])
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    from erp_console.services.data.backup import backup, restore
    from erp_console.services.data.export import export
    from erp_console.services.data.importer import import_file

    url = ensure("sqlite", args.size)
    db = connect(url)
    tmp = Path(tempfile.mkdtemp(prefix="erp-bench-"))

    rows, raw_s, _ = timed(raw_export, url, tmp / "raw.csv")
    ours, ours_s, _ = timed(export, db, "system_log", tmp / "ours.csv")
    print(
        f"export system_log: {rows:,} rows; raw cursor+csv.writer {rows / raw_s:,.0f} rows/s, "
        f"erp-console {ours.rows / ours_s:,.0f} rows/s"
    )
    big_peak = peak_memory(export, db, "system_log", tmp / "ours2.csv")
    small_peak = peak_memory(export, db, "erp_user", tmp / "small.csv")
    print(
        f"peak memory: exporting erp_user {small_peak / 1e6:.1f} MB, "
        f"system_log ({ours.rows:,} rows) {big_peak / 1e6:.1f} MB"
    )

    path = tmp / "users.csv"
    users_csv(path, args.users)
    bare_db = fresh_sqlite("erp-bench-import-bare.sqlite3")
    _, bare_s, _ = timed(bare_executemany, bare_db, path)
    imp_db = fresh_sqlite("erp-bench-import.sqlite3")
    result, imp_s, _ = timed(import_file, imp_db, "users", path, actor="bench")
    print(
        f"import {args.users:,} users: bare executemany {args.users / bare_s:,.0f} rows/s, "
        f"erp-console {result.inserted / imp_s:,.0f} rows/s (validation included)"
    )

    archive = tmp / "scale.zip"
    made, backup_s, _ = timed(backup, db, archive)
    target = connect(fresh_pg("erpc_bench_restore"))
    init_schema(target)
    restored, restore_s, _ = timed(restore, target, archive, actor="bench")
    total = sum(made.rows.values())
    print(
        f"backup SQLite {total:,} rows in {backup_s:.1f} s ({made.bytes / 1e6:.0f} MB); "
        f"restore into PostgreSQL in {restore_s:.1f} s"
    )
    target.dispose()
    print(
        f"ratios: export/raw {(ours.rows / ours_s) / (rows / raw_s):.2f} (target >= 0.7); "
        f"import/executemany {(result.inserted / imp_s) / (args.users / bare_s):.2f} "
        f"(target >= 0.5); backup+restore {backup_s + restore_s:.1f} s"
    )


if __name__ == "__main__":
    main()

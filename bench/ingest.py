"""Log ingest at scale, side by side with lnav and with psql's \\copy.

1. Writes a 1M-line Odoo server log (every 200th entry an ERROR with a 6-line traceback).
2. Per dialect: `logs ingest` of the file into a fresh database, in a child process: lines/s by
   the wall clock and per CPU-second of the ingesting process, peak RSS.
3. lnav on the same file: `lnav -n -c ';SELECT count(*) FROM all_logs' FILE` (open and query);
   ratio = ingest time / lnav time.
4. The database's floor: the same entries, parsed beforehand and held in memory, written by the
   console's bulk writer alone into a fresh database of the same schema (the parsing left out),
   then again with the secondary and full-text indexes dropped. No ingest into this schema can
   beat the first figure; the second shows what the indexes cost.
5. Restore: a backup of the SQLite database restored into a fresh PostgreSQL database, against
   psql's `\\copy … FROM` of the same system_log rows into a fresh PostgreSQL database with the
   same schema; ratio = restore rows/s / \\copy rows/s.

Usage: python bench/ingest.py [--lines N] [--dialects sqlite,postgresql,mysql] [--no-restore]
       [--no-floor]
Target: ingest >= 100,000 lines/s per dialect (issue 16). This machine is shared: figures are
as measured, noisy; the CPU-second rate shows what the process costs when it gets a core.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from records import fresh_database  # noqa: E402
from sqlalchemy import make_url  # noqa: E402

TARGET = 100_000
LOGGERS = (
    "odoo.addons.account.models.account_move",
    "odoo.addons.stock.models.stock_picking",
    "odoo.addons.base.models.ir_cron",
    "odoo.sql_db",
    "werkzeug",
    "odoo.http",
)
TRACEBACK = (
    "Traceback (most recent call last):",
    '  File "/usr/lib/python3/dist-packages/odoo/addons/account/models/account_move.py", line 4127, in _post',
    "    move._check_balanced()",
    '  File "/usr/lib/python3/dist-packages/odoo/addons/account/models/account_move.py", line 1874, in _check_balanced',
    "    raise UserError(error_msg)",
    "odoo.exceptions.UserError: The move is not balanced.",
)


def write_odoo_log(path: Path, lines: int, seed: int = 16) -> int:
    """`lines` lines of Odoo server log; returns how many entries they hold."""
    rng = random.Random(seed)
    start = dt.datetime(2026, 3, 1)
    written = entries = 0
    with path.open("w", encoding="utf-8") as f:
        while written < lines:
            ts = start + dt.timedelta(milliseconds=entries * 23)
            stamp = f"{ts:%Y-%m-%d %H:%M:%S},{ts.microsecond // 1000:03d}"
            pid = 4200 + entries % 9
            entries += 1
            if entries % 200 == 0 and written + 1 + len(TRACEBACK) <= lines:
                f.write(
                    f"{stamp} {pid} ERROR prod odoo.addons.account.models.account_move: "
                    f"Posting of move INV/2026/{entries:06d} failed\n"
                )
                f.write("\n".join(TRACEBACK) + "\n")
                written += 1 + len(TRACEBACK)
                continue
            logger = rng.choice(LOGGERS)
            if logger == "werkzeug":
                msg = (
                    f'192.0.2.{rng.randint(1, 254)} - - [{ts:%d/%b/%Y %H:%M:%S}] "POST '
                    f'/web/dataset/call_kw/account.move/read HTTP/1.1" 200 - {rng.randint(3, 90)} '
                    f"0.0{rng.randint(10, 99)} 0.{rng.randint(100, 999)}"
                )
            else:
                msg = (
                    f"user {rng.randint(2, 900)} posted move {rng.randint(10**6, 10**7)} "
                    f"in journal BNK{rng.randint(1, 4)}"
                )
            level = rng.choice(("INFO", "INFO", "INFO", "INFO", "WARNING", "DEBUG"))
            f.write(f"{stamp} {pid} {level} prod {logger}: {msg}\n")
            written += 1
    return entries


CHILD = """
import json, os, sys, time
from pathlib import Path
from erp_console.db.engine import connect
from erp_console.services.records.log_ingest import ingest_file
db = connect(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
result = ingest_file(db, sys.argv[2], actor="bench", force=True)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
hwm = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "cpu": cpu, "entries": result.lines_ok,
                  "peak_rss_mb": int(hwm.split()[1]) / 1024}))
"""


FLOOR_CHILD = """
import datetime as dt, gc, json, sys, time
from erp_console.db.engine import connect
from erp_console.db.models import LogIngest, utcnow
from erp_console.services.records.log_bulk import bulk_writer
from erp_console.services.records.log_formats import BY_NAME, Clock

INDEXES = ("ix_system_log_level_ts", "ix_system_log_user_ts", "ix_system_log_source_ts",
           "ix_system_log_ts", "ix_system_log_fts")
db = connect(sys.argv[1])
if sys.argv[3] == "bare":
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER system_log_fts_ai")
        for name in INDEXES:
            if db.dialect == "mysql":
                conn.exec_driver_sql(f"DROP INDEX {name} ON system_log")
            elif name != "ix_system_log_fts" or db.dialect == "postgresql":
                conn.exec_driver_sql(f"DROP INDEX {name}")
with db.begin() as session:
    ingest = LogIngest(file_name="floor", checksum="-", format="odoo", ingested_at=utcnow(),
                       ingested_by="bench")
    session.add(ingest)
    session.flush()
    ingest_id = ingest.id
with open(sys.argv[2], encoding="utf-8") as f:
    lines = ((n, line.rstrip("\\n")) for n, line in enumerate(f, 1))
    rows = [r + (ingest_id,) for r in BY_NAME["odoo"].parse(lines, Clock.for_zone(dt.timezone.utc))
            if isinstance(r, tuple)]
batches = [rows[i : i + 5000] for i in range(0, len(rows), 5000)]
gc.collect()
gc.freeze()  # the rows held for the run are not the writer's garbage to trace
start = time.perf_counter()
with db.begin() as session:
    writer = bulk_writer(session)
    written = writer.write_all(batches)
    writer.close()
print(json.dumps({"seconds": time.perf_counter() - start, "entries": written}))
"""


def floor(dialect: str, path: Path, variant: str) -> dict:
    url = fresh_database(dialect, f"erpc_bench_floor_{dialect}")
    out = subprocess.run(
        [sys.executable, "-c", FLOOR_CHILD, url, str(path), variant],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def ingest(dialect: str, path: Path) -> tuple[dict, str]:
    url = fresh_database(dialect, f"erpc_bench_ingest_{dialect}")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1]), url


def lnav_seconds(path: Path) -> tuple[float, str] | None:
    if shutil.which("lnav") is None:
        return None
    home = Path(tempfile.mkdtemp(prefix="erpc-lnav-"))  # lnav's config and index, not the user's
    start = time.perf_counter()
    out = subprocess.run(
        ["lnav", "-n", "-c", ";SELECT count(*) FROM all_logs", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(home)},
        check=False,
    )
    seconds = time.perf_counter() - start
    shutil.rmtree(home, ignore_errors=True)
    return seconds, (out.stdout.strip().splitlines() or ["?"])[-1]


def psql(url: str, *args: str) -> None:
    u = make_url(url)
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", u.host or "127.0.0.1"]
    command += ["-p", str(u.port or 5432), "-U", u.username or "root", "-d", u.database or ""]
    subprocess.run([*command, *args], check=True, capture_output=True)


def restore_against_copy(sqlite_url: str, tmp: Path) -> dict:
    from erp_console.db.engine import connect
    from erp_console.services.data.backup import backup, restore

    archive = tmp / "ingested.zip"
    source = connect(sqlite_url)
    backup(source, archive)
    source.dispose()
    target_url = fresh_database("postgresql", "erpc_bench_ingest_restore")
    target = connect(target_url)
    start = time.perf_counter()
    restored = restore(target, archive, actor="bench")
    restore_s = time.perf_counter() - start
    rows = sum(restored.rows.values())
    target.dispose()
    dump = tmp / "system_log.copy"
    psql(target_url, "-c", f"\\copy system_log TO '{dump}'")
    copy_url = fresh_database("postgresql", "erpc_bench_ingest_copy")
    psql(
        copy_url,
        "-c",
        "INSERT INTO log_ingest (id, file_name, checksum, format, ingested_at, "
        "ingested_by, lines_ok, lines_bad) SELECT 1, 'x', 'x', 'odoo', now(), 'bench', 0, 0",
    )
    start = time.perf_counter()
    psql(copy_url, "-c", f"\\copy system_log FROM '{dump}'")
    copy_s = time.perf_counter() - start
    log_rows = restored.rows.get("system_log", 0)
    return {
        "rows": rows,
        "restore_s": restore_s,
        "log_rows": log_rows,
        "copy_s": copy_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--dialects", default="sqlite,postgresql,mysql")
    parser.add_argument("--no-restore", action="store_true")
    parser.add_argument("--no-floor", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="erpc-bench-ingest-"))
    path = tmp / "odoo-server.log"
    entries = write_odoo_log(path, args.lines)
    size_mb = path.stat().st_size / 1e6
    print(f"file: {args.lines:,} lines, {entries:,} entries, {size_mb:.0f} MB (Odoo server log)")
    lnav = lnav_seconds(path)
    if lnav:
        print(f"lnav open + SELECT count(*) FROM all_logs: {lnav[0]:.2f} s (answer: {lnav[1]})")
    else:
        print("lnav: not installed (apt-get install lnav)")
    urls = {}
    missed = []
    for dialect in [d.strip() for d in args.dialects.split(",") if d.strip()]:
        figures, urls[dialect] = ingest(dialect, path)
        rate = args.lines / figures["seconds"]
        ratio = f"; ingest/lnav {figures['seconds'] / lnav[0]:.1f}" if lnav else ""
        print(
            f"{dialect:<10} ingest {figures['seconds']:6.1f} s  {rate:>9,.0f} lines/s "
            f"({args.lines / figures['cpu']:,.0f} lines per CPU-second of the process), "
            f"{figures['entries']:,} entries, peak RSS {figures['peak_rss_mb']:.0f} MB{ratio}"
        )
        if rate < TARGET:
            missed.append(dialect)
        if not args.no_floor:
            full, bare = floor(dialect, path, "full"), floor(dialect, path, "bare")
            print(
                f"{'':<10} the database alone (entries parsed beforehand, same writer): "
                f"{args.lines / full['seconds']:,.0f} lines/s with the schema's indexes, "
                f"{args.lines / bare['seconds']:,.0f} without its secondary and full-text "
                f"indexes; ingest/floor {figures['seconds'] / full['seconds']:.2f}"
            )
    if not args.no_restore and "sqlite" in urls:
        r = restore_against_copy(urls["sqlite"], tmp)
        restore_rate, copy_rate = r["rows"] / r["restore_s"], r["log_rows"] / r["copy_s"]
        print(
            f"restore SQLite -> PostgreSQL: {r['rows']:,} rows in {r['restore_s']:.1f} s "
            f"({restore_rate:,.0f} rows/s); psql \\copy of the same {r['log_rows']:,} system_log "
            f"rows: {r['copy_s']:.1f} s ({copy_rate:,.0f} rows/s); restore/\\copy "
            f"{restore_rate / copy_rate:.2f}"
        )
    shutil.rmtree(tmp, ignore_errors=True)
    print(
        "ingest target >= 100,000 lines/s: "
        + ("met" if not missed else f"missed on {', '.join(missed)} (as measured)")
    )


if __name__ == "__main__":
    main()

"""System log search and ingest, each against a baseline measured in the same run.

Search (on the scale demo, read only):
  - text search: p95 of the first page (100 lines, newest first) of common words, rare words
    (a document number) and an absent word through the
    full-text index, against the same queries as a full scan (escaped LIKE, `use_index=False`);
  - helpdesk search: one user's lines of the last hour, against the same query with its
    conditions wrapped so no index can serve them (a full scan).
Ingest (into a fresh database): a 200k-line text log through `ingest_file` against a bare DBAPI
`executemany` of the same rows, already parsed; peak RSS of the ingesting process for a file of
50k and of 200k lines (flat memory means the two are close).

Usage: python bench/records.py [--dialect sqlite|postgresql|mysql|all] [--size medium|scale]
                               [--runs N] [--lines N]
Targets: search ratios (scan / index) well above 1; ingest ratio (ingest / executemany) >= 0.5.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _scale import SERVER_URLS, ensure  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from erp_console.db.engine import connect  # noqa: E402
from erp_console.db.models import SystemLog  # noqa: E402
from erp_console.db.schema import init_schema  # noqa: E402
from erp_console.services.records import logs  # noqa: E402
from erp_console.services.records.logs import COLUMNS, LogFilter  # noqa: E402

TEXT_QUERIES = ("aborted", "pool exhausted", "wrong password", "DBSQL_DUPLICATE_KEY", "F110")
LEVELS = ("INFO", "INFO", "INFO", "WARNING", "ERROR", "DEBUG")


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def recent_users(session, since: dt.datetime) -> list[str]:
    """Up to 200 people (not the batch user) with log lines since `since`."""
    return list(
        session.scalars(
            select(SystemLog.user_login)
            .where(SystemLog.ts >= since, SystemLog.user_login != "batch")
            .group_by(SystemLog.user_login)
            .limit(200)
        )
    )


def scan_user_hour(db, user: str, since: dt.datetime, until: dt.datetime) -> list:
    """The helpdesk query with every condition wrapped in coalesce(): no index can serve it."""
    stmt = (
        select(*COLUMNS)
        .where(func.coalesce(SystemLog.user_login, "") == user)
        .where(func.coalesce(SystemLog.ts, SystemLog.ts) >= since)
        .where(func.coalesce(SystemLog.ts, SystemLog.ts) < until)
        .order_by(SystemLog.ts.desc(), SystemLog.id.desc())
        .limit(100)
    )
    with db.session() as s:
        return s.execute(stmt).all()


def bench_search(url: str, runs: int) -> dict:
    db = connect(url, read_only=True)
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(SystemLog))
        newest = s.scalar(select(func.max(SystemLog.ts)))
        since, until = newest - dt.timedelta(hours=1), newest + dt.timedelta(seconds=1)
        users = recent_users(s, since)
    rng = random.Random(7)
    with db.session() as s:
        posted = s.scalars(
            select(SystemLog.message).where(SystemLog.event == "DOC_POSTED").limit(3)
        ).all()
    queries = TEXT_QUERIES + tuple(m.split()[1] for m in posted) + ("no-such-word",)
    text_idx, text_scan, user_idx, user_scan = [], [], [], []
    hits = {}
    for _ in range(runs):
        for query in queries:
            flt = LogFilter(text=query)
            text_idx.append(timed(lambda f=flt: logs.search(db, f, limit=100)))
            text_scan.append(timed(lambda f=flt: logs.search(db, f, limit=100, use_index=False)))
        user = rng.choice(users)
        flt = LogFilter(user=user, since=since, until=until)
        found = logs.search(db, flt, limit=100)
        scanned = scan_user_hour(db, user, since, until)
        assert [r.id for r in found] == [r[0] for r in scanned], "index and scan disagree"
        hits[user] = len(found)
        user_idx.append(timed(lambda f=flt: logs.search(db, f, limit=100)))
        user_scan.append(timed(lambda u=user: scan_user_hour(db, u, since, until)))
    for query in queries:
        a = [r.id for r in logs.search(db, LogFilter(text=query), limit=100)]
        b = [r.id for r in logs.search(db, LogFilter(text=query), limit=100, use_index=False)]
        assert a == b, f"index and scan disagree for {query!r}"
    db.dispose()
    return {
        "lines": total,
        "text_p95_ms": p95(text_idx),
        "text_scan_p95_ms": p95(text_scan),
        "user_hour_p95_ms": p95(user_idx),
        "user_hour_scan_p95_ms": p95(user_scan),
        "user_hour_median_hits": statistics.median(hits.values()) if hits else 0,
    }


# --- ingest ---------------------------------------------------------------------------------


def write_log(path: Path, lines: int, seed: int) -> None:
    rng = random.Random(seed)
    start = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)
    with path.open("w", encoding="utf-8") as f:
        for i in range(lines):
            ts = start + dt.timedelta(seconds=i * 2 + rng.random())
            user = f"user{rng.randint(1, 5000):04d}"
            f.write(
                f"{ts.isoformat(timespec='milliseconds').replace('+00:00', 'Z')} "
                f"{rng.choice(LEVELS)} FI.{rng.choice(('AP', 'AR', 'GL'))} {user} "
                f"{user} posted document {rng.randint(10**6, 10**7)} in company code 1000 ({seed})\n"
            )


def fresh_database(dialect: str, name: str) -> str:
    if dialect == "sqlite":
        path = Path(tempfile.gettempdir()) / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        admin_db = "postgres" if dialect == "postgresql" else ""
        admin = create_engine(f"{SERVER_URLS[dialect]}/{admin_db}", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = f"{SERVER_URLS[dialect]}/{name}"
    db = connect(url)
    init_schema(db)
    db.dispose()
    return url


def parsed_rows(path: Path) -> list[tuple]:
    from erp_console.services.records.log_lines import text_parser, to_row

    parse = text_parser(None)
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = to_row(parse(line.rstrip("\n")), dt.timezone.utc)
            rows.append(
                (r["ts"], r["level"], r["source"], r["user_login"], None, None, r["message"])
            )
    return rows


def bare_executemany(url: str, rows: list[tuple]) -> float:
    db = connect(url)
    raw = db.engine.raw_connection()
    style = "?" if db.dialect == "sqlite" else "%s"
    sql = (
        "INSERT INTO system_log (ts, level, source, user_login, host, event, message) VALUES ("
        + ", ".join([style] * 7)
        + ")"
    )
    start = time.perf_counter()
    cur = raw.cursor()
    if db.dialect == "sqlite":
        cur.execute("BEGIN")
    for i in range(0, len(rows), 5000):
        cur.executemany(sql, rows[i : i + 5000])
    raw.commit()
    elapsed = time.perf_counter() - start
    cur.close()
    raw.close()
    db.dispose()
    return elapsed


# VmHWM, not ru_maxrss: Linux carries the parent's peak across fork+exec into ru_maxrss.
CHILD = """
import json, sys, time
from pathlib import Path
from erp_console.db.engine import connect
from erp_console.services.records.log_ingest import ingest_file
db = connect(sys.argv[1])
start = time.perf_counter()
result = ingest_file(db, sys.argv[2], actor="bench", force=True)
elapsed = time.perf_counter() - start
hwm = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "lines": result.lines_ok,
                  "peak_rss_mb": int(hwm.split()[1]) / 1024}))
"""


def ingest_in_child(url: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_ingest(dialect: str, lines: int) -> dict:
    tmp = Path(tempfile.gettempdir())
    big, small = tmp / "erpc-bench-ingest-big.log", tmp / "erpc-bench-ingest-small.log"
    write_log(big, lines, seed=int(time.time()))
    write_log(small, lines // 4, seed=int(time.time()) + 1)
    rows = parsed_rows(big)
    base_url = fresh_database(dialect, "erpc_bench_ingest_base")
    base_s = bare_executemany(base_url, rows)
    del rows
    url = fresh_database(dialect, "erpc_bench_ingest")
    small_run = ingest_in_child(url, small)
    url = fresh_database(dialect, "erpc_bench_ingest")
    big_run = ingest_in_child(url, big)
    for path in (big, small):
        path.unlink(missing_ok=True)
    return {
        "ingest_lines_per_s": big_run["lines"] / big_run["seconds"],
        "executemany_lines_per_s": lines / base_s,
        "peak_rss_mb_small": small_run["peak_rss_mb"],
        "peak_rss_mb_big": big_run["peak_rss_mb"],
        "lines_small": small_run["lines"],
        "lines_big": big_run["lines"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--dialect", default="sqlite", choices=("sqlite", "postgresql", "mysql", "all")
    )
    parser.add_argument("--size", default="medium", help="medium (scale 25) or scale (250)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args()
    dialects = ("sqlite", "postgresql", "mysql") if args.dialect == "all" else (args.dialect,)
    ratios = []
    for dialect in dialects:
        url = ensure(dialect, args.size)
        s = bench_search(url, args.runs)
        print(
            f"{dialect} search on {s['lines']:,} lines: text p95 {s['text_p95_ms']:.1f} ms "
            f"(full scan {s['text_scan_p95_ms']:.1f} ms); user last hour p95 "
            f"{s['user_hour_p95_ms']:.1f} ms (full scan {s['user_hour_scan_p95_ms']:.1f} ms, "
            f"median {s['user_hour_median_hits']} lines)"
        )
        ratio = (
            f"{dialect}: text scan/index {s['text_scan_p95_ms'] / s['text_p95_ms']:.1f}x, "
            f"user-hour scan/index {s['user_hour_scan_p95_ms'] / s['user_hour_p95_ms']:.1f}x"
        )
        if not args.skip_ingest:
            i = bench_ingest(dialect, args.lines)
            print(
                f"{dialect} ingest of {i['lines_big']:,} lines: {i['ingest_lines_per_s']:,.0f} lines/s "
                f"(bare executemany {i['executemany_lines_per_s']:,.0f} lines/s); peak RSS "
                f"{i['peak_rss_mb_small']:.0f} MB for {i['lines_small']:,} lines, "
                f"{i['peak_rss_mb_big']:.0f} MB for {i['lines_big']:,} lines"
            )
            ratio += (
                f", ingest/executemany {i['ingest_lines_per_s'] / i['executemany_lines_per_s']:.2f}"
                f" (target >= 0.5), RSS big/small {i['peak_rss_mb_big'] / i['peak_rss_mb_small']:.2f}"
            )
        ratios.append(ratio)
    print("ratios: " + "; ".join(ratios))


if __name__ == "__main__":
    main()

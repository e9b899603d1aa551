"""The Odoo connector at ~100k users against the demo-sized company: screen 2's first rows
(list_users, first 100, plus count_users) and who-has, median of N calls each.

Who-has is measured on permissions granted by administration groups (res.users:write,
ir.model.access:write, account.journal:write), whose holders do not grow with the company; a
who-has of a right every clerk holds returns ~250 times the rows at 250 times the users and is
printed for information (no target). Target: ratio <= 1.3 for the first page and for who-has.

Builds `erpc_bench_odoo_s1` and `erpc_bench_odoo_s250` on the PostgreSQL server once (kept for the
next run; ~1 minute for the large one) — `--rebuild` drops and builds them again.

Usage: python bench/connector_odoo.py [--calls 40] [--rebuild]   (the two scales take turns call by call)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _measure  # noqa: E402
from _scale import SERVER_URLS  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from erp_console.db.engine import connect  # noqa: E402
from erp_console.db.schema import init_schema  # noqa: E402
from erp_console.demo.erp import odoo as demo  # noqa: E402
from erp_console.services.access.backends.odoo import OdooIdentity  # noqa: E402

SCALES = (1, 250)
FLAT_CODES = ("res.users:write", "ir.model.access:write", "account.journal:write")
GROWING_CODE = "account.payment:create"


def _expected_users(scale: int) -> int:
    per_scale = demo.BASE_INTERNAL + demo.BASE_PORTAL + demo.BASE_NO_GROUP
    return 5 + len(demo.KEY_PEOPLE) + per_scale * scale


def ensure(scale: int, rebuild: bool) -> str:
    base = SERVER_URLS["postgresql"]
    name = f"erpc_bench_odoo_s{scale}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if exists and not rebuild:
                probe = create_engine(f"{base}/{name}")
                try:
                    with probe.connect() as pc:
                        users = pc.execute(text("SELECT count(*) FROM res_users")).scalar()
                except Exception:  # noqa: BLE001 - half-built: build again
                    users = None
                finally:
                    probe.dispose()
                if users == _expected_users(scale):
                    return f"{base}/{name}"
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        admin.dispose()
    print(f"building the Odoo demo at scale {scale} …", file=sys.stderr)
    started = time.perf_counter()
    counts = demo.build(f"{base}/{name}", scale=scale)
    print(
        f"  {counts['res_users']:,} users, {counts['res_groups_users_rel']:,} memberships "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return f"{base}/{name}"


def cases(odoo: OdooIdentity) -> dict[str, object]:
    def first_page():
        odoo.list_users(limit=100)
        odoo.count_users()

    def who_has_flat():
        for code in FLAT_CODES:
            odoo.who_has(code)

    return {
        "first page": first_page,
        "who-has": who_has_flat,
        "who-has (every clerk)": lambda: odoo.who_has(GROWING_CODE),
    }


def measure(backends: dict[int, OdooIdentity], calls: int) -> dict[int, dict[str, float]]:
    """Median ms per case and scale; the scales take turns call by call, so both see the same
    load on a shared machine."""
    samples: dict[int, dict[str, list[float]]] = {scale: {} for scale in backends}
    for round_ in range(calls + 3):
        for scale, odoo in backends.items():
            for name, call in cases(odoo).items():
                if name.endswith("(every clerk)") and round_ >= 8:
                    continue
                start = time.perf_counter()
                call()
                if round_ >= 3:
                    samples[scale].setdefault(name, []).append(time.perf_counter() - start)
    results = {}
    for scale, odoo in backends.items():
        figures = {
            name: statistics.median(values) * 1000 for name, values in samples[scale].items()
        }
        figures["who-has"] /= len(FLAT_CODES)
        figures["holders (every clerk)"] = len(odoo.who_has(GROWING_CODE))
        results[scale] = figures
    return results


ENGINES = ("postgresql",)  # Odoo runs on PostgreSQL only
TABLE_CALLS = 40


def _results(calls: int, rebuild: bool = False) -> dict[int, dict[str, float]]:
    urls = {scale: ensure(scale, rebuild) for scale in SCALES}
    store = connect(f"sqlite:///{Path(tempfile.mkdtemp()) / 'store.sqlite3'}")
    init_schema(store)
    demo.seed_store(store, actor="bench")
    targets = {scale: connect(url) for scale, url in urls.items()}
    try:
        return measure({scale: OdooIdentity(t, store) for scale, t in targets.items()}, calls)
    finally:
        for target in targets.values():
            target.dispose()
        store.dispose()


def table_rows(engines=ENGINES, calls: int = TABLE_CALLS) -> list[dict]:
    """The figures with a target, as rows of bench/run_all.py's table."""
    if "postgresql" not in engines:
        return []
    results = _results(calls)
    small, large = results[SCALES[0]], results[SCALES[1]]
    return [
        _measure.row(
            f"Odoo {name} at 100k vs 400 users (postgresql)", large[name], small[name], "<= 1.3"
        )  # fmt: skip
        for name in ("first page", "who-has")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=TABLE_CALLS)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    results = _results(args.calls, args.rebuild)
    small, large = results[SCALES[0]], results[SCALES[1]]
    print(f"{'figure':28} {'scale 1':>12} {'scale 250':>12} {'ratio':>7}")
    for name in small:
        unit = "" if name.startswith("holders") else " ms"
        ratio = large[name] / small[name] if small[name] else float("inf")
        print(f"{name:28} {small[name]:>9.2f}{unit:3} {large[name]:>9.2f}{unit:3} {ratio:>7.2f}")
    page = large["first page"] / small["first page"]
    who = large["who-has"] / small["who-has"]
    met = "met" if max(page, who) <= 1.3 else "NOT met"
    print(f"ratios 100k/400 users: first page {page:.2f}, who-has {who:.2f} (target <= 1.3: {met})")


if __name__ == "__main__":
    main()

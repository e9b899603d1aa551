"""The ERPNext connector at 100k users (demo --erp erpnext --scale 250) vs the demo size (scale 1),
on MariaDB: screen 2's first page (the first 100 users and their count) and who-has.

Each figure is the median of N calls in the same run, the two databases taking turns so a slow
spell of the machine falls on both sides; target ratio <= 1.3. who-has is measured for a right
whose holders do not grow with the company (`User:write`: the System Managers) and, for
information, for one held by a share of the staff (`Purchase Invoice:submit`: the list itself
grows 250-fold).

Without an index on `tabHas Role`.role (Frappe creates none: has_role.json, `search_index: 0`, and
the console adds none to an ERP database) "who holds these roles" is a scan of Has Role for any
program, Frappe included. So who-has is also set beside the lookup Frappe itself runs for the same
roles at 100k users (frappe.utils.user.get_users_with_role: Has Role joined to enabled Users,
distinct names), in the same run: that ratio says what the console adds to the ERP's own cost.

The bench databases `erpc_bench_erpnext_s1` and `erpc_bench_erpnext_s250` are
built on first use (about a minute) and kept.

Usage: python bench/connector_erpnext.py [--calls 30]
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
import _scale  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from tabulate import tabulate  # noqa: E402

from erp_console.db.engine import connect  # noqa: E402
from erp_console.db.schema import init_schema  # noqa: E402
from erp_console.demo.erp import erpnext as demo  # noqa: E402
from erp_console.services.access.backends.erpnext import (  # noqa: E402
    ErpnextIdentity,
    load_matrix,
)

SCALES = (1, 250)


def ensure(scale: int) -> str:
    """The URL of the bench database of that scale, built when missing or incomplete."""
    server = _scale.SERVER_URLS["mysql"]
    name = f"erpc_bench_erpnext_s{scale}"
    url = f"{server}/{name}"
    users = (demo.SYSTEM_USERS + demo.WEBSITE_USERS) * scale + 2
    admin = create_engine(f"{server}/", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        try:
            found = conn.execute(text(f"SELECT count(*) FROM {name}.tabUser")).scalar()
        except Exception:  # noqa: BLE001 - missing database or table: build it
            found = None
        if found != users:
            print(f"building the ERPNext demo at scale {scale} …", file=sys.stderr)
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    if found != users:
        demo.build(url, scale=scale)
    return url


def median_ms(call, calls: int) -> float:
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


ENGINES = ("mysql",)  # ERPNext (Frappe) runs on MariaDB
TABLE_CALLS = 30


INFORMATION = "who-has Purchase Invoice:submit (grows with staff)"  # no target: the list grows


def table_rows(
    engines=ENGINES, calls: int = TABLE_CALLS, *, information: bool = False
) -> list[dict]:
    """The figures with a target as rows of bench/run_all.py's table; with `information`, also
    the who-has whose answer grows with the staff (this script prints it)."""
    if "mysql" not in engines:
        return []
    store = connect(f"sqlite:///{Path(tempfile.mkdtemp()) / 'store.sqlite3'}")
    init_schema(store)
    demo.seed_store(store, actor="bench")
    backends = {
        scale: ErpnextIdentity(connect(ensure(scale), read_only=True), store) for scale in SCALES
    }
    cases = {
        "screen 2 first page (100 users + count)": lambda b: (
            b.list_users(limit=100),
            b.count_users(),
        ),
        WHO_HAS: lambda b: b.who_has("User:write"),
    }
    if information:
        cases[INFORMATION] = lambda b: b.who_has("Purchase Invoice:submit")
    times: dict[str, dict[int, list[float]]] = {name: {s: [] for s in SCALES} for name in cases}
    frappe_times: list[float] = []
    frappe = create_engine(ensure(250))
    try:
        with frappe.connect() as conn:
            frappe_lookup = frappe_users_with_roles(conn, "User:write")
            for name, case in cases.items():
                for backend in backends.values():
                    case(backend)  # warm the pool and the buffer pool
                for _round in range(3):  # the two sizes (and Frappe's own lookup) take turns
                    for scale, backend in backends.items():
                        times[name][scale].append(median_ms(lambda b=backend, c=case: c(b), calls))
                    if name == WHO_HAS:
                        frappe_times.append(median_ms(frappe_lookup, calls))
    finally:
        for backend in backends.values():
            backend.target.dispose()
        store.dispose()
        frappe.dispose()
    rows = [
        _measure.row(
            f"ERPNext {name} at 100k vs 400 users (mysql)",
            statistics.median(times[name][250]),
            statistics.median(times[name][1]),
            "<= 1.3",
        )
        for name in cases
    ]
    rows.append(
        _measure.row(
            "ERPNext who-has User:write vs Frappe's own lookup of its roles, 100k users (mysql)",
            statistics.median(times[WHO_HAS][250]),
            statistics.median(frappe_times),
            "<= 1.3",
        )
    )
    return rows


WHO_HAS = "who-has User:write (System Managers)"
FRAPPE_USERS_WITH_ROLE = text(
    "SELECT DISTINCT u.name FROM `tabHas Role` h, `tabUser` u"
    " WHERE h.role = :role AND u.name != 'Administrator' AND u.enabled = 1 AND h.parent = u.name"
)


def frappe_users_with_roles(conn, code: str):
    """Frappe's own users-with-role query, run for each role granting `code` (warmed once)."""
    roles = sorted(load_matrix(conn).granting_roles(code))

    def lookup() -> None:
        for role in roles:
            conn.execute(FRAPPE_USERS_WITH_ROLE, {"role": role}).all()

    lookup()
    return lookup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=TABLE_CALLS)
    args = parser.parse_args()
    rows = table_rows(calls=args.calls, information=True)
    print(tabulate(rows, headers="keys"))
    print("ratios: " + ", ".join(f"{r['figure'].split(' at ')[0]} {r['ratio']}" for r in rows))


if __name__ == "__main__":
    main()

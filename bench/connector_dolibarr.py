"""The Dolibarr connector at ~100k users (demo scale 250) against the demo size (scale 1), on
MariaDB and PostgreSQL: screen 2's first page (the first 100 users and the count) and who-has of
sensitive rights (held by groups whose size does not grow with the company).

Figures are medians over N calls (80 by default), the two sizes called in turn so the machine's noise falls on
both. Target: ratio (scale 250 / scale 1) <= 1.3. The last line prints the ratios.

On PostgreSQL Dolibarr creates no index leading with llx_usergroup_user.fk_usergroup (on MariaDB
the foreign key brings one), and the console adds none to an ERP database: the members of a group
are a scan of the memberships there for any program, Dolibarr included. So each who-has is also
set beside the lookups Dolibarr itself runs for the same answer at 100k users, in the same run:
the members of every group holding the right (UserGroup::listUsersForGroup: llx_user joined to
llx_usergroup_user on fk_usergroup) and the users holding it directly (llx_user_rights on fk_id).

The bench databases (erpc_bench_dolibarr_s1, erpc_bench_dolibarr_s250) are built on first use with
`erp_console.demo.erp.dolibarr.build` (about a minute per engine for scale 250) and kept.

Usage: python bench/connector_dolibarr.py [--engine mysql|postgresql|both] [--calls 80]
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
from sqlalchemy import bindparam, create_engine, text  # noqa: E402
from tabulate import tabulate  # noqa: E402

from erp_console.db.engine import connect  # noqa: E402
from erp_console.db.schema import init_schema  # noqa: E402
from erp_console.demo.erp.dolibarr import BASE_USERS, build, seed_store  # noqa: E402
from erp_console.services.access.backends.dolibarr import DolibarrIdentity  # noqa: E402

SCALES = (1, 250)
WHO_HAS = (
    "banque.configurer",
    "fournisseur.supplier_invoice_advance.validate",
    "fournisseur.commande.approuver",
)


def _url(engine: str, scale: int) -> str:
    return f"{SERVER_URLS[engine]}/erpc_bench_dolibarr_s{scale}"


def ensure(engine: str, scale: int) -> str:
    url = _url(engine, scale)
    probe = create_engine(url)
    try:
        with probe.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM llx_user")).scalar() == BASE_USERS * scale:
                return url
    except Exception:  # noqa: BLE001 - missing database or tables: build them
        pass
    finally:
        probe.dispose()
    admin = create_engine(
        f"{SERVER_URLS[engine]}/{'postgres' if engine == 'postgresql' else ''}",
        isolation_level="AUTOCOMMIT",
    )
    name = f"erpc_bench_dolibarr_s{scale}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    print(f"building the Dolibarr demo at scale {scale} on {engine} …", file=sys.stderr)
    build(url, scale=scale)
    return url


DOLIBARR_RIGHT_IDS = text(
    "SELECT id FROM llx_rights_def WHERE module = :module AND perms = :perms"
    " AND (subperms = :subperms OR (:subperms = '' AND (subperms IS NULL OR subperms = '')))"
)
DOLIBARR_GROUPS_WITH_RIGHT = text(
    "SELECT DISTINCT fk_usergroup FROM llx_usergroup_rights WHERE fk_id IN :ids"
).bindparams(bindparam("ids", expanding=True))
DOLIBARR_GROUP_MEMBERS = text(
    "SELECT u.rowid, u.login, u.lastname, u.firstname, u.statut"
    " FROM llx_user AS u, llx_usergroup_user AS ug"
    " WHERE ug.fk_user = u.rowid AND ug.fk_usergroup = :group"
)
DOLIBARR_DIRECT_HOLDERS = text(
    "SELECT u.rowid, u.login, u.lastname, u.firstname, u.statut"
    " FROM llx_user AS u, llx_user_rights AS ur WHERE ur.fk_user = u.rowid AND ur.fk_id IN :ids"
).bindparams(bindparam("ids", expanding=True))


def dolibarr_lookup(conn, code: str):
    """Dolibarr's own queries for the holders of `code`: the right's ids, the groups holding it,
    each group's members and the direct holders."""
    module, perms, *rest = code.split(".")
    names = {"module": module, "perms": perms, "subperms": rest[0] if rest else ""}

    def lookup() -> None:
        ids = list(conn.scalars(DOLIBARR_RIGHT_IDS, names))
        for group in conn.scalars(DOLIBARR_GROUPS_WITH_RIGHT, {"ids": ids}).all():
            conn.execute(DOLIBARR_GROUP_MEMBERS, {"group": group}).all()
        conn.execute(DOLIBARR_DIRECT_HOLDERS, {"ids": ids}).all()

    return lookup


def _median_ms(calls: dict[int, callable], n: int) -> dict[int, float]:
    for call in calls.values():
        call()
    samples: dict[int, list[float]] = {scale: [] for scale in calls}
    for _ in range(n):
        for scale, call in calls.items():
            start = time.perf_counter()
            call()
            samples[scale].append(time.perf_counter() - start)
    return {scale: statistics.median(values) * 1000 for scale, values in samples.items()}


def run(engine: str, n: int, store) -> tuple[list[dict], dict[str, float]]:
    backends = {}
    for scale in SCALES:
        backends[scale] = DolibarrIdentity(connect(ensure(engine, scale), read_only=True), store)
    own = create_engine(ensure(engine, 250))
    own_conn = own.connect()
    cases = {
        "screen 2 first page (100 users + count)": {
            scale: (lambda b=b: (b.list_users(limit=100), b.count_users()))
            for scale, b in backends.items()
        },
    }
    for code in WHO_HAS:
        cases[f"who-has {code}"] = {
            scale: (lambda b=b, c=code: b.who_has(c)) for scale, b in backends.items()
        } | {DOLIBARR: dolibarr_lookup(own_conn, code)}
    rows, ratios = [], {}
    for name, calls in cases.items():
        figures = _median_ms(calls, n)
        ratio = figures[250] / figures[1]
        holders = len(backends[250].who_has(name.split()[-1])) if name.startswith("who") else ""
        rows.append(
            {
                "engine": engine,
                "figure": name,
                "scale 1 ms": f"{figures[1]:.2f}",
                "scale 250 ms": f"{figures[250]:.2f}",
                "holders @250": holders,
                "ratio": f"{ratio:.2f}",
                "met (<= 1.3)": "yes" if ratio <= 1.3 else "NO",
                "Dolibarr's own @250 ms": f"{figures[DOLIBARR]:.2f}" if DOLIBARR in figures else "",
                "÷ own": f"{figures[250] / figures[DOLIBARR]:.2f}" if DOLIBARR in figures else "",
            }
        )
        ratios[name] = ratio
    own_conn.close()
    own.dispose()
    for backend in backends.values():
        backend.target.dispose()
    return rows, ratios


DOLIBARR = "dolibarr"  # Dolibarr's own lookups at scale 250, taking turns with the console's


ENGINES = ("mysql", "postgresql")  # Dolibarr runs on both
TABLE_CALLS = 80


def table_rows(engines=ENGINES, calls: int = TABLE_CALLS) -> list[dict]:
    """The figures as rows of bench/run_all.py's table, on the engines asked for."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        store = connect(f"sqlite:///{Path(tmp) / 'store.sqlite3'}")
        init_schema(store)
        seed_store(store, actor="bench")
        for engine in (e for e in ENGINES if e in engines):
            engine_rows, _ratios = run(engine, calls, store)
            baselines = (
                ("at 100k vs 400 users", "scale 1 ms"),
                ("vs Dolibarr's own lookups, 100k users", "Dolibarr's own @250 ms"),
            )
            rows += [
                _measure.row(
                    f"Dolibarr {r['figure']} {against} ({engine})",
                    float(r["scale 250 ms"]),
                    float(r[baseline]),
                    "<= 1.3",
                )
                for against, baseline in baselines
                for r in engine_rows
                if r[baseline]
            ]
        store.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["mysql", "postgresql", "both"], default="both")
    parser.add_argument("--calls", type=int, default=TABLE_CALLS)
    args = parser.parse_args()
    engines = ("mysql", "postgresql") if args.engine == "both" else (args.engine,)
    with tempfile.TemporaryDirectory() as tmp:
        store = connect(f"sqlite:///{Path(tmp) / 'store.sqlite3'}")
        init_schema(store)
        seed_store(store, actor="bench")
        rows, last = [], []
        for engine in engines:
            engine_rows, ratios = run(engine, args.calls, store)
            rows += engine_rows
            first = ratios.pop("screen 2 first page (100 users + count)")
            last.append(f"{engine} first page {first:.2f}, who-has max {max(ratios.values()):.2f}")
        store.dispose()
    print(tabulate(rows, headers="keys"))
    print("ratios scale 250 / scale 1 (target <= 1.3): " + "; ".join(last))


if __name__ == "__main__":
    main()

"""Bench databases: the default demo and the scale demo (`demo --scale 250`, ~100k users and
~1M log lines) per dialect, built once and reused by every bench (kept until you drop them)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

SERVER_URLS = {
    "postgresql": os.environ.get(
        "ERP_CONSOLE_BENCH_PG_URL", "postgresql+psycopg2://root@127.0.0.1:5432"
    ),
    "mysql": os.environ.get("ERP_CONSOLE_BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306"),
}
SIZES = {"default": 1, "medium": 25, "scale": 250}


def url_for(dialect: str, size: str) -> str:
    scale = SIZES[size]
    if dialect == "sqlite":
        return f"sqlite:///{Path(tempfile.gettempdir()) / f'erp-console-bench-s{scale}.sqlite3'}"
    return f"{SERVER_URLS[dialect]}/erpc_bench_s{scale}"


def _users(url: str) -> int | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM erp_user")).scalar()
    except Exception:  # noqa: BLE001 - missing database or schema: build it
        return None
    finally:
        engine.dispose()


def ensure(dialect: str, size: str) -> str:
    """The URL of the bench database, building it with `erp-console demo` when missing."""
    url = url_for(dialect, size)
    scale = SIZES[size]
    if _users(url) == 400 * scale:
        return url
    if dialect == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        admin = create_engine(
            f"{SERVER_URLS[dialect]}/{'postgres' if dialect == 'postgresql' else ''}",
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS erpc_bench_s{scale}"))
        admin.dispose()
    print(f"building {size} demo (scale {scale}) on {dialect} …", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "erp_console", "--url", url, "demo", "--scale", str(scale)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return url

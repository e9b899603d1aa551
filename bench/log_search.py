"""Log search at scale (~1M lines): the p95 of the screen 4 searches against their bare SQL.

Each search is `logs.search` for the first page (100 lines, newest first), next to the p95 of the
statements it sent replayed on a raw DBAPI cursor in the same run. Searches: a text word through
the full-text index, one user's last hour (the helpdesk question), and the ERROR lines of the
last day. Target: ratio <= 3 for each.

Usage: python bench/log_search.py [--dialect sqlite|postgresql|mysql] [--size scale|default]
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _measure  # noqa: E402
import _scale  # noqa: E402
from records import recent_users  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from erp_console.db.engine import connect  # noqa: E402
from erp_console.db.models import SystemLog  # noqa: E402
from erp_console.services.records.logs import LogFilter, search  # noqa: E402

WORDS = ("aborted", "pool exhausted", "wrong password", "DBSQL_DUPLICATE_KEY", "F110", "timeout")


def run(dialect: str, size: str = "scale", calls: int = 30, seed: int = 11) -> list[dict]:
    db = connect(_scale.ensure(dialect, size), read_only=True)
    rng = random.Random(seed)
    with db.session() as s:
        newest = s.scalar(select(func.max(SystemLog.ts)))
        hour_ago = newest - dt.timedelta(hours=1)
        users = recent_users(s, hour_ago)
    until = newest + dt.timedelta(seconds=1)
    filters = {
        "log search (text, first page)": [LogFilter(text=rng.choice(WORDS)) for _ in range(calls)],
        "log search (one user's last hour)": [
            LogFilter(user=rng.choice(users), since=hour_ago, until=until) for _ in range(calls)
        ],
        "log search (errors of the last day)": [
            LogFilter(levels=("ERROR",), since=newest - dt.timedelta(days=1), until=until)
            for _ in range(calls)
        ],
    }
    cases = {
        name: [(lambda f=f: search(db, f, limit=100)) for f in flts]
        for name, flts in filters.items()
    }
    rows = _measure.p95_rows(db.engine, f"{dialect} {size}", cases)
    db.dispose()
    return rows


if __name__ == "__main__":
    _measure.dialect_main(run, __doc__, calls=30)

"""Access services at scale: filter users, effective permissions, who-has and explain.

Each figure is the p95 over N random calls of the service, next to the p95 of the bare SQL of the
same calls (the statements the service sent, replayed on a raw DBAPI cursor) in the same run.
Target: ratio <= 3 for each, or a p95 under 2 ms (an eighth of a frame: nothing a person sees).

Usage: python bench/access.py [--dialect sqlite|postgresql|mysql] [--size scale|default] [--calls 50]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _measure  # noqa: E402
import _scale  # noqa: E402
from sqlalchemy import select  # noqa: E402

from erp_console.db.engine import connect  # noqa: E402
from erp_console.db.models import ErpUser, Permission  # noqa: E402
from erp_console.services.access.grants import effective_permissions, explain, who_has  # noqa: E402
from erp_console.services.access.users import UserFilter, list_users  # noqa: E402


def run(dialect: str, size: str = "scale", calls: int = 50, seed: int = 7) -> list[dict]:
    db = connect(_scale.ensure(dialect, size))
    rng = random.Random(seed)
    with db.session() as s:
        logins = list(s.scalars(select(ErpUser.login).order_by(ErpUser.id).limit(20000)))
        perms = list(s.scalars(select(Permission.code)))
    sample_logins = [rng.choice(logins) for _ in range(calls)]
    sample_perms = [rng.choice(perms) for _ in range(calls)]
    fragments = [login[1:4] for login in sample_logins]
    cases = {
        "user filter (text, first page)": [
            (lambda f=f: list_users(db, UserFilter(text=f), limit=100)) for f in fragments
        ],
        "effective permissions": [
            (lambda u=u: effective_permissions(db, u)) for u in sample_logins
        ],
        "who-has": [(lambda p=p: who_has(db, p)) for p in sample_perms],
        "explain": [
            (lambda u=u, p=p: explain(db, u, p))
            for u, p in zip(sample_logins, sample_perms, strict=True)
        ],
    }
    rows = _measure.p95_rows(db.engine, f"{dialect} {size}", cases)
    db.dispose()
    return rows


if __name__ == "__main__":
    _measure.dialect_main(run, __doc__, calls=50)

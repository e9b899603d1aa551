"""Keyset pages agree with a plain ordered listing, forwards and backwards, on every dialect."""

from __future__ import annotations

from sqlalchemy import insert, select

from erp_console.db.models import SystemLog
from erp_console.services.core.paging import SortColumn, count_rows, page_after, page_before


def test_keyset_pages_walk_a_descending_sort_with_ties(db):
    import datetime as dt

    base = dt.datetime(2026, 1, 1)
    # 7 distinct timestamps, 5 lines each: ties on ts are broken by id.
    rows = [
        {"ts": base + dt.timedelta(minutes=i // 5), "level": "INFO", "message": f"m{i}"}
        for i in range(35)
    ]
    with db.begin() as s:
        s.execute(insert(SystemLog), rows)
    stmt = select(SystemLog.id, SystemLog.ts, SystemLog.message)
    sort = (SortColumn(SystemLog.ts, descending=True), SortColumn(SystemLog.id, descending=True))
    with db.session() as s:
        expected = [
            r.message for r in s.execute(stmt.order_by(SystemLog.ts.desc(), SystemLog.id.desc()))
        ]
        walked, key = [], None
        while True:
            page = page_after(s, stmt, sort, key, 8)
            walked += [r.message for r in page]
            if len(page) < 8:
                break
            key = (page[-1].ts, page[-1].id)
        assert walked == expected
        last = page_before(s, stmt, sort, None, 8)
        assert [r.message for r in last] == expected[-8:]
        before = page_before(s, stmt, sort, (last[0].ts, last[0].id), 8)
        assert [r.message for r in before] == expected[-16:-8]
        assert count_rows(s, stmt.where(SystemLog.message.like("m1%"))).count == 11

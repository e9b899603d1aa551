"""A read-only session is refused by the database itself, not only by the UI."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from erp_console.db.engine import connect, translate_db_error
from erp_console.errors import ReadOnlyError
from erp_console.services.core import audit


def test_raw_insert_through_read_only_engine_is_refused(db):
    ro = connect(db.url.render_as_string(hide_password=False), read_only=True)
    try:
        with pytest.raises(DBAPIError) as caught, ro.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO department (code, name, active, version) VALUES ('X', 'x', true, 1)"
                )
            )
        assert isinstance(translate_db_error(ro.url, caught.value), ReadOnlyError)
        with ro.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM department")).scalar() == 0
        with pytest.raises(ReadOnlyError), audit.change(ro, actor="t", action="setting.set"):
            pass
    finally:
        ro.dispose()


def test_read_only_session_can_still_read(demo_sqlite):
    ro = connect(demo_sqlite.url.render_as_string(hide_password=False), read_only=True)
    try:
        with ro.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM erp_user")).scalar() == 400
    finally:
        ro.dispose()


def test_read_only_sqlite_serves_many_threads_at_once(demo_sqlite):
    """Screens read from several worker threads; a pool that closes other threads' connections
    crashed the process (SingletonThreadPool for a read-only SQLite file)."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, select

    from erp_console.db.models import ErpUser

    ro = connect(demo_sqlite.url.render_as_string(hide_password=False), read_only=True)

    def count(_):
        with ro.session() as s:
            return s.scalar(select(func.count()).select_from(ErpUser))

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(count, range(300)))
    ro.dispose()
    assert results == [400] * 300

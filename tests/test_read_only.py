"""A read-only session is refused by the database itself, not only by the UI."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from erp_console.db.engine import connect, translate_db_error
from erp_console.errors import ReadOnlyError
from erp_console.services import audit


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

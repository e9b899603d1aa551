"""A lost connection shows a clear message, the console keeps running, and the next try recovers."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from textual.widgets import Label

from erp_console.app import ErpConsoleApp
from erp_console.demo import build_demo
from erp_console.screens import base
from tests.support.pilot import settle


def _set_connections(db, allowed: bool) -> None:
    admin = create_engine(db.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                f"ALTER DATABASE {db.url.database} ALLOW_CONNECTIONS {'true' if allowed else 'false'}"
            )
        )
        if not allowed:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": db.url.database},
            )
    admin.dispose()


async def test_refresh_during_an_outage_reports_it_and_recovers(new_database_url, monkeypatch):
    from erp_console.db.engine import connect
    from erp_console.db.schema import init_schema

    db = connect(new_database_url("postgresql", "outage"))
    init_schema(db)
    build_demo(db, log_lines=200)
    monkeypatch.setattr(base, "RETRY_DELAY_S", 0.2)
    app = ErpConsoleApp(db, operator="eve")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            _set_connections(db, allowed=False)
            await pilot.press("r")
            await settle(app, pilot)
            messages = [n.message for n in app._notifications]
            assert any("retrying" in m for m in messages)
            assert any(m.startswith("cannot connect to 127.0.0.1:5432") for m in messages), messages
            assert app.is_running
            _set_connections(db, allowed=True)
            await pilot.press("r")
            await settle(app, pilot)
            assert "Optimization" in str(app.screen.query_one("#stage-banner", Label).render())
    finally:
        _set_connections(db, allowed=True)
        db.dispose()

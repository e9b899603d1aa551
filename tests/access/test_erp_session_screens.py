"""The console over an ERP connector: the header names the ERP and whether writes are on,
screen 2 lists the ERP's users and offers only the changes the connector can and may make, the
dashboard counts ERP writes with no recorded outcome, and it all opens in the background."""

from __future__ import annotations

import dataclasses

import pytest
from textual.widgets import Label

from erp_console.app import ErpConsoleApp
from erp_console.config import resolve_target
from erp_console.demo.erp import dolibarr
from erp_console.session import PendingSession, open_session
from erp_console.widgets.paged_table import PagedTable
from tests.conftest import server_for
from tests.support.pilot import settle


@pytest.fixture(scope="module")
def company(servers) -> str:
    """A Dolibarr demo company on MariaDB; the tests here change only the store."""
    url = server_for(servers, "mysql").create("doli_tui")
    dolibarr.build(url)
    return url


@pytest.fixture
def erp_target(company, tmp_path):
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return dataclasses.replace(resolve_target(company, env={}), store=store)


def _header_erp(app) -> str:
    return str(app.screen.query_one("#header-erp", Label).render())


async def test_read_only_connector_shows_the_erp_and_hides_every_change(erp_target):
    app = ErpConsoleApp(open_session(erp_target), operator="alice")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        assert _header_erp(app) == "Dolibarr 19.0.2 · read-only"
        await pilot.press("2")
        await settle(app, pilot, rest=0.15)
        logins = [r.login for r in app.screen.query_one(PagedTable).rows]
        assert logins and logins == sorted(logins, key=str.lower)
        for action in ("disable", "enable", "lock", "grant", "add_user", "bulk_disable"):
            assert app.screen.check_action(action, ()) is False, action
        assert app.screen.check_action("explain", ()) is True
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Users: disable user" not in titles and "Users: explain permission" in titles
        await pilot.press("d")  # hidden: nothing happens, nothing is written
        await settle(app, pilot)
        assert type(app.screen).__name__ == "UsersScreen"
        await pilot.press("x")  # explain: the example is a Dolibarr right, not a native code
        await settle(app, pilot)
        example = app.screen.input("permission").placeholder.removeprefix("e.g. ")
        assert example in {code for code, *_ in app.session.identity.list_permissions()}
        assert not example.isupper() and "." in example  # e.g. fournisseur.facture.creer
    app.session.dispose()


async def test_writes_on_offer_what_the_connector_can_do_only(erp_target):
    session = open_session(dataclasses.replace(erp_target, allow_writes=True))
    app = ErpConsoleApp(session, operator="alice")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        assert _header_erp(app) == "Dolibarr 19.0.2 · writes on"
        await pilot.press("2")
        await settle(app, pilot, rest=0.15)
        assert app.screen.check_action("disable", ()) is True
        assert app.screen.check_action("lock", ()) is False  # the connector has no lock
        assert app.screen.check_action("add_user", ()) is False
    session.dispose()


async def test_the_dashboard_counts_erp_writes_with_no_outcome(erp_target):
    from erp_console.services.core.audit import append_entry

    session = open_session(erp_target)
    with session.store.begin() as s:
        append_entry(s, actor="alice", action="erp.user.disable.intent", target_type="user")
    app = ErpConsoleApp(session, operator="alice")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        banner = str(app.screen.query_one("#stage-banner", Label).render())
        assert "1 ERP write(s) pending" in banner
    session.dispose()


async def test_the_connector_opens_in_the_background(erp_target):
    pending = PendingSession(erp_target)
    app = ErpConsoleApp(pending, operator="dave")
    async with app.run_test(size=(100, 24)) as pilot:
        assert "doli_tui" in str(app.screen.query_one("#header-connection", Label).render())
        await settle(app, pilot)
        assert pending.ready
        assert _header_erp(app) == "Dolibarr 19.0.2 · read-only"
        await pilot.press("2")
        await settle(app, pilot, rest=0.15)
        assert app.screen.query_one(PagedTable).rows
    pending.dispose()


async def test_screen_2_opened_on_a_background_native_session_offers_its_changes(demo_sqlite):
    from textual.widgets import Select

    pending = PendingSession(
        resolve_target(demo_sqlite.url.render_as_string(hide_password=False), env={})
    )
    app = ErpConsoleApp(pending, operator="erin")
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.press("2")  # possibly before the connection is open
        await settle(app, pilot, rest=0.15)
        departments = app.screen.query_one("#users-dept", Select)
        departments.value = "FIN-AP"  # refused unless the demo's departments were loaded
        await settle(app, pilot)
        assert {r.department for r in app.screen.query_one(PagedTable).rows} == {"FIN-AP"}
        assert app.screen.check_action("lock", ()) is True
        assert app.screen.query_one("#header-erp", Label).display is False
    pending.dispose()


def test_a_pending_session_answers_what_the_header_needs_and_waits_for_the_rest(erp_target):
    pending = PendingSession(erp_target)
    assert pending.identity.read_only and pending.identity.capabilities == frozenset()
    list_roles = pending.identity.list_roles  # taken before the connection: does not wait
    pending.start()
    assert pending.identity.identity.label == "Dolibarr 19.0.2"  # waits for the connection
    assert pending.identity.capabilities == {"disable", "grant"}
    assert list_roles() and pending.store.read_only is False
    pending.dispose()

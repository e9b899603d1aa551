"""PagedTable: a bounded window over many rows, keyset pages at the edges, Home/End jumps."""

from __future__ import annotations

from sqlalchemy import insert, select
from textual.app import App, ComposeResult

from erp_console.db.models import ErpUser
from erp_console.services.core.paging import SortColumn, count_rows, page_after, page_before
from erp_console.widgets.paged_table import Column, PagedTable, PageSource, read_ahead
from tests.support.pilot import settle

N_USERS = 2_500


def _fill(db, n=N_USERS):
    with db.begin() as s:
        s.execute(
            insert(ErpUser),
            [
                {
                    "login": f"u{i:05d}",
                    "login_key": f"u{i:05d}",
                    "full_name": f"User {i}",
                    "status": "active",
                }
                for i in range(n)
            ],
        )


class LoginSource(PageSource):
    columns = (Column("login", "Login"), Column("name", "Name"))

    def __init__(self, db, prefix: str = ""):
        self.db = db
        self.stmt = select(ErpUser.login, ErpUser.full_name, ErpUser.id)
        if prefix:
            self.stmt = self.stmt.where(ErpUser.login.startswith(prefix))
        self.sort = (SortColumn(ErpUser.login), SortColumn(ErpUser.id))
        self.calls = 0

    def page_after(self, key, limit):
        self.calls += 1
        with self.db.session() as s:
            return page_after(s, self.stmt, self.sort, key, limit)

    def page_before(self, key, limit):
        self.calls += 1
        with self.db.session() as s:
            return page_before(s, self.stmt, self.sort, key, limit)

    def total(self):
        with self.db.session() as s:
            return count_rows(s, self.stmt)

    def key_of(self, row):
        return (row.login, row.id)

    def cells(self, row):
        return (row.login, row.full_name)


class Harness(App):
    def compose(self) -> ComposeResult:
        yield PagedTable(page_size=50, max_window=150)


async def test_window_stays_bounded_while_scrolling_through_everything(sqlite_db):
    _fill(sqlite_db)
    app = Harness()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(PagedTable)
        table.set_source(LoginSource(sqlite_db))
        await settle(app, pilot)
        assert table.current_row.login == "u00000"
        assert "of 2,500" in str(table.query_one(".paged-status").render())
        for _ in range(12):
            await pilot.press("pagedown")
            await settle(app, pilot)
        assert len(table.rows) <= 150
        current = table.current_row.login
        assert current > "u00100"
        status = str(table.query_one(".paged-status").render())
        assert f"row {int(current[1:]) + 1:,} of 2,500" in status
        await pilot.press("end")
        await settle(app, pilot)
        assert table.current_row.login == f"u{N_USERS - 1:05d}"
        assert "row 2,500 of 2,500" in str(table.query_one(".paged-status").render())
        await pilot.press("up")
        await settle(app, pilot)
        assert table.current_row.login == f"u{N_USERS - 2:05d}"
        for _ in range(5):
            await pilot.press("pageup")
            await settle(app, pilot)
        assert len(table.rows) <= 150
        await pilot.press("home")
        await settle(app, pilot)
        assert table.current_row.login == "u00000"


async def test_new_source_replaces_rows_and_reload_keeps_the_cursor(sqlite_db):
    _fill(sqlite_db, 300)
    app = Harness()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(PagedTable)
        table.set_source(LoginSource(sqlite_db))
        await settle(app, pilot)
        table.set_source(LoginSource(sqlite_db, prefix="u002"))
        await settle(app, pilot)
        assert [r.login for r in table.rows] == [f"u{i:05d}" for i in range(200, 250)]
        assert "row 1 of 100" in str(table.query_one(".paged-status").render())
        for _ in range(7):
            await pilot.press("down")
        await settle(app, pilot)
        assert table.current_row.login == "u00207"
        table.reload()
        await settle(app, pilot)
        assert table.current_row.login == "u00207"
        table.set_source(LoginSource(sqlite_db, prefix="nobody"))
        await settle(app, pilot)
        assert table.rows == [] and "No rows match" in str(
            table.query_one(".paged-status").render()
        )


class FailingOnce(LoginSource):
    """The first page read fails (a dropped connection), the next succeeds."""

    def __init__(self, db):
        super().__init__(db)
        self.failed = False

    def page_after(self, key, limit):
        if not self.failed:
            self.failed = True
            self.calls += 1
            raise ConnectionError("server closed the connection")
        return super().page_after(key, limit)


def _done(first):
    first.rows.get()  # the reads are in: what a screen finds when it mounts after them
    first.total.get()
    return first


async def test_a_first_page_read_ahead_is_shown_at_once_without_reading_again(sqlite_db):
    _fill(sqlite_db, 120)
    app = Harness()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(PagedTable)
        source = LoginSource(sqlite_db)
        first = _done(read_ahead(source, page_size=50))
        table.set_source(source, first_page=first)
        # In the same call, before any worker or frame: the screen's first frame shows them.
        assert [r.login for r in table.rows[:2]] == ["u00000", "u00001"]
        assert "row 1 of 120" in str(table.query_one(".paged-status").render())
        await settle(app, pilot)
        assert source.calls == 1  # the read ahead, not a second read of the same page


async def test_a_first_page_for_another_source_or_page_size_is_not_shown(sqlite_db):
    _fill(sqlite_db, 120)
    app = Harness()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(PagedTable)
        wider = _done(read_ahead(LoginSource(sqlite_db), page_size=100))
        narrowed = LoginSource(sqlite_db, prefix="u0011")
        table.set_source(narrowed, first_page=wider)
        await settle(app, pilot)
        assert [r.login for r in table.rows] == [f"u0011{i}" for i in range(10)]
        source = LoginSource(sqlite_db)
        table.set_source(source, first_page=_done(read_ahead(source, page_size=100)))
        await settle(app, pilot)
        assert len(table.rows) == 50 and not table.at_end  # the table's own page size


async def test_a_first_page_read_that_failed_is_read_again_and_shown(sqlite_db):
    _fill(sqlite_db, 120)
    app = Harness()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(PagedTable)
        source = FailingOnce(sqlite_db)
        first = read_ahead(source, page_size=50)
        first.total.get()
        while not first.rows.done:
            await pilot.pause(0.01)
        table.set_source(source, first_page=first)
        assert table.rows == []  # not shown from a failed read
        await settle(app, pilot)
        assert table.rows[0].login == "u00000"
        assert source.calls == 2

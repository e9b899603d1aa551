"""ERP writes across two databases: intent first, outcome after, nothing unaudited left silent."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from erp_console.db.engine import connect
from erp_console.db.models import MaintenanceLog
from erp_console.errors import ReadOnlyError
from erp_console.services.access.erp_audit import (
    ErpChange,
    UnconfirmedErpWrite,
    audited_erp_write,
    pending_intents,
)
from erp_console.services.core.audit import verify

CHANGE = ErpChange(
    action="erp.user.disable",
    target_type="user",
    target_id="jdoe",
    target_label="Jane Doe",
    before={"active": True},
    after={"active": False},
    reason="left the company",
)


@pytest.fixture
def erp(tmp_path):
    target = connect(f"sqlite:///{tmp_path / 'erp.sqlite3'}")
    with target.begin() as s:
        s.execute(text("CREATE TABLE res_users (login TEXT PRIMARY KEY, active BOOLEAN)"))
        s.execute(text("INSERT INTO res_users VALUES ('jdoe', 1)"))
    yield target
    target.dispose()


def _disable(session):
    session.execute(text("UPDATE res_users SET active = 0 WHERE login = 'jdoe'"))
    return "disabled"


def _active(erp) -> int:
    with erp.session() as s:
        return s.execute(text("SELECT active FROM res_users WHERE login = 'jdoe'")).scalar()


def _actions(store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(MaintenanceLog.action).order_by(MaintenanceLog.id)))


def test_a_write_leaves_its_intent_and_its_confirmation(db, erp):
    assert audited_erp_write(db, erp, CHANGE, actor="admin", write=_disable) == "disabled"
    assert _active(erp) == 0
    assert _actions(db) == ["erp.user.disable.intent", "erp.user.disable.done"]
    assert pending_intents(db) == []
    assert verify(db).ok


def test_a_failed_erp_write_changes_nothing_and_says_it_failed(db, erp):
    def broken(session):
        session.execute(text("UPDATE res_users SET active = 0 WHERE login = 'jdoe'"))
        session.execute(text("UPDATE no_such_table SET x = 1"))

    with pytest.raises(Exception, match="no_such_table"):
        audited_erp_write(db, erp, CHANGE, actor="admin", write=broken)
    assert _active(erp) == 1
    assert _actions(db) == ["erp.user.disable.intent", "erp.user.disable.failed"]
    assert pending_intents(db) == []


def test_a_store_that_refuses_the_intent_keeps_the_erp_untouched(db, erp):
    db.read_only = True
    with pytest.raises(ReadOnlyError):
        audited_erp_write(db, erp, CHANGE, actor="admin", write=_disable)
    db.read_only = False
    assert _active(erp) == 1
    assert _actions(db) == []


def test_a_store_lost_after_the_erp_commit_leaves_a_visible_pending_intent(db, erp):
    def disable_then_lose_the_store(session):
        _disable(session)
        db.read_only = True  # the store stops accepting writes between the two commits

    with pytest.raises(UnconfirmedErpWrite, match="pending"):
        audited_erp_write(db, erp, CHANGE, actor="admin", write=disable_then_lose_the_store)
    db.read_only = False
    assert _active(erp) == 0
    (pending,) = pending_intents(db)
    assert (pending.action, pending.target_id, pending.reason) == (
        "erp.user.disable",
        "jdoe",
        "left the company",
    )


def test_a_read_only_erp_is_refused_before_any_intent_is_written(db, tmp_path):
    erp = connect(f"sqlite:///{tmp_path / 'erp.sqlite3'}", read_only=False)
    with erp.begin() as s:
        s.execute(text("CREATE TABLE res_users (login TEXT PRIMARY KEY, active BOOLEAN)"))
        s.execute(text("INSERT INTO res_users VALUES ('jdoe', 1)"))
    erp.dispose()
    ro = connect(f"sqlite:///{tmp_path / 'erp.sqlite3'}", read_only=True)
    ro.read_only_hint = "reconnect with --allow-writes"
    try:
        with pytest.raises(ReadOnlyError, match="--allow-writes"):
            audited_erp_write(db, ro, CHANGE, actor="admin", write=_disable)
        assert _active(ro) == 1
        assert _actions(db) == []
    finally:
        ro.dispose()


def _remember(session):
    session.execute(
        text("INSERT INTO department (code, name, active, version) VALUES ('KEPT', 'k', :on, 1)"),
        {"on": True},
    )


def _kept(store) -> int:
    with store.session() as s:
        return s.execute(text("SELECT count(*) FROM department WHERE code = 'KEPT'")).scalar()


def test_what_the_store_keeps_of_a_change_stands_only_with_its_confirmation(db, erp):
    def broken(session):
        session.execute(text("UPDATE no_such_table SET x = 1"))

    with pytest.raises(Exception, match="no_such_table"):
        audited_erp_write(db, erp, CHANGE, actor="admin", write=broken, on_done=_remember)
    assert _kept(db) == 0  # the ERP refused: nothing kept

    def refused(session):
        _remember(session)
        raise RuntimeError("store full")

    with pytest.raises(UnconfirmedErpWrite):
        audited_erp_write(db, erp, CHANGE, actor="admin", write=_disable, on_done=refused)
    # rolled back with the confirmation: the intent stays pending
    assert _kept(db) == 0 and [p.action for p in pending_intents(db)] == ["erp.user.disable"]

    audited_erp_write(db, erp, CHANGE, actor="admin", write=_disable, on_done=_remember)
    assert _kept(db) == 1 and _actions(db)[-1] == "erp.user.disable.done"

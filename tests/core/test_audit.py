"""The audit write path: one entry per change in the same transaction, hash-chained, tamper-evident."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from erp_console.cli import main
from erp_console.db.models import MaintenanceLog, Setting
from erp_console.services.core import audit

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")


def _set(db, key, value, reason="test"):
    with audit.change(
        db, actor="alice", action="setting.set", target_type="setting", target_id=key, reason=reason
    ) as ch:
        ch.session.merge(Setting(key=key, value=value))
        ch.after = {"value": value}


def test_change_writes_one_entry_with_the_change(db):
    _set(db, "a", "1")
    _set(db, "b", "2")
    entries = audit.list_entries(db)
    assert [e.target_id for e in entries] == ["b", "a"]
    assert entries[0].actor == "alice" and entries[0].after == {"value": "2"}
    assert audit.verify(db).ok and audit.verify(db).checked == 2


def test_failed_change_leaves_neither_change_nor_entry(db):
    with pytest.raises(RuntimeError), audit.change(db, actor="alice", action="setting.set") as ch:
        ch.session.add(Setting(key="half", value="done"))
        ch.session.flush()
        raise RuntimeError("boom")
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(Setting)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(MaintenanceLog)).scalar_one() == 0


def test_verify_names_the_altered_entry(db):
    for i in range(4):
        _set(db, f"k{i}", str(i))
    ids = [e.id for e in reversed(audit.list_entries(db))]
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE maintenance_log SET reason = 'nothing to see' WHERE id = :id"),
            {"id": ids[2]},
        )
    result = audit.verify(db)
    assert not result.ok and result.first_bad_id == ids[2]
    assert "altered" in result.problem


def test_verify_detects_a_deleted_entry(db):
    for i in range(4):
        _set(db, f"k{i}", str(i))
    ids = [e.id for e in reversed(audit.list_entries(db))]
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM maintenance_log WHERE id = :id"), {"id": ids[1]})
    result = audit.verify(db)
    assert result.first_bad_id == ids[2]


def test_cli_audit_verify_and_list(sqlite_db):
    url = sqlite_db.url.render_as_string(hide_password=False)
    _set(sqlite_db, "x", "1", reason="first")
    _set(sqlite_db, "y", "2", reason="second")
    runner = CliRunner()
    ok = runner.invoke(main, ["--url", url, "audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "2 entries verified" in ok.output
    listed = runner.invoke(
        main, ["--url", url, "--format", "json", "audit", "list", "--action", "setting."]
    )
    assert listed.exit_code == 0
    assert '"reason": "second"' in listed.output
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("UPDATE maintenance_log SET actor = 'mallory' WHERE target_id = 'x'"))
    broken = runner.invoke(main, ["--url", url, "audit", "verify"])
    assert broken.exit_code == 1
    assert "broken at entry" in broken.output

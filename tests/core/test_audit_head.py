"""What the audit chain proves, and the checkpoint that makes truncation visible: deleting the
newest entries is caught against a head kept apart (`audit head`, backup and snapshot manifests,
the maintenance report); a restore refuses an archive whose chain was altered."""

from __future__ import annotations

import hashlib
import json

from click.testing import CliRunner
from sqlalchemy import delete, func, select

from erp_console.cli import main
from erp_console.db.models import MaintenanceLog, Setting
from erp_console.services.core import audit


def _run(url, *args):
    return CliRunner().invoke(main, ["--url", url, "--operator", "dba", *args])


def _url(db):
    return db.url.render_as_string(hide_password=False)


def _set(db, key):
    with audit.change(db, actor="alice", action="setting.set", target_id=key) as ch:
        ch.session.merge(Setting(key=key, value="v"))


def _delete_newest(db, n):
    with db.begin() as s:
        newest = s.scalars(select(MaintenanceLog.id).order_by(MaintenanceLog.id.desc()).limit(n))
        s.execute(delete(MaintenanceLog).where(MaintenanceLog.id.in_(list(newest))))


def test_deleting_the_newest_entries_fails_against_the_head(db):
    for key in "abcde":
        _set(db, key)
    head = _run(_url(db), "audit", "head")
    assert head.exit_code == 0, head.output
    checkpoint = head.output.strip()
    with db.session() as s:
        last = s.scalars(select(MaintenanceLog).order_by(MaintenanceLog.id.desc())).first()
    assert checkpoint == f"{last.id}:{last.hash}"
    verified = _run(_url(db), "audit", "verify", "--expect-head", checkpoint)
    assert verified.exit_code == 0 and f"head {checkpoint} (5 entries)" in verified.output
    _delete_newest(db, 2)
    plain = _run(_url(db), "audit", "verify")
    assert plain.exit_code == 0  # the chain alone cannot see a cut at its end
    caught = _run(_url(db), "audit", "verify", "--expect-head", checkpoint)
    assert caught.exit_code == 1
    assert f"no longer reaches the checkpoint entry {last.id}" in caught.output
    assert "deleted from the end" in caught.output and "Traceback" not in caught.output
    bad = _run(_url(db), "audit", "verify", "--expect-head", "12:nothex")
    assert bad.exit_code == 1 and "is not an audit head" in bad.output


def test_backup_and_snapshot_record_the_head_and_are_audited(db, tmp_path):
    for key in "abc":
        _set(db, key)
    head = audit.current_head(db)
    archive = tmp_path / "bk"
    assert _run(_url(db), "backup", "--out", str(archive)).exit_code == 0
    manifest = json.loads((archive / "manifest.json").read_text())
    assert manifest["audit_head"] == {"id": head.id, "hash": head.hash, "count": 3}
    snap = tmp_path / "snap.sqlite"
    assert _run(_url(db), "snapshot", "--out", str(snap)).exit_code == 0
    actions = [e.action for e in audit.list_entries(db)]
    assert actions[:2] == ["db.snapshot", "db.backup"]
    for source in (archive, archive / "manifest.json", snap):
        ok = _run(_url(db), "audit", "verify", "--expect-head-from", str(source))
        assert ok.exit_code == 0, (source, ok.output)
    _delete_newest(db, 4)  # snapshot, backup and the newest setting entry… and one more
    for source in (archive, snap):
        caught = _run(_url(db), "audit", "verify", "--expect-head-from", str(source))
        assert caught.exit_code == 1 and "deleted from the end" in caught.output, caught.output


def test_report_prints_the_head(db):
    _set(db, "a")
    head = audit.current_head(db)
    out = _run(_url(db), "report", "--since", "2026-01-01", "--until", "2099-12-31")
    assert out.exit_code == 0, out.output
    assert f"`{head.text}` (1 entries)" in out.output
    assert f"audit verify --expect-head {head.text}" in out.output


def _rehash(archive, name):
    manifest_path = archive / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    data = (archive / "tables" / f"{name}.jsonl").read_bytes()
    for entry in manifest["tables"]:
        if entry["name"] == name:
            entry["sha256"] = hashlib.sha256(data).hexdigest()
            entry["bytes"] = len(data)
            entry["rows"] = data.count(b"\n")
    manifest_path.write_text(json.dumps(manifest))


def _log_count(url):
    return json.loads(_run(url, "--format", "json", "audit", "list", "--limit", "1000").stdout)


def test_restore_refuses_an_altered_chain_unless_accepted_with_a_reason(
    db, new_database_url, tmp_path
):
    for key in "abc":
        _set(db, key)
    archive = tmp_path / "bk"
    assert _run(_url(db), "backup", "--out", str(archive)).exit_code == 0
    log = archive / "tables" / "maintenance_log.jsonl"
    original = log.read_text()
    log.write_text(original.replace('"actor":"alice"', '"actor":"mallory"', 1))
    _rehash(archive, "maintenance_log")
    target = new_database_url(db.dialect, "restorealtered")
    refused = _run(target, "restore", str(archive))
    assert refused.exit_code == 1, refused.output
    assert "audit chain broken at entry 1" in refused.output
    assert "--accept-broken-audit" in refused.output and "Traceback" not in refused.output
    cut = "".join(original.splitlines(keepends=True)[:-1])
    log.write_text(cut)
    _rehash(archive, "maintenance_log")
    truncated = _run(target, "restore", str(archive))
    assert truncated.exit_code == 1 and "manifest's audit head is entry" in truncated.output
    accepted = _run(target, "restore", str(archive), "--accept-broken-audit", "INC-42 known cut")
    assert accepted.exit_code == 0, accepted.output
    last = _log_count(target)[0]
    assert last["action"] == "db.restore"
    assert last["reason"] == "broken audit trail accepted: INC-42 known cut"


def test_every_maintenance_action_writes_one_audit_entry(db, tmp_path):
    url = _url(db)
    users = tmp_path / "u.csv"
    users.write_text("login,full_name\nann,Ann\n", encoding="utf-8")
    logs = tmp_path / "app.log"
    logs.write_text("2026-05-01T10:00:00Z INFO app ann started\n", encoding="utf-8")
    actions = {
        "db.analyze": ("db", "analyze"),
        "db.vacuum": ("db", "vacuum"),
        "db.check": ("db", "check"),
        "db.backup": ("backup", "--out", str(tmp_path / "bk")),
        "db.snapshot": ("snapshot", "--out", str(tmp_path / "s.sqlite")),
        "db.export": ("export", "erp_user", "--out", str(tmp_path / "users.csv")),
        "import.users": ("import", "users", str(users)),
        "logs.ingest": ("logs", "ingest", str(logs)),
        "logs.purge": ("logs", "purge", "--older-than", "30", "--reason", "retention", "--yes"),
    }
    for action, args in actions.items():
        before = audit.current_head(db)
        result = _run(url, *args)
        assert result.exit_code == 0, (action, result.output)
        with db.session() as s:
            added = s.scalars(
                select(MaintenanceLog.action).where(
                    MaintenanceLog.id > (before.id if before else 0)
                )
            ).all()
        assert added == [action], (action, added)
    other = tmp_path / "restored.sqlite"
    restored = _run(f"sqlite:///{other}", "restore", str(tmp_path / "bk"))
    assert restored.exit_code == 0, restored.output
    with audit_db(other) as target, target.session() as s:
        newest = s.scalars(select(MaintenanceLog.action).order_by(MaintenanceLog.id.desc())).first()
        assert newest == "db.restore"
        assert s.scalar(select(func.count()).select_from(MaintenanceLog)) >= 1


def audit_db(path):
    from contextlib import contextmanager

    from erp_console.db.engine import connect

    @contextmanager
    def opened():
        database = connect(f"sqlite:///{path}")
        try:
            yield database
        finally:
            database.dispose()

    return opened()


def test_keyed_chain_catches_a_rewrite_by_someone_without_the_key(db, monkeypatch):
    from sqlalchemy import update

    _set(db, "plain")  # written before the key was set
    monkeypatch.setenv(audit.KEY_ENV, "s3cret-audit-key")
    for key in "abc":
        _set(db, key)
    result = audit.verify(db)
    assert result.ok and (result.checked, result.keyed) == (4, 3)
    shown = _run(_url(db), "audit", "verify")
    assert "4 entries verified, 3 keyed" in shown.output
    assert "s3cret" not in shown.output
    monkeypatch.delenv(audit.KEY_ENV)
    unkeyed = audit.verify(db)
    assert not unkeyed.ok and "set ERP_CONSOLE_AUDIT_KEY" in unkeyed.problem
    # Someone without the key edits the second keyed entry and re-chains everything after it.
    with db.session() as s:
        rows = s.scalars(select(MaintenanceLog).order_by(MaintenanceLog.id)).all()
    forged = rows[2]
    forged.reason = "nothing to see"
    prev = rows[1].hash
    with db.begin() as s:
        for row in rows[2:]:
            digest = audit.EntryFields.of(row).hash(prev)
            s.execute(
                update(MaintenanceLog)
                .where(MaintenanceLog.id == row.id)
                .values(
                    prev_hash=prev,
                    hash=digest,
                    reason=forged.reason if row.id == forged.id else row.reason,
                )
            )
            prev = digest
    monkeypatch.setenv(audit.KEY_ENV, "s3cret-audit-key")
    caught = audit.verify(db)
    assert not caught.ok and caught.first_bad_id == forged.id
    assert "without the audit key after 1 keyed entries" in caught.problem

"""One audit record type (`EntryFields`): entries written before it still verify, and what is
appended reads back field for field."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from erp_console.db.models import MaintenanceLog
from erp_console.services.core import audit

# Written by the entry_hash(prev, at, actor, action, target_type, target_id, target_label,
# before_json, after_json, reason) of commit a628c25, before the fields had one home.
OLD_ENTRIES = [
    (
        dt.datetime(2025, 3, 4, 8, 15, 0, 123456),
        "jnovak",
        "user.lock",
        "user",
        "42",
        "jnovak",
        '{"status": "active"}',
        '{"status": "locked"}',
        "left the company",
        "bace80c75ad71d8ff738af0eb6f41b70b508b41f693cc41b7d70bfbe4b27e8d1",
    ),
    (
        dt.datetime(2025, 3, 4, 9, 0, 0),
        "ops",
        "db.analyze",
        "database",
        None,
        None,
        None,
        '{"tables": 12}',
        None,
        "fe801aca1dfdd6a12b46d4b8b8d06e1d13ba1fdc03eefc58f5fde850478d232d",
    ),
    (
        dt.datetime(2025, 3, 5, 17, 30, 5, 7),
        "Zoë Müller",
        "grant.add",
        "user",
        "7",
        "zoe",
        None,
        '{"role": "FI_TREASURY", "sod_override": ["FI_AP"]}',
        "CFO sign-off — urgent",
        "61b94e67eb0480e76e2fc12cb0b7ad15077e1ec2f33facc483d96931510900f5",
    ),
    # The first entry's fields again, HMAC-keyed with "s3cret-audit-key".
    (
        dt.datetime(2025, 3, 4, 8, 15, 0, 123456),
        "jnovak",
        "user.lock",
        "user",
        "42",
        "jnovak",
        '{"status": "active"}',
        '{"status": "locked"}',
        "left the company",
        "eec465ba1c1e69aa4748dd6e6a79609cdc3ded83e03041f32a3a5cf11df8d68f",
    ),
]
COLUMNS = [
    "at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "before_json",
    "after_json",
    "reason",
]


def _write_old_chain(db) -> None:
    prev, rows = audit.GENESIS, []
    for *values, digest in OLD_ENTRIES:
        rows.append({**dict(zip(COLUMNS, values, strict=True)), "prev_hash": prev, "hash": digest})
        prev = digest
    with db.begin() as session:
        session.execute(insert(MaintenanceLog), rows)


def test_entries_written_before_the_record_type_still_verify(db, monkeypatch):
    _write_old_chain(db)
    monkeypatch.setenv(audit.KEY_ENV, "s3cret-audit-key")
    result = audit.verify(db)
    assert result.ok, result.problem
    assert (result.checked, result.keyed) == (4, 1)
    assert result.head.hash == OLD_ENTRIES[-1][-1]


def test_an_old_entry_with_one_field_changed_is_caught(db):
    _write_old_chain(db)
    with db.begin() as session:
        session.get(MaintenanceLog, 3).target_label = "someone-else"
    result = audit.verify(db)
    assert result.first_bad_id == 3 and "altered" in result.problem


def test_an_appended_entry_reads_back_with_its_values_and_chains_on_old_ones(db, monkeypatch):
    _write_old_chain(db)
    monkeypatch.setenv(audit.KEY_ENV, "s3cret-audit-key")
    with audit.change(
        db, actor="alice", action="user.unlock", target_type="user", target_id=42
    ) as ch:
        ch.target_label, ch.before, ch.after = "jnovak", {"status": "locked"}, {"status": "active"}
    newest = audit.list_entries(db, limit=1)[0]
    assert (newest.id, newest.actor, newest.action, newest.target) == (
        5,
        "alice",
        "user.unlock",
        "user:jnovak",
    )
    assert (newest.target_id, newest.before, newest.after) == (
        "42",
        {"status": "locked"},
        {"status": "active"},
    )
    oldest = audit.list_entries(db, limit=5)[-1]
    assert oldest.at == OLD_ENTRIES[0][0] and oldest.reason == "left the company"
    result = audit.verify(db)
    assert result.ok and (result.checked, result.keyed) == (5, 2)

"""SoD rules defined by the administrator (CLI `sod rule list|add|remove`), on the hand-built
organisation of tests/support/small_org.py, every dialect: a rule added shows its conflicts at
once, bad rules are refused naming the field and write nothing, a rule with accepted overrides
is not removed."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from erp_console.cli import main
from erp_console.db.models import MaintenanceLog, Permission, SodRule
from tests.support import small_org


def _run(db, *args):
    return CliRunner().invoke(
        main, ["--url", db.url.render_as_string(hide_password=False), "--operator", "t", *args]
    )


def _count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_rule_added_finds_its_conflicts_and_a_removed_one_no_more(db):
    small_org.build(db)
    assert "bert" not in _run(db, "sod", "check").output  # bert: INV.POST and VEND.CREATE
    added = _run(db, "sod", "rule", "add", "Vendor master / invoices", "--a", "VEND.CREATE",
                 "--b", "INV.POST", "--severity", "critical", "--reason", "audit finding 7")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "VEND.CREATE / INV.POST (critical)" in added.stdout
    checked = _run(db, "--format", "csv", "sod", "check", "bert")
    assert "bert,critical,Vendor master / invoices" in checked.stdout
    listing = _run(db, "--format", "csv", "sod", "rule", "list")
    listed = listing.stdout.splitlines()
    assert listing.exit_code == 0, listing.output
    assert "Vendor master / invoices,VEND.CREATE,INV.POST,critical,0," in listed

    removed = _run(db, "sod", "rule", "remove", "Vendor master / invoices", "--reason", "merged")
    assert removed.exit_code == 0, removed.output
    assert "Vendor master" not in _run(db, "sod", "check", "bert").output
    with db.session() as s:
        actions = s.scalars(select(MaintenanceLog.action).order_by(MaintenanceLog.id)).all()
    assert actions[-2:] == ["sod.rule.add", "sod.rule.remove"]


def test_bad_rules_are_refused_naming_the_field_and_write_nothing(db):
    small_org.build(db)
    rules, audit, perms = _count(db, SodRule), _count(db, MaintenanceLog), _count(db, Permission)
    for args, said in (
        (("X", "--a", "PO.CREATE", "--b", "NO.SUCH"), "error: permission_b: no permission 'NO.SUCH'"),
        (("X", "--a", "PO.CREATE", "--b", "PO.CREATE"), "error: permission_b: a rule separates two"),
        (("Post invoice / approve payment", "--a", "PO.CREATE", "--b", "INV.POST"),
         "error: name: a rule named 'Post invoice / approve payment' exists already"),
        ((" ", "--a", "PO.CREATE", "--b", "INV.POST"), "error: name: "),
    ):  # fmt: skip
        refused = _run(db, "sod", "rule", "add", *args)
        assert refused.exit_code == 1 and refused.stderr.startswith(said), refused.output
    wrong = _run(db, "sod", "rule", "add", "X", "--a", "PO.CREATE", "--b", "INV.POST",
                 "--severity", "urgent")  # fmt: skip
    assert wrong.exit_code == 2 and "'urgent' is not one of" in wrong.stderr
    gone = _run(db, "sod", "rule", "remove", "Nope", "--reason", "x")
    assert gone.exit_code == 1 and "no SoD rule 'Nope'" in gone.stderr
    assert (_count(db, SodRule), _count(db, MaintenanceLog), _count(db, Permission)) == (
        rules,
        audit,
        perms,
    )


def test_a_rule_with_an_accepted_override_stays(db):
    small_org.build(db)
    granted = _run(db, "grant", "--role", "VENDOR", "carl", "--reason", "stand-in",
                   "--override-sod", "two-person check on vendor changes")  # fmt: skip
    assert granted.exit_code == 0, granted.output
    refused = _run(db, "sod", "rule", "remove", "Create vendor / approve payment", "--reason", "x")
    assert refused.exit_code == 1 and "1 accepted override(s) name this rule" in refused.stderr
    assert "Create vendor / approve payment" in _run(db, "sod", "rule", "list").stdout

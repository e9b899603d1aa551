"""Process coverage over Odoo: the steps live in the console store and name Odoo permission codes;
who can perform them is what Odoo's groups and model access say (asked of the Odoo connector),
flagged single holder / gap / SoD, and a step's department is reported as not applied."""

# ruff: noqa: F811 - the fixtures are imported from odoo_fixtures

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from sqlalchemy import select

from erp_console.cli import main
from erp_console.db.models import (
    BusinessProcess,
    Department,
    Permission,
    ProcessStep,
    ProcessVersion,
)
from tests.access.connectors.odoo_fixtures import (  # noqa: F401 - fixtures
    odoo,
    odoo_template,
    odoo_url,
    store,
    target,
)

# seq, name, permission, department
STEPS = [
    (1, "Enter vendor bill", "account.move:create", "FIN"),
    (2, "Register payment", "account.payment:create", None),
    (3, "Open a department", "hr.department:create", None),
    (4, "Plan production", "mrp.production:create", None),  # no such model in the demo
]


def _add_process(store) -> None:
    with store.begin() as s:
        fin = Department(code="FIN", name="Finance")
        s.add(fin)
        if (
            s.scalar(select(Permission.id).where(Permission.code == "mrp.production:create"))
            is None
        ):
            s.add(Permission(code="mrp.production:create", module="mrp", risk="high"))
        s.flush()
        perm = dict(s.execute(select(Permission.code, Permission.id)).all())
        process = BusinessProcess(code="AP", name="Pay suppliers")
        s.add(process)
        s.flush()
        version = ProcessVersion(
            process_id=process.id, number=1, effective_from=dt.date(2024, 1, 1), created_by="t"
        )
        s.add(version)
        s.flush()
        for seq, name, code, dept in STEPS:
            s.add(
                ProcessStep(
                    version_id=version.id,
                    seq=seq,
                    name=name,
                    permission_id=perm[code],
                    department_id=fin.id if dept else None,
                )
            )


def _cli(*args):
    return CliRunner().invoke(main, ["--operator", "tester", *args])


def test_processes_coverage_lists_odoo_holders_and_flags(odoo, odoo_url, store):
    _add_process(store)
    # hr.department:create is held by admin and hr.head in the demo; hr.head leaves
    odoo.set_status("hr.head", "disable", actor="tester", reason="left")
    store_url = store.url.render_as_string(hide_password=False)
    on_odoo = ("--url", odoo_url, "--store", store_url)

    result = _cli(*on_odoo, "--format", "json", "processes", "coverage", "-P", "AP")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    steps = {row["seq"]: row for row in doc["steps"]}
    assert {"admin", "cfo", "ap.clerk"} <= set(steps[1]["who"])
    assert steps[3]["who"] == ["admin"] and "single_holder" in steps[3]["flags"]
    assert steps[4]["who"] == [] and "no_holder" in steps[4]["flags"]
    assert "sod" in steps[1]["flags"] and "sod" in steps[2]["flags"]
    assert "hr.head" not in steps[3]["who"]
    conflicts = {(c["login"], c["rule"], c["steps"]) for c in doc["sod_conflicts"]}
    assert ("ap.clerk", "Odoo: vendor bills vs payments", "1+2") in conflicts
    assert ("hr.head", "Odoo: vendor bills vs payments", "1+2") not in conflicts
    assert any("no departments" in n and "1 (FIN)" in n for n in doc["notes"])
    assert any("mrp.production:create" in n for n in doc["notes"])

    table = _cli(*on_odoo, "processes", "coverage", "-P", "AP")
    assert table.exit_code == 0, table.output
    assert "note: AP: Odoo 17.0 has no departments" in table.stdout

    listed = _cli(*on_odoo, "--format", "json", "processes", "list")
    (row,) = [r for r in json.loads(listed.stdout) if r["code"] == "AP"]
    assert (row["steps"], row["no_holder"], row["single_holder"]) == (4, 1, 1)
    assert row["sod"] == 2  # steps 1 and 2


def test_the_org_planner_refuses_over_odoo_instead_of_an_empty_plan(odoo_url, store):
    _add_process(store)
    store_url = store.url.render_as_string(hide_password=False)
    on_odoo = ("--url", odoo_url, "--store", store_url)
    for args in (("org", "move", "cfo", "--to", "FIN"), ("org", "tree")):
        refused = _cli(*on_odoo, *args)
        assert refused.exit_code == 1, refused.output
        assert "org planner" in refused.stderr and "Odoo 17.0 has no departments" in refused.stderr
        assert "Traceback" not in refused.output


def test_a_step_naming_an_odoo_code_is_added_from_the_cli(odoo_url, store):
    _add_process(store)
    store_url = store.url.render_as_string(hide_password=False)
    on_odoo = ("--url", odoo_url, "--store", store_url)
    added = _cli(*on_odoo, "processes", "version", "AP", "--effective", "2024-02-01",
                 "--add", "5:Approve bill:account.move:write:FIN", "--reason", "approval")  # fmt: skip
    assert added.exit_code == 0, added.output
    shown = json.loads(_cli(*on_odoo, "--format", "json", "processes", "show", "AP").stdout)
    step = next(s for s in shown["steps"] if s["seq"] == 5)
    assert (step["permission"], step["department"]) == ("account.move:write", "FIN")


def test_a_process_is_defined_over_odoo_with_a_store_that_was_never_seeded(odoo_url, sqlite_db):
    """A real connection: nothing but Odoo's own tables; the steps name Odoo's codes and the
    store's catalogue takes them from Odoo as the process is created."""
    on_odoo = ("--url", odoo_url, "--store", sqlite_db.url.render_as_string(hide_password=False))
    with sqlite_db.session() as s:
        assert s.scalars(select(Permission.code)).all() == []
    unknown = _cli(*on_odoo, "processes", "create", "AP", "--name", "Pay suppliers",
                   "--step", "1:Enter vendor bill:account.move:create",
                   "--step", "2:Plan production:mrp.production:create")  # fmt: skip
    assert unknown.exit_code == 1, unknown.output
    assert unknown.stderr.startswith("error: 2:permission: step 2: no permission ")
    assert "'mrp.production:create'" in unknown.stderr and "Traceback" not in unknown.output
    misspelt = _cli(*on_odoo, "processes", "create", "AP", "--name", "Pay suppliers",
                    "--step", "1|Enter vendor bill|account.move:creat")  # fmt: skip
    assert misspelt.exit_code == 1, misspelt.output
    assert "no permission 'account.move:creat' in the console's catalogue or in Odoo 17.0" in (
        misspelt.stderr
    )
    with sqlite_db.session() as s:
        assert s.scalars(select(Permission.code)).all() == []  # nothing kept of the refusal

    created = _cli(*on_odoo, "processes", "create", "AP", "--name", "Pay suppliers",
                   "--step", "1:Enter vendor bill:account.move:create",
                   "--step", "2:Open a department:hr.department:create")  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "process AP created with 2 steps" in created.stdout
    with sqlite_db.session() as s:
        kept = dict(s.execute(select(Permission.code, Permission.module)).all())
    assert kept == {"account.move:create": "account", "hr.department:create": "hr"}
    cov = json.loads(_cli(*on_odoo, "--format", "json", "processes", "coverage", "-P", "AP").stdout)
    steps = {row["seq"]: row for row in cov["steps"]}
    assert {"admin", "cfo", "ap.clerk"} <= set(steps[1]["who"])
    assert "admin" in steps[2]["who"] and "hr.head" in steps[2]["who"]


def test_an_sod_rule_in_odoos_codes_is_added_to_a_store_never_seeded(odoo_url, sqlite_db):
    on_odoo = ("--url", odoo_url, "--store", sqlite_db.url.render_as_string(hide_password=False))
    added = _cli(*on_odoo, "sod", "rule", "add", "Bills vs payments",
                 "--a", "account.move:create", "--b", "account.payment:create")  # fmt: skip
    assert added.exit_code == 0, added.output
    checked = _cli(*on_odoo, "--format", "json", "sod", "check")
    assert checked.exit_code == 0, checked.output
    flagged = {c["user"] for c in json.loads(checked.stdout) if c["rule"] == "Bills vs payments"}
    assert "ap.clerk" in flagged and "hr.head" not in flagged
    unknown = _cli(*on_odoo, "sod", "rule", "add", "X", "--a", "account.move:create",
                   "--b", "account.payment:approve")  # fmt: skip
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith(
        "error: permission_b: no permission 'account.payment:approve' in the console's "
        "catalogue or in Odoo 17.0"
    )


async def test_screen_3_shows_odoo_holders_and_the_department_note(odoo_url, store):
    import dataclasses

    from textual.widgets import Static

    from erp_console.app import ErpConsoleApp
    from erp_console.config import resolve_target
    from erp_console.session import open_session
    from tests.support.pilot import settle, type_text

    _add_process(store)
    store_url = store.url.render_as_string(hide_password=False)
    session = open_session(dataclasses.replace(resolve_target(odoo_url, env={}), store=store_url))
    app = ErpConsoleApp(session, operator="alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "ProcessesScreen"
        await pilot.press("slash")
        await type_text(pilot, "AP")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        assert screen.cov.code == "AP"
        detail = str(screen.query_one("#proc-step-text", Static).render())
        assert "account.move:create" in detail and "ap.clerk" in detail
        assert "Odoo 17.0 has no departments" in detail
    session.dispose()

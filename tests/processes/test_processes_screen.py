"""Screen 3 driven by keys at 80x24 on the demo: coverage badges and flags, drill into a holder,
a review with a finding turned into a change request, and an org merge planned and applied."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import DataTable, Input, Static

from erp_console.app import ErpConsoleApp
from erp_console.db.engine import connect
from erp_console.db.models import ChangeRequest, Department, ReviewFinding
from erp_console.services.core.audit import list_entries
from tests.support.pilot import settle, type_text, wait_for
from tests.support.screen_text import screen_text


async def _open(app, pilot):
    await settle(app, pilot)
    await pilot.press("3")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "ProcessesScreen"
    return app.screen


async def _filter(app, pilot, code: str):
    await pilot.press("slash")
    await type_text(pilot, code)
    await pilot.press("enter")
    await settle(app, pilot)


async def test_snapshot_badges_and_flags_at_80x24(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        text = screen_text(app)
        lines = text.splitlines()
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        assert (
            "Processes" in lines[0]
            and "Help" in lines[-1]
            and "Flags only" in lines[-1]
            and "Planner p" in lines[1]
        )
        for code in ("H2R", "INV", "O2C", "P2P", "P2PR", "R2R"):
            assert any(line.lstrip("▊ ").startswith(code) for line in lines), code
        assert "gap1" in next(line for line in lines if " P2PR " in line)
        assert "SoD3" in next(line for line in lines if " INV " in line)

        await _filter(app, pilot, "P2PR")
        await pilot.press("s", "f")
        await settle(app, pilot)
        steps = screen.query_one("#proc-steps", DataTable)
        names = [steps.get_row_at(i)[1] for i in range(steps.row_count)]
        assert "Close production order" in names and "Create production order" not in names
        while screen.current_step().name != "Close production order":
            await pilot.press("down")
        await pilot.pause()
        detail = str(screen.query_one("#proc-step-text", Static).render())
        assert "PP.PROD_ORDER.CLOSE" in detail and "nobody" in detail


async def test_drill_into_a_single_holder_opens_screen_2(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        await _filter(app, pilot, "P2P")
        await pilot.press("s", "f")
        await settle(app, pilot)
        while "single_holder" not in screen.current_step().flags:
            await pilot.press("down")
        holder = screen.current_step().holders[0]
        await pilot.press("u")
        await settle(app, pilot, rounds=6)
        assert type(app.screen).__name__ == "UsersScreen"
        assert app.screen.query_one("#users-text", Input).value == holder
        details = str(app.screen.query_one("#users-details-text", Static).render())
        assert holder in details


async def test_review_finding_and_change_request_from_the_screen(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="reviewer1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        await _filter(app, pilot, "R2R")
        await pilot.press("v")
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "FormScreen"
        await pilot.press("enter")  # reviewer (prefilled) -> scope
        await type_text(pilot, "period close")
        await pilot.press("enter")
        await settle(app, pilot, rounds=6)
        review = screen.current_review()
        assert review is not None and review.is_open and review.reviewer == "reviewer1"
        await pilot.press("n")
        await settle(app, pilot)
        for value in ("permission_gap", "high", "20", "Nobody approves journals"):
            await type_text(pilot, value)
            await pilot.press("enter")
        await settle(app, pilot, rounds=6)
        assert [f.text for f in screen.current_review().findings] == ["Nobody approves journals"]
        screen.query_one("#proc-findings", DataTable).focus()
        await pilot.press("c")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ConfirmChange"
        await pilot.press("ctrl+s")
        await settle(app, pilot, rounds=6)
    with demo_sqlite.session() as s:
        finding = s.scalars(
            select(ReviewFinding).where(ReviewFinding.text == "Nobody approves journals")
        ).one()
        change = s.get(ChangeRequest, finding.change_request_id)
    assert finding.step_id is not None and change.title == "R2R: Nobody approves journals"
    assert change.requested_by == "reviewer1"


async def test_planner_previews_then_applies_an_org_merge(demo_sqlite):
    app = ErpConsoleApp(demo_sqlite, operator="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        await pilot.press("p", "m")
        await settle(app, pilot)
        await type_text(pilot, "merge")
        await pilot.press("enter")
        await settle(app, pilot)
        await type_text(pilot, "FIN-AR")
        await pilot.press("enter")
        await type_text(pilot, "FIN-AP")
        await pilot.press("enter")
        await settle(app, pilot)
        plan_text = str(screen.query_one("#proc-plan-text", Static).render())
        assert "Plan: merge FIN-AR into FIN-AP" in plan_text and "+FI_AP_CLERK" in plan_text
        assert "Post vendor invoice" in plan_text
        assert "Apply" in screen_text(app).splitlines()[-1]
        await pilot.press("a")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ConfirmChange"
        await type_text(pilot, "AR joins AP")
        await pilot.press("enter")
        await settle(app, pilot, rounds=6)
        assert "Applied: merge FIN-AR into FIN-AP" in str(
            screen.query_one("#proc-plan-text", Static).render()
        )
    with demo_sqlite.session() as s:
        ar = s.scalars(select(Department).where(Department.code == "FIN-AR")).one()
    assert not ar.active
    summary = list_entries(demo_sqlite, action="org.change")[0]
    assert summary.actor == "admin" and summary.reason == "AR joins AP"


async def test_read_only_hides_review_and_planner_writes(demo_sqlite):
    ro = connect(demo_sqlite.url.render_as_string(hide_password=False), read_only=True)
    app = ErpConsoleApp(ro, operator="auditor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        assert screen.check_action("open_review", ()) is False
        await pilot.press("o")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ProcessesScreen"
        await pilot.press("p")
        await settle(app, pilot)
        assert screen.check_action("plan_change", ()) is False
        assert "New plan" not in screen_text(app).splitlines()[-1]
        await pilot.press("s")
        await settle(app, pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "New" not in footer and "Edit steps" not in footer
        await pilot.press("plus", "e")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ProcessesScreen"
    ro.dispose()
    assert list_entries(demo_sqlite, actor="auditor") == []


async def test_the_list_shows_before_its_coverage_badges(demo_sqlite, monkeypatch):
    """Coverage of every process takes seconds at 100k users: names first, badges after."""
    import threading

    from erp_console.services.processes import catalog as processes

    release = threading.Event()
    real = processes.list_processes

    def slow_coverage(db, **kwargs):
        release.wait(timeout=10)
        return real(db, **kwargs)

    monkeypatch.setattr(processes, "list_processes", slow_coverage)
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await pilot.pause(0.3)
        table = app.screen.query_one("#proc-list", DataTable)
        badges = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(6)}
        assert set(badges) == {"H2R", "INV", "O2C", "P2P", "P2PR", "R2R"}
        assert set(badges.values()) == {"[dim]…[/]"}
        release.set()
        await settle(app, pilot)
        assert "gap1" in str(table.get_row_at(table.get_row_index("P2PR"))[1])


async def test_a_step_with_many_holders_lists_the_first_forty_and_the_rest_as_a_number(
    demo_sqlite,
):
    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(app, pilot)
        await _filter(app, pilot, "H2R")
        await pilot.press("s")
        await settle(app, pilot)
        steps = screen.query_one("#proc-steps", DataTable)
        for _ in range(steps.row_count):
            if len(screen.current_step().holders) > 40:
                break
            await pilot.press("down")
        step = screen.current_step()
        assert len(step.holders) > 40, "the demo's H2R has a step most of HR can perform"
        await pilot.pause()
        detail = str(screen.query_one("#proc-step-text", Static).render())
        holders_line = next(line for line in detail.splitlines() if line.startswith("Holders"))
        assert holders_line.startswith(f"Holders ({len(step.holders):,}): {step.holders[0]}, ")
        shown, rest = holders_line.split(": ", 1)[1].split(" … and ")
        assert shown.split(", ") == list(step.holders[:40])
        assert rest == f"{len(step.holders) - 40:,} more"


async def test_a_process_is_defined_then_its_steps_edited_from_the_screen(demo_sqlite):
    from erp_console.services.processes.catalog import get_process

    app = ErpConsoleApp(demo_sqlite, operator="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        assert "+ New" in screen_text(app).splitlines()[-1]
        await pilot.press("plus")
        await settle(app, pilot)
        form = app.screen
        assert form.form_title == "New process"
        await type_text(pilot, "rma")
        await pilot.press("enter")
        await type_text(pilot, "Customer returns")
        await pilot.press("enter")
        await type_text(pilot, "SAL")
        await pilot.press("enter", "enter")
        await type_text(pilot, "Receive the return | SD.ORDER.CR")
        await wait_for(pilot, lambda: form.input("step1")._suggestion, "a suggested code")
        await pilot.press("right")  # takes the suggested code
        assert form.input("step1").value == "Receive the return | SD.ORDER.CREATE"
        await pilot.press("enter")
        await type_text(pilot, "Credit the customer | FI.CREDIT.NOPE | SAL")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # the service's refusal, under the row that caused it
        problem = form.error_label("step2")
        assert str(problem.render()) == "step 20: no permission 'FI.CREDIT.NOPE'"
        assert str(form.error_label("step1").render()) == ""
        fields = form.query_one("#form-fields")  # the message is scrolled into view
        assert fields.region.contains_region(problem.region) and problem.region.height == 1
        form.input("step2").value = "Credit the customer | FI.INVOICE.POST | SAL"
        await pilot.press("enter")
        await type_text(pilot, "Close the case")  # no permission: the row's shape is wrong
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "is not [SEQ |] NAME | PERMISSION" in str(form.error_label("step3").render())
        form.input("step3").value = ""
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, "the form to close")
        await settle(app, pilot)
        lines = screen_text(app).splitlines()
        assert any(line.lstrip("▊ ").startswith("RMA") for line in lines)
        assert screen.cov.code == "RMA"  # the new process is the one shown
        shown = {(s.seq, s.name) for s in screen.cov.steps}
        assert shown == {(10, "Receive the return"), (20, "Credit the customer")}

        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert form.input("step1").value == "10 | Receive the return | SD.ORDER.CREATE"
        assert form.input("step2").value == "20 | Credit the customer | FI.INVOICE.POST | SAL"
        form.input("step1").value = ""  # dropped
        form.input("step3").value = "Archive the case | SD.ORDER.CREATE"
        form.input("note").value = "receiving moved to the warehouse process"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, "the form to close")
        await settle(app, pilot)
        assert {(s.seq, s.name) for s in screen.cov.steps} == {
            (20, "Credit the customer"),
            (30, "Archive the case"),
        }
    detail = get_process(demo_sqlite, "RMA")
    assert (detail.version, detail.owner, detail.versions[-1].note) == (
        2,
        "SAL",
        "receiving moved to the warehouse process",
    )
    assert [e.action for e in list_entries(demo_sqlite, actor="alice")][:2] == [
        "process.version",
        "process.create",
    ]

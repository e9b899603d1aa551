"""The Steps tab: each step of the process version in force, its holders and flags."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static, TabbedContent

from erp_console.screens.processes.labels import (
    SHOWN_CONFLICTS,
    SHOWN_HOLDERS,
    first_names,
    flag_text,
)
from erp_console.services.processes.present import process_conflict
from erp_console.widgets.forms import Field, FormScreen


class StepsPart:
    """Mixed into ProcessesScreen: fills and acts on the steps table."""

    def _show_steps(self, cov) -> None:
        table = self.query_one("#proc-steps", DataTable)
        table.clear()
        if cov is None:
            return
        for s in cov.steps:
            if self.flags_only and not s.flags:
                continue
            table.add_row(
                str(s.seq),
                s.name,
                s.department or "any",
                str(len(s.holders)),
                flag_text(s.flags),
                key=str(s.seq),
            )
        pane = self.query_one("#proc-tabs", TabbedContent).get_pane("steps")
        pane.border_title = f"{cov.code} v{cov.version}"
        self._show_step_detail()
        self.call_after_refresh(self.on_resize)

    def current_step(self):
        table = self.query_one("#proc-steps", DataTable)
        if self.cov is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((s for s in self.cov.steps if str(s.seq) == key), None)

    def _show_step_detail(self) -> None:
        text = self.query_one("#proc-step-text", Static)
        step = self.current_step()
        if step is None:
            text.update("No flagged step." if self.flags_only and self.cov else "Select a process.")
            return
        lines = [
            f"[b]{step.seq} {step.name}[/b]  {step.permission} ({step.risk})"
            + (f"  dept {step.department}" if step.department else "")
            + (f"  role {step.role}" if step.role else ""),
            f"Holders ({len(step.holders):,}): "
            + (first_names(step.holders, SHOWN_HOLDERS) or "[red]nobody[/]"),
        ]
        lines += [f"[yellow]note[/] {note}" for note in self.cov.notes]  # e.g. no ERP departments
        conflicts = [c for c in self.cov.conflicts if step.seq in (c.step_a, c.step_b)]
        lines += [f"[red]SoD[/] {process_conflict(c)}" for c in conflicts[:SHOWN_CONFLICTS]]
        if len(conflicts) > SHOWN_CONFLICTS:
            more = len(conflicts) - SHOWN_CONFLICTS
            lines.append(f"[red]SoD[/] … and {more:,} more (processes coverage -P {self.cov.code})")
        text.update("\n".join(lines))
        self._step_text = (f"step {step.seq} of {self.cov.code}", "\n".join(lines))

    def action_toggle_flags(self) -> None:
        self.flags_only = not self.flags_only
        self._show_steps(self.cov)
        self.notify("Flagged steps only." if self.flags_only else "All steps.", timeout=2)

    def action_drill_user(self) -> None:
        step = self.current_step()
        if step is None or not step.holders:
            self.notify("Nobody can perform this step.", severity="warning")
            return
        if len(step.holders) == 1:
            self.run_worker(self._open_user(step.holders[0]))
            return
        self.app.push_screen(
            FormScreen(
                f"Open a holder of {step.seq} {step.name}",
                [
                    Field(
                        "login",
                        "Login",
                        required=True,
                        suggestions=step.holders,
                        placeholder=", ".join(step.holders)[:60],
                    )
                ],
                save_label="Open",
                check=lambda v: {} if v["login"] in step.holders else {"login": "not a holder"},
            ),
            lambda v: v and self.run_worker(self._open_user(v["login"])),
        )

    async def _open_user(self, login: str) -> None:
        await self.app.show_screen("users")
        users = self.app.screen
        if users is not self.app.get_screen("users"):
            return  # another screen's key came first
        users.query_one("#users-text", Input).value = login

"""Screen 3: the process workbench — coverage of each step, reviews and findings, the org-change planner."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from erp_console.screens.base import ErpScreen
from erp_console.widgets.confirm_change import ConfirmChange
from erp_console.widgets.console_footer import ConsoleFooter
from erp_console.widgets.forms import Field, FormScreen, ResultScreen

FLAG_LABELS = {
    "no_holder": "[b red]gap[/]",
    "single_holder": "[yellow]single[/]",
    "excess": "[magenta]excess[/]",
    "sod": "[red]SoD[/]",
}
ORG_KINDS = ("move", "merge", "rename", "split", "deactivate", "defaults")
FINDING_KINDS = (
    "inconvenient_operation",
    "unrealized_function",
    "obsolete_step",
    "permission_gap",
    "excess_permission",
)
SEVERITIES = ("low", "medium", "high", "critical")
OUTCOMES = ("fit", "needs_optimization", "obsolete")
REVIEW_ACTIONS = frozenset({"open_review", "add_finding", "raise_change", "close_review", "diff"})
PLANNER_ACTIONS = frozenset({"apply_plan", "discard_plan"})
SHOWN_HOLDERS = 40  # the full lists: `erp-console processes coverage -P CODE`
SHOWN_CONFLICTS = 20


def _badge(row) -> str:
    if not hasattr(row, "no_holder"):
        return "[dim]…[/]"  # coverage still being computed
    parts = []
    for count, flag, label in (
        (row.no_holder, "no_holder", "gap"),
        (row.single_holder, "single_holder", "sgl"),
        (row.sod, "sod", "SoD"),
        (row.excess, "excess", "ex"),
    ):
        if count:
            color = FLAG_LABELS[flag].split("]")[0] + "]"
            parts.append(f"{color}{label}{count}[/]")
    return " ".join(parts) or "[green]ok[/]"


def _flags(flags) -> str:
    return " ".join(FLAG_LABELS[f] for f in flags) or "[green]ok[/]"


def _first(names, limit: int) -> str:
    """The first `limit` names, then how many more (a step at a big site has thousands)."""
    shown = ", ".join(names[:limit])
    return f"{shown} … and {len(names) - limit:,} more" if len(names) > limit else shown


def _split_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in text.replace(",", " ").split() if w)


class ProcessesScreen(ErpScreen):
    TITLE = "Processes"
    AUTO_FOCUS = "#proc-list"
    CSS_PATH = Path(__file__).with_name("processes.tcss")
    HELP = """\
# Process workbench

Left: the active business processes with their coverage badges — **gap** steps nobody can
perform now, **1** single-holder steps (no stand-in), **SoD** steps one user can perform
together with a step an SoD rule separates, **ex** high-risk steps with more holders than the
`coverage.excess_limit` setting. Type in the filter to narrow the list.

**Steps** (`s`): each step of the version in force with its permission, responsible
department and active holders. `enter` or `u` on a step picks a holder and opens screen 2 on
that user. `f` shows only flagged steps.

**Reviews** (`v`): reviews of the process, newest first, and the findings of the highlighted
review. `o` opens a review (today's coverage is kept with it), `n` records a finding, `c` turns
the highlighted finding into a change request, `x` closes the review with its outcome, `d`
compares the review's coverage snapshot with today.

**Planner** (`p`): `m` builds an org change (move users, merge, rename, split, deactivate a
department, change its default roles) and shows its impact: roles to grant and revoke, steps
gaining or losing holders (a step left with none must be acknowledged) and new SoD conflicts.
`a` applies it in one transaction with a reason; a plan made on data that changed since is
refused. `z` discards it.
"""
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", key_display="/", show=False, id="proc.filter"),
        Binding("s", "tab('steps')", "Steps", id="proc.steps"),
        Binding("v", "tab('reviews')", "Reviews", id="proc.reviews"),
        Binding("p", "tab('planner')", "Planner", id="proc.planner"),
        Binding("f", "toggle_flags", "Flags only", id="proc.flags"),
        Binding("u", "drill_user", "Holder", show=False, id="proc.drill"),
        Binding("o", "open_review", "Open", id="proc.open_review"),
        Binding("n", "add_finding", "Finding", id="proc.finding"),
        Binding("c", "raise_change", "Change req", id="proc.change"),
        Binding("x", "close_review", "Close", id="proc.close_review"),
        Binding("d", "diff", "Diff", show=False, id="proc.diff"),
        Binding("m", "plan_change", "New plan", id="proc.plan"),
        Binding("a", "apply_plan", "Apply", id="proc.apply"),
        Binding("z", "discard_plan", "Discard", id="proc.discard"),
        Binding("r", "refresh", "Refresh", show=False, id="proc.refresh"),
    ]
    WRITE_ACTIONS = frozenset(
        {"open_review", "add_finding", "raise_change", "close_review", "plan_change", "apply_plan"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.rows: list = []
        self.code: str | None = None
        self.cov = None
        self._detail_of: str | None = None  # the process whose detail this list load has read
        self.flags_only = False
        self.reviews: list = []
        self.plan = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="proc-body"):
            with Vertical(id="proc-left"):
                yield Input(placeholder="Filter processes", id="proc-filter")
                yield DataTable(id="proc-list", cursor_type="row", zebra_stripes=True)
            with TabbedContent(id="proc-tabs", initial="steps"):
                with TabPane("Steps", id="steps"):
                    yield DataTable(id="proc-steps", cursor_type="row")
                    with VerticalScroll(id="proc-step-detail"):
                        yield Static("Select a process.", id="proc-step-text")
                with TabPane("Reviews", id="reviews"):
                    yield DataTable(id="proc-reviews", cursor_type="row")
                    yield DataTable(id="proc-findings", cursor_type="row")
                with TabPane("Planner", id="planner"), VerticalScroll(id="proc-plan"):
                    yield Static(
                        "No plan. Press m to build an org change and see its impact.",
                        id="proc-plan-text",
                        markup=False,
                    )
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one("#proc-list", DataTable).add_columns("Code", "Coverage")
        self.query_one("#proc-steps", DataTable).add_columns("Seq", "Step", "Dept", "Hold", "Flags")
        self.query_one("#proc-reviews", DataTable).add_columns(
            "#", "Opened", "Reviewer", "Outcome", "Find."
        )
        self.query_one("#proc-findings", DataTable).add_columns(
            "#", "Kind", "Sev", "Step", "CR", "Text"
        )
        self.load_list()

    def palette_commands(self):
        return [
            (
                "Processes: steps and holders",
                "Coverage of the process",
                lambda: self.action_tab("steps"),
            ),
            ("Processes: reviews", "Reviews and findings", lambda: self.action_tab("reviews")),
            ("Processes: open review", "Start reviewing this process", self.action_open_review),
            (
                "Processes: record finding",
                "Add a finding to the open review",
                self.action_add_finding,
            ),
            (
                "Processes: raise change request",
                "From the highlighted finding",
                self.action_raise_change,
            ),
            ("Processes: close review", "With an outcome", self.action_close_review),
            ("Processes: compare snapshot", "Coverage then vs now", self.action_diff),
            ("Processes: plan org change", "Move, merge, rename, split…", self.action_plan_change),
            ("Processes: apply plan", "Apply the previewed org change", self.action_apply_plan),
            ("Processes: flags only", "Show only flagged steps", self.action_toggle_flags),
        ]

    # -- which keys apply where ---------------------------------------------------------

    @property
    def tab(self) -> str:
        return self.query_one("#proc-tabs", TabbedContent).active

    def check_action(self, action: str, parameters):
        allowed = super().check_action(action, parameters)
        if allowed is False:
            return False
        try:
            tab = self.tab
        except Exception:  # noqa: BLE001 - before compose
            return allowed
        if action in REVIEW_ACTIONS and tab != "reviews":
            return False
        if action in PLANNER_ACTIONS and (tab != "planner" or self.plan is None):
            return False
        if action == "plan_change" and tab != "planner":
            return False
        if action in ("toggle_flags", "drill_user") and tab != "steps":
            return False
        return allowed

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()

    def action_tab(self, name: str) -> None:
        self.query_one("#proc-tabs", TabbedContent).active = name
        target = {"steps": "#proc-steps", "reviews": "#proc-reviews", "planner": "#proc-plan"}[name]
        self.query_one(target).focus()
        self.refresh_bindings()

    def action_focus_filter(self) -> None:
        self.query_one("#proc-filter", Input).focus()

    def action_refresh(self) -> None:
        self.load_list()

    # -- process list -------------------------------------------------------------------

    def load_list(self) -> None:
        """The names first (one small query), then the coverage badges: at 100k users the
        database needs 0.3-1.3 s to count them, the list must not wait for it."""
        from erp_console.services.processes import list_process_names, list_processes

        self._detail_of = None  # the selected process's detail is read again with the list

        def coverage_after_paint(names) -> None:
            self.show_names(names)
            # Started once the list is painted, so its statement and the selected process's
            # coverage (CPU work in a thread) do not compete with the screen's first frames.
            self.call_after_refresh(
                self.run_service,
                list_processes,
                self.db,
                on_result=self.show_list,
                group="load-list-coverage",
            )

        self.run_service(
            list_process_names, self.db, on_result=coverage_after_paint, group="load-list"
        )

    def show_names(self, names) -> None:
        if any(hasattr(row, "no_holder") for row in self.rows):
            return  # badges already shown (this is a reload): they stay until the new ones
        self.rows = names
        self._fill_list()

    def show_list(self, rows) -> None:
        self.rows = rows
        self._fill_list()

    def _fill_list(self) -> None:
        table = self.query_one("#proc-list", DataTable)
        needle = self.query_one("#proc-filter", Input).value.strip().lower()
        shown = [r for r in self.rows if needle in f"{r.code} {r.name}".lower()]
        table.clear()
        for r in shown:
            table.add_row(r.code, _badge(r), key=r.code)
        if not shown:
            self._show_steps(None)
            self.query_one("#proc-step-text", Static).update(
                "No process matches the filter." if self.rows else "No active process."
            )
            return
        keep = next((i for i, r in enumerate(shown) if r.code == self.code), 0)
        table.move_cursor(row=keep)
        if shown[keep].code != self._detail_of:
            self._detail_of = self.code = shown[keep].code
            self.call_after_refresh(self.load_process)  # CPU work: after the list is painted

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "proc-filter":
            self._fill_list()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "proc-filter":
            self.query_one("#proc-list", DataTable).focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table.id
        if table == "proc-list" and event.row_key.value and event.row_key.value != self.code:
            self.select_process(event.row_key.value)
        elif table == "proc-steps":
            self._show_step_detail()
        elif table == "proc-reviews":
            self._show_findings()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "proc-list":
            self.action_tab(self.tab)
        elif event.data_table.id == "proc-steps":
            self.action_drill_user()

    def select_process(self, code: str) -> None:
        self.code = code
        self.load_process()

    def load_process(self) -> None:
        if self.code is None:
            return
        from erp_console.services.coverage import coverage
        from erp_console.services.reviews import list_reviews

        code = self.code

        def load():
            return coverage(self.db, code)[0], list_reviews(self.db, process=code)

        self.run_service(load, on_result=self._loaded, group="load-process")

    def _loaded(self, result) -> None:
        self.cov, self.reviews = result
        self._show_steps(self.cov)
        self._show_reviews()

    # -- steps --------------------------------------------------------------------------

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
                _flags(s.flags),
                key=str(s.seq),
            )
        pane = self.query_one("#proc-tabs", TabbedContent).get_pane("steps")
        pane.border_title = f"{cov.code} v{cov.version}"
        self._show_step_detail()

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
            + (_first(step.holders, SHOWN_HOLDERS) or "[red]nobody[/]"),
        ]
        conflicts = [c for c in self.cov.conflicts if step.seq in (c.step_a, c.step_b)]
        for c in conflicts[:SHOWN_CONFLICTS]:
            tag = " (accepted)" if c.accepted else ""
            lines.append(f"[red]SoD[/] {c.login}: {c.rule} — steps {c.step_a}+{c.step_b}{tag}")
        if len(conflicts) > SHOWN_CONFLICTS:
            more = len(conflicts) - SHOWN_CONFLICTS
            lines.append(f"[red]SoD[/] … and {more:,} more (processes coverage -P {self.cov.code})")
        text.update("\n".join(lines))

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
        await self.app.switch_mode("users")
        users = self.app.screen
        users.query_one("#users-text", Input).value = login

    # -- reviews ------------------------------------------------------------------------

    def _show_reviews(self) -> None:
        table = self.query_one("#proc-reviews", DataTable)
        table.clear()
        for r in self.reviews:
            outcome = r.outcome or "[b]open[/]"
            table.add_row(
                str(r.id),
                f"{r.opened_at:%Y-%m-%d}",
                r.reviewer,
                outcome,
                str(len(r.findings)),
                key=str(r.id),
            )
        self._show_findings()

    def current_review(self):
        table = self.query_one("#proc-reviews", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.reviews if str(r.id) == key), None)

    def _show_findings(self) -> None:
        table = self.query_one("#proc-findings", DataTable)
        table.clear()
        review = self.current_review()
        if review is None:
            return
        for f in review.findings:
            table.add_row(
                str(f.id),
                f.kind,
                f.severity,
                str(f.step_seq or "-"),
                f"#{f.change_request_id}" if f.change_request_id else "-",
                f.text,
                key=str(f.id),
            )

    def current_finding(self):
        review = self.current_review()
        table = self.query_one("#proc-findings", DataTable)
        if review is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((f for f in review.findings if str(f.id) == key), None)

    def _write(self, fn, *args, done: str, **kwargs) -> None:
        def finished(_result) -> None:
            self.notify(done, timeout=4)
            self.load_list()

        self.run_service(fn, *args, on_result=finished, group="write", **kwargs)

    def action_open_review(self) -> None:
        if self.code is None:
            return
        code = self.code
        self.app.push_screen(
            FormScreen(
                f"Open a review of {code}",
                [Field("reviewer", "Reviewer", value=self.operator), Field("scope", "Scope")],
                save_label="Open",
                note="Today's coverage is kept with the review for later comparison.",
            ),
            lambda v: v and self._open_review(code, v),
        )

    def _open_review(self, code: str, values) -> None:
        from erp_console.services.reviews import open_review

        self._write(
            open_review,
            self.db,
            code,
            actor=self.operator,
            reviewer=values["reviewer"] or None,
            scope=values["scope"] or None,
            done=f"Review of {code} opened.",
        )

    def _open_review_or_warn(self):
        review = self.current_review()
        if review is None or not review.is_open:
            self.notify("Highlight an open review (o opens one).", severity="warning")
            return None
        return review

    def action_add_finding(self) -> None:
        review = self._open_review_or_warn()
        if review is None:
            return
        seqs = tuple(str(s.seq) for s in self.cov.steps) if self.cov else ()

        def check(values):
            errors = {}
            if values["kind"] not in FINDING_KINDS:
                errors["kind"] = "one of " + ", ".join(FINDING_KINDS)
            if values["severity"] not in SEVERITIES:
                errors["severity"] = "one of " + ", ".join(SEVERITIES)
            if values["step"] and values["step"] not in seqs:
                errors["step"] = "steps: " + ", ".join(seqs)
            return errors

        self.app.push_screen(
            FormScreen(
                f"Finding on review #{review.id}",
                [
                    Field(
                        "kind",
                        "Kind",
                        required=True,
                        suggestions=FINDING_KINDS,
                        placeholder="permission_gap, obsolete_step…",
                    ),
                    Field(
                        "severity",
                        "Severity",
                        required=True,
                        suggestions=SEVERITIES,
                        placeholder="low medium high critical",
                    ),
                    Field("step", "Step seq", placeholder=" ".join(seqs)),
                    Field("text", "Text", required=True),
                ],
                check=check,
            ),
            lambda v: v and self._add_finding(review.id, v),
        )

    def _add_finding(self, review_id: int, values) -> None:
        from erp_console.services.reviews import add_finding

        self._write(
            add_finding,
            self.db,
            review_id,
            actor=self.operator,
            kind=values["kind"],
            severity=values["severity"],
            text=values["text"],
            step=int(values["step"]) if values["step"] else None,
            done=f"Finding recorded on review #{review_id}.",
        )

    def action_raise_change(self) -> None:
        finding = self.current_finding()
        if finding is None:
            self.notify("Highlight a finding (tab to the findings table).", severity="warning")
            return
        if finding.change_request_id:
            self.notify(
                f"Finding #{finding.id} already raised change request #{finding.change_request_id}.",
                severity="warning",
            )
            return
        kind = "expansion" if finding.kind == "unrealized_function" else "optimization"
        preview = (
            f"A {kind} change request will be proposed from finding #{finding.id}:\n\n"
            f"{self.code}: {finding.text}"
        )
        self.app.push_screen(
            ConfirmChange(
                "Raise change request?", preview, confirm_label="Raise", destructive=False
            ),
            lambda ok: ok is not None and self._raise(finding.id),
        )

    def _raise(self, finding_id: int) -> None:
        from erp_console.services.reviews import raise_change

        self._write(
            raise_change,
            self.db,
            finding_id,
            actor=self.operator,
            done=f"Change request raised from finding #{finding_id}.",
        )

    def action_close_review(self) -> None:
        review = self._open_review_or_warn()
        if review is None:
            return
        self.app.push_screen(
            FormScreen(
                f"Close review #{review.id}",
                [
                    Field(
                        "outcome",
                        "Outcome",
                        required=True,
                        suggestions=OUTCOMES,
                        placeholder=" | ".join(OUTCOMES),
                    ),
                    Field("note", "Note"),
                ],
                save_label="Close review",
                check=lambda v: (
                    {} if v["outcome"] in OUTCOMES else {"outcome": " | ".join(OUTCOMES)}
                ),
            ),
            lambda v: v and self._close(review, v),
        )

    def _close(self, review, values) -> None:
        from erp_console.services.reviews import close_review

        self._write(
            close_review,
            self.db,
            review.id,
            actor=self.operator,
            outcome=values["outcome"],
            note=values["note"] or None,
            expected_version=review.version,
            done=f"Review #{review.id} closed: {values['outcome']}.",
        )

    def action_diff(self) -> None:
        review = self.current_review()
        if review is None:
            return
        from erp_console.services.reviews import compare_with_snapshot

        def show(deltas) -> None:
            lines = [
                f"{d.seq} {d.name}: {d.holders_then} → {d.holders_now} holder(s)"
                + (f"; +{', +'.join(d.gained)}" if d.gained else "")
                + (f"; -{', -'.join(d.lost)}" if d.lost else "")
                + f"; flags {' '.join(d.flags_then) or 'ok'} → {' '.join(d.flags_now) or 'ok'}"
                for d in deltas
            ]
            self.app.push_screen(
                ResultScreen(
                    f"Review #{review.id}: coverage then vs now",
                    "\n".join(lines) or "Nothing changed since the review was opened.",
                )
            )

        self.run_service(
            compare_with_snapshot, self.db, review.id, on_result=show, group="load-diff"
        )

    # -- planner ------------------------------------------------------------------------

    def action_plan_change(self) -> None:
        self.app.push_screen(
            FormScreen(
                "Org change",
                [
                    Field(
                        "kind",
                        "Change",
                        required=True,
                        suggestions=ORG_KINDS,
                        placeholder=" | ".join(ORG_KINDS),
                    )
                ],
                save_label="Next",
                check=lambda v: {} if v["kind"] in ORG_KINDS else {"kind": " | ".join(ORG_KINDS)},
            ),
            lambda v: v and self._plan_form(v["kind"]),
        )

    def _plan_form(self, kind: str) -> None:
        fields = {
            "move": [
                Field("users", "Users", required=True, placeholder="logins, space-separated"),
                Field("dept", "To department", required=True),
            ],
            "merge": [
                Field("dept", "Merge dept", required=True),
                Field("other", "Into dept", required=True),
            ],
            "rename": [
                Field("dept", "Department", required=True),
                Field("name", "New name"),
                Field("other", "New code"),
            ],
            "split": [
                Field("dept", "Split dept", required=True),
                Field("other", "New code", required=True),
                Field("name", "New name", required=True),
                Field("users", "Users", required=True, placeholder="logins moving to the new dept"),
                Field("roles", "Default roles", placeholder="empty = copy the source's"),
            ],
            "deactivate": [Field("dept", "Department", required=True)],
            "defaults": [
                Field("dept", "Department", required=True),
                Field("roles", "Roles", required=True, placeholder="+ROLE to add, -ROLE to remove"),
            ],
        }[kind]
        self.app.push_screen(
            FormScreen(f"Org change: {kind}", fields, save_label="Preview"),
            lambda v: v and self._make_plan(kind, v),
        )

    @staticmethod
    def _request(kind: str, v: dict):
        from erp_console.services import org_plan as op

        if kind == "move":
            return op.MoveUsers(_split_words(v["users"]), v["dept"])
        if kind == "merge":
            return op.MergeDepartments(v["dept"], v["other"])
        if kind == "rename":
            return op.RenameDepartment(v["dept"], v.get("name") or None, v.get("other") or None)
        if kind == "split":
            roles = _split_words(v.get("roles", ""))
            return op.SplitDepartment(
                v["dept"], v["other"], v["name"], _split_words(v["users"]), roles or None
            )
        if kind == "deactivate":
            return op.DeactivateDepartment(v["dept"])
        words = _split_words(v["roles"])
        return op.ChangeDefaultRoles(
            v["dept"],
            tuple(w[1:] for w in words if w.startswith("+")),
            tuple(w[1:] for w in words if w.startswith("-")),
        )

    def _make_plan(self, kind: str, values) -> None:
        from erp_console.services.org_plan import plan_org_change

        self.run_service(
            plan_org_change,
            self.db,
            self._request(kind, values),
            on_result=self.show_plan,
            group="load-plan",
        )

    def show_plan(self, plan) -> None:
        from erp_console.services.org import plan_lines

        self.plan = plan
        self.query_one("#proc-plan-text", Static).update(
            "\n".join(plan_lines(plan)) + "\n\na: apply (asks for a reason) · z: discard"
        )
        self.action_tab("planner")

    def action_discard_plan(self) -> None:
        self.plan = None
        self.query_one("#proc-plan-text", Static).update(
            "Plan discarded. Press m to build an org change."
        )
        self.refresh_bindings()

    def action_apply_plan(self) -> None:
        if self.plan is None:
            return
        from erp_console.services.org import plan_lines

        plan = self.plan
        gaps = bool(plan.gaps)
        preview = "\n".join(plan_lines(plan))
        if gaps:
            preview += "\n\nApplying acknowledges that these steps will have no holder."
        self.app.push_screen(
            ConfirmChange(
                f"Apply: {plan.summary}?",
                preview,
                confirm_label="Apply anyway" if gaps else "Apply",
                ask_reason=True,
            ),
            lambda reason: reason and self._apply(plan, reason, gaps),
        )

    def _apply(self, plan, reason: str, gaps: bool) -> None:
        from erp_console.services.org import apply_plan

        def done(result) -> None:
            self.plan = None
            self.query_one("#proc-plan-text", Static).update(
                f"Applied: {result.summary}\n{result.moved} user(s) moved, {result.granted} role(s) "
                f"granted, {result.revoked} revoked; {result.entries} audit entries; "
                f"maintenance record #{result.document_id}."
            )
            self.refresh_bindings()
            self.load_list()

        self.run_service(
            apply_plan,
            self.db,
            plan,
            actor=self.operator,
            reason=reason,
            acknowledge_gaps=gaps,
            on_result=done,
            group="write",
        )

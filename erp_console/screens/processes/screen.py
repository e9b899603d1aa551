"""Screen 3: the process workbench — the process list with its coverage badges, and the tabs of
the highlighted process: steps (steps.py), reviews (reviews.py), the org-change planner (planner.py).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from erp_console.screens.base import ErpScreen
from erp_console.screens.processes.authoring import AuthoringPart
from erp_console.screens.processes.labels import (
    BADGE_LEGEND,
    PLANNER_ACTIONS,
    REVIEW_ACTIONS,
    WIDE_LIST,
    badge,
)
from erp_console.screens.processes.planner import PlannerPart
from erp_console.screens.processes.reviews import ReviewsPart
from erp_console.screens.processes.steps import StepsPart
from erp_console.widgets.console_footer import ConsoleFooter
from erp_console.widgets.early_read import EarlyRead
from erp_console.widgets.fit_columns import fit_flex_column


class ProcessesScreen(StepsPart, ReviewsPart, PlannerPart, AuthoringPart, ErpScreen):
    TITLE = "Processes"
    AUTO_FOCUS = "#proc-list"
    CSS_PATH = Path(__file__).with_name("processes.tcss")
    HELP = """\
# Process workbench

Left: the active business processes with their coverage badges — **gap** steps nobody can
perform now, **sgl** single-holder steps (no stand-in), **SoD** steps one user can perform
together with a step an SoD rule separates, **ex** high-risk steps with more holders than the
`coverage.excess_limit` setting. Type in the filter to narrow the list.

`+` defines a new process and `e` the next version of the highlighted one's steps: one step a
row, `name | permission | department` (department optional; a row may start with its number,
`10 | …`). The permission completes as you type (`→` accepts): the console's codes, and over an
ERP the ERP's own (`account.move:create`), which the console's catalogue takes in as the process
is saved. A version is in force from the date given; the one in force today is shown.

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
        Binding("s", "tab('steps')", "Steps", show=False, id="proc.steps"),
        Binding("v", "tab('reviews')", "Reviews", show=False, id="proc.reviews"),
        Binding("p", "tab('planner')", "Planner", show=False, id="proc.planner"),
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
        Binding("plus", "new_process", "New", key_display="+", id="proc.new"),
        Binding("e", "edit_steps", "Edit steps", id="proc.edit_steps"),
    ]
    WRITE_ACTIONS = frozenset(
        {
            "open_review",
            "add_finding",
            "raise_change",
            "close_review",
            "plan_change",
            "apply_plan",
            "new_process",
            "edit_steps",
        }
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
        from erp_console.services.processes.catalog import list_process_names

        # Read while the widgets are built: the first frame shows the list.
        self._early_names: EarlyRead | None = EarlyRead(list_process_names, self.db)

    def early_reads(self):
        return (self._early_names,) if self._early_names is not None else ()

    def compose(self) -> ComposeResult:
        with Horizontal(id="proc-body"):
            with Vertical(id="proc-left"):
                yield Input(placeholder="Filter processes", id="proc-filter")
                yield DataTable(id="proc-list", cursor_type="row", zebra_stripes=True)
                yield Static(BADGE_LEGEND, id="proc-legend")
            with TabbedContent(id="proc-tabs", initial="steps"):
                with TabPane("Steps s", id="steps"):
                    yield DataTable(id="proc-steps", cursor_type="row")
                    with VerticalScroll(id="proc-step-detail"):
                        yield Static("Select a process.", id="proc-step-text")
                with TabPane("Reviews v", id="reviews"):
                    yield DataTable(id="proc-reviews", cursor_type="row")
                    yield DataTable(id="proc-findings", cursor_type="row")
                with TabPane("Planner p", id="planner"), VerticalScroll(id="proc-plan"):
                    yield Static(
                        "No plan. Press m to build an org change and see its impact.",
                        id="proc-plan-text",
                        markup=False,
                    )
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one("#proc-list", DataTable).add_columns("Code", "Coverage")
        for label in ("Seq", "Step", "Dept", "Hold", "Flags"):
            self.query_one("#proc-steps", DataTable).add_column(label, key=label)
        self.query_one("#proc-reviews", DataTable).add_columns(
            "#", "Opened", "Reviewer", "Outcome", "Find."
        )
        for label in ("#", "Kind", "Sev", "Step", "CR", "Text"):
            self.query_one("#proc-findings", DataTable).add_column(label, key=label)
        self.load_list()

    def copy_target(self):
        from erp_console.screens.base import plain_text

        step_text = getattr(self, "_step_text", None)
        if step_text is not None and self.focused is self.query_one("#proc-steps"):
            return step_text[0], plain_text(step_text[1])
        return super().copy_target()

    def on_resize(self) -> None:
        # Once the panes have their new sizes (a breakpoint may also move them).
        self.call_after_refresh(self._fit_to_width)

    def _fit_to_width(self) -> None:
        """Step names and finding texts take the width the terminal gives."""
        fit_flex_column(self.query_one("#proc-steps", DataTable), "Step")
        fit_flex_column(self.query_one("#proc-findings", DataTable), "Text")
        table = self.query_one("#proc-list", DataTable)
        if self.rows and table.size.width:
            wide = table.size.width >= WIDE_LIST
            for r in self.rows:
                if r.code in table.rows:
                    table.update_cell(r.code, table.ordered_columns[1].key, badge(r, wide))

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
            ("Processes: new process", "Define a process and its steps", self.action_new_process),
            (
                "Processes: edit steps",
                "The next version of the highlighted process",
                self.action_edit_steps,
            ),
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
        if action == "edit_steps" and (tab != "steps" or self.code is None):
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
        from erp_console.services.processes.catalog import list_process_names, list_processes

        self._detail_of = None  # the selected process's detail is read again with the list

        def coverage_after_paint(names) -> None:
            self.show_names(names)
            # Started once the list is painted, so its statement and the selected process's
            # coverage (CPU work in a thread) do not compete with the screen's first frames.
            self.call_after_refresh(
                self.run_service,
                list_processes,
                self.db,
                identity=self.identity,
                on_result=self.show_list,
                group="load-list-coverage",
            )

        early, self._early_names = self._early_names, None
        self.run_service(
            list_process_names,
            self.db,
            on_result=coverage_after_paint,
            group="load-list",
            early=early,
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
        wide = table.size.width >= WIDE_LIST
        for r in shown:
            table.add_row(r.code, badge(r, wide), key=r.code)
        if not shown:
            self._show_steps(None)
            self.query_one("#proc-step-text", Static).update(
                "No process matches the filter." if self.rows else self._no_process_text()
            )
            return
        keep = next((i for i, r in enumerate(shown) if r.code == self.code), 0)
        table.move_cursor(row=keep)
        if shown[keep].code != self._detail_of:
            self._detail_of = self.code = shown[keep].code
            self.call_after_refresh(self.load_process)  # CPU work: after the list is painted

    def _no_process_text(self) -> str:
        if self.read_only:
            return "No active process."
        return (
            "No active process yet. Press + to define one: its steps, the permission each "
            "needs and the department that does it."
        )

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
        from erp_console.services.processes.coverage import coverage
        from erp_console.services.processes.reviews import list_reviews

        code = self.code

        def load():
            return (
                coverage(self.db, code, identity=self.identity)[0],
                list_reviews(self.db, process=code),
            )

        self.run_service(load, on_result=self._loaded, group="load-process")

    def _loaded(self, result) -> None:
        self.cov, self.reviews = result
        self._show_steps(self.cov)
        self._show_reviews()

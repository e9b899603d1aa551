"""Screen 1, the lifecycle dashboard: which maintenance stage the ERP is in, the evidence, and the work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static

from erp_console.screens.base import ErpScreen
from erp_console.screens.flows import call_service, flow
from erp_console.screens.stage_labels import STAGE_LABELS
from erp_console.widgets.console_footer import ConsoleFooter

RECOMMENDATIONS = {
    "stay": "stay in this stage",
    "ready": "READY to advance",
    "regressing": "REGRESSING",
    "manual": "advance by decision",
}


def _now_local():
    import datetime as dt

    return dt.datetime.now()


@dataclass(frozen=True)
class DashboardData:
    overview: object
    recent: list
    status: object
    incidents: list
    changes: list
    pending_erp_writes: int = 0


def load_dashboard(
    db, identity=None, *, open_incidents: bool = True, open_changes: bool = True
) -> DashboardData:
    """The dashboard's figures from the store; users and roles from an ERP connector's identity."""
    from erp_console.services.access.erp_audit import pending_intents
    from erp_console.services.core.audit import list_entries
    from erp_console.services.lifecycle.incidents import list_changes, list_incidents
    from erp_console.services.lifecycle.overview import identity_figures, load_overview
    from erp_console.services.lifecycle.stage import stage_status

    overview = load_overview(db)
    connector = identity is not None and identity.identity.kind != "native"
    if connector:
        overview = identity_figures(overview, identity)
    return DashboardData(
        overview,
        list_entries(db, limit=30),
        stage_status(db),
        list_incidents(db, open_only=open_incidents, limit=200),
        list_changes(db, open_only=open_changes, limit=200),
        len(pending_intents(db)) if connector else 0,  # only an ERP connector writes intents
    )


class DashboardScreen(ErpScreen):
    TITLE = "Dashboard"
    CSS_PATH = Path(__file__).with_name("dashboard.tcss")
    HELP = """\
# Dashboard — lifecycle stage status

Where this ERP stands in its maintenance life, with the evidence:

* **System assurance** (first 3–6 months after go-live): bugs, operational errors and
  permission problems are fixed until they fall off.
* **Optimization**: design problems — inconvenient operations, functions that cannot be realized.
* **Expansion**: new requirements until the end of life.

The banner shows the stage, days in it and the recommendation (stay / ready / regressing).
Below it, each stage criterion with its measured value and threshold (✔ met, ✘ not met).

Tabs (`[` and `]` switch): **Overview** figures and the newest audit entries; **Trend** weekly
new incidents per category since go-live, open incidents by severity, MTTR and the change
request backlog; **Incidents** and **Changes** with their actions (keys in the footer when
the list has focus); **History** of stage transitions.

`A` advances to the next stage after a preview of the criteria; failing criteria need an
override reason. `t` edits the thresholds, `m` shows the maintenance report of the last 30 days.
Every change is written together with its audit entry.
"""
    BINDINGS = [
        Binding("r", "refresh", "Refresh", show=False, id="dashboard.refresh"),
        Binding("right_square_bracket", "next_tab", "Next tab", key_display="]"),
        Binding("left_square_bracket", "previous_tab", "Prev tab", key_display="[", show=False),
        Binding("A", "advance", "Advance", key_display="A", show=False),
        Binding("t", "thresholds", "Thresholds", show=False),
        Binding("m", "report", "Report", show=False),
    ]
    WRITE_ACTIONS = frozenset(
        {"advance", "thresholds", "save_report", "record_incident", "new_change"}
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.data: DashboardData | None = None
        self.open_only = {"incidents": True, "changes": True}

    def compose(self) -> ComposeResult:
        with Vertical(id="dashboard"):
            yield Label("Loading…", id="stage-banner")
            yield Static("", id="criteria")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.action_refresh()

    def on_screen_resume(self) -> None:
        """Back on the dashboard (from another screen or a dialog): show the figures of now."""
        if self.data is not None and self.app.screen is self:
            self.action_refresh()

    def copy_target(self):
        from erp_console.screens.lifecycle_panels import OverviewPanel

        overview = self.query_one_optional(OverviewPanel)
        if overview is not None and self.focused is overview.query_one("#recent-audit"):
            return overview.copy_target()
        return super().copy_target()

    def palette_commands(self):
        return [
            ("Dashboard: advance stage", "Enter the next lifecycle stage", self.action_advance),
            ("Dashboard: edit thresholds", "Stage criteria thresholds", self.action_thresholds),
            ("Dashboard: maintenance report", "Report of the last 30 days", self.action_report),
            ("Dashboard: save maintenance report", "Keep it as a document", self.save_report),
            (
                "Dashboard: record incident",
                "New incident",
                lambda: self._pane_action("incidents", "add"),
                "record_incident",
            ),
            (
                "Dashboard: new change request",
                "Propose a change",
                lambda: self._pane_action("changes", "add"),
                "new_change",
            ),
        ]

    # -- loading ------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.run_service(
            load_dashboard,
            self.db,
            self.identity,
            open_incidents=self.open_only["incidents"],
            open_changes=self.open_only["changes"],
            on_result=self.show_data,
            busy=self.query_one("#criteria"),
        )

    def after_write(self, message: str) -> None:
        self.notify(message, timeout=4)
        self.action_refresh()

    def show_data(self, data: DashboardData) -> None:
        self.data = data
        self.as_of = _now_local()
        self.app.set_erp_name(data.overview.erp_name)  # type: ignore[attr-defined]
        self._show_banner(data.status, data.pending_erp_writes)
        self._show_criteria(data.status)
        from erp_console.screens.dashboard_tabs import DashboardTabs
        from erp_console.screens.lifecycle_lists import DashboardPart

        if not self.query(DashboardTabs):
            if not self.is_current:
                return  # left before the first data (a quick key, --watch): mounted on return
            self.query_one("#dashboard").mount(DashboardTabs(id="dashboard-body"))
            return  # each part draws itself from self.data when it mounts
        for part in self.query("*"):
            if isinstance(part, DashboardPart):
                part.show(data)

    def _show_banner(self, st, pending_erp_writes: int = 0) -> None:
        banner = self.query_one("#stage-banner", Label)
        pending = (
            f" · [b red]{pending_erp_writes} ERP write(s) pending[/] (audit list --pending)"
            if pending_erp_writes
            else ""
        )
        if st.stage is None:
            banner.update(
                "No lifecycle stage yet: record the go-live with `erp-console stage setup`"
                + pending
            )
            return
        advice = RECOMMENDATIONS.get(st.recommendation, st.recommendation)
        banner.update(
            f"Stage: [b]{STAGE_LABELS.get(st.stage, st.stage)}[/b] · day {st.days_in_stage} in stage"
            f" · {st.days_since_go_live} days since go-live ({st.go_live}) · [b]{advice}[/b]"
            f" · [dim]as of {self.as_of:%H:%M}[/dim]" + pending
        )
        banner.set_class(st.recommendation == "ready", "ready")
        banner.set_class(st.recommendation == "regressing", "regressing")

    def _show_criteria(self, st) -> None:
        lines = []
        if st.criteria and st.next_stage:
            lines.append(f"[b]To advance to {STAGE_LABELS.get(st.next_stage, st.next_stage)}:[/b]")
        for c in st.criteria:
            mark = "[green]✔[/]" if c.passed else "[red]✘[/]"
            warning = f" [yellow]({c.warning})[/]" if c.warning else ""
            lines.append(f"{mark} {c.name}: [b]{c.value}[/b] (needs {c.threshold}){warning}")
        if not lines:
            lines.append(
                "No criteria: " + ("advancing is a decision." if st.stage else "no stage yet.")
            )
        self.query_one("#criteria", Static).update("\n".join(lines))

    # -- tabs ---------------------------------------------------------------------------

    def _tabs(self):
        """The TabbedContent, or None until the first data has arrived (it mounts with it)."""
        return next(iter(self.query("#dashboard-tabs")), None)

    def _switch_tab(self, step: int) -> None:
        from erp_console.screens.dashboard_tabs import TABS

        tabs = self._tabs()
        if tabs is None:
            return
        index = (TABS.index(tabs.active) + step) % len(TABS)
        tabs.active = TABS[index]
        self._focus_tab(TABS[index])

    def _focus_tab(self, tab: str) -> None:
        from erp_console.screens.dashboard_tabs import FOCUS_TARGETS

        self.query_one(FOCUS_TARGETS[tab]).focus()

    def action_next_tab(self) -> None:
        self._switch_tab(1)

    def action_previous_tab(self) -> None:
        self._switch_tab(-1)

    def _pane_action(self, tab: str, action: str) -> None:
        tabs = self._tabs()
        if tabs is None:
            return
        tabs.active = tab
        self._focus_tab(tab)
        pane = self.query_one(f"#{tab}-pane")
        if self.read_only:
            self.notify("Read-only session: changes are not allowed.", severity="warning")
            return
        getattr(pane, f"action_{action}")()

    # -- stage --------------------------------------------------------------------------

    def action_advance(self) -> None:
        from erp_console.widgets.forms import Field, FormScreen

        st = self.data.status if self.data else None
        if st is None or st.stage is None:
            self.notify("No lifecycle stage is recorded yet.", severity="warning")
            return
        if st.next_stage is None:
            self.notify("The system is retired; there is no next stage.", severity="warning")
            return
        failing = [c for c in st.criteria if not c.passed]
        lines = [
            f"{STAGE_LABELS[st.stage]} → {STAGE_LABELS[st.next_stage]}",
            *(
                f"{'met' if c.passed else 'NOT met'}: {c.name} = {c.value} (needs {c.threshold})"
                for c in st.criteria
            ),
        ]
        if failing:
            lines.append("Criteria fail: an override reason is required.")
        fields = [
            Field("reason", "Reason", required=True, placeholder="why now"),
            Field(
                "override",
                "Override",
                required=bool(failing),
                placeholder="why advance although criteria fail" if failing else "not needed",
                disabled=not failing,
            ),
        ]
        from erp_console.services.lifecycle.stage import advance

        to = st.next_stage
        db, actor = self.db, self.operator
        self.app.push_screen(
            FormScreen(
                f"Advance to {STAGE_LABELS[to]}?",
                fields,
                save_label="Advance",
                note="\n".join(lines),
                submit=lambda values: advance(
                    db,
                    actor=actor,
                    reason=values["reason"],
                    override_reason=values["override"] or None,
                    to=to,
                ),
                field_of={"override_reason": "override"},
            ),
            lambda done: done and self.after_write(f"Stage is now {STAGE_LABELS[to]}"),
        )

    @flow
    async def action_thresholds(self) -> None:
        """The form stays open when a value is refused, with the problem next to it."""
        from erp_console.services.lifecycle.stage import (
            THRESHOLDS,
            parse_threshold,
            set_threshold,
            thresholds,
        )
        from erp_console.widgets.forms import Field, FormScreen, collect_problems

        db, actor = self.db, self.operator
        current = await call_service(self, thresholds, db)

        def changed(values: dict[str, str]) -> dict[str, str]:
            return {k: v for k, v in values.items() if k != "reason" and v != str(current.get(k))}

        def check_all(values: dict[str, str]) -> dict[str, str]:
            """Every refused value at once, before any is written."""
            return collect_problems(
                {k: (lambda k=k, v=v: parse_threshold(k, v)) for k, v in changed(values).items()}
            )

        def save_changed(values: dict[str, str]) -> int:
            saved = changed(values)
            for key, value in saved.items():
                set_threshold(db, key, value, actor=actor, reason=values["reason"] or None)
                current[key] = parse_threshold(key, value)  # a retry does not write it again
            return len(saved)

        saved = await self.app.push_screen_wait(
            FormScreen(
                "Stage thresholds",
                [
                    Field(key, key.removeprefix("stage."), value=str(current[key]))
                    for key in THRESHOLDS
                ]
                + [Field("reason", "Reason", placeholder="why change them")],
                note="Fractions and shares are 0–1; days and counts are whole numbers.",
                check=check_all,
                submit=save_changed,
            )
        )
        if saved is None:
            return
        if saved.result:
            self.after_write(f"{saved.result} threshold(s) changed")
        else:
            self.notify("No threshold changed.", timeout=3)

    def action_report(self) -> None:
        from erp_console.services.lifecycle.report import build_report, default_period
        from erp_console.widgets.forms import ResultScreen

        since, until = default_period()
        self.run_service(
            build_report,
            self.db,
            since,
            until,
            on_result=lambda r: self.app.push_screen(
                ResultScreen(f"Maintenance report {since} – {until}", r.markdown, markdown=True)
            ),
        )

    def save_report(self) -> None:
        if self.read_only:
            self.notify("Read-only session: the report cannot be saved.", severity="warning")
            return
        from erp_console.services.lifecycle.report import default_period, save_report

        since, until = default_period()
        self.run_service(
            save_report,
            self.db,
            since,
            until,
            actor=self.operator,
            on_result=lambda r: self.after_write(f"Report saved as document #{r.document_id}"),
            group="write",
        )

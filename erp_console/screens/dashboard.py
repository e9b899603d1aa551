"""Screen 1, the lifecycle dashboard: which maintenance stage the ERP is in, the evidence, and the work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static

from erp_console.screens.base import ErpScreen
from erp_console.screens.stage_labels import STAGE_LABELS
from erp_console.widgets.console_footer import ConsoleFooter

RECOMMENDATIONS = {
    "stay": "stay in this stage",
    "ready": "READY to advance",
    "regressing": "REGRESSING",
    "manual": "advance by decision",
}


@dataclass(frozen=True)
class DashboardData:
    overview: object
    recent: list
    status: object
    incidents: list
    changes: list


def load_dashboard(db, *, open_incidents: bool = True, open_changes: bool = True) -> DashboardData:
    from erp_console.services.audit import list_entries
    from erp_console.services.incidents import list_changes, list_incidents
    from erp_console.services.overview import load_overview
    from erp_console.services.stage import stage_status

    return DashboardData(
        load_overview(db),
        list_entries(db, limit=30),
        stage_status(db),
        list_incidents(db, open_only=open_incidents, limit=200),
        list_changes(db, open_only=open_changes, limit=200),
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
        Binding("r", "refresh", "Refresh", id="dashboard.refresh"),
        Binding("right_square_bracket", "next_tab", "Next tab", key_display="]"),
        Binding("left_square_bracket", "previous_tab", "Prev tab", key_display="[", show=False),
        Binding("A", "advance", "Advance", key_display="A"),
        Binding("t", "thresholds", "Thresholds", show=False),
        Binding("m", "report", "Report", show=False),
    ]
    WRITE_ACTIONS = frozenset({"advance", "thresholds"})

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
            ),
            (
                "Dashboard: new change request",
                "Propose a change",
                lambda: self._pane_action("changes", "add"),
            ),
        ]

    # -- loading ------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.run_service(
            load_dashboard,
            self.db,
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
        self.app.set_erp_name(data.overview.erp_name)  # type: ignore[attr-defined]
        self._show_banner(data.status)
        self._show_criteria(data.status)
        from erp_console.screens.dashboard_tabs import DashboardTabs
        from erp_console.screens.lifecycle_lists import DashboardPart

        if not self.query(DashboardTabs):
            self.query_one("#dashboard").mount(DashboardTabs(id="dashboard-body"))
            return  # each part draws itself from self.data when it mounts
        for part in self.query("*"):
            if isinstance(part, DashboardPart):
                part.show(data)

    def _show_banner(self, st) -> None:
        banner = self.query_one("#stage-banner", Label)
        if st.stage is None:
            banner.update("No lifecycle stage recorded yet (go-live not set up)")
            return
        advice = RECOMMENDATIONS.get(st.recommendation, st.recommendation)
        banner.update(
            f"Stage: [b]{STAGE_LABELS.get(st.stage, st.stage)}[/b] · day {st.days_in_stage} in stage"
            f" · {st.days_since_go_live} days since go-live ({st.go_live}) · [b]{advice}[/b]"
        )
        banner.set_class(st.recommendation == "ready", "ready")
        banner.set_class(st.recommendation == "regressing", "regressing")

    def _show_criteria(self, st) -> None:
        lines = []
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
        self.app.push_screen(
            FormScreen(
                f"Advance to {STAGE_LABELS[st.next_stage]}?",
                fields,
                save_label="Advance",
                note="\n".join(lines),
            ),
            lambda values: self._advance(st.next_stage, values),
        )

    def _advance(self, to: str, values: dict[str, str] | None) -> None:
        if values is None:
            return
        from erp_console.services.stage import advance

        self.run_service(
            advance,
            self.db,
            actor=self.operator,
            reason=values["reason"],
            override_reason=values["override"] or None,
            to=to,
            on_result=lambda _r: self.after_write(f"Stage is now {STAGE_LABELS[to]}"),
            group="write",
        )

    def action_thresholds(self) -> None:
        from erp_console.services.stage import THRESHOLDS, thresholds
        from erp_console.widgets.forms import Field, FormScreen

        self.run_service(
            thresholds,
            self.db,
            on_result=lambda current: self.app.push_screen(
                FormScreen(
                    "Stage thresholds",
                    [
                        Field(key, key.removeprefix("stage."), value=str(current[key]))
                        for key in THRESHOLDS
                    ]
                    + [Field("reason", "Reason", placeholder="why change them")],
                    note="Fractions and shares are 0–1; days and counts are whole numbers.",
                ),
                lambda values: self._save_thresholds(current, values),
            ),
        )

    def _save_thresholds(self, current: dict, values: dict[str, str] | None) -> None:
        if values is None:
            return
        changed = {k: v for k, v in values.items() if k != "reason" and v != str(current.get(k))}
        if not changed:
            self.notify("No threshold changed.", timeout=3)
            return
        from erp_console.services.stage import set_threshold

        def save_all(db) -> None:
            for key, value in changed.items():
                set_threshold(db, key, value, actor=self.operator, reason=values["reason"] or None)

        self.run_service(
            save_all,
            self.db,
            on_result=lambda _r: self.after_write(f"{len(changed)} threshold(s) changed"),
            group="write",
        )

    def action_report(self) -> None:
        from erp_console.services.report import build_report, default_period
        from erp_console.widgets.forms import ResultScreen

        since, until = default_period()
        self.run_service(
            build_report,
            self.db,
            since,
            until,
            on_result=lambda r: self.app.push_screen(
                ResultScreen(f"Maintenance report {since} – {until}", r.markdown)
            ),
        )

    def save_report(self) -> None:
        if self.read_only:
            self.notify("Read-only session: the report cannot be saved.", severity="warning")
            return
        from erp_console.services.report import default_period, save_report

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

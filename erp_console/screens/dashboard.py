"""Screen 1, the home dashboard: where the ERP stands and what happened lately."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.widgets import DataTable, Footer, Label

from erp_console.screens.base import ErpScreen
from erp_console.widgets.stat_card import StatCard

STAGE_LABELS = {
    "assurance": "System assurance",
    "optimization": "Optimization",
    "expansion": "Expansion",
    "retired": "Retired",
}


@dataclass(frozen=True)
class DashboardData:
    overview: object
    recent: list


def load_dashboard(db) -> DashboardData:
    from erp_console.services.audit import list_entries
    from erp_console.services.overview import load_overview

    return DashboardData(load_overview(db), list_entries(db, limit=30))


class DashboardScreen(ErpScreen):
    TITLE = "Dashboard"
    HELP = """\
# Dashboard

Where this ERP stands in its maintenance life and what changed lately: the current
lifecycle stage with days since go-live, the size of the user base by status, roles and
permissions, open incidents and change requests, system log and documentation volume,
and the newest entries of the audit trail.
"""
    BINDINGS = [Binding("r", "refresh", "Refresh", id="dashboard.refresh")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dashboard"):
            yield Label("Loading…", id="stage-banner")
            with Grid(id="dashboard-cards"):
                yield StatCard("Users", id="card-users")
                yield StatCard("Roles/Perms", id="card-access")
                yield StatCard("Incidents", id="card-incidents")
                yield StatCard("Changes", id="card-changes")
                yield StatCard("Processes", id="card-processes")
                yield StatCard("Log lines", id="card-logs")
                yield StatCard("Documents", id="card-docs")
                yield StatCard("Locked/Dis.", id="card-inactive")
            yield Label("Recent audit entries", classes="section-title")
            yield DataTable(id="recent-audit", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#recent-audit", DataTable)
        table.add_columns("When (UTC)", "Actor", "Action", "Target", "Reason")
        self.action_refresh()

    def action_refresh(self) -> None:
        self.run_service(
            load_dashboard,
            self.db,
            on_result=self.show_data,
            busy=self.query_one("#dashboard-cards"),
        )

    def show_data(self, data: DashboardData) -> None:
        ov = data.overview
        self.app.set_erp_name(ov.erp_name)  # type: ignore[attr-defined]
        banner = self.query_one("#stage-banner", Label)
        if ov.stage:
            since_go_live = ov.days_since_go_live()
            banner.update(
                f"Stage: [b]{STAGE_LABELS.get(ov.stage, ov.stage)}[/b] · day {ov.days_in_stage()} in stage · "
                f"{since_go_live} days since go-live ({ov.go_live})"
            )
        else:
            banner.update("No lifecycle stage recorded yet (go-live not set up)")
        by_status = ov.users_by_status
        self.query_one("#card-users", StatCard).show(
            f"{ov.users:,}", f"{by_status.get('active', 0):,} active"
        )
        self.query_one("#card-inactive", StatCard).show(
            f"{by_status.get('locked', 0):,} / {by_status.get('disabled', 0):,}",
            "locked / disabled",
        )
        self.query_one("#card-access", StatCard).show(
            f"{ov.roles} / {ov.permissions}", "roles / perms"
        )
        sev = ov.open_incidents_by_severity
        urgent = sev.get("critical", 0) + sev.get("high", 0)
        self.query_one("#card-incidents", StatCard).show(
            f"{ov.open_incidents:,}",
            f"{sev.get('critical', 0)} crit, {sev.get('high', 0)} high",
            alert=urgent > 0,
        )
        self.query_one("#card-changes", StatCard).show(f"{ov.open_changes:,}", "open requests")
        self.query_one("#card-processes", StatCard).show(f"{ov.processes}", "active")
        self.query_one("#card-logs", StatCard).show(f"{ov.log_lines:,}", "system log")
        self.query_one("#card-docs", StatCard).show(f"{ov.documents:,}", "all kinds")
        table = self.query_one("#recent-audit", DataTable)
        table.clear()
        for entry in data.recent:
            table.add_row(
                entry.at.strftime("%Y-%m-%d %H:%M"),
                entry.actor,
                entry.action,
                entry.target,
                entry.reason or "",
                key=str(entry.id),
            )

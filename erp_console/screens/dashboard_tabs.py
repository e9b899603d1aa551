"""The dashboard's tab set. It is mounted with the first data: before it there is nothing to show."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import TabbedContent, TabPane

from erp_console.screens.lifecycle_lists import ChangesPane, IncidentsPane
from erp_console.screens.lifecycle_panels import HistoryTable, OverviewPanel, TrendPanel

TABS = ("overview", "trend", "incidents", "changes", "history")
FOCUS_TARGETS = {
    "overview": "#recent-audit",
    "trend": "#trend-body",
    "incidents": "#incidents-table",
    "changes": "#changes-table",
    "history": "#stage-history",
}


class DashboardTabs(Vertical):
    """Overview, Trend, Incidents, Changes and History; each part draws itself from the screen's data."""

    def compose(self) -> ComposeResult:
        with TabbedContent(id="dashboard-tabs", initial="overview"):
            with TabPane("Overview", id="overview"):
                yield OverviewPanel(id="overview-panel")
            with TabPane("Trend", id="trend"):
                yield TrendPanel(id="trend-body")
            with TabPane("Incidents", id="incidents"):
                yield IncidentsPane(id="incidents-pane")
            with TabPane("Changes", id="changes"):
                yield ChangesPane(id="changes-pane")
            with TabPane("History", id="history"):
                yield HistoryTable(id="stage-history", cursor_type="row")

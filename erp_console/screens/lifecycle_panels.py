"""The overview, trend and stage-history tabs of the dashboard."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Sparkline, Static

from erp_console.screens.lifecycle_lists import DashboardPart
from erp_console.screens.stage_labels import STAGE_LABELS
from erp_console.vocabulary import INCIDENT_CATEGORIES, SEVERITIES
from erp_console.widgets.fit_columns import clip_cell, fit_flex_column
from erp_console.widgets.stat_card import StatCard

AUDIT_COLUMNS = (("When (UTC)", 16), ("Actor", 10), ("Action", 16), ("Target", 15), ("Reason", 10))
TARGET_MAX = 40  # a wide terminal shows targets whole up to this, if Reason keeps REASON_ROOM
REASON_ROOM = 30
CARDS = (
    ("card-users", "Users"),
    ("card-access", "Roles/Perms"),
    ("card-incidents", "Incidents"),
    ("card-changes", "Changes"),
    ("card-processes", "Processes"),
    ("card-logs", "Log lines"),
    ("card-docs", "Documents"),
    ("card-inactive", "Locked/Dis."),
)


class OverviewPanel(DashboardPart, Vertical):
    """What is in this ERP database, and the newest audit entries."""

    def compose(self) -> ComposeResult:
        with Grid(id="dashboard-cards"):
            for card_id, title in CARDS:
                yield StatCard(title, id=card_id)
        audit = DataTable(id="recent-audit", cursor_type="row", zebra_stripes=True)
        # Fixed widths: auto-sized columns are drawn at their header width until a resize.
        for label, width in AUDIT_COLUMNS:
            audit.add_column(label, width=width, key=label)
        yield audit

    recent: tuple = ()  # the audit entries shown, whole

    def on_mount(self) -> None:
        table = self.query_one("#recent-audit", DataTable)
        self.watch(table, "show_vertical_scrollbar", lambda _shown: self._fill_audit(), init=False)

    def on_resize(self) -> None:
        self._fill_audit()

    def _fill_audit(self) -> None:
        """The entries, each cell cut to its column's width with "…" where it is longer."""
        table = self.query_one("#recent-audit", DataTable)
        self._fit_audit_columns(table)
        widths = [table.columns[label].width for label, _ in AUDIT_COLUMNS]  # type: ignore[index]
        row = table.cursor_row
        table.clear()
        for entry in self.recent:
            cells = (
                entry.at.strftime("%Y-%m-%d %H:%M"),
                entry.actor,
                entry.action,
                entry.target,
                entry.reason or "",
            )
            table.add_row(*map(clip_cell, cells, widths), key=str(entry.id))
        if self.recent:
            table.move_cursor(row=min(row, len(self.recent) - 1))

    def copy_target(self) -> tuple[str, str] | None:
        """The highlighted audit entry whole (its cells may be cut with "…")."""
        table = self.query_one("#recent-audit", DataTable)
        if not self.recent or table.row_count == 0:
            return None
        e = self.recent[table.cursor_row]
        cells = (f"{e.at:%Y-%m-%d %H:%M}", e.actor, e.action, e.target, e.reason or "")
        return f"audit entry #{e.id}", "\t".join(cells)

    def _fit_audit_columns(self, table: DataTable) -> None:
        target = table.columns.get("Target")  # type: ignore[call-overload]
        if target is not None:
            longest = max((len(entry.target) for entry in self.recent), default=0)
            fixed = sum(
                width for label, width in AUDIT_COLUMNS if label not in ("Target", "Reason")
            )
            padding = 2 * table.cell_padding * len(AUDIT_COLUMNS)
            room = table.scrollable_content_region.width - fixed - padding
            default = dict(AUDIT_COLUMNS)["Target"]
            wanted = min(max(longest, default), TARGET_MAX)
            target.width = wanted if room - wanted >= REASON_ROOM else default
        fit_flex_column(table, "Reason")

    def show(self, data) -> None:
        ov = data.overview
        by_status = ov.users_by_status
        sev = ov.open_incidents_by_severity
        figures = {
            "card-users": (f"{ov.users:,}", f"{by_status.get('active', 0):,} active"),
            "card-inactive": (
                f"{by_status.get('locked', 0):,} / {by_status.get('disabled', 0):,}",
                "locked/disabled",
            ),
            "card-access": (f"{ov.roles} / {ov.permissions}", "roles / perms"),
            "card-incidents": (
                f"{ov.open_incidents:,}",
                f"{sev.get('critical', 0)} crit, {sev.get('high', 0)} high",
            ),
            "card-changes": (f"{ov.open_changes:,}", "open requests"),
            "card-processes": (f"{ov.processes}", "active"),
            "card-logs": (f"{ov.log_lines:,}", "system log"),
            "card-docs": (f"{ov.documents:,}", "all kinds"),
        }
        urgent = sev.get("critical", 0) + sev.get("high", 0) > 0
        for card_id, (value, detail) in figures.items():
            self.query_one(f"#{card_id}", StatCard).show(
                value, detail, alert=card_id == "card-incidents" and urgent
            )
        self.recent = tuple(data.recent)
        self._fill_audit()


class TrendPanel(DashboardPart, VerticalScroll):
    """New incidents per week and category since go-live, and the facts behind the advice."""

    def compose(self) -> ComposeResult:
        yield Label("", id="trend-title", classes="section-title")
        for category in INCIDENT_CATEGORIES:
            with Horizontal(classes="trend-row"):
                yield Label(category.replace("_", " "), classes="trend-label")
                yield Sparkline([], id=f"spark-{category}", classes="trend-spark")
                yield Label("", id=f"last4-{category}", classes="trend-figure")
        with Horizontal(classes="trend-row"):
            yield Label("open backlog", classes="trend-label")
            yield Sparkline([], id="spark-backlog", classes="trend-spark")
            yield Label("", id="last4-backlog", classes="trend-figure")
        yield Static("", id="trend-facts")

    def show(self, data) -> None:
        st = data.status
        self.query_one("#trend-title", Label).update(
            f"New incidents per week since go-live ({len(st.weeks)} weeks) · last 4 weeks"
        )
        for category in INCIDENT_CATEGORIES:
            series = st.series(category)
            self.query_one(f"#spark-{category}", Sparkline).data = series or [0]
            self.query_one(f"#last4-{category}", Label).update(f"{sum(series[-4:]):>4}")
        backlog = [w.open_backlog for w in st.weeks]
        self.query_one("#spark-backlog", Sparkline).data = backlog or [0]
        self.query_one("#last4-backlog", Label).update(f"{backlog[-1] if backlog else 0:>4}")
        self.query_one("#trend-facts", Static).update("\n".join(_facts(st)))


def _facts(st) -> list[str]:
    open_by = " · ".join(f"{s} {st.open_by_severity.get(s, 0)}" for s in reversed(SEVERITIES))
    mttr = " · ".join(
        f"{s} {st.mttr_hours[s]:.0f} h" for s in reversed(SEVERITIES) if s in st.mttr_hours
    )
    backlog_by: dict[str, list[str]] = {}
    for (kind, status), count in sorted(st.changes_by_status.items()):
        backlog_by.setdefault(kind, []).append(f"{status} {count}")
    share = f"{st.new_function_share:.0%}" if st.new_function_share is not None else "no requests"
    facts = [
        f"[b]Open incidents[/b]: {open_by}",
        f"[b]MTTR (4 weeks)[/b]: {mttr or 'nothing resolved'}",
        *(f"[b]Changes · {kind}[/b]: {', '.join(parts)}" for kind, parts in backlog_by.items()),
        f"[b]New-function share of change requests (12 weeks)[/b]: {share}",
    ]
    if st.reasons:
        facts.append("[b]Why[/b]: " + "; ".join(st.reasons))
    return facts


class HistoryTable(DashboardPart, DataTable):
    """Every stage the system went through, newest first."""

    def on_mount(self) -> None:
        # Textual then runs DashboardPart.on_mount, which fills the rows.
        self.add_columns("Stage", "Started", "Ended", "Decided by", "Note")

    def show(self, data) -> None:
        self.clear()
        for stage, started, ended, decided_by, note in reversed(data.status.history):
            self.add_row(
                STAGE_LABELS.get(stage, stage),
                started.strftime("%Y-%m-%d"),
                ended.strftime("%Y-%m-%d") if ended else "current",
                decided_by,
                note or "",
            )

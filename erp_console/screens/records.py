"""Screen 4: system logs and documents, one tab each (screens/logs/, screens/documents/)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.lazy import Lazy
from textual.widgets import TabbedContent, TabPane

from erp_console.screens.base import ErpScreen
from erp_console.screens.documents.pane import DocumentsPane
from erp_console.screens.logs.pane import LogsPane
from erp_console.screens.logs.source import read_logs_ahead
from erp_console.widgets.console_footer import ConsoleFooter
from erp_console.widgets.paged_table import PagedTable


class RecordsScreen(ErpScreen):
    TITLE = "Logs & docs"
    CSS_PATH = Path(__file__).with_name("records.tcss")
    HELP = """\
# Logs and documents

**Logs**: filter by words of the message (found literally), level, module, user and a time
range (15m, 1h, 24h, 7d, all). A range ends at the newest line of the log, so a snapshot or a
quiet system shows its last hour of activity (`r` re-reads it; the line under the filter names
the end when it is older than 5 minutes). Newest lines first; the table loads pages as you
scroll, so it stays instant on millions of lines. The line under the filter counts lines per
level in the range; the pane below the table shows the whole highlighted line. `f` follows: new
lines are shown as they arrive.

**Watching files** (`w`): name one or more log files (space separated, a path with spaces in
quotes) and optionally their format (empty: detected). Their new complete lines are ingested as
they grow, across rotation, and appear at the top; the line under the counts says what is
watched, how many lines came in and how many bad lines were skipped. `w` again (or `f`) stops.
Not offered in a read-only session.

**Documents**: pick a kind, type words of the title or body. The right pane renders the
Markdown with its tags, links and audit entry (maintenance records). `a` creates a document
from the template of its kind, `e` edits it (a new revision; a stale edit is refused), `h`
lists revisions, `d` diffs two revisions, `k` links to a process, incident or change request,
`u` removes a link, `x` deletes the document (with a reason; the audit entry keeps what it was).
"""
    BINDINGS = [
        Binding("t", "switch_tab", "Logs/Docs", id="records.tab"),
        Binding("slash", "focus_filter", "Filter", key_display="/", id="records.filter"),
    ]
    WRITE_ACTIONS = DocumentsPane.WRITE_ACTIONS | LogsPane.WRITE_ACTIONS

    def __init__(self) -> None:
        super().__init__()
        self._first_logs = read_logs_ahead(self.db)  # read while the widgets are built

    def early_reads(self):
        return self._first_logs.reads

    def compose(self) -> ComposeResult:
        with TabbedContent(id="records-tabs", initial="logs-tab"):
            with TabPane("Logs", id="logs-tab"):
                yield LogsPane(id="logs-pane", first=self._first_logs)
            with TabPane("Documents", id="docs-tab"):
                yield Lazy(DocumentsPane(id="docs-pane"))  # mounted once the logs are drawn
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.call_after_refresh(self.query_one("#logs-table", PagedTable).focus)

    @property
    def logs(self) -> LogsPane:
        return self.query_one(LogsPane)

    @property
    def docs(self) -> DocumentsPane | None:
        """The Documents tab's pane; None for the moment after the screen's first frame."""
        return self.query_one_optional(DocumentsPane)

    @property
    def document(self):
        """The document shown in the Documents tab (None when none is)."""
        docs = self.docs
        return docs.document if docs is not None else None

    def palette_commands(self):
        logs, docs = self.logs, self.docs
        commands = [
            ("Logs: follow new lines", "Toggle follow mode", logs.action_follow),
            ("Logs: watch files", "Ingest new lines of log files as they grow", logs.action_watch),
            ("Logs: stop watching", "Stop ingesting the watched files", logs.action_stop_watch),
            ("Logs & docs: switch tab", "Logs or documents", self.action_switch_tab),
        ]
        if docs is None:
            return commands
        return commands + [
            ("Documents: new document", "From the template of a kind", docs.action_add_doc),
            ("Documents: edit document", "Save a new revision", docs.action_edit_doc),
            (
                "Documents: revision history",
                "Revisions with author and summary",
                docs.action_history,
            ),
            ("Documents: diff revisions", "Compare two revisions", docs.action_diff),
            ("Documents: link document", "To a process, incident or change", docs.action_link),
            ("Documents: unlink document", "Remove one of its links", docs.action_unlink),
            (
                "Documents: delete document",
                "With a reason, after a preview",
                docs.action_delete_doc,
            ),
        ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("watch", "stop_watch"):  # the palette asks the screen
            return self.logs.check_action(action, parameters)
        return super().check_action(action, parameters)

    @property
    def on_logs(self) -> bool:
        return self.query_one(TabbedContent).active == "logs-tab"

    @property
    def pane(self) -> LogsPane | DocumentsPane | None:
        """The pane of the active tab."""
        return self.logs if self.on_logs else self.docs

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._start_pane()

    def _start_pane(self) -> None:
        pane = self.pane
        if pane is None:  # Documents before its pane is mounted: start it when it is
            self.call_after_refresh(self._start_pane)
            return
        pane.query_one(PagedTable).focus()
        if isinstance(pane, DocumentsPane):
            pane.start()

    def action_switch_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "docs-tab" if tabs.active == "logs-tab" else "logs-tab"

    def action_focus_filter(self) -> None:
        pane = self.pane
        if pane is not None:
            pane.focus_filter()

    def copy_target(self):
        pane = self.pane
        return pane.copy_target() if pane is not None else None

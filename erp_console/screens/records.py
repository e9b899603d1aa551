"""Screen 4: system logs (filter, follow, counts) and documents (Markdown, revisions, links)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Markdown, Select, Static, TabbedContent, TabPane

from erp_console.screens.base import ErpScreen
from erp_console.vocabulary import DOCUMENT_KINDS, LOG_LEVELS
from erp_console.widgets.console_footer import ConsoleFooter
from erp_console.widgets.forms import Field, FormScreen, ResultScreen
from erp_console.widgets.paged_table import Column, PagedTable, PageSource
from erp_console.widgets.text_editor import TextEditorScreen

STALE_LOG = dt.timedelta(minutes=5)  # a newest line older than this is named under the filter
RANGES = {"15m": 15, "1h": 60, "24h": 24 * 60, "7d": 7 * 24 * 60, "all": None}
LEVEL_OPTIONS = (
    [("any level", "")]
    + [(x, x) for x in LOG_LEVELS]
    + [
        ("WARNING+", "WARNING+"),
        ("ERROR+", "ERROR+"),
    ]
)
LEVEL_CELLS = {
    "DEBUG": "[dim]DEBUG[/]",
    "WARNING": "[yellow]WARN[/]",
    "ERROR": "[red]ERROR[/]",
    "CRITICAL": "[b red]CRIT[/]",
}
KIND_OPTIONS = [("all kinds", "")] + [(k.replace("_", " "), k) for k in DOCUMENT_KINDS]
STATUS_CELLS = {"published": "pub", "draft": "[yellow]draft[/]", "archived": "[dim]arch[/]"}
LOG_ACTIONS = frozenset({"follow", "refresh_logs"})
DOC_ACTIONS = frozenset({"add_doc", "edit_doc", "history", "diff", "link", "unlink", "delete_doc"})


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class LogSource(PageSource):
    columns = (
        Column("ts", "Time (UTC)", 14),
        Column("level", "Level", 5),
        Column("source", "Source", 10),
        Column("user", "User", 9),
        Column("message", "Message", 33),
    )

    def __init__(self, db, flt) -> None:
        self.db, self.flt = db, flt

    def page_after(self, key, limit):
        from erp_console.services.logs import search

        return search(self.db, self.flt, after=key, limit=limit)

    def page_before(self, key, limit):
        from erp_console.services.logs import search_before

        return search_before(self.db, self.flt, before=key, limit=limit)

    def total(self):
        from erp_console.services.logs import count

        return count(self.db, self.flt)

    def key_of(self, row):
        return row.sort_key

    def cells(self, row):
        return (
            f"{row.ts:%m-%d %H:%M:%S}",
            LEVEL_CELLS.get(row.level, row.level),
            (row.source or "")[:10],
            (row.user_login or "")[:9],
            row.message[:200].replace("[", "\\["),
        )


class DocumentSource(PageSource):
    columns = (Column("title", "Title", 28), Column("status", "State", 5))

    def __init__(self, db, flt) -> None:
        self.db, self.flt = db, flt

    def page_after(self, key, limit):
        from erp_console.services.documents import list_documents

        return list_documents(self.db, self.flt, after=key, limit=limit)

    def page_before(self, key, limit):
        from erp_console.services.documents import list_documents_before

        return list_documents_before(self.db, self.flt, before=key, limit=limit)

    def total(self):
        from erp_console.services.documents import count_documents

        return count_documents(self.db, self.flt)

    def key_of(self, row):
        return row.sort_key

    def cells(self, row):
        return (row.title.replace("[", "\\["), STATUS_CELLS.get(row.status, row.status))


def _counts_text(counts: dict[str, int], following: bool) -> str:
    parts = [f"{LEVEL_CELLS.get(k, k)} {v:,}" for k, v in counts.items() if v]
    text = " · ".join(parts) if parts else "no lines in range"
    return text + ("   [b green]● FOLLOWING[/]" if following else "")


def _detail_text(line) -> str:
    return (
        f"[b]{line.ts:%Y-%m-%d %H:%M:%S}[/b] {line.level} · {line.source or '-'} · "
        f"user {line.user_login or '-'} · host {line.host or '-'} · {line.event or ''}\n"
        + line.message.replace("[", "\\[")
    )


def _doc_markdown(doc) -> str:
    links = ", ".join(f"{x.ref} ({x.label})" for x in doc.links) or "none"
    audit = (
        f"  \n**Audit:** #{doc.audit_entry.id} {doc.audit_entry.action} by {doc.audit_entry.actor}"
        if doc.audit_entry
        else ""
    )
    meta = (
        f"*{doc.kind.replace('_', ' ')} · {doc.status} · v{doc.version} · {doc.revisions} "
        f"revision(s) · {doc.author} · {doc.updated_at:%Y-%m-%d %H:%M}*  \n"
        f"**Tags:** {', '.join(doc.tags) or '-'}  \n**Links:** {links}{audit}\n\n---\n\n"
    )
    return meta + doc.body


class RecordsScreen(ErpScreen):
    TITLE = "Logs & docs"
    CSS_PATH = Path(__file__).with_name("records.tcss")
    FOLLOW_SECONDS = 2.0
    HELP = """\
# Logs and documents

**Logs**: filter by words of the message (found literally), level, module, user and a time
range (15m, 1h, 24h, 7d, all). A range ends at the newest line of the log, so a snapshot or a
quiet system shows its last hour of activity (`r` re-reads it; the line under the filter names
the end when it is older than 5 minutes). Newest lines first; the table loads pages as you
scroll, so it stays instant on millions of lines. The line under the filter counts lines per
level in the range; the pane below the table shows the whole highlighted line. `f` follows: new
lines are shown as they arrive.

**Documents**: pick a kind, type words of the title or body. The right pane renders the
Markdown with its tags, links and audit entry (maintenance records). `a` creates a document
from the template of its kind, `e` edits it (a new revision; a stale edit is refused), `h`
lists revisions, `d` diffs two revisions, `k` links to a process, incident or change request,
`u` removes a link, `x` deletes the document (with a reason; the audit entry keeps what it was).
"""
    BINDINGS = [
        Binding("t", "switch_tab", "Logs/Docs", id="records.tab"),
        Binding("slash", "focus_filter", "Filter", key_display="/", id="records.filter"),
        Binding("f", "follow", "Follow", id="records.follow"),
        Binding("r", "refresh_logs", "Refresh", show=False, id="records.refresh"),
        Binding("a", "add_doc", "New", id="records.add"),
        Binding("e", "edit_doc", "Edit", id="records.edit"),
        Binding("h", "history", "History", id="records.history"),
        Binding("d", "diff", "Diff", id="records.diff"),
        Binding("k", "link", "Link", id="records.link"),
        Binding("u", "unlink", "Unlink", show=False, id="records.unlink"),
        Binding("x", "delete_doc", "Delete", show=False, id="records.delete"),
    ]
    WRITE_ACTIONS = frozenset({"add_doc", "edit_doc", "link", "unlink", "delete_doc"})

    def __init__(self) -> None:
        super().__init__()
        self.following = False
        self._follow_timer = None
        self.log_end: dt.datetime | None = None  # the newest line: time ranges end there
        self._shown_logs = None  # the filters of the lists on screen
        self._shown_docs = None
        self.document = None

    def compose(self) -> ComposeResult:
        with TabbedContent(id="records-tabs", initial="logs-tab"):
            with TabPane("Logs", id="logs-tab"), Vertical():
                with Horizontal(id="logs-filters", classes="filter-bar"):
                    yield Input(placeholder="words…", id="logs-text", compact=True)
                    yield Select(
                        LEVEL_OPTIONS, value="", allow_blank=False, id="logs-level", compact=True
                    )
                    yield Input(placeholder="module", id="logs-source", compact=True)
                    yield Input(placeholder="user", id="logs-user", compact=True)
                    yield Select(
                        [(k, k) for k in RANGES],
                        value="1h",
                        allow_blank=False,
                        id="logs-range",
                        compact=True,
                    )
                yield Label("", id="logs-counts")
                yield PagedTable(id="logs-table", empty_text="No log line matches the filter.")
                yield Static("", id="logs-detail")
            with TabPane("Documents", id="docs-tab"), Vertical():
                with Horizontal(id="docs-filters", classes="filter-bar"):
                    yield Select(
                        KIND_OPTIONS, value="", allow_blank=False, id="docs-kind", compact=True
                    )
                    yield Input(placeholder="words in title or body…", id="docs-text", compact=True)
                with Horizontal(id="docs-body"):
                    yield PagedTable(id="docs-table", empty_text="No document matches.")
                    with VerticalScroll(id="docs-view"):
                        yield Markdown("Select a document.", id="docs-markdown")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.anchor_log_ranges()
        self.apply_doc_filter()
        self.call_after_refresh(self.query_one("#logs-table", PagedTable).focus)

    def palette_commands(self):
        return [
            ("Logs: follow new lines", "Toggle follow mode", self.action_follow),
            ("Logs & docs: switch tab", "Logs or documents", self.action_switch_tab),
            ("Documents: new document", "From the template of a kind", self.action_add_doc),
            ("Documents: edit document", "Save a new revision", self.action_edit_doc),
            (
                "Documents: revision history",
                "Revisions with author and summary",
                self.action_history,
            ),
            ("Documents: diff revisions", "Compare two revisions", self.action_diff),
            ("Documents: link document", "To a process, incident or change", self.action_link),
            ("Documents: unlink document", "Remove one of its links", self.action_unlink),
            (
                "Documents: delete document",
                "With a reason, after a preview",
                self.action_delete_doc,
            ),
        ]

    # -- tabs -----------------------------------------------------------------------------

    @property
    def on_logs(self) -> bool:
        return self.query_one(TabbedContent).active == "logs-tab"

    def check_action(self, action: str, parameters) -> bool | None:
        if action in LOG_ACTIONS and not self.on_logs:
            return False
        if action in DOC_ACTIONS and self.on_logs:
            return False
        return super().check_action(action, parameters)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        table_id = "#logs-table" if self.on_logs else "#docs-table"
        self.query_one(table_id, PagedTable).focus()

    def action_switch_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "docs-tab" if tabs.active == "logs-tab" else "logs-tab"

    def action_focus_filter(self) -> None:
        self.query_one("#logs-text" if self.on_logs else "#docs-text", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        target = (
            "#logs-table" if event.input.id and event.input.id.startswith("logs") else "#docs-table"
        )
        self.query_one(target, PagedTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("logs-text", "logs-source", "logs-user"):
            self.apply_log_filter(only_if_changed=True)
        elif event.input.id == "docs-text":
            self.apply_doc_filter(only_if_changed=True)

    def on_select_changed(self, event: Select.Changed) -> None:
        # Selects report a change when they mount: that must not load the lists a second time.
        if event.select.id in ("logs-level", "logs-range"):
            self.apply_log_filter(only_if_changed=True)
        elif event.select.id == "docs-kind":
            self.apply_doc_filter(only_if_changed=True)

    # -- logs -----------------------------------------------------------------------------

    def log_filter(self):
        from erp_console.services.logs import LogFilter

        minutes = RANGES.get(str(self.query_one("#logs-range", Select).value))
        level = str(self.query_one("#logs-level", Select).value or "")
        end = self.log_end or _now()
        return LogFilter(
            since=end - dt.timedelta(minutes=minutes) if minutes else None,
            levels=(level,) if level else (),
            source=self.query_one("#logs-source", Input).value or None,
            user=self.query_one("#logs-user", Input).value or None,
            text=self.query_one("#logs-text", Input).value or None,
        )

    def anchor_log_ranges(self) -> None:
        """Ranges ("last hour") end at the newest line, so a snapshot or a quiet log shows its
        last hour instead of an empty one; then the lines are loaded."""
        from erp_console.services.logs import newest_time

        self.run_service(newest_time, self.db, on_result=self._set_log_end, group="load-log-end")

    def _set_log_end(self, newest: dt.datetime | None) -> None:
        self.log_end = newest
        self.apply_log_filter()

    def apply_log_filter(self, *, only_if_changed: bool = False) -> None:
        flt = self.log_filter()
        if only_if_changed and (self._shown_logs is None or flt == self._shown_logs):
            return  # before the first load (it reads the fields itself), or nothing changed
        self._shown_logs = flt
        self.query_one("#logs-table", PagedTable).set_source(LogSource(self.db, flt))
        self.query_one("#logs-detail", Static).update("")
        from erp_console.services.logs import level_counts

        self.run_service(
            level_counts, self.db, flt, on_result=self._show_counts, group="load-counts"
        )

    def _show_counts(self, counts: dict[str, int]) -> None:
        text = _counts_text(counts, self.following)
        if self.log_end is not None and _now() - self.log_end > STALE_LOG:
            text += f" · log ends {self.log_end:%Y-%m-%d %H:%M}"
        self.query_one("#logs-counts", Label).update(text)

    def on_paged_table_row_highlighted(self, event: PagedTable.RowHighlighted) -> None:
        if event.table.id == "logs-table":
            self.query_one("#logs-detail", Static).update(_detail_text(event.row))
        elif event.table.id == "docs-table":
            self.load_document(event.row.id)

    def action_refresh_logs(self) -> None:
        self.anchor_log_ranges()

    def action_follow(self) -> None:
        self.following = not self.following
        if self.following:
            self._follow_timer = self.set_interval(self.FOLLOW_SECONDS, self._poll_new_lines)
            self.notify("Following: new lines appear at the top.", timeout=3)
        elif self._follow_timer is not None:
            self._follow_timer.stop()
            self._follow_timer = None
        self.apply_log_filter()

    def _poll_new_lines(self) -> None:
        table = self.query_one("#logs-table", PagedTable)
        top = table.rows[0].sort_key if table.rows else None
        from erp_console.services.logs import newer_than

        self.run_service(
            newer_than,
            self.db,
            self.log_filter(),
            top,
            on_result=self._new_lines,
            group="load-follow",
            retries=0,
        )

    def _new_lines(self, count: int) -> None:
        if count and self.following:
            self.apply_log_filter()

    # -- documents ------------------------------------------------------------------------

    def doc_filter(self):
        from erp_console.services.documents import DocumentFilter

        return DocumentFilter(
            kind=str(self.query_one("#docs-kind", Select).value or "") or None,
            text=self.query_one("#docs-text", Input).value or None,
        )

    def apply_doc_filter(
        self, *, keep_position: bool = False, only_if_changed: bool = False
    ) -> None:
        flt = self.doc_filter()
        if only_if_changed and flt == self._shown_docs:
            return
        self._shown_docs = flt
        table = self.query_one("#docs-table", PagedTable)
        source = DocumentSource(self.db, flt)
        if keep_position and table.source is not None:
            table.source = source
            table.reload()
        else:
            table.set_source(source)

    def load_document(self, doc_id: int) -> None:
        from erp_console.services.documents import get_document

        self.run_service(
            get_document, self.db, doc_id, on_result=self.show_document, group="load-doc"
        )

    def show_document(self, doc) -> None:
        self.document = doc
        self.query_one("#docs-markdown", Markdown).update(_doc_markdown(doc))

    def _need_document(self):
        if self.document is None:
            self.notify("No document selected.", severity="warning")
        return self.document

    def _saved(self, doc, message: str) -> None:
        self.notify(message, timeout=4)
        self.show_document(doc)
        self.apply_doc_filter(keep_position=True)

    def action_add_doc(self) -> None:
        kind = str(self.query_one("#docs-kind", Select).value or "") or "technical_support"
        fields = [
            Field("kind", "Kind", value=kind, required=True, suggestions=DOCUMENT_KINDS),
            Field("title", "Title", required=True),
            Field("tags", "Tags", placeholder="comma-separated"),
        ]

        def check(values):
            return {} if values["kind"] in DOCUMENT_KINDS else {"kind": "not a document kind"}

        self.app.push_screen(FormScreen("New document", fields, check=check), self._add_body)

    def _add_body(self, values) -> None:
        if values is None:
            return
        from erp_console.services.document_templates import template

        body = template(values["kind"], values["title"])
        self.app.push_screen(
            TextEditorScreen(f"New {values['kind']}: {values['title']}", body, ask_summary=False),
            lambda result: self._create(values, result),
        )

    def _create(self, values, result) -> None:
        if result is None:
            return
        from erp_console.services.documents import create_document

        self.run_service(
            create_document,
            self.db,
            actor=self.operator,
            kind=values["kind"],
            title=values["title"],
            tags=values["tags"],
            body=result.body,
            on_result=lambda doc: self._saved(doc, f"Document #{doc.id} created."),
            group="write",
        )

    def action_edit_doc(self) -> None:
        doc = self._need_document()
        if doc is None:
            return
        self.app.push_screen(
            TextEditorScreen(f"Edit #{doc.id} {doc.title} (v{doc.version})", doc.body),
            lambda result: self._edit(doc, result),
        )

    def _edit(self, doc, result) -> None:
        if result is None:
            return
        from erp_console.services.documents import edit_document

        self.run_service(
            edit_document,
            self.db,
            doc.id,
            actor=self.operator,
            expected_version=doc.version,
            body=result.body,
            summary=result.summary or None,
            on_result=lambda saved: self._saved(
                saved, f"Saved as revision {saved.revisions} of #{saved.id}."
            ),
            group="write",
        )

    def action_history(self) -> None:
        doc = self._need_document()
        if doc is None:
            return
        from erp_console.services.documents import revisions

        self.run_service(
            revisions,
            self.db,
            doc.id,
            on_result=lambda revs: self.app.push_screen(
                ResultScreen(
                    f"Revisions of #{doc.id} {doc.title}",
                    "\n".join(
                        f"{r.number:>3}  {r.created_at:%Y-%m-%d %H:%M}  {r.author:<10} "
                        f"{r.status:<9} {r.summary or ''}"
                        for r in revs
                    ),
                )
            ),
            group="load-history",
        )

    def action_diff(self) -> None:
        doc = self._need_document()
        if doc is None:
            return
        if doc.revisions < 2:
            self.notify("Only one revision: nothing to compare.", severity="warning")
            return
        fields = [
            Field("old", "Old revision", value=str(doc.revisions - 1), required=True),
            Field("new", "New revision", value=str(doc.revisions), required=True),
        ]

        def check(values):
            return {
                k: "a revision number"
                for k in ("old", "new")
                if not values[k].isdigit() or not 1 <= int(values[k]) <= doc.revisions
            }

        self.app.push_screen(
            FormScreen(f"Diff #{doc.id}", fields, save_label="Diff", check=check),
            lambda values: self._diff(doc, values),
        )

    def _diff(self, doc, values) -> None:
        if values is None:
            return
        from erp_console.services.documents import diff_revisions

        old, new = int(values["old"]), int(values["new"])
        self.run_service(
            diff_revisions,
            self.db,
            doc.id,
            old,
            new,
            on_result=lambda text: self.app.push_screen(
                ResultScreen(f"#{doc.id}: revision {old} → {new}", text)
            ),
            group="load-diff",
        )

    def action_link(self) -> None:
        doc = self._need_document()
        if doc is None:
            return
        fields = [
            Field(
                "ref",
                "Link to",
                required=True,
                placeholder="incident:12, process:3, change_request:7",
            )
        ]
        self.app.push_screen(
            FormScreen(f"Link #{doc.id}", fields, save_label="Link"),
            lambda values: self._link(doc, values),
        )

    def _link(self, doc, values) -> None:
        if values is None:
            return
        from erp_console.services.documents import link_document

        self.run_service(
            link_document,
            self.db,
            doc.id,
            values["ref"],
            actor=self.operator,
            on_result=lambda saved: self._saved(saved, f"Linked to {values['ref']}."),
            group="write",
        )

    def action_unlink(self) -> None:
        doc = self._need_document()
        if doc is None:
            return
        if not doc.links:
            self.notify(f"#{doc.id} has no links.", severity="warning")
            return
        refs = tuple(link.ref for link in doc.links)
        fields = [
            Field("ref", "Unlink", required=True, value=refs[0], suggestions=refs),
        ]

        def check(values: dict[str, str]) -> dict[str, str]:
            return {} if values["ref"] in refs else {"ref": f"not linked; links: {', '.join(refs)}"}

        self.app.push_screen(
            FormScreen(f"Unlink #{doc.id}", fields, save_label="Unlink", check=check),
            lambda values: values is not None and self._unlink(doc, values["ref"]),
        )

    def _unlink(self, doc, ref: str) -> None:
        from erp_console.services.documents import unlink_document

        self.run_service(
            unlink_document,
            self.db,
            doc.id,
            ref,
            actor=self.operator,
            on_result=lambda saved: self._saved(saved, f"Unlinked from {ref}."),
            group="write",
        )

    def action_delete_doc(self) -> None:
        doc = self._need_document()
        if doc is None:
            return
        from erp_console.widgets.confirm_change import ConfirmChange

        links = ", ".join(link.ref for link in doc.links) or "none"
        preview = (
            f"#{doc.id} {doc.title}\n{doc.kind} · {doc.status} · version {doc.version}\n"
            f"links removed with it: {links}"
        )
        self.app.push_screen(
            ConfirmChange(
                f"Delete document #{doc.id}?", preview, confirm_label="Delete", ask_reason=True
            ),
            lambda reason: reason and self._delete(doc, reason),
        )

    def _delete(self, doc, reason: str) -> None:
        from erp_console.services.documents import delete_document

        def deleted(_result) -> None:
            self.notify(f"Document #{doc.id} deleted.", timeout=4)
            self.document = None
            self.query_one("#docs-markdown", Markdown).update("")
            self.apply_doc_filter()

        self.run_service(
            delete_document,
            self.db,
            doc.id,
            actor=self.operator,
            expected_version=doc.version,
            reason=reason,
            on_result=deleted,
            group="write",
        )

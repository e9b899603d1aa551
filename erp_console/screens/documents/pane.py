"""The Documents tab: pick a kind, type words; the document is rendered beside the list.
Its workflows (new, edit, history, diff, link, unlink, delete) keep what was typed on errors."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Markdown, Select

from erp_console.screens.documents.source import KIND_OPTIONS, DocumentSource, doc_markdown
from erp_console.vocabulary import DOCUMENT_KINDS
from erp_console.widgets.forms import Field, FormScreen, ResultScreen
from erp_console.widgets.paged_table import PagedTable
from erp_console.widgets.text_editor import TextEditorScreen


class DocumentsPane(Vertical):
    HELP_SECTION = "Documents tab"
    BINDINGS = [
        Binding("a", "add_doc", "New", id="records.add"),
        Binding("e", "edit_doc", "Edit", id="records.edit"),
        Binding("h", "history", "History", show=False, id="records.history"),
        Binding("d", "diff", "Diff", show=False, id="records.diff"),
        Binding("k", "link", "Link", id="records.link"),
        Binding("u", "unlink", "Unlink", show=False, id="records.unlink"),
        Binding("x", "delete_doc", "Delete", show=False, id="records.delete"),
    ]
    WRITE_ACTIONS = frozenset({"add_doc", "edit_doc", "link", "unlink", "delete_doc"})

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self._shown_docs = None  # the filter of the list on screen
        self.document = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="docs-filters", classes="filter-bar"):
            yield Select(KIND_OPTIONS, value="", allow_blank=False, id="docs-kind", compact=True)
            yield Input(placeholder="words in title or body…", id="docs-text", compact=True)
        with Horizontal(id="docs-body"):
            yield PagedTable(id="docs-table", empty_text="No document matches.")
            with VerticalScroll(id="docs-view"):
                yield Markdown("Select a document.", id="docs-markdown")

    def start(self) -> None:
        """Load the list (and its first document) when the tab is first opened: behind the Logs
        tab they would compete with the lines a person came to screen 4 for (a Markdown render
        and its restyle on the UI thread)."""
        if self._shown_docs is None:
            self.apply_doc_filter()

    def check_action(self, action: str, parameters) -> bool | None:
        return not (action in self.WRITE_ACTIONS and self.screen.read_only)  # type: ignore[attr-defined]

    def focus_filter(self) -> None:
        self.query_one("#docs-text", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#docs-table", PagedTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "docs-text":
            self.apply_doc_filter(only_if_changed=True)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "docs-kind":
            self.apply_doc_filter(only_if_changed=True)

    def on_paged_table_row_highlighted(self, event: PagedTable.RowHighlighted) -> None:
        self.load_document(event.row.id)

    def on_paged_table_emptied(self, event: PagedTable.Emptied) -> None:
        self.app.workers.cancel_group(self.screen, "load-doc")
        self.document = None
        self.query_one("#docs-markdown", Markdown).update("No document matches the filter.")

    def copy_target(self) -> tuple[str, str] | None:
        if self.document is None:
            return None
        return f"document #{self.document.id}", self.document.body

    def doc_filter(self):
        from erp_console.services.records.documents import DocumentFilter

        return DocumentFilter(
            kind=str(self.query_one("#docs-kind", Select).value or "") or None,
            text=self.query_one("#docs-text", Input).value or None,
        )

    def apply_doc_filter(
        self, *, keep_position: bool = False, only_if_changed: bool = False
    ) -> None:
        flt = self.doc_filter()
        if only_if_changed and (self._shown_docs is None or flt == self._shown_docs):
            return  # before the first load (the Select reports a change when it mounts)
        self._shown_docs = flt
        table = self.query_one("#docs-table", PagedTable)
        source = DocumentSource(self.screen.db, flt)
        if keep_position and table.source is not None:
            table.source = source
            table.reload()
        else:
            table.set_source(source)

    def load_document(self, doc_id: int) -> None:
        from erp_console.services.records.documents import get_document

        self.screen.run_service(
            get_document, self.screen.db, doc_id, on_result=self.show_document, group="load-doc"
        )

    def show_document(self, doc) -> None:
        self.document = doc
        self.query_one("#docs-markdown", Markdown).update(doc_markdown(doc))

    def _need_document(self):
        if self.document is None:
            self.notify("No document selected.", severity="warning")
        return self.document

    def _saved(self, doc, message: str) -> None:
        self.notify(message, timeout=4)
        self.show_document(doc)
        self.apply_doc_filter(keep_position=True)

    @work(group="flow-doc")
    async def action_add_doc(self) -> None:
        """Kind and title first (a taken title is named before any body is written), then the
        body in the editor; a failed save keeps the editor open with the text."""
        from erp_console.services.records.document_templates import template
        from erp_console.services.records.documents import check_new_document, create_document

        kind = str(self.query_one("#docs-kind", Select).value or "") or "technical_support"
        fields = [
            Field("kind", "Kind", value=kind, required=True, suggestions=DOCUMENT_KINDS),
            Field("title", "Title", required=True),
            Field("tags", "Tags", placeholder="comma-separated"),
        ]
        db = self.screen.db
        form = await self.app.push_screen_wait(
            FormScreen(
                "New document",
                fields,
                save_label="Write body",
                submit=lambda v: check_new_document(
                    db, kind=v["kind"], title=v["title"], tags=v["tags"]
                ),
            )
        )
        if form is None:
            return
        values = form.values
        doc = await self.app.push_screen_wait(
            TextEditorScreen(
                f"New {values['kind']}: {values['title']}",
                template(values["kind"], values["title"]),
                ask_summary=False,
                submit=lambda result: create_document(
                    db,
                    actor=self.screen.operator,
                    kind=values["kind"],
                    title=values["title"],
                    tags=values["tags"],
                    body=result.body,
                ),
            )
        )
        if doc is not None:
            self._saved(doc, f"Document #{doc.id} created.")

    @work(group="flow-doc")
    async def action_edit_doc(self) -> None:
        doc = self._need_document()
        if doc is None:
            return
        from erp_console.services.records.documents import edit_document

        db = self.screen.db
        saved = await self.app.push_screen_wait(
            TextEditorScreen(
                f"Edit #{doc.id} {doc.title} (v{doc.version})",
                doc.body,
                submit=lambda result: edit_document(
                    db,
                    doc.id,
                    actor=self.screen.operator,
                    expected_version=doc.version,
                    body=result.body,
                    summary=result.summary or None,
                ),
            )
        )
        if saved is not None:
            self._saved(saved, f"Saved as revision {saved.revisions} of #{saved.id}.")

    def action_history(self) -> None:
        doc = self._need_document()
        if doc is None:
            return
        from erp_console.services.records.documents import revisions

        self.screen.run_service(
            revisions,
            self.screen.db,
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
        from erp_console.services.records.documents import diff_revisions

        old, new = int(values["old"]), int(values["new"])
        self.screen.run_service(
            diff_revisions,
            self.screen.db,
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
        from erp_console.services.records.documents import link_document

        self.screen.run_service(
            link_document,
            self.screen.db,
            doc.id,
            values["ref"],
            actor=self.screen.operator,
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
        from erp_console.services.records.documents import unlink_document

        self.screen.run_service(
            unlink_document,
            self.screen.db,
            doc.id,
            ref,
            actor=self.screen.operator,
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
        from erp_console.services.records.documents import delete_document

        def deleted(_result) -> None:
            self.notify(f"Document #{doc.id} deleted.", timeout=4)
            self.document = None
            self.query_one("#docs-markdown", Markdown).update("")
            self.apply_doc_filter()

        self.screen.run_service(
            delete_document,
            self.screen.db,
            doc.id,
            actor=self.screen.operator,
            expected_version=doc.version,
            reason=reason,
            on_result=deleted,
            group="write",
        )

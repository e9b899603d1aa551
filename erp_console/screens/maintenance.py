"""Screen 5: the database — health, tables, maintenance actions with progress, history, and the
export/import/backup/restore/snapshot dialogs (import shows its dry-run report before writing)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, ProgressBar, Static

from erp_console.screens.base import ErpScreen
from erp_console.widgets.confirm_change import ConfirmChange
from erp_console.widgets.console_footer import ConsoleFooter
from erp_console.widgets.early_read import EarlyRead
from erp_console.widgets.forms import Field, FormScreen, ResultScreen

SORTS = ("size", "rows", "name")
ACTION_TEXT = {
    "analyze": {
        "sqlite": "ANALYZE each table, then PRAGMA optimize.",
        "postgresql": "ANALYZE each table (autocommit).",
        "mysql": "ANALYZE TABLE each table.",
    },
    "vacuum": {
        "sqlite": "VACUUM the whole file (it is rewritten; writers wait), then ANALYZE.",
        "postgresql": "VACUUM (ANALYZE) each table (autocommit; no exclusive lock).",
        "mysql": "OPTIMIZE TABLE each table (InnoDB rebuilds the table).",
    },
    "check": {
        "sqlite": "PRAGMA integrity_check and foreign_key_check, plus the consistency pass.",
        "postgresql": "The consistency pass: orphan rows, vocabularies, periods, login keys.",
        "mysql": "CHECK TABLE each table, plus the consistency pass.",
    },
}


def _human(size) -> str:
    from erp_console.services.data.health import human_bytes

    return human_bytes(size)


def _summary(h) -> str:
    schema = "[green]up to date[/]" if h.schema_ok else "[red]needs init[/]"
    lines = [
        f"[b]{h.dialect}[/b] {h.server_version} · {h.database}",
        f"Size {_human(h.size_bytes)} · {len(h.tables)} tables · {h.total_rows:,} rows · "
        f"schema {h.schema_revision} ({schema})",
    ]
    if h.sqlite:
        quick = h.sqlite["quick_check"] or "[dim]checking…[/]"
        lines.append(
            f"Pages {h.sqlite['page_count']:,} · free {h.sqlite['freelist_pages']:,} · "
            f"WAL {_human(h.sqlite['wal_bytes'])} · quick_check {quick}"
        )
    else:
        dead = sum(v.dead_rows for v in h.vacuum)
        extra = f" · dead rows {dead:,}" if h.vacuum else ""
        lines.append(f"Connections {h.connections} · long queries {len(h.long_queries)}{extra}")
        for q in h.long_queries[:2]:
            lines.append(f" [yellow]{q.seconds:.0f}s[/] pid {q.pid} {q.query[:56]}")
    return "\n".join(lines)


class MaintenanceScreen(ErpScreen):
    TITLE = "Database"
    AUTO_FOCUS = "#db-tables"
    CSS_PATH = Path(__file__).with_name("maintenance.tcss")
    HELP = """\
# Database

Health of the connected database: dialect and version, size, schema revision, every table
with its rows (≈ marks an estimate from the statistics) and sizes; on servers the open
connections and long-running queries, on PostgreSQL dead rows; on SQLite pages, free pages,
WAL size and `quick_check`. `s` sorts the tables by size, rows or name.

Maintenance actions show what will run before they run, then a progress bar; each run is
recorded as an audit entry and a maintenance record (history at the bottom).

Import validates the whole file and shows the dry-run report (inserts, updates, unchanged,
first changes) before anything is written; a bad file lists every problem with its row and
column. Restore verifies the archive first and shows what it would replace.
Read-only sessions can look, check, export, back up and take snapshots.
"""
    BINDINGS = [
        Binding("r", "refresh", "Refresh", show=False, id="db.refresh"),
        Binding("s", "sort", "Sort", show=False, id="db.sort"),
        Binding("a", "analyze", "Analyze", id="db.analyze"),
        Binding("v", "vacuum", "Vacuum", id="db.vacuum"),
        Binding("c", "check", "Check", id="db.check"),
        Binding("e", "export", "Export", id="db.export"),
        Binding("i", "import_file", "Import", id="db.import"),
        Binding("b", "backup", "Backup", show=False, id="db.backup"),
        Binding("o", "restore", "Restore", show=False, id="db.restore"),
        Binding("n", "snapshot", "Snapshot", show=False, id="db.snapshot"),
    ]
    WRITE_ACTIONS = frozenset({"analyze", "vacuum", "import_file", "restore"})

    def __init__(self) -> None:
        super().__init__()
        self.health = None
        self.sort = 0
        from erp_console.services.data.health import database_health

        # Read while the widgets are built: the first frame shows the tables.
        self._early: dict[str, EarlyRead] | None = {
            "health": EarlyRead(database_health, self.db, scan_pages=False),
            "history": EarlyRead(self._history),
        }

    def early_reads(self):
        return tuple(self._early.values()) if self._early is not None else ()

    def compose(self) -> ComposeResult:
        with Vertical(id="db-body"):
            yield Static("Loading database health…", id="db-summary")
            yield DataTable(id="db-tables", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="db-progress-row"):
                yield Label("", id="db-progress-label")
                yield ProgressBar(id="db-progress", show_eta=False)
            yield Label("[b]Recent maintenance[/b]", id="db-history-title")
            yield Static("", id="db-history")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        table = self.query_one("#db-tables", DataTable)
        table.add_column("Table", key="name", width=22)
        table.add_column("Rows", key="rows", width=12)
        table.add_column("Data", key="data", width=10)
        table.add_column("Indexes", key="idx", width=10)
        self.query_one("#db-progress-row").display = False
        self.action_refresh()

    def palette_commands(self):
        return [
            ("Database: refresh health", "Reload health and tables", self.action_refresh),
            ("Database: analyze", "Refresh planner statistics", self.action_analyze),
            ("Database: vacuum / optimize", "Reclaim space", self.action_vacuum),
            ("Database: integrity check", "Check pages and consistency", self.action_check),
            ("Database: export", "Table or view to CSV / JSON Lines", self.action_export),
            ("Database: import", "CSV / JSON Lines with a dry run first", self.action_import_file),
            ("Database: backup", "Portable archive", self.action_backup),
            ("Database: restore", "From a backup archive", self.action_restore),
            ("Database: snapshot", "SQLite copy for offline review", self.action_snapshot),
        ]

    # -- health ---------------------------------------------------------------------------

    def action_refresh(self) -> None:
        from erp_console.services.data.health import database_health

        early, self._early = self._early or {}, None
        self.run_service(
            database_health,
            self.db,
            scan_pages=False,
            on_result=self.show_health,
            group="load",
            early=early.get("health"),
        )
        self.run_service(
            self._history,
            on_result=self.show_history,
            group="load-history",
            early=early.get("history"),
        )

    def _history(self):
        from erp_console.services.core.audit import list_entries

        entries = list_entries(self.db, action="db.", limit=8) + list_entries(
            self.db, action="import.", limit=8
        )
        return sorted(entries, key=lambda e: e.id, reverse=True)[:8]

    def show_history(self, entries) -> None:
        lines = [
            f"{e.at:%Y-%m-%d %H:%M} {e.action:<12} {e.actor:<10} {self._outcome(e)}"
            for e in entries
        ]
        self.query_one("#db-history", Static).update(
            "\n".join(lines) or "No maintenance run recorded yet."
        )

    @staticmethod
    def _outcome(entry) -> str:
        after = entry.after or {}
        if "problems" in after:
            return "OK" if not after["problems"] else f"{after['problems']} problem(s)"
        if "inserted" in after:
            return f"+{after['inserted']} ~{after['updated']}"
        return ""

    def show_health(self, health) -> None:
        """Tables first; on SQLite the page scan (sizes, quick_check) follows and fills them in."""
        self.health = health
        self.query_one("#db-summary", Static).update(_summary(health))
        self._fill_tables()
        if not health.pages_scanned:  # after the frame that shows the rows
            self.call_after_refresh(self._scan_pages, health)

    def _scan_pages(self, health) -> None:
        from erp_console.services.data.health import with_page_scan

        if health is self.health:  # not replaced by a refresh meanwhile
            self.run_service(
                with_page_scan, self.db, health, on_result=self.show_health, group="load"
            )

    def _fill_tables(self) -> None:
        if self.health is None:
            return
        key = SORTS[self.sort]
        order = {
            "size": lambda t: (-t.total_bytes, -t.rows, t.name),
            "rows": lambda t: (-t.rows, t.name),
            "name": lambda t: t.name,
        }[key]
        table = self.query_one("#db-tables", DataTable)
        highlighted = self._highlighted_table(table)
        size = _human if self.health.pages_scanned else (lambda _: "…")
        table.clear()
        for t in sorted(self.health.tables, key=order):
            table.add_row(t.name, t.rows_label, size(t.data_bytes), size(t.index_bytes), key=t.name)
        if highlighted is not None and highlighted in table.rows:
            table.move_cursor(row=table.get_row_index(highlighted))

    @staticmethod
    def _highlighted_table(table: DataTable) -> str | None:
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_sort(self) -> None:
        self.sort = (self.sort + 1) % len(SORTS)
        self._fill_tables()
        self.notify(f"Tables sorted by {SORTS[self.sort]}", timeout=2)

    # -- progress -------------------------------------------------------------------------

    def _start_progress(self, label: str) -> None:
        self.query_one("#db-progress-row").display = True
        self.query_one("#db-progress-label", Label).update(label)
        self.query_one("#db-progress", ProgressBar).update(total=None, progress=0)

    def _progress(self, label: str, done: int, total: int) -> None:
        self.query_one("#db-progress-label", Label).update(label)
        self.query_one("#db-progress", ProgressBar).update(total=total or None, progress=done)

    def _stop_progress(self) -> None:
        self.query_one("#db-progress-row").display = False

    def progress_callback(self):
        def report(label: str, done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, label, done, total)

        return report

    def _long(self, fn, *args, label: str, done, **kwargs) -> None:
        """Run a long service call with the progress bar; `done(result)` on success."""
        self._start_progress(label)

        def finished(result) -> None:
            self._stop_progress()
            done(result)
            self.action_refresh()

        def failed(exc) -> bool:
            self._stop_progress()
            problems = getattr(exc, "problems", None)
            if problems:
                self.app.push_screen(ResultScreen(str(exc), "\n".join(problems)))
                return True
            return False

        self.run_service(
            fn,
            *args,
            on_result=finished,
            on_error=failed,
            group="write",
            progress=self.progress_callback(),
            **kwargs,
        )

    # -- maintenance actions ----------------------------------------------------------------

    def _action(self, action: str) -> None:
        dialect = self.db.dialect
        lines = [ACTION_TEXT[action].get(dialect, ""), ""]
        if self.health is not None:
            lines.append(
                f"Database {self.health.database}: {_human(self.health.size_bytes)}, "
                f"{self.health.total_rows:,} rows in {len(self.health.tables)} tables."
            )
        if self.read_only:
            lines.append("Read-only session: the result is shown but not recorded.")
        else:
            lines.append("Recorded as an audit entry and a maintenance record.")
        self.app.push_screen(
            ConfirmChange(
                f"{action.title()} the database?",
                "\n".join(lines),
                confirm_label=action.title(),
                destructive=action == "vacuum",
            ),
            lambda ok: self._run_action(action, ok),
        )

    def _run_action(self, action: str, ok) -> None:
        if ok is None:
            return
        from erp_console.services.data.maintenance import run_action

        self._long(
            run_action,
            self.db,
            action,
            actor=self.operator,
            label=action,
            done=self._show_action,
        )

    def _show_action(self, result) -> None:
        rows = [
            f"{key}: {_human(value) if key.endswith('_bytes') else value} → "
            f"{_human(result.after.get(key)) if key.endswith('_bytes') else result.after.get(key)}"
            for key, value in result.before.items()
        ]
        body = [f"{result.action} took {result.seconds:.2f} s", "", *rows, ""]
        body += [f"PROBLEM {p}" for p in result.problems] or ["No problem found."]
        if result.recorded:
            body.append(f"\nRecorded as maintenance record #{result.document_id}.")
        title = f"{result.action.title()}: " + (
            "OK" if result.ok else f"{len(result.problems)} problem(s)"
        )
        self.app.push_screen(ResultScreen(title, "\n".join(body)))

    def action_analyze(self) -> None:
        self._action("analyze")

    def action_vacuum(self) -> None:
        self._action("vacuum")

    def action_check(self) -> None:
        self._action("check")

    # -- export / import ------------------------------------------------------------------

    def action_export(self) -> None:
        fields = [
            Field(
                "source",
                "Table/view",
                required=True,
                suggestions=("users", "role-matrix", "sod-conflicts", "process-coverage"),
                placeholder="users, role-matrix, erp_user, …",
            ),
            Field("out", "File", required=True, placeholder="e.g. users.csv or users.jsonl"),
        ]
        self.app.push_screen(FormScreen("Export", fields, save_label="Export"), self._export)

    def _export(self, values) -> None:
        if values is None:
            return
        from erp_console.services.data.export import export

        self._long(
            export,
            self.db,
            values["source"],
            Path(values["out"]).expanduser(),
            actor=self.operator,
            label="export",
            done=lambda r: self.notify(f"Exported {r.rows:,} row(s) to {r.path}", timeout=6),
        )

    def action_import_file(self) -> None:
        fields = [
            Field(
                "kind",
                "Kind",
                required=True,
                suggestions=("users", "departments", "grants", "incidents", "documents"),
                placeholder="users, departments, grants, incidents, documents",
            ),
            Field("file", "File", required=True, placeholder="CSV or JSON Lines"),
            Field("mode", "Mode", value="insert", placeholder="insert or upsert"),
            Field("date_format", "Date format", placeholder="only if dates are ambiguous: dmy/mdy"),
            Field("ignore", "Ignore columns", placeholder="comma-separated, e.g. Kostenstelle"),
            Field("create_departments", "New depts", value="no", placeholder="yes: create them"),
        ]

        def check(values):
            errors = {}
            if values["mode"] not in ("insert", "upsert"):
                errors["mode"] = "insert or upsert"
            if values["create_departments"].strip().lower() not in ("yes", "no", ""):
                errors["create_departments"] = "yes or no"
            if not Path(values["file"]).expanduser().is_file():
                errors["file"] = f"no file {values['file']}"
            return errors

        self.app.push_screen(
            FormScreen("Import (dry run first)", fields, save_label="Dry run", check=check),
            self._import_dry_run,
        )

    def _import_args(self, values) -> tuple:
        return (self.db, values["kind"], Path(values["file"]).expanduser())

    @staticmethod
    def _import_options(values) -> dict:
        return {
            "mode": values["mode"],
            "date_format": values["date_format"] or None,
            "ignore_columns": tuple(c.strip() for c in values["ignore"].split(",") if c.strip()),
            "create_departments": values["create_departments"].strip().lower() == "yes",
        }

    def _import_dry_run(self, values) -> None:
        if values is None:
            return
        from erp_console.services.data.importer import import_file

        self._long(
            import_file,
            *self._import_args(values),
            actor=self.operator,
            dry_run=True,
            **self._import_options(values),
            label="validate",
            done=lambda report: self._confirm_import(values, report),
        )

    def _confirm_import(self, values, report) -> None:
        lines = [
            f"{report.rows} row(s): {report.inserted} to insert, {report.updated} to update, "
            f"{report.unchanged} unchanged.",
        ]
        if report.ignored_columns:
            lines.append(f"Ignored columns: {', '.join(report.ignored_columns)}")
        lines += ["", *report.changes]
        if not (report.inserted or report.updated or report.created_departments):
            self.app.push_screen(ResultScreen("Nothing to import", "\n".join(lines)))
            return
        self.app.push_screen(
            ConfirmChange(
                f"Import {report.kind} from {Path(report.source).name}?",
                "\n".join(lines),
                confirm_label="Import",
                destructive=False,
            ),
            lambda ok: self._import(values, ok),
        )

    def _import(self, values, ok) -> None:
        if ok is None:
            return
        from erp_console.services.data.importer import import_file

        self._long(
            import_file,
            *self._import_args(values),
            actor=self.operator,
            **self._import_options(values),
            label="import",
            done=lambda r: self.notify(
                f"Imported {r.kind}: {r.inserted} inserted, {r.updated} updated", timeout=6
            ),
        )

    # -- backup / restore / snapshot ------------------------------------------------------

    def action_backup(self) -> None:
        self.app.push_screen(
            FormScreen(
                "Backup",
                [Field("out", "Archive", required=True, placeholder="new dir, or a .zip file")],
                save_label="Back up",
            ),
            self._backup,
        )

    def _backup(self, values) -> None:
        if values is None:
            return
        from erp_console.services.data.backup import backup

        self._long(
            backup,
            self.db,
            Path(values["out"]).expanduser(),
            actor=self.operator,
            label="backup",
            done=lambda r: self.notify(
                f"Backup of {sum(r.rows.values()):,} rows written to {r.path}", timeout=6
            ),
        )

    def action_restore(self) -> None:
        self.app.push_screen(
            FormScreen(
                "Restore",
                [
                    Field("src", "Archive", required=True, placeholder="backup dir or .zip"),
                    Field("replace", "Replace data", value="no", placeholder="yes or no"),
                ],
                save_label="Verify",
            ),
            self._verify,
        )

    def _verify(self, values) -> None:
        if values is None:
            return
        from erp_console.services.data.backup import verify_archive

        self._long(
            verify_archive,
            Path(values["src"]).expanduser(),
            label="verify",
            done=lambda info: self._confirm_restore(values, info),
        )

    def _confirm_restore(self, values, info) -> None:
        replace = values["replace"].lower() in ("y", "yes")
        text = (
            f"Archive verified: {info.total_rows:,} rows, schema {info.revision}, taken "
            f"{info.created_at} from {info.source}.\n\n"
            + (
                "EVERYTHING in this database is deleted first."
                if replace
                else "The database must be empty; otherwise nothing is written."
            )
        )
        self.app.push_screen(
            ConfirmChange("Restore?", text, confirm_label="Restore", destructive=replace),
            lambda ok: self._restore(values, replace, ok),
        )

    def _restore(self, values, replace: bool, ok) -> None:
        if ok is None:
            return
        from erp_console.services.data.backup import restore

        self._long(
            restore,
            self.db,
            Path(values["src"]).expanduser(),
            actor=self.operator,
            replace=replace,
            label="restore",
            done=lambda r: self.notify(f"Restored {sum(r.rows.values()):,} rows", timeout=6),
        )

    def action_snapshot(self) -> None:
        self.app.push_screen(
            FormScreen(
                "Snapshot for offline review",
                [
                    Field("out", "File", required=True, placeholder="review.sqlite"),
                    Field("anonymize", "Anonymize", value="no", placeholder="yes or no"),
                ],
                save_label="Take",
            ),
            self._snapshot,
        )

    def _snapshot(self, values) -> None:
        if values is None:
            return
        from erp_console.services.data.snapshot import take_snapshot

        self._long(
            take_snapshot,
            self.db,
            Path(values["out"]).expanduser(),
            actor=self.operator,
            anonymize=values["anonymize"].lower() in ("y", "yes"),
            label="snapshot",
            done=lambda r: self.notify(f"Snapshot written to {r.path}", timeout=6),
        )

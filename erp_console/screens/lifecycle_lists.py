"""The incident and change-request panes of the dashboard, with the forms that change them."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from erp_console.screens.flows import call_service, flow
from erp_console.vocabulary import CHANGE_KINDS, INCIDENT_CATEGORIES, SEVERITIES
from erp_console.widgets.fit_columns import fit_flex_column


def _choice_error(value: str, choices: tuple[str, ...]) -> str | None:
    if value and value not in choices:
        return f"'{value}' is not one of {', '.join(choices)}"
    return None


class DashboardPart:
    """A part of the dashboard drawn from its loaded data; it may mount after the data arrived."""

    def show(self, data) -> None:
        raise NotImplementedError

    def on_mount(self) -> None:
        data = getattr(self.screen, "data", None)  # type: ignore[attr-defined]
        if data is not None:
            self.show(data)


class LifecyclePane(DashboardPart, Vertical):
    """A list in a dashboard tab: keeps the rows it shows and writes through the screen."""

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    kind = ""
    noun = ""
    columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, classes="lifecycle-pane")
        self.rows: dict[str, object] = {}

    @property
    def open_only(self) -> bool:
        return self.screen.open_only[self.kind]  # type: ignore[attr-defined]

    def show(self, data) -> None:
        self.fill(getattr(data, self.kind))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self.WRITE_ACTIONS and self.screen.read_only)  # type: ignore[attr-defined]

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    @property
    def current(self):
        table = self.table
        if table.row_count == 0:
            self.notify("Nothing selected.", severity="warning")
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(key)

    def action_toggle_open(self) -> None:
        self.screen.open_only[self.kind] = not self.open_only  # type: ignore[attr-defined]
        self.screen.action_refresh()  # type: ignore[attr-defined]

    def write(self, fn, *args, done: str, **kwargs) -> None:
        screen = self.screen
        screen.run_service(  # type: ignore[attr-defined]
            fn,
            screen.db,  # type: ignore[attr-defined]
            *args,
            actor=screen.operator,  # type: ignore[attr-defined]
            on_result=lambda _r: screen.after_write(done),  # type: ignore[attr-defined]
            group="write",
            **kwargs,
        )

    def confirm_then_write(
        self,
        title: str,
        preview: str,
        fn,
        *args,
        label: str,
        done: str,
        reason_as: str | None = None,
        reason_placeholder: str = "Reason (goes to the audit trail)",
        destructive: bool = True,
        **kwargs,
    ) -> None:
        """Show the change, then write it; `reason_as` names the argument the typed reason fills."""
        from erp_console.widgets.confirm_change import ConfirmChange

        def decided(reason: str | None) -> None:
            if reason is None:
                return
            if reason_as is not None:
                kwargs[reason_as] = reason
            self.write(fn, *args, done=done, **kwargs)

        self.app.push_screen(
            ConfirmChange(
                title,
                preview,
                confirm_label=label,
                ask_reason=reason_as is not None,
                reason_placeholder=reason_placeholder,
                destructive=destructive,
            ),
            decided,
        )

    def compose(self) -> ComposeResult:
        yield Label("", classes="pane-caption")
        table = DataTable(id=f"{self.kind}-table", cursor_type="row", zebra_stripes=True)
        for label in self.columns:
            table.add_column(label, key=label)
        yield table

    def on_resize(self) -> None:
        fit_flex_column(self.table, "Title")  # titles are free text: the width that is left

    def caption(self) -> str:
        shown = "open" if self.open_only else "all (newest 200)"
        return f"{self.noun}: {len(self.rows)} {shown} · f toggles open/all"

    def fill(self, items) -> None:
        table = self.table
        cursor = table.cursor_row
        table.clear()
        self.rows = {}
        for item in items:
            self.rows[str(item.id)] = item
            table.add_row(*self.cells(item), key=str(item.id))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        self.query_one(".pane-caption", Label).update(self.caption())
        self.call_after_refresh(self.on_resize)

    def cells(self, item) -> tuple:
        raise NotImplementedError


class IncidentsPane(LifecyclePane):
    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("v", "resolve", "Resolve"),
        Binding("o", "reopen", "Reopen", show=False),
        Binding("c", "raise_change", "Change req"),
        Binding("f", "toggle_open", "Open/all", show=False),
    ]
    WRITE_ACTIONS = frozenset({"add", "resolve", "reopen", "raise_change"})
    kind = "incidents"
    noun = "Incidents"
    columns = ("#", "Opened", "Sev", "Category", "Status", "Title")

    def cells(self, i) -> tuple:
        return (
            i.id,
            i.opened_at.strftime("%m-%d %H:%M"),
            i.severity,
            i.category,
            i.status,
            i.title,
        )

    def action_add(self) -> None:
        from erp_console.widgets.forms import Field, FormScreen

        fields = [
            Field("title", "Title", required=True),
            Field(
                "category",
                "Category",
                required=True,
                suggestions=INCIDENT_CATEGORIES,
                placeholder=" | ".join(INCIDENT_CATEGORIES[:3]) + " | …",
            ),
            Field(
                "severity",
                "Severity",
                required=True,
                value="medium",
                suggestions=SEVERITIES,
                placeholder=" | ".join(SEVERITIES),
            ),
            Field("module", "Module", placeholder="e.g. FI, MM, SD"),
            Field("description", "Description"),
        ]

        def check(values: dict[str, str]) -> dict[str, str]:
            errors = {
                "category": _choice_error(values["category"], INCIDENT_CATEGORIES),
                "severity": _choice_error(values["severity"], SEVERITIES),
            }
            return {k: v for k, v in errors.items() if v}

        from erp_console.services.lifecycle.incidents import record_incident

        screen = self.screen
        db, actor = screen.db, screen.operator  # type: ignore[attr-defined]
        self.app.push_screen(
            FormScreen(
                "Record incident",
                fields,
                check=check,
                submit=lambda values: record_incident(
                    db,
                    actor=actor,
                    title=values["title"],
                    category=values["category"],
                    severity=values["severity"],
                    module=values["module"] or None,
                    description=values["description"] or None,
                ),
            ),
            lambda done: done and screen.after_write(f"Incident #{done.result.id} recorded"),  # type: ignore[attr-defined]
        )

    def action_resolve(self) -> None:
        incident = self.current
        if incident is None:
            return
        if incident.status == "resolved":
            self.notify(f"Incident #{incident.id} is already resolved.", severity="warning")
            return
        from erp_console.services.lifecycle.incidents import resolve_incident

        self.confirm_then_write(
            f"Resolve incident #{incident.id}?",
            f"{incident.severity} {incident.category}: {incident.title}\n"
            f"opened {incident.opened_at:%Y-%m-%d %H:%M} by {incident.reporter}",
            resolve_incident,
            incident.id,
            label="Resolve",
            reason_as="resolution",
            reason_placeholder="Resolution (what fixed it)",
            destructive=False,
            expected_version=incident.version,
            done=f"Incident #{incident.id} resolved",
        )

    def action_reopen(self) -> None:
        incident = self.current
        if incident is None:
            return
        if incident.status != "resolved":
            self.notify(f"Incident #{incident.id} is not resolved.", severity="warning")
            return
        from erp_console.services.lifecycle.incidents import reopen_incident

        self.confirm_then_write(
            f"Reopen incident #{incident.id}?",
            f"{incident.title}\nresolution was: {incident.resolution or '—'}",
            reopen_incident,
            incident.id,
            label="Reopen",
            reason_as="reason",
            expected_version=incident.version,
            done=f"Incident #{incident.id} reopened",
        )

    @flow
    async def action_raise_change(self) -> None:
        incident = self.current
        if incident is None:
            return
        from erp_console.services.lifecycle.incidents import change_from_incident, changes_from
        from erp_console.widgets.confirm_change import ConfirmChange

        screen = self.screen
        existing = await call_service(self, changes_from, screen.db, incident.id)
        warning = (
            f"Incident #{incident.id} already has change request(s): "
            + ", ".join(f"#{c.id} ({c.status})" for c in existing)
            + ". Raise another one?"
            if existing
            else ""
        )
        decided = await self.app.push_screen_wait(
            ConfirmChange(
                f"Raise a change request from incident #{incident.id}?",
                f"{incident.category}: {incident.title}",
                confirm_label="Raise",
                destructive=False,
                warning=warning,
            )
        )
        if decided is None:
            return
        change = await call_service(
            self, change_from_incident, screen.db, incident.id, actor=screen.operator
        )
        screen.after_write(f"Change request #{change.id} raised from incident #{incident.id}")


CHANGE_MOVES = {  # key → (status, verb); the states it may come from are the service's rules
    "approve": ("approved", "Approve"),
    "start": ("in_progress", "Start"),
    "finish": ("done", "Done"),
    "reject": ("rejected", "Reject"),
}


class ChangesPane(LifecyclePane):
    BINDINGS = [
        Binding("n", "add", "New"),
        Binding("p", "move('approve')", "Approve"),
        Binding("s", "move('start')", "Start", show=False),
        Binding("d", "move('finish')", "Done"),
        Binding("j", "move('reject')", "Reject", show=False),
        Binding("f", "toggle_open", "Open/all", show=False),
    ]
    WRITE_ACTIONS = frozenset({"add", "move"})
    kind = "changes"
    noun = "Change requests"
    columns = ("#", "Kind", "Status", "Requested", "New fn", "Title")

    def cells(self, c) -> tuple:
        return (
            c.id,
            c.kind,
            c.status,
            c.requested_at.strftime("%Y-%m-%d"),
            "yes" if c.is_new_function else "",
            c.title,
        )

    def action_add(self) -> None:
        from erp_console.widgets.forms import Field, FormScreen

        fields = [
            Field("title", "Title", required=True),
            Field(
                "kind",
                "Kind",
                required=True,
                suggestions=CHANGE_KINDS,
                placeholder=" | ".join(CHANGE_KINDS),
            ),
            Field("module", "Module", placeholder="e.g. FI, MM, SD"),
            Field("new_function", "New function?", value="no", placeholder="yes | no"),
            Field("description", "Description"),
        ]

        def check(values: dict[str, str]) -> dict[str, str]:
            errors = {
                "kind": _choice_error(values["kind"], CHANGE_KINDS),
                "new_function": _choice_error(values["new_function"].lower(), ("yes", "no")),
            }
            return {k: v for k, v in errors.items() if v}

        from erp_console.services.lifecycle.incidents import create_change

        screen = self.screen
        db, actor = screen.db, screen.operator  # type: ignore[attr-defined]
        self.app.push_screen(
            FormScreen(
                "New change request",
                fields,
                check=check,
                submit=lambda values: create_change(
                    db,
                    actor=actor,
                    kind=values["kind"],
                    title=values["title"],
                    module=values["module"] or None,
                    description=values["description"] or None,
                    is_new_function=values["new_function"].lower() == "yes",
                ),
            ),
            lambda done: done and screen.after_write(f"Change request #{done.result.id} proposed"),  # type: ignore[attr-defined]
        )

    def action_move(self, move: str) -> None:
        change = self.current
        if change is None:
            return
        from erp_console.services.lifecycle.incidents import CHANGE_TRANSITIONS, transition_change

        status, verb = CHANGE_MOVES[move]
        allowed_from = [old for old, targets in CHANGE_TRANSITIONS.items() if status in targets]
        if change.status not in allowed_from:
            self.notify(
                f"Change request #{change.id} is {change.status}; {verb.lower()} needs "
                f"{' or '.join(allowed_from)}.",
                severity="warning",
            )
            return
        rejecting = status == "rejected"
        self.confirm_then_write(
            f"{verb} change request #{change.id}?",
            f"{change.kind}: {change.title}\n{change.status} → {status}",
            transition_change,
            change.id,
            status,
            label=verb,
            reason_as="reason" if rejecting else None,
            destructive=rejecting,
            expected_version=change.version,
            done=f"Change request #{change.id} is now {status}",
        )

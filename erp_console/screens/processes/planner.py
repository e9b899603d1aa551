"""The Planner tab: an org change built as a plan, previewed, then applied in one transaction."""

from __future__ import annotations

from textual.widgets import Static

from erp_console.screens.flows import flow
from erp_console.screens.processes.labels import (
    ORG_KINDS,
    PLAN_FIELDS,
    split_words,
)
from erp_console.widgets.confirm_change import ConfirmChange
from erp_console.widgets.forms import Field, FormScreen


class PlannerPart:
    """Mixed into ProcessesScreen: the org-change planner (straight-line flows)."""

    @flow
    async def action_plan_change(self) -> None:
        """Kind, then its form; the plan is built while the form is open, so an unknown login
        or department is shown next to its field and nothing typed is lost."""
        from erp_console.services.processes.org_plan import plan_org_change

        first = await self.app.push_screen_wait(
            FormScreen(
                "Org change",
                [
                    Field(
                        "kind",
                        "Change",
                        required=True,
                        suggestions=ORG_KINDS,
                        placeholder=" | ".join(ORG_KINDS),
                    )
                ],
                save_label="Next",
                check=lambda v: {} if v["kind"] in ORG_KINDS else {"kind": " | ".join(ORG_KINDS)},
            )
        )
        if first is None:
            return
        kind = first["kind"]
        db = self.db
        planned = await self.app.push_screen_wait(
            FormScreen(
                f"Org change: {kind}",
                self._plan_fields(kind),
                save_label="Preview",
                submit=lambda values: plan_org_change(
                    db, self._request(kind, values), identity=self.identity
                ),
                field_of=PLAN_FIELDS,
            )
        )
        if planned is not None:
            self.show_plan(planned.result)

    def _plan_fields(self, kind: str) -> list[Field]:
        logins = self._login_suggester()
        return {
            "move": [
                Field(
                    "users",
                    "Users",
                    required=True,
                    placeholder="logins, space-separated",
                    suggester=logins,
                ),
                Field("dept", "To department", required=True),
            ],
            "merge": [
                Field("dept", "Merge dept", required=True),
                Field("other", "Into dept", required=True),
            ],
            "rename": [
                Field("dept", "Department", required=True),
                Field("name", "New name"),
                Field("other", "New code"),
            ],
            "split": [
                Field("dept", "Split dept", required=True),
                Field("other", "New code", required=True),
                Field("name", "New name", required=True),
                Field(
                    "users",
                    "Users",
                    required=True,
                    placeholder="logins moving to the new dept",
                    suggester=logins,
                ),
                Field("roles", "Default roles", placeholder="empty = copy the source's"),
            ],
            "deactivate": [Field("dept", "Department", required=True)],
            "defaults": [
                Field("dept", "Department", required=True),
                Field("roles", "Roles", required=True, placeholder="+ROLE to add, -ROLE to remove"),
            ],
        }[kind]

    def _login_suggester(self):
        from erp_console.services.access.completion import complete_login
        from erp_console.widgets.suggesters import ServiceSuggester

        db = self.db
        return ServiceSuggester(lambda prefix: complete_login(db, prefix), last_word=True)

    @staticmethod
    def _request(kind: str, v: dict):
        from erp_console.services.processes import org_plan as op

        if kind == "move":
            return op.MoveUsers(split_words(v["users"]), v["dept"])
        if kind == "merge":
            return op.MergeDepartments(v["dept"], v["other"])
        if kind == "rename":
            return op.RenameDepartment(v["dept"], v.get("name") or None, v.get("other") or None)
        if kind == "split":
            roles = split_words(v.get("roles", ""))
            return op.SplitDepartment(
                v["dept"], v["other"], v["name"], split_words(v["users"]), roles or None
            )
        if kind == "deactivate":
            return op.DeactivateDepartment(v["dept"])
        words = split_words(v["roles"])
        return op.ChangeDefaultRoles(
            v["dept"],
            tuple(w[1:] for w in words if w.startswith("+")),
            tuple(w[1:] for w in words if w.startswith("-")),
        )

    def show_plan(self, plan) -> None:
        from erp_console.services.processes.org import plan_lines

        self.plan = plan
        self.query_one("#proc-plan-text", Static).update(
            "\n".join(plan_lines(plan)) + "\n\na: apply (asks for a reason) · z: discard"
        )
        self.action_tab("planner")

    def action_discard_plan(self) -> None:
        """Destructive keys always confirm: a plan can take a while to put together."""
        if self.plan is None:
            return
        self.app.push_screen(
            ConfirmChange(
                "Discard the plan?",
                self.plan.summary,
                confirm_label="Discard",
                cancel_note="The plan is kept.",
            ),
            lambda ok: ok is not None and self._discard_plan(),
        )

    def _discard_plan(self) -> None:
        self.plan = None
        self.query_one("#proc-plan-text", Static).update(
            "Plan discarded. Press m to build an org change."
        )
        self.refresh_bindings()

    def action_apply_plan(self) -> None:
        if self.plan is None:
            return
        from erp_console.services.processes.org import plan_lines

        plan = self.plan
        gaps = bool(plan.gaps)
        preview = "\n".join(plan_lines(plan))
        if gaps:
            preview += "\n\nApplying acknowledges that these steps will have no holder."
        self.app.push_screen(
            ConfirmChange(
                f"Apply: {plan.summary}?",
                preview,
                confirm_label="Apply anyway" if gaps else "Apply",
                ask_reason=True,
            ),
            lambda reason: reason and self._apply(plan, reason, gaps),
        )

    def _apply(self, plan, reason: str, gaps: bool) -> None:
        from erp_console.services.processes.org import apply_plan

        def done(result) -> None:
            self.plan = None
            self.query_one("#proc-plan-text", Static).update(
                f"Applied: {result.summary}\n{result.moved} user(s) moved, {result.granted} role(s) "
                f"granted, {result.revoked} revoked; {result.entries} audit entries; "
                f"maintenance record #{result.document_id}."
            )
            self.refresh_bindings()
            self.load_list()

        self.run_service(
            apply_plan,
            self.db,
            plan,
            actor=self.operator,
            reason=reason,
            acknowledge_gaps=gaps,
            on_result=done,
            group="write",
        )

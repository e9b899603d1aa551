"""The Reviews tab: reviews of the process, their findings, change requests raised from them."""

from __future__ import annotations

from textual.widgets import DataTable

from erp_console.vocabulary import FINDING_KINDS, REVIEW_OUTCOMES, SEVERITIES
from erp_console.widgets.confirm_change import ConfirmChange
from erp_console.widgets.forms import Field, FormScreen, ResultScreen


class ReviewsPart:
    """Mixed into ProcessesScreen: reviews and findings."""

    def _show_reviews(self) -> None:
        table = self.query_one("#proc-reviews", DataTable)
        table.clear()
        for r in self.reviews:
            outcome = r.outcome or "[b]open[/]"
            table.add_row(
                str(r.id),
                f"{r.opened_at:%Y-%m-%d}",
                r.reviewer,
                outcome,
                str(len(r.findings)),
                key=str(r.id),
            )
        self._show_findings()

    def current_review(self):
        table = self.query_one("#proc-reviews", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.reviews if str(r.id) == key), None)

    def _show_findings(self) -> None:
        table = self.query_one("#proc-findings", DataTable)
        table.clear()
        review = self.current_review()
        if review is None:
            return
        for f in review.findings:
            table.add_row(
                str(f.id),
                f.kind,
                f.severity,
                str(f.step_seq or "-"),
                f"#{f.change_request_id}" if f.change_request_id else "-",
                f.text,
                key=str(f.id),
            )
        self.call_after_refresh(self.on_resize)

    def current_finding(self):
        review = self.current_review()
        table = self.query_one("#proc-findings", DataTable)
        if review is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((f for f in review.findings if str(f.id) == key), None)

    def _write(self, fn, *args, done: str, **kwargs) -> None:
        self.run_service(
            fn, *args, on_result=lambda _r: self._written(done), group="write", **kwargs
        )

    def _written(self, message: str) -> None:
        self.notify(message, timeout=4)
        self.load_list()

    def action_open_review(self) -> None:
        """Forms of this tab write while open: a refusal is shown in them, nothing typed is lost."""
        if self.code is None:
            return
        from erp_console.services.processes.reviews import open_review

        code, db, actor = self.code, self.db, self.operator
        self.app.push_screen(
            FormScreen(
                f"Open a review of {code}",
                [Field("reviewer", "Reviewer", value=actor), Field("scope", "Scope")],
                save_label="Open",
                note="Today's coverage is kept with the review for later comparison.",
                submit=lambda v: open_review(
                    db,
                    code,
                    actor=actor,
                    reviewer=v["reviewer"] or None,
                    scope=v["scope"] or None,
                ),
            ),
            lambda done: done and self._written(f"Review of {code} opened."),
        )

    def _open_review_or_warn(self):
        review = self.current_review()
        if review is None or not review.is_open:
            self.notify("Highlight an open review (o opens one).", severity="warning")
            return None
        return review

    def action_add_finding(self) -> None:
        review = self._open_review_or_warn()
        if review is None:
            return
        from erp_console.services.processes.reviews import add_finding

        db, actor = self.db, self.operator
        seqs = tuple(str(s.seq) for s in self.cov.steps) if self.cov else ()

        def check(values):
            errors = {}
            if values["kind"] not in FINDING_KINDS:
                errors["kind"] = "one of " + ", ".join(FINDING_KINDS)
            if values["severity"] not in SEVERITIES:
                errors["severity"] = "one of " + ", ".join(SEVERITIES)
            if values["step"] and values["step"] not in seqs:
                errors["step"] = "steps: " + ", ".join(seqs)
            return errors

        self.app.push_screen(
            FormScreen(
                f"Finding on review #{review.id}",
                [
                    Field(
                        "kind",
                        "Kind",
                        required=True,
                        suggestions=FINDING_KINDS,
                        placeholder="permission_gap, obsolete_step…",
                    ),
                    Field(
                        "severity",
                        "Severity",
                        required=True,
                        suggestions=SEVERITIES,
                        placeholder="low medium high critical",
                    ),
                    Field("step", "Step seq", placeholder=" ".join(seqs)),
                    Field("text", "Text", required=True),
                ],
                check=check,
                submit=lambda v: add_finding(
                    db,
                    review.id,
                    actor=actor,
                    kind=v["kind"],
                    severity=v["severity"],
                    text=v["text"],
                    step=int(v["step"]) if v["step"] else None,
                ),
            ),
            lambda done: done and self._written(f"Finding recorded on review #{review.id}."),
        )

    def action_raise_change(self) -> None:
        finding = self.current_finding()
        if finding is None:
            self.notify("Highlight a finding (tab to the findings table).", severity="warning")
            return
        if finding.change_request_id:
            self.notify(
                f"Finding #{finding.id} already raised change request #{finding.change_request_id}.",
                severity="warning",
            )
            return
        kind = "expansion" if finding.kind == "unrealized_function" else "optimization"
        preview = (
            f"A {kind} change request will be proposed from finding #{finding.id}:\n\n"
            f"{self.code}: {finding.text}"
        )
        self.app.push_screen(
            ConfirmChange(
                "Raise change request?", preview, confirm_label="Raise", destructive=False
            ),
            lambda ok: ok is not None and self._raise(finding.id),
        )

    def _raise(self, finding_id: int) -> None:
        from erp_console.services.processes.reviews import raise_change

        self._write(
            raise_change,
            self.db,
            finding_id,
            actor=self.operator,
            done=f"Change request raised from finding #{finding_id}.",
        )

    def action_close_review(self) -> None:
        review = self._open_review_or_warn()
        if review is None:
            return
        from erp_console.services.processes.reviews import close_review

        db, actor = self.db, self.operator
        self.app.push_screen(
            FormScreen(
                f"Close review #{review.id}",
                [
                    Field(
                        "outcome",
                        "Outcome",
                        required=True,
                        suggestions=REVIEW_OUTCOMES,
                        placeholder=" | ".join(REVIEW_OUTCOMES),
                    ),
                    Field("note", "Note"),
                ],
                save_label="Close review",
                check=lambda v: (
                    {}
                    if v["outcome"] in REVIEW_OUTCOMES
                    else {"outcome": " | ".join(REVIEW_OUTCOMES)}
                ),
                submit=lambda v: close_review(
                    db,
                    review.id,
                    actor=actor,
                    outcome=v["outcome"],
                    note=v["note"] or None,
                    expected_version=review.version,
                ),
            ),
            lambda done: (
                done and self._written(f"Review #{review.id} closed: {done.values['outcome']}.")
            ),
        )

    def action_diff(self) -> None:
        review = self.current_review()
        if review is None:
            return
        from erp_console.services.processes.reviews import compare_with_snapshot

        def show(deltas) -> None:
            lines = [
                f"{d.seq} {d.name}: {d.holders_then} → {d.holders_now} holder(s)"
                + (f"; +{', +'.join(d.gained)}" if d.gained else "")
                + (f"; -{', -'.join(d.lost)}" if d.lost else "")
                + f"; flags {' '.join(d.flags_then) or 'ok'} → {' '.join(d.flags_now) or 'ok'}"
                for d in deltas
            ]
            self.app.push_screen(
                ResultScreen(
                    f"Review #{review.id}: coverage then vs now",
                    "\n".join(lines) or "Nothing changed since the review was opened.",
                )
            )

        self.run_service(
            compare_with_snapshot, self.db, review.id, on_result=show, group="load-diff"
        )

"""Defining processes on screen 3: `+` a new process, `e` the next version of the highlighted
one's steps. One form serves both; each step is a line of its own:
`[SEQ |] NAME | PERMISSION [| DEPARTMENT [| ROLE]]` (the permission completes from the codes a
step can name: the store's catalogue and, over an ERP, the ERP's own codes)."""

from __future__ import annotations

import datetime as dt
import os

from textual.suggester import Suggester

from erp_console.errors import ValidationError
from erp_console.widgets.forms import Field, FormScreen

MIN_STEP_ROWS = 6
SPARE_STEP_ROWS = 3  # empty rows under an edited process's steps, for steps to add
SEQ_STEP = 10
STEP_PLACEHOLDER = "name | permission | department (optional)"


class PermissionSuggester(Suggester):
    """Completes the permission part of a step line from the codes a step can name."""

    def __init__(self, codes: frozenset[str]) -> None:
        super().__init__(use_cache=True, case_sensitive=True)
        self.codes = sorted(codes)

    async def get_suggestion(self, value: str) -> str | None:
        parts = value.split("|")
        permission_at = 2 if parts[0].strip().isdigit() else 1
        if len(parts) != permission_at + 1:
            return None
        typed = parts[-1].lstrip()
        if not typed:
            return None
        matches = [c for c in self.codes if c.startswith(typed)]
        if not matches:
            return None
        # as a shell completes: what every match shares first (account.mo → account.move),
        # then, once that is typed, the shortest match
        shared = os.path.commonprefix(matches)
        completion = shared if len(shared) > len(typed) else min(matches, key=len)
        return value + completion[len(typed) :] if completion != typed else None


def step_line(step) -> str:
    extra = [step.department or "", step.role or ""]
    while extra and not extra[-1]:
        extra.pop()
    return " | ".join([str(step.seq), step.name, step.permission, *extra])


def step_specs(values: dict[str, str], names: list[str], codes: frozenset[str]) -> list:
    """The steps typed in the form's step rows (empty rows left out); a row's problem is raised
    under its field. A row without SEQ follows the one above it by SEQ_STEP."""
    from erp_console.services.processes.authoring import parse_step

    specs, seq = [], 0
    for name in names:
        text = values[name]
        if not text:
            continue
        try:
            spec = parse_step(text, len(specs) + 1, codes, default_seq=seq + SEQ_STEP, bars=True)
        except ValidationError as exc:
            raise ValidationError(exc.message, field=name) from None
        specs.append(spec)
        seq = spec.seq
    return specs


def steps_under_their_rows(submit, names_of_rows):
    """`submit` with a service's step problem (row N of the steps given) shown under the form
    row that held that step."""

    def run(values: dict[str, str]):
        try:
            return submit(values)
        except ValidationError as exc:
            if exc.row is None or exc.field is not None:
                raise
            rows = names_of_rows(values)
            field = rows[exc.row - 1] if 0 < exc.row <= len(rows) else None
            raise ValidationError(exc.message, field=field) from None

    return run


class AuthoringPart:
    """Mixed into ProcessesScreen: the new-process and edit-steps forms."""

    def action_new_process(self) -> None:
        self._with_step_choices(self._new_process_form)

    def action_edit_steps(self) -> None:
        if self.code is None:
            return
        from erp_console.services.processes.catalog import get_process

        code = self.code
        self.run_service(
            lambda: get_process(self.db, code),
            on_result=lambda detail: self._with_step_choices(
                lambda choices: self._edit_steps_form(detail, choices)
            ),
            group="load-edit-steps",
        )

    def _with_step_choices(self, show) -> None:
        from erp_console.services.processes.authoring import step_choices

        self.run_service(step_choices, self.db, self.identity, on_result=show, group="load-codes")

    def _step_fields(self, codes: frozenset[str], lines: list[str]) -> list[Field]:
        rows = max(MIN_STEP_ROWS, len(lines) + SPARE_STEP_ROWS)
        suggester = PermissionSuggester(codes)
        lines = lines + [""] * (rows - len(lines))
        return [
            Field(
                f"step{i}",
                f"Step {i}",
                value=line,
                placeholder=STEP_PLACEHOLDER if i == 1 else "",
                suggester=suggester,
            )
            for i, line in enumerate(lines, start=1)
        ]

    def _new_process_form(self, choices) -> None:
        from erp_console.services.core.validation import parse_date
        from erp_console.services.processes.authoring import create_process

        db, actor, identity, codes = self.db, self.operator, self.identity, choices.codes
        steps = self._step_fields(codes, [])
        names = [f.name for f in steps]

        def submit(values: dict[str, str]):
            return create_process(
                db,
                values["code"],
                values["name"],
                step_specs(values, names, codes),
                actor=actor,
                effective_from=parse_date(values["effective_from"], "effective_from")
                or dt.date.today(),
                owner=values["owner"] or None,
                identity=identity,
            )

        self.app.push_screen(
            FormScreen(
                "New process",
                [
                    Field("code", "Code", required=True, placeholder="e.g. P2P"),
                    Field("name", "Name", required=True),
                    Field("owner", "Owner dept", suggestions=choices.departments),
                    Field("effective_from", "In force from", value=str(dt.date.today())),
                    *steps,
                ],
                save_label="Create",
                note=_STEP_NOTE,
                submit=steps_under_their_rows(submit, _rows_given(names)),
                field_of={"steps": names[0]},
                wide=True,
            ),
            self._defined,
        )

    def _edit_steps_form(self, detail, choices) -> None:
        from erp_console.services.core.validation import parse_date
        from erp_console.services.processes.authoring import create_version

        db, actor, identity, code = self.db, self.operator, self.identity, detail.code
        codes = choices.codes
        steps = self._step_fields(codes, [step_line(s) for s in detail.steps])
        names = [f.name for f in steps]

        def submit(values: dict[str, str]):
            return create_version(
                db,
                code,
                step_specs(values, names, codes),
                actor=actor,
                effective_from=parse_date(values["effective_from"], "effective_from")
                or dt.date.today(),
                note=values["note"] or None,
                identity=identity,
            )

        self.app.push_screen(
            FormScreen(
                f"Next version of {code} (now version {detail.version})",
                [
                    Field("effective_from", "In force from", value=str(dt.date.today())),
                    Field("note", "Note", placeholder="what changed and why"),
                    *steps,
                ],
                save_label="Save version",
                note=_STEP_NOTE + " Clear a row to drop its step.",
                submit=steps_under_their_rows(submit, _rows_given(names)),
                field_of={"steps": names[0]},
                wide=True,
            ),
            self._defined,
        )

    def _defined(self, done) -> None:
        if not done:
            return
        detail = done.result
        what = "created" if detail.version == 1 else f"version {detail.version} saved"
        self.notify(
            f"Process {detail.code} {what}: {len(detail.steps)} steps, "
            f"in force from {detail.effective_from}.",
            timeout=5,
        )
        self.code = detail.code
        self.load_list()


_STEP_NOTE = (
    "One step a row: name | permission | department. A row may start with its number "
    "(10 | …); without one it follows the row above by 10. → accepts a suggested code."
)


def _rows_given(names: list[str]):
    """The form rows that held a step, in order: the service's row N is the Nth of them."""
    return lambda values: [name for name in names if values[name]]

"""How the workbench names things: coverage flags and badges (the finding, severity and outcome
vocabularies its forms offer come from erp_console.vocabulary)."""

from __future__ import annotations

FLAG_LABELS = {
    "no_holder": "[b red]gap[/]",
    "single_holder": "[yellow]single[/]",
    "excess": "[magenta]excess[/]",
    "sod": "[red]SoD[/]",
}
ORG_KINDS = ("move", "merge", "rename", "split", "deactivate", "defaults")
REVIEW_ACTIONS = frozenset({"open_review", "add_finding", "raise_change", "close_review", "diff"})
PLANNER_ACTIONS = frozenset({"apply_plan", "discard_plan"})
# The org services' field names (users, department, …) → the planner form's fields.
PLAN_FIELDS = {
    "login": "users",
    "department": "dept",
    "into": "other",
    "code": "other",
    "new_code": "other",
    "add": "roles",
    "remove": "roles",
}
SHOWN_HOLDERS = 40  # the full lists: `erp-console processes coverage -P CODE`
SHOWN_CONFLICTS = 20


BADGE_LEGEND = "gap: no holder · sgl: one holder · SoD: conflict · ex: too many"
WIDE_LIST = 44  # from this width the list spells the badges out


def badge(row, wide: bool = False) -> str:
    if not hasattr(row, "no_holder"):
        return "[dim]…[/]"  # coverage still being computed
    parts = []
    for count, flag, label, word in (
        (row.no_holder, "no_holder", "gap", "gap "),
        (row.single_holder, "single_holder", "sgl", "single "),
        (row.sod, "sod", "SoD", "SoD "),
        (row.excess, "excess", "ex", "excess "),
    ):
        if count:
            color = FLAG_LABELS[flag].split("]")[0] + "]"
            parts.append(f"{color}{word if wide else label}{count}[/]")
    return " ".join(parts) or "[green]ok[/]"


def flag_text(flags) -> str:
    return " ".join(FLAG_LABELS[f] for f in flags) or "[green]ok[/]"


def first_names(names, limit: int) -> str:
    """The first `limit` names, then how many more (a step at a big site has thousands)."""
    shown = ", ".join(names[:limit])
    return f"{shown} … and {len(names) - limit:,} more" if len(names) > limit else shown


def split_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in text.replace(",", " ").split() if w)

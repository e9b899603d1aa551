"""How process results read, for the CLI and the TUI alike: plain text and records (no click, no
Textual, no markup)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from erp_console.services.processes.coverage import ProcessConflict


def step_pair(conflict: ProcessConflict) -> str:
    """The two steps an SoD rule separates: `3+5`."""
    return f"{conflict.step_a}+{conflict.step_b}"


def process_conflict(conflict: ProcessConflict) -> str:
    """`jnovak: Create and approve payments — steps 3+5 (accepted)`."""
    tag = " (accepted)" if conflict.accepted else ""
    return f"{conflict.login}: {conflict.rule} — steps {step_pair(conflict)}{tag}"


def process_conflict_record(process: str, conflict: ProcessConflict) -> dict[str, Any]:
    return {
        "process": process,
        "login": conflict.login,
        "rule": conflict.rule,
        "severity": conflict.severity,
        "steps": step_pair(conflict),
        "accepted": conflict.accepted,
    }

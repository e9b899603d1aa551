"""The process presenters: one SoD-inside-a-process line and record for the CLI and the TUI."""

from __future__ import annotations

from erp_console.services.processes import present
from erp_console.services.processes.coverage import ProcessConflict


def test_a_process_conflict_names_the_user_rule_and_steps():
    open_ = ProcessConflict("jnovak", "Create and approve payments", "critical", 3, 5, False)
    accepted = ProcessConflict("abauer", "Vendor and payment", "high", 1, 4, True)
    assert present.process_conflict(open_) == "jnovak: Create and approve payments — steps 3+5"
    assert present.process_conflict(accepted) == "abauer: Vendor and payment — steps 1+4 (accepted)"
    assert present.process_conflict_record("P2P", open_) == {
        "process": "P2P",
        "login": "jnovak",
        "rule": "Create and approve payments",
        "severity": "critical",
        "steps": "3+5",
        "accepted": False,
    }

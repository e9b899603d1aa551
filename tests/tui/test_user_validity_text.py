"""Screen 2's details pane says an account's validity in words, and nothing when it has none
(it showed "Valid … → …" for every account without bounds)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from erp_console.screens.users.details import validity_lines

TODAY = dt.date(2026, 12, 8)


def _user(valid_from=None, valid_to=None):
    return SimpleNamespace(valid_from=valid_from, valid_to=valid_to)


def test_validity_in_words_and_nothing_without_bounds():
    assert validity_lines(_user(), TODAY) == []
    assert validity_lines(_user(dt.date(2026, 1, 5)), TODAY) == ["Valid from 2026-01-05"]
    assert validity_lines(_user(None, dt.date(2027, 3, 31)), TODAY) == ["Valid until 2027-03-31"]
    assert validity_lines(_user(dt.date(2026, 1, 5), dt.date(2026, 6, 30)), TODAY) == [
        "Valid from 2026-01-05 until 2026-06-30 [red]EXPIRED[/red]"
    ]

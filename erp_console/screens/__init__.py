"""The console's main screens. Each entry is one screen the app installs by its name, reached by
its number key.

A screen joins the console by adding one `ScreenEntry` here; nothing else in the app changes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class ScreenEntry:
    key: str
    name: str  # the name the app installs it by
    title: str
    target: str  # "module:Class", imported on first visit to keep start-up fast

    def import_module(self):
        return importlib.import_module(self.target.partition(":")[0])

    def load(self):
        return getattr(self.import_module(), self.target.partition(":")[2])


SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry("1", "dashboard", "Dashboard", "erp_console.screens.dashboard:DashboardScreen"),
    ScreenEntry("2", "users", "Users", "erp_console.screens.users:UsersScreen"),
    ScreenEntry("3", "processes", "Processes", "erp_console.screens.processes:ProcessesScreen"),
    ScreenEntry("4", "records", "Logs & docs", "erp_console.screens.records:RecordsScreen"),
    ScreenEntry(
        "5", "maintenance", "Database", "erp_console.screens.maintenance:MaintenanceScreen"
    ),
)


def import_screens() -> None:
    """Import every screen's module (a real session runs it in a thread once the dashboard shows
    its data: a first visit then finds its screen's code loaded)."""
    for entry in SCREENS:
        entry.import_module()

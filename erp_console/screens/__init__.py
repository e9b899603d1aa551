"""The console's main screens. Each entry is one mode of the app, reached by its number key.

A screen joins the console by adding one `ScreenEntry` here; nothing else in the app changes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class ScreenEntry:
    key: str
    mode: str
    title: str
    target: str  # "module:Class", imported on first visit to keep start-up fast

    def load(self):
        module_name, _, class_name = self.target.partition(":")
        return getattr(importlib.import_module(module_name), class_name)


SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry("1", "dashboard", "Dashboard", "erp_console.screens.dashboard:DashboardScreen"),
    ScreenEntry("2", "users", "Users", "erp_console.screens.users:UsersScreen"),
    ScreenEntry("3", "processes", "Processes", "erp_console.screens.processes:ProcessesScreen"),
    ScreenEntry("4", "records", "Logs & docs", "erp_console.screens.records:RecordsScreen"),
    ScreenEntry(
        "5", "maintenance", "Database", "erp_console.screens.maintenance:MaintenanceScreen"
    ),
)

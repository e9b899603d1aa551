"""Screen 3, the process workbench: one part per tab, the screen in screen.py."""

from erp_console.screens.processes.screen import ProcessesScreen

__all__ = ["ProcessesScreen"]

"""Screen 2, users and permissions: the screen in screen.py, one workflow a file beside it."""

from erp_console.screens.users.screen import UsersScreen

__all__ = ["UsersScreen"]

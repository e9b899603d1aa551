"""The user list of screen 2: users matching the filter, a page at a time."""

from __future__ import annotations

from erp_console.widgets.paged_table import Column, PageSource

STATUS_OPTIONS = [
    ("any status", ""),
    ("active", "active"),
    ("locked", "locked"),
    ("disabled", "disabled"),
]


class UserSource(PageSource):
    """Users matching a filter, in login order, from the access service."""

    columns = (
        Column("sel", " ", 1),
        Column("login", "Login", 11),
        Column("name", "Name", 10, flex=True),
        Column("status", "Status", 8),
        Column("dept", "Dept", 6),
    )

    def __init__(self, identity, flt, selected: set[str]) -> None:
        self.identity, self.flt, self.selected = identity, flt, selected

    def page_after(self, key, limit):
        return self.identity.list_users(self.flt, after=key, limit=limit)

    def page_before(self, key, limit):
        return self.identity.list_users_before(self.flt, before=key, limit=limit)

    def total(self):
        return self.identity.count_users(self.flt)

    def key_of(self, row):
        return row.sort_key

    def cells(self, row):
        return (
            "✓" if row.login in self.selected else " ",
            row.login,
            row.full_name,
            row.status,
            row.department or "",
        )

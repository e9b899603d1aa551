"""Form pieces the workflows of screen 2 share: dates, permission codes, logins."""

from __future__ import annotations

import datetime as dt

from erp_console.services.core.dates import DateError, parse_date
from erp_console.widgets.forms import Field
from erp_console.widgets.suggesters import ServiceSuggester


def check_dates(values: dict[str, str]) -> dict[str, str]:
    """A message for each of valid_from / valid_to that is typed but not a date."""
    errors = {}
    for name in ("valid_from", "valid_to"):
        if values.get(name):
            try:
                parse_date(values[name])
            except DateError as exc:
                errors[name] = str(exc)
    return errors


def date_or_none(value: str) -> dt.date | None:
    return parse_date(value) if value else None


def permission_field(codes: list[str], example: str) -> Field:
    """A permission code, completed from the codes the screen loaded when it opened. The example
    is one of those codes (an ERP names its permissions in its own terms)."""
    if codes and example not in codes:
        example = codes[len(codes) // 2]
    return Field(
        "permission",
        "Permission",
        required=True,
        placeholder=f"e.g. {example}",
        suggester=ServiceSuggester(
            lambda prefix: next((c for c in codes if c.lower().startswith(prefix.lower())), None)
        ),
    )


def check_permission(codes: list[str], values: dict[str, str]) -> dict[str, str]:
    code = values["permission"]
    if not codes or code in codes:
        return {}
    near = next((c for c in codes if c.lower() == code.lower()), None)
    return {"permission": f"no permission '{code}'" + (f"; did you mean {near}?" if near else "")}


def login_suggester(identity) -> ServiceSuggester:
    """The first login starting with what was typed, asked of the identity backend."""
    from erp_console.services.access.users import UserFilter

    def first_login(prefix: str) -> str | None:
        rows = identity.list_users(UserFilter(text=prefix), limit=50)
        return next((r.login for r in rows if r.login.lower().startswith(prefix.lower())), None)

    return ServiceSuggester(first_login)

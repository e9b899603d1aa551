"""Starting bodies for a new document of each kind."""

from __future__ import annotations

TEMPLATES = {
    "technical_support": (
        "# {title}\n\n## Symptom\n\nWhat the user sees (message, transaction, since when).\n\n"
        "## Cause\n\nWhy it happens.\n\n## Resolution\n\n1. Step\n2. Step\n\n"
        "## Related\n\nIncidents, notes, log lines.\n"
    ),
    "secondary_development": (
        "# {title}\n\n**Module:** \n**Change request:** \n\n## Purpose\n\nWhat the business needs.\n\n"
        "## Design\n\nPrograms, tables, interfaces.\n\n## Objects and transports\n\n- \n\n"
        "## Test\n\nUnit, integration and user acceptance.\n"
    ),
    "process": (
        "# {title}\n\n**Owner:** \n\n## Purpose\n\n## Steps\n\n10. Step — `PERMISSION`\n\n"
        "## Controls\n\nSoD rules and approvals.\n"
    ),
    "system_log": (
        "# {title}\n\n## Scope\n\nWhich servers and logs.\n\n## Retention\n\nHow long online, "
        "where archived.\n\n## Review\n\nWho reviews what, how often.\n"
    ),
    "maintenance_record": (
        "# {title}\n\n**Window:** \n**Performed by:** \n\n## Actions\n\n- \n\n## Result\n\n"
    ),
}


def template(kind: str, title: str = "") -> str:
    return TEMPLATES.get(kind, "# {title}\n").format(title=title or "Title")

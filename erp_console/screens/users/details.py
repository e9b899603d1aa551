"""The details pane of screen 2: a user's profile, grants, SoD conflicts, effective permissions,
recent changes and log lines, as one text."""

from __future__ import annotations

import datetime as dt

from erp_console.services.access.present import department_label, held_via


def validity_lines(u, today: dt.date) -> list[str]:
    """'Valid from … until …' when the account has either bound; nothing when it has none."""
    if not u.valid_from and not u.valid_to:
        return []
    parts = [
        f"from {u.valid_from}" if u.valid_from else "",
        f"until {u.valid_to}" if u.valid_to else "",
    ]
    expired = " [red]EXPIRED[/red]" if u.valid_to and u.valid_to < today else ""
    return ["Valid " + " ".join(p for p in parts if p) + expired]


def panel_text(panel) -> str:
    u = panel.user
    today = dt.date.today()
    lines = [
        f"[b]{u.login}[/b] · {u.full_name}",
        f"{u.email or '-'}",
        f"Dept {department_label(u) or '-'}",
        f"Status [b]{u.status}[/b]" + (f" ({u.lock_reason})" if u.lock_reason else ""),
        *validity_lines(u, today),
        f"Last login {u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "Never logged in",
        "",
        f"[b]Roles ({len(u.grants)})[/b]",
    ]
    for g in u.grants:
        state = "" if g.is_valid(today) else " [red](not valid now)[/red]"
        until = f" until {g.valid_to}" if g.valid_to else ""
        lines.append(f" {g.role}{until}{state}")
    if panel.conflicts:
        lines += ["", f"[b red]SoD conflicts ({len(panel.conflicts)})[/b red]"]
        for c in panel.conflicts:
            tag = " (accepted)" if c.accepted else ""
            lines.append(f" {c.severity}: {c.rule}{tag}")
            lines.append(f"   {held_via(c.permission_a, c.roles_a)}")
            lines.append(f"   {held_via(c.permission_b, c.roles_b)}")
    lines += ["", f"[b]Effective permissions ({len(panel.permissions)})[/b]"]
    if not u.is_usable(today):
        lines.append(" none: the user cannot log on now")
    for module, perms in panel.permissions_by_module().items():
        lines.append(f" [u]{module}[/u]")
        for p in perms:
            risk = {"critical": "[red]!![/red]", "high": "[yellow]![/yellow]"}.get(p.risk, " ")
            lines.append(f"  {risk}{p.code} ← {', '.join(p.roles)}")
    if panel.history:
        lines += ["", "[b]Recent changes[/b]"]
        lines += [f" {e.at:%Y-%m-%d} {e.action} by {e.actor}" for e in panel.history]
    if panel.log_lines:
        lines += ["", "[b]Recent log lines[/b]"]
        lines += [
            f" {line.ts:%m-%d %H:%M} {line.level} {line.message[:60]}" for line in panel.log_lines
        ]
    return "\n".join(lines)

"""How access results read, for the CLI, the TUI and service messages alike: plain text and records.

No click, no Textual and no markup here; each side adds only its own emphasis (the TUI's colours,
the CLI's table or JSON).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from erp_console.services.access.grants import Explanation, UserConflict
    from erp_console.services.access.users import UserDetail


def sod_conflict(conflict: UserConflict) -> str:
    """`jnovak: Pay and approve (FI.PAYMENT.CREATE + FI.PAYMENT.APPROVE)`."""
    return f"{conflict.login}: {conflict.rule} ({conflict.permission_a} + {conflict.permission_b})"


def sod_conflicts(conflicts: Iterable[UserConflict]) -> str:
    """Several conflicts on one line, as an error message names them."""
    return "; ".join(sod_conflict(c) for c in conflicts)


def sod_override_needed(critical: Iterable[UserConflict]) -> str:
    """Why a grant that creates critical conflicts is refused without an override reason."""
    return (
        f"the grant would create critical SoD conflicts — {sod_conflicts(critical)}. "
        "Give an override reason to grant anyway"
    )


def held_via(permission: str, roles: Iterable[str]) -> str:
    """A permission with the roles that give it: `FI.INVOICE.POST (AP_CLERK, FI_LEAD)`."""
    return f"{permission} ({', '.join(roles)})"


def sod_conflict_record(conflict: UserConflict) -> dict[str, Any]:
    """One conflict as a row: user, severity, rule, each side with the roles giving it, accepted."""
    return {
        "user": conflict.login,
        "severity": conflict.severity,
        "rule": conflict.rule,
        "a": held_via(conflict.permission_a, conflict.roles_a),
        "b": held_via(conflict.permission_b, conflict.roles_b),
        "accepted": conflict.accepted,
    }


def explain_verdict(result: Explanation) -> str:
    """`YES: jnovak can FI.PAYMENT.APPROVE` or `NO: jnovak cannot FI.PAYMENT.APPROVE`."""
    if result.allowed:
        return f"YES: {result.login} can {result.permission}"
    return f"NO: {result.login} cannot {result.permission}"


def explain_record(result: Explanation) -> dict[str, Any]:
    return {
        "allowed": result.allowed,
        "login": result.login,
        "permission": result.permission,
        "reasons": list(result.reasons),
    }


def department_label(user: UserDetail) -> str | None:
    """`FIN Finance`: the department's code and name, or None without a department."""
    if not user.department:
        return None
    return " ".join(part for part in (user.department, user.department_name) if part)


def user_record(user: UserDetail) -> dict[str, Any]:
    """The profile of a user (a `UserDetail`) as one record."""
    return {
        "login": user.login,
        "full_name": user.full_name,
        "email": user.email,
        "department": department_label(user),
        "status": user.status,
        "lock_reason": user.lock_reason,
        "valid_from": user.valid_from,
        "valid_to": user.valid_to,
        "last_login_at": user.last_login_at,
        "version": user.version,
    }

"""Grant a role to the highlighted user (or the marked users): form, preview, confirm, write."""

from __future__ import annotations

from erp_console.screens.flows import call_service, flow
from erp_console.screens.users.fields import check_dates, date_or_none
from erp_console.services.access.present import sod_conflict
from erp_console.widgets.confirm_change import ConfirmChange
from erp_console.widgets.forms import Field, FormScreen


class GrantPart:
    """Mixed into UsersScreen."""

    @flow
    async def action_grant(self) -> None:
        logins = self._targets()
        if not logins:
            return
        identity = self.identity
        codes = await call_service(self, self._role_codes)
        names = ", ".join(logins) if len(logins) <= 3 else f"{len(logins)} users"
        form = await self.app.push_screen_wait(
            FormScreen(
                f"Grant a role to {names}",
                [
                    Field(
                        "role",
                        "Role",
                        required=True,
                        suggestions=tuple(codes),
                        placeholder="role code",
                    ),
                    Field("valid_from", "From", placeholder="YYYY-MM-DD (empty = today)"),
                    Field("valid_to", "Until", placeholder="YYYY-MM-DD (empty = no end)"),
                    Field("reason", "Reason", required=True, placeholder="ticket / approval"),
                ],
                save_label="Preview",
                check=lambda values: self._check_grant(codes, values),
                # The preview runs while the form is open: its error is shown in the form.
                submit=lambda values: identity.preview_grant(values["role"], logins),
            )
        )
        if form is None:
            return
        values, preview = form.values, form.result
        if not preview.gained:
            self.notify("Nothing to grant: every user already holds the role.", severity="warning")
            return
        critical = bool(preview.critical)
        override = await self.app.push_screen_wait(
            ConfirmChange(
                "Grant role?",
                _preview_text(values, preview, critical),
                confirm_label="Grant",
                ask_reason=critical,
                reason_placeholder="Override reason (SoD exception)",
                destructive=critical,
            )
        )
        if override is None:
            return
        self.selected.clear()
        await call_service(
            self,
            identity.grant,
            values["role"],
            logins,
            actor=self.operator,
            reason=values["reason"],
            valid_from=date_or_none(values["valid_from"]),
            valid_to=date_or_none(values["valid_to"]),
            override_reason=override if critical else None,
            expected_versions=preview.versions,  # refused when a user changed since the preview
        )
        self._after_change(f"Role {values['role']} granted.")

    def _check_grant(self, codes: list[str], values: dict[str, str]) -> dict[str, str]:
        errors = check_dates(values)
        start, end = values["valid_from"], values["valid_to"]
        if not errors and start and end and end < start:
            errors["valid_to"] = f"{end} is before From {start}"
        if values["role"] not in codes:
            errors["role"] = f"no role '{values['role']}'"
        if values["valid_to"] and "grant_validity" not in self.identity.capabilities:
            errors["valid_to"] = f"{self.identity.identity.product} grants have no end date"
        return errors


def _preview_text(values: dict[str, str], preview, critical: bool) -> str:
    lines = [
        f"Role {preview.role}"
        + (f" from {values['valid_from']}" if values["valid_from"] else "")
        + (f" until {values['valid_to']}" if values["valid_to"] else "")
        + f" — reason: {values['reason']}",
        "",
    ]
    for login, perms in preview.gained.items():
        lines.append(f"{login} gains {len(perms)} permission(s): {', '.join(perms) or '-'}")
    for login in preview.already:
        lines.append(f"{login} already holds the role (nothing to do)")
    for c in preview.conflicts:
        lines.append(f"SoD {c.severity.upper()}: {sod_conflict(c)}")
    if critical:
        lines += ["", "Critical conflicts: an override reason is required to grant anyway."]
    return "\n".join(lines)

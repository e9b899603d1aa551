"""Revoke one of the highlighted user's roles: form, preview, confirm, write."""

from __future__ import annotations

from erp_console.screens.flows import call_service, flow
from erp_console.widgets.confirm_change import ConfirmChange
from erp_console.widgets.forms import Field, FormScreen


class RevokePart:
    """Mixed into UsersScreen."""

    @flow
    async def action_revoke(self) -> None:
        login = self._need_user()
        if login is None or self.panel is None:
            return
        held = tuple(g.role for g in self.panel.user.grants)
        if not held:
            self.notify(f"{login} holds no role.", severity="warning")
            return
        identity = self.identity
        form = await self.app.push_screen_wait(
            FormScreen(
                f"Revoke a role from {login}",
                [
                    Field(
                        "role",
                        "Role",
                        required=True,
                        suggestions=held,
                        placeholder=", ".join(held)[:60],
                    ),
                    Field("reason", "Reason", required=True),
                ],
                save_label="Preview",
                check=lambda values: (
                    {}
                    if values["role"] in held
                    else {"role": f"{login} does not hold '{values['role']}'"}
                ),
                # The preview runs while the form is open: its error is shown in the form.
                submit=lambda values: identity.preview_revoke(values["role"], [login]),
            )
        )
        if form is None:
            return
        values, preview = form.values, form.result
        lost = preview.lost.get(login, ())
        text = f"Role {preview.role} from {login} — reason: {values['reason']}\n\n" + (
            f"{login} loses {len(lost)} permission(s): {', '.join(lost)}"
            if lost
            else "No permission is lost (other roles grant them too)."
        )
        if (
            await self.app.push_screen_wait(
                ConfirmChange("Revoke role?", text, confirm_label="Revoke")
            )
            is None
        ):
            return
        await call_service(
            self,
            identity.revoke,
            values["role"],
            [login],
            actor=self.operator,
            reason=values["reason"],
            expected_versions=preview.versions,  # refused when the user changed since the preview
        )
        self._after_change(f"Role {values['role']} revoked from {login}.")

"""Lock, unlock, disable and enable the highlighted user; disable the marked users at once."""

from __future__ import annotations

from erp_console.screens.flows import call_service, flow
from erp_console.widgets.confirm_change import ConfirmChange

TARGET_STATUS = {"lock": "locked", "unlock": "active", "disable": "disabled", "enable": "active"}


class StatusPart:
    """Mixed into UsersScreen."""

    def action_lock(self) -> None:
        self.change_status("lock", needs_reason=True)

    def action_unlock(self) -> None:
        self.change_status("unlock", needs_reason=False)

    def action_disable(self) -> None:
        self.change_status("disable", needs_reason=True)

    def action_enable(self) -> None:
        self.change_status("enable", needs_reason=False)

    @flow
    async def change_status(self, action: str, needs_reason: bool) -> None:
        if self._need_user() is None or self.panel is None:
            return
        u = self.panel.user
        target = TARGET_STATUS[action]
        preview = (
            f"User {u.login} ({u.full_name}), department {u.department or '-'}\n"
            f"Status: {u.status} → {target}\n"
            + (
                "They will not be able to log on; their roles stay assigned."
                if target != "active"
                else "They can log on again."
            )
        )
        reason = await self.app.push_screen_wait(
            ConfirmChange(
                f"{action.title()} {u.login}?",
                preview,
                confirm_label=action.title(),
                ask_reason=needs_reason,
                destructive=target != "active",
            )
        )
        if reason is None:
            return
        await call_service(
            self,
            self.identity.set_status,
            u.login,
            action,
            actor=self.operator,
            reason=reason or None,
            expected_version=u.version,
        )
        self._after_change(f"{u.login}: {action} done.")

    @flow
    async def action_bulk_disable(self) -> None:
        if not self.selected:
            self.notify("Mark users with space first.", severity="warning")
            return
        logins = sorted(self.selected)
        preview = f"{len(logins)} user(s) will be disabled:\n" + "\n".join(
            f"  {login}" for login in logins
        )
        reason = await self.app.push_screen_wait(
            ConfirmChange(
                "Disable marked users?", preview, confirm_label="Disable all", ask_reason=True
            )
        )
        if reason is None:
            return
        self.selected.clear()
        await call_service(
            self,
            self.identity.bulk_set_status,
            logins,
            "disable",
            actor=self.operator,
            reason=reason,
        )
        self._after_change(f"{len(logins)} user(s) disabled.")

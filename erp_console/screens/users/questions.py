"""Questions about permissions, answered read-only: can this user do P and why (explain), who
holds P (who-has), what two users can do apart (compare)."""

from __future__ import annotations

from erp_console.screens.flows import flow
from erp_console.screens.users.fields import check_permission, login_suggester, permission_field
from erp_console.services.access.present import explain_verdict
from erp_console.widgets.forms import Field, FormScreen, ResultScreen


class QuestionsPart:
    """Mixed into UsersScreen. Each answer is asked while its form is open, so an error is shown
    in the form with what was typed."""

    @flow
    async def action_explain(self) -> None:
        login = self._need_user()
        if login is None:
            return
        identity, codes = self.identity, self.permission_codes
        asked = await self.app.push_screen_wait(
            FormScreen(
                f"Can {login} do …?",
                [permission_field(codes, "FI.PAYMENT.APPROVE")],
                save_label="Explain",
                check=lambda values: check_permission(self.permission_codes, values),
                submit=lambda values: identity.explain(login, values["permission"]),
            )
        )
        if asked is None:
            return
        result = asked.result
        reasons = "\n".join(f"• {r}" for r in result.reasons)
        self.app.push_screen(ResultScreen("Explain", f"{explain_verdict(result)}\n\n{reasons}"))

    @flow
    async def action_who_has(self) -> None:
        identity, codes = self.identity, self.permission_codes
        asked = await self.app.push_screen_wait(
            FormScreen(
                "Who has permission …?",
                [permission_field(codes, "FI.PERIOD.CLOSE")],
                save_label="Search",
                check=lambda values: check_permission(self.permission_codes, values),
                submit=lambda values: identity.who_has(values["permission"]),
            )
        )
        if asked is None:
            return
        holders = asked.result
        body = (
            "\n".join(
                f"{h.login:<16} {h.department or '-':<8} via {', '.join(h.roles)}" for h in holders
            )
            or "Nobody active holds it now."
        )
        self.app.push_screen(
            ResultScreen(f"{asked.values['permission']}: {len(holders)} active holder(s)", body)
        )

    @flow
    async def action_compare_users(self) -> None:
        from erp_console.screens.roles import comparison_text

        identity = self.identity
        asked = await self.app.push_screen_wait(
            FormScreen(
                "Compare effective permissions",
                [
                    Field("a", "First user", value=self.current_login or "", required=True),
                    Field(
                        "b",
                        "Second user",
                        required=True,
                        placeholder="login",
                        suggester=login_suggester(identity),
                    ),
                ],
                save_label="Compare",
                submit=lambda values: identity.compare_users(values["a"], values["b"]),
            )
        )
        if asked is None:
            return
        cmp = asked.result
        self.app.push_screen(ResultScreen(f"{cmp.a} vs {cmp.b}", comparison_text(cmp)))

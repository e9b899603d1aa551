"""Add a user, or edit the highlighted one: one form that writes, open until the service takes it."""

from __future__ import annotations

from erp_console.screens.flows import flow
from erp_console.screens.users.fields import check_dates, date_or_none
from erp_console.widgets.forms import Field, FormScreen, collect_problems


class UserFormPart:
    """Mixed into UsersScreen."""

    @flow
    async def action_add_user(self) -> None:
        identity, actor = self.identity, self.operator

        def add(values: dict[str, str]) -> str:
            """Runs in the form's thread: the form stays open with the service's error."""
            identity.add_user(
                actor=actor,
                login=values["login"],
                full_name=values["full_name"],
                email=values["email"] or None,
                department=values["department"] or None,
                valid_from=date_or_none(values["valid_from"]),
                valid_to=date_or_none(values["valid_to"]),
                reason=values["reason"] or None,
            )
            return f"User {values['login']} added."

        fields = [
            Field("login", "Login", required=True, placeholder="3-64 letters, digits . _ -"),
            Field("full_name", "Full name", required=True),
            Field("email", "E-mail"),
            Field("department", "Department", placeholder="code, e.g. FIN-AP"),
            Field("valid_from", "Valid from", placeholder="YYYY-MM-DD"),
            Field("valid_to", "Valid to", placeholder="YYYY-MM-DD"),
            Field("reason", "Reason", required=True, placeholder="ticket or request"),
        ]
        saved = await self.app.push_screen_wait(
            FormScreen("Add user", fields, check=self._check_user, submit=add)
        )
        if saved is not None:
            self._after_change(saved.result)

    @flow
    async def action_edit_user(self) -> None:
        if self._need_user() is None or self.panel is None:
            return
        identity, actor, u = self.identity, self.operator, self.panel.user

        def edit(values: dict[str, str]) -> str:
            """Runs in the form's thread: the form stays open with the service's error."""
            identity.edit_user(
                u.login,
                actor=actor,
                expected_version=u.version,
                full_name=values["full_name"],
                email=values["email"],
                department=values["department"],
                valid_from=date_or_none(values["valid_from"]),
                valid_to=date_or_none(values["valid_to"]),
                clear_valid_to=not values["valid_to"] and u.valid_to is not None,
                reason=values["reason"] or None,
            )
            return f"User {u.login} updated."

        fields = [
            Field("login_fixed", "Login", value=u.login, disabled=True),
            Field("full_name", "Full name", value=u.full_name, required=True),
            Field("email", "E-mail", value=u.email or ""),
            Field("department", "Department", value=u.department or ""),
            Field("valid_from", "Valid from", value=str(u.valid_from or "")),
            Field(
                "valid_to", "Valid to", value=str(u.valid_to or ""), placeholder="empty = no end"
            ),
            Field("reason", "Reason"),
        ]
        saved = await self.app.push_screen_wait(
            FormScreen(f"Edit {u.login}", fields, check=self._check_user, submit=edit)
        )
        if saved is not None:
            self._after_change(saved.result)

    def _check_user(self, values: dict[str, str]) -> dict[str, str]:
        """Every problem of the form at once, with the checks the service applies."""
        from erp_console.services.core.validation import check_email, check_login, check_period

        errors = check_dates(values)
        checks = {"email": lambda: check_email(values["email"])}
        if "login" in values and not values.get("login_fixed"):
            checks["login"] = lambda: check_login(values["login"])
        if not errors:
            checks["valid_to"] = lambda: check_period(
                date_or_none(values["valid_from"]), date_or_none(values["valid_to"])
            )
        errors.update(collect_problems(checks))
        dept = values.get("department")
        if dept and self.department_codes and dept not in self.department_codes:
            errors["department"] = f"no department '{dept}'"
        return errors

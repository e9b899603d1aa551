"""Pseudonyms for an anonymized snapshot: names, e-mails and free text of users are replaced,
logins keep their shape (letters stay letters, digits digits, `.`/`_`/`-` stay), ids and every
relation stay as they are. The mapping is keyed by a random secret that is never stored, so it
cannot be reversed from the snapshot."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from typing import Any

FIRST = ("Alex", "Sam", "Robin", "Kim", "Noa", "Eli", "Jo", "Mika", "Toni", "Lou", "Ari", "Pat")
LAST = ("Miller", "Stone", "Berg", "Lind", "Moreau", "Costa", "Novak", "Weber", "Horn", "Vogel")
TOKEN = re.compile(r"[\w.@+-]+", re.UNICODE)
REDACTED = "[redacted]"

# Columns holding a login of an ERP user (mapped to the same pseudonym as the user's login).
LOGIN_COLUMNS = {
    "user_role": ("granted_by",),
    "sod_exception": ("approved_by",),
    "system_log": ("user_login",),
    "incident": ("reporter",),
    "change_request": ("requested_by",),
    "process_version": ("created_by",),
    "process_review": ("reviewer",),
    "document": ("author",),
    "document_revision": ("author",),
    "stage_history": ("decided_by",),
    "maintenance_log": ("actor",),
    "log_ingest": ("ingested_by",),
}
# Free text that may name users: their logins, names and e-mails are replaced inside it.
TEXT_COLUMNS = {
    "system_log": ("message", "raw"),
    "maintenance_log": ("target_label", "before_json", "after_json", "reason"),
    "user_role": ("reason",),
    "sod_exception": ("reason",),
    "incident": ("description", "resolution", "title"),
    "document": ("body", "title"),
    "document_revision": ("body", "title"),
}


class Anonymizer:
    def __init__(self, users: list[tuple[int, str, str, str | None]]) -> None:
        """`users`: (id, login, full_name, email) of every ERP user."""
        self.key = secrets.token_bytes(32)
        self.logins: dict[str, str] = {}
        self.names: dict[int, str] = {}
        self.tokens: dict[str, str] = {}
        taken: set[str] = set()
        for user_id, login, full_name, email in users:
            pseudo = self._login(login, taken)
            taken.add(pseudo.lower())
            self.logins[login.lower()] = pseudo
            name = self._name(user_id)
            self.names[user_id] = name
            self.tokens[login.lower()] = pseudo
            if email:
                self.tokens[email.lower()] = f"{pseudo.lower()}@example.invalid"
            for word, fake in zip(
                full_name.split(), name.split() + name.split()[-1:] * 9, strict=False
            ):
                if len(word) > 2:
                    self.tokens.setdefault(word.lower(), fake)

    def _digest(self, text: str, salt: int = 0) -> bytes:
        return hmac.new(self.key, f"{salt}:{text}".encode(), hashlib.sha256).digest()

    def _login(self, login: str, taken: set[str]) -> str:
        for salt in range(1000):
            digest = self._digest(login.lower(), salt)
            out = []
            for i, ch in enumerate(login):
                b = digest[i % len(digest)] + i
                if ch.isdigit():
                    out.append(string.digits[b % 10])
                elif ch.isalpha():
                    letter = string.ascii_lowercase[b % 26]
                    out.append(letter.upper() if ch.isupper() else letter)
                else:
                    out.append(ch)
            pseudo = "".join(out)
            if pseudo.lower() not in taken:
                return pseudo
        raise RuntimeError("could not find a free pseudonym")  # pragma: no cover

    def _name(self, user_id: int) -> str:
        digest = self._digest(str(user_id))
        return f"{FIRST[digest[0] % len(FIRST)]} {LAST[digest[1] % len(LAST)]}"

    def login(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self.logins.get(value.lower(), value)

    def text(self, value: str | None) -> str | None:
        if not value:
            return value
        return TOKEN.sub(lambda m: self.tokens.get(m.group().lower(), m.group()), value)

    def row(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        if table == "erp_user":
            pseudo = self.logins.get(row["login"].lower(), row["login"])
            return {
                **row,
                "login": pseudo,
                "login_key": pseudo.lower(),
                "full_name": self.names.get(row["id"], "Anonymous"),
                "email": f"{pseudo.lower()}@example.invalid" if row.get("email") else None,
                "lock_reason": REDACTED if row.get("lock_reason") else None,
            }
        changed = dict(row)
        for column in LOGIN_COLUMNS.get(table, ()):
            changed[column] = self.login(changed.get(column))
        for column in TEXT_COLUMNS.get(table, ()):
            changed[column] = self.text(changed.get(column))
        return changed

"""Autocomplete fed by the database: the service call runs in a thread, never on the UI loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.suggester import Suggester


class ServiceSuggester(Suggester):
    """Suggests what `complete(prefix)` returns (→ accepts it, in the code's own case)."""

    def __init__(self, complete: Callable[[str], str | None], *, last_word: bool = False) -> None:
        super().__init__(use_cache=True, case_sensitive=True)
        self.complete = complete
        self.last_word = last_word  # a list of codes: complete the word being typed

    async def get_suggestion(self, value: str) -> str | None:
        head, word = "", value
        if self.last_word:
            cut = max(value.rfind(" "), value.rfind(","))
            head, word = value[: cut + 1], value[cut + 1 :]
        if not word.strip():
            return None
        try:
            found = await asyncio.to_thread(self.complete, word)
        except Exception:  # noqa: BLE001 - no suggestion is better than a broken field
            return None
        if found is None or not found.lower().startswith(word.lower()):
            return None
        return head + found

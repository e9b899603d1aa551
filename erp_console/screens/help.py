"""`?`: what this screen is for and every key it answers to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Markdown


def _key_table(screen: Screen) -> str:
    rows = []
    seen = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or (binding.action, binding.description) in seen:
            continue
        seen.add((binding.action, binding.description))
        display = binding.key_display or screen.app.get_key_display(binding)
        rows.append(f"| `{display}` | {binding.description} |")
    return "| Key | Action |\n|---|---|\n" + "\n".join(rows)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", id="help.close"),
    ]

    def __init__(self, for_screen: Screen) -> None:
        super().__init__(classes="help-screen")
        self.for_screen = for_screen

    def compose(self) -> ComposeResult:
        text = getattr(self.for_screen, "HELP", "") or ""
        with Vertical(id="help-dialog"):
            yield Label(f"Help · {self.for_screen.title or 'erp-console'}", id="help-title")
            yield Markdown(
                f"{text}\n\n## Keys\n\n{_key_table(self.for_screen)}\n\n"
                "`ctrl+p` opens the command palette with every action of this screen. "
                "Press `esc` to close this help."
            )

    def action_dismiss_help(self) -> None:
        self.dismiss(None)

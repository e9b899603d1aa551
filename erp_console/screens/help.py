"""`?`: what this screen is for and every key it answers to (read from its bindings)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Markdown

from erp_console.screens.key_table import key_rows
from erp_console.widgets.console_footer import ConsoleFooter


def key_table_markdown(screen: Screen) -> str:
    rows = key_rows(screen)
    lines = ["| Key | Action | Where |", "|---|---|---|"]
    lines += [f"| `{r.key}` | {r.description} | {r.where} |" for r in rows]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", id="help.close"),
        Binding("j", "scroll('down')", "Down", show=False),
        Binding("k", "scroll('up')", "Up", show=False),
    ]

    def __init__(self, for_screen: Screen) -> None:
        super().__init__(classes="help-screen")
        self.for_screen = for_screen

    def compose(self) -> ComposeResult:
        text = getattr(self.for_screen, "HELP", "") or ""
        with Vertical(id="help-dialog"):
            yield Label(
                f"Help · {self.for_screen.title or 'erp-console'} · ↑↓ PgUp PgDn scroll · esc closes",
                id="help-title",
            )
            with VerticalScroll(id="help-body"):
                yield Markdown(
                    f"{text}\n\n## Keys\n\n{key_table_markdown(self.for_screen)}\n\n"
                    "`ctrl+p` opens the command palette with every action of this screen. "
                    "Press `esc` to close this help."
                )
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        if direction == "down":
            body.scroll_down()
        else:
            body.scroll_up()

    def action_dismiss_help(self) -> None:
        self.dismiss(None)

"""The key help (``?``): every key of the screen underneath, those the footer has no room for included."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["KeyHelpScreen"]


class KeyHelpScreen(ModalScreen[None]):
    """A list of ``(key, what it does)``; Esc, ``?`` or ``q`` closes it."""

    BINDINGS = [
        Binding("escape,question_mark", "dismiss", "Close", key_display="esc"),
        Binding("q", "dismiss", "Close", show=False),
    ]
    DEFAULT_CSS = """
    KeyHelpScreen #key-help { width: 76; max-width: 95%; height: auto; max-height: 90%; }
    """

    def __init__(self, title: str, keys: Iterable[tuple[str, str]], note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.keys = list(keys)
        self.note = note

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, description in self.keys:
            table.add_row(key, description)
        with VerticalScroll(id="key-help", classes="dialog"):
            yield Static(Text(self.title_text, style="bold"))
            yield Static(table)
            if self.note:
                yield Static(Text(self.note), classes="hint")
            yield Static(Text("Esc, ? or q closes this help."), classes="hint")

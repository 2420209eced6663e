"""Bases of the TUI's screens and dialogs: a typed way to reach the app's state (store, policy, recheck)."""

from __future__ import annotations

from typing import Any, TypeVar

from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from .app import BackpackApp

__all__ = ["BackpackDialog", "BackpackScreen"]

ResultType = TypeVar("ResultType")


def _backpack_app(app: App[Any]) -> BackpackApp:
    if not isinstance(app, BackpackApp):
        raise TypeError(f"this screen runs inside the backpack app, not {type(app).__name__}")
    return app


class BackpackScreen(Screen[ResultType]):
    # First in every screen's footer, whatever its width: how to leave, and where every other key is listed. Bound on
    # the screen (the app binds q too) so that they come before the screen's own keys.
    BINDINGS = [
        Binding("q", "app.quit", "Quit"),
        Binding("question_mark", "app.key_help", "Help", key_display="?"),
    ]
    HELP_NOTE = ""
    """Said under the screen's keys in the key help."""

    @property
    def backpack_app(self) -> BackpackApp:
        """The running app, typed: its store, its fetch policy, its recheck."""
        return _backpack_app(self.app)


class BackpackDialog(ModalScreen[ResultType]):
    @property
    def backpack_app(self) -> BackpackApp:
        """The running app, typed: its store, its fetch policy, its recheck."""
        return _backpack_app(self.app)

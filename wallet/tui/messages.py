"""Messages the TUI's widgets and workers post: small dataclasses, handled where the state lives (the app)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

__all__ = ["BadgesChanged", "RecheckProgress"]


@dataclass
class BadgesChanged(Message):
    """The store changed (import, recheck, removal, collection edit): views reload what they show."""

    selected: str | None = None


@dataclass
class RecheckProgress(Message, bubble=False):
    done: int
    total: int
    badge_id: str | None = None

"""How each verification status is shown: one table for the web view, the TUI and the CLI.

A status is what ``verifier.Report.status`` says (``valid``, ``expired``, ``revoked``, ``invalid``,
``unverifiable``), or ``unchecked`` for a badge the wallet never verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["STATUSES", "STATUS_WORDS", "Status", "StatusWords", "words_for"]

Status = Literal["valid", "expired", "revoked", "invalid", "unverifiable", "unchecked"]
STATUSES: tuple[Status, ...] = get_args(Status)


@dataclass(frozen=True)
class StatusWords:
    status: str
    word: str
    """The label for people: "Verified", "Not valid"…"""
    symbol: str
    """The mark beside the label on web pages: drawn from fonts every system has (no emoji)."""
    icon: str
    """The mark in a terminal (CLI, TUI)."""
    colour: str | None
    """A terminal colour that both click and Rich know, or None for plain text."""
    sentence: str
    """What the status means for "this {what}" (a badge, a portfolio), on the verify page."""

    @property
    def style(self) -> str:
        """The Rich style of the status in the TUI: its colour, or dimmed when it has none."""
        return self.colour or "dim"


STATUS_WORDS: dict[str, StatusWords] = {
    words.status: words
    for words in (
        StatusWords(
            "valid",
            "Verified",
            "✔",
            "✔",
            "green",
            "Every check passed: the {what} is authentic, unchanged, and neither expired nor revoked.",
        ),
        # A clock face on the web: DejaVu has it; "⌛" needs an emoji font many systems lack.
        StatusWords("expired", "Expired", "◷", "⌛", "yellow", "The {what} has expired."),
        StatusWords("revoked", "Revoked", "⊘", "⊘", "red", "The issuer has revoked this {what}."),
        StatusWords(
            "invalid", "Not valid", "✘", "✘", "red", "This {what} did not pass verification: do not rely on it."
        ),
        StatusWords(
            "unverifiable", "Could not verify", "?", "?", "yellow", "This {what} could not be fully checked right now."
        ),
        StatusWords("unchecked", "Not checked yet", "…", "·", None, "This {what} has not been checked yet."),
    )
}


def words_for(status: str) -> StatusWords:
    """The words of ``status``; a status this table does not know (a newer report) shows as itself, marked ``?``."""
    return STATUS_WORDS.get(status) or StatusWords(status, status, "?", "?", "red", "")

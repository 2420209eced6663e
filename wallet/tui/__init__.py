"""The terminal UI: the owner's backpack — browse, import, verify, organise, export and share from the terminal."""

from __future__ import annotations

from .app import BackpackApp, make_app

__all__ = ["BackpackApp", "make_app"]

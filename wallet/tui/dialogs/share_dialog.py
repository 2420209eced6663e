"""A share link or a published page: its URL, a QR code drawn in the terminal, and a way to revoke a share at once."""

from __future__ import annotations

import segno
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from ... import shares
from ...errors import WalletError
from ..base import BackpackDialog

__all__ = ["ShareDialog", "qr_text"]

_QR_STYLE = Style(color="#000000", bgcolor="#ffffff")
_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
_QUIET_ZONE = 2


def qr_text(data: str) -> Text:
    """``data`` as a QR code (error correction M) in half blocks: two modules a cell, black on white in any theme."""
    qr = segno.make_qr(data, error="m")
    size = len(qr.matrix)
    width = size + 2 * _QUIET_ZONE

    def dark(x: int, y: int) -> bool:
        x, y = x - _QUIET_ZONE, y - _QUIET_ZONE
        return 0 <= x < size and 0 <= y < size and bool(qr.matrix[y][x])

    lines = []
    for y in range(0, width, 2):
        lines.append("".join(_BLOCKS[dark(x, y), dark(x, y + 1)] for x in range(width)))
    return Text("\n".join(lines), style=_QR_STYLE, no_wrap=True, overflow="crop")


class ShareDialog(BackpackDialog[None]):
    """Shows ``url`` and its QR code; Unshare revokes the share ``token`` (when given) and closes. ``title`` replaces
    "Shared: label" (a page published to a share host says so)."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("u", "unshare", "Unshare"),
    ]

    def __init__(self, url: str, *, token: str | None = None, label: str = "", title: str | None = None) -> None:
        super().__init__()
        self.url, self.token, self.label = url, token, label
        self.heading = title or (f"Shared: {label}" if label else "Share link")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="share-dialog"):
            yield Label(self.heading, id="share-title", markup=False)
            yield Static(self.url, id="share-url", markup=False)
            yield Static(qr_text(self.url), id="share-qr", markup=False)
            if self.url.startswith(shares.DEFAULT_PUBLIC_URL + "/"):
                yield Static(
                    "This link works while `backpack serve` runs here: set the public URL (BACKPACK_PUBLIC_URL or "
                    "settings) once the web view is deployed.",
                    id="share-note",
                    classes="hint",
                    markup=False,
                )
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")
                if self.token:
                    yield Button("Unshare", id="unshare", variant="error")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "unshare":
            self.action_unshare()
        else:
            self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_unshare(self) -> None:
        if not self.token:
            return
        try:
            shares.revoke_share(self.backpack_app.store, self.token)
        except WalletError as exc:
            self.notify(f"Not unshared: {exc}", severity="error", markup=False)
            return
        self.notify(f"Unshared {self.label or self.url}: the link no longer works", markup=False)
        self.dismiss(None)

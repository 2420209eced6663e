"""A badge's picture drawn with half-block characters (two pixels per cell), so it shows in any colour terminal."""

from __future__ import annotations

import io

from PIL import Image
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

__all__ = ["BadgeImage", "render_half_blocks"]


def render_half_blocks(data: bytes | None, *, width: int = 24) -> Text:
    """The image as rows of '▀' whose foreground is the upper pixel and background the lower one."""
    if not data:
        return Text("(no picture)", style="dim")
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.draft("RGB", (width * 4, width * 4))
            image = source.convert("RGBA")
    except Exception:  # noqa: BLE001 - SVG or an unreadable image: no picture, not an error
        return Text("(picture not shown: SVG)", style="dim")
    image.thumbnail((width, width * 2))
    background = Image.new("RGBA", image.size, (0, 0, 0, 0))
    image = Image.alpha_composite(background, image)
    pixels = image.load()
    assert pixels is not None
    text = Text()
    for y in range(0, image.height - 1, 2):
        for x in range(image.width):
            top, bottom = _colour(pixels[x, y]), _colour(pixels[x, y + 1])
            # A transparent half must show the background: never draw it with the '▀' glyph's foreground colour
            # (the terminal's default foreground would paint stripes around a round badge).
            if top is None and bottom is None:
                text.append(" ")
            elif top is None:
                text.append("▄", Style(color=bottom))
            else:
                text.append("▀", Style(color=top, bgcolor=bottom))
        text.append("\n")
    return text


def _colour(pixel: float | tuple[int, ...]) -> str | None:
    """The pixel's colour, or None when it is (mostly) transparent (an RGBA image: never a single band)."""
    if not isinstance(pixel, tuple):
        return None
    return f"rgb({pixel[0]},{pixel[1]},{pixel[2]})" if pixel[3] > 64 else None


class BadgeImage(Static):
    DEFAULT_CSS = """
    BadgeImage { width: auto; height: auto; }
    """

    def show(self, data: bytes | None) -> None:
        self.update(render_half_blocks(data))

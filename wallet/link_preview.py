"""The picture a share link shows when it is pasted into LinkedIn, a chat or a social network (``og:image``).

Link previews are 1200×630 (1.91:1): smaller pictures are shown as a thumbnail, or not at all. The preview is drawn
from what the share page itself shows publicly: the title, the holder's display name, the badges' pictures (never a
photo of a printed card) and the status words of the page, so a preview never says more than the page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

# The card drawing helpers: one set of fonts and one picture rule for cards, baked images and previews.
from .exporting import _badge_picture, _font, _wrap
from .store import BadgeRecord, Store

__all__ = ["PREVIEW_SIZE", "link_preview_png"]

PREVIEW_SIZE = (1200, 630)
_BACKGROUND = (247, 247, 244)
_INK = (29, 31, 36)
_MUTED = (91, 96, 112)
_ACCENT = (31, 95, 191)
_MAX_PICTURES = 3


def link_preview_png(
    store: Store, records: Sequence[BadgeRecord], *, title: str, holder_name: str = "", summary: str = ""
) -> bytes:
    """A 1200×630 PNG for a share page: up to three badge pictures, the page's title, whose page it is, ``summary``
    (the page's status words) and the project's name."""
    width, height = PREVIEW_SIZE
    image = Image.new("RGB", PREVIEW_SIZE, _BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 14), fill=_ACCENT)

    pictures = [_badge_picture(store, record) for record in list(records)[:_MAX_PICTURES]]
    left = 64
    if pictures:
        # One large picture, or a fan of up to three: the column is 420 px wide either way.
        size = 360 if len(pictures) == 1 else 260
        step = 0 if len(pictures) == 1 else (420 - size) // (len(pictures) - 1)
        top = (height - size) // 2
        for index, picture in enumerate(reversed(pictures)):
            picture.thumbnail((size, size))
            x = left + (len(pictures) - 1 - index) * step + (size - picture.width) // 2
            y = top + (len(pictures) - 1 - index) * 16 + (size - picture.height) // 2
            image.paste(picture, (x, y), picture if picture.mode == "RGBA" else None)
        text_left = left + 420 + 48
    else:
        text_left = left
    text_width = width - text_left - 64

    title_font = _font(60, bold=True)
    lines = _wrap(draw, title or "Open Badges", title_font, text_width, 3)
    name_lines = _wrap(draw, f"A portfolio of {holder_name}", _font(36), text_width, 2) if holder_name else []
    summary_lines = _wrap(draw, summary, _font(30), text_width, 2) if summary else []
    block = len(lines) * 72 + (16 + len(name_lines) * 46 if name_lines else 0) + (20 + len(summary_lines) * 40)
    y = max(60, (height - block) // 2 - 20)
    for line in lines:
        draw.text((text_left, y), line, fill=_INK, font=title_font)
        y += 72
    if name_lines:
        y += 16
        for line in name_lines:
            draw.text((text_left, y), line, fill=_INK, font=_font(36))
            y += 46
    if summary_lines:
        y += 20
        for line in summary_lines:
            draw.text((text_left, y), line, fill=_MUTED, font=_font(30))
            y += 40
    draw.text((64, height - 64), "Open Badges · verified with their issuers", fill=_MUTED, font=_font(26))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()

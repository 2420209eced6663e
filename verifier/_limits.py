"""Size limits applied to untrusted input. One place, so the CLI, the web view and the docs agree."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits", "DEFAULT_LIMITS"]

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * MB
    """Largest file (image, JSON, bundle) accepted at all."""
    max_text_bytes: int = 2 * MB
    """Largest badge payload text, after decompression of a PNG text chunk."""
    max_image_pixels: int | None = None
    """Pixel limit for decoding rasters (QR scanning); None means Pillow's decompression-bomb limit."""
    max_qr_side: int = 2000
    """Photos are scaled down to this many pixels on their longest side before QR scanning."""


DEFAULT_LIMITS = Limits()

"""Size limits applied to untrusted input. One place, so the CLI, the web view and the docs agree."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits", "DEFAULT_LIMITS", "describe_size"]

MB = 1024 * 1024


def describe_size(size: int) -> str:
    """A byte count for people: "20 MB", "512 KB", "300 bytes"."""
    if size >= MB and size % MB == 0:
        return f"{size // MB} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB" if size < MB else f"{size / MB:.1f} MB"
    return f"{size} bytes"


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * MB
    """Largest file (image, JSON, bundle) accepted at all."""
    max_text_bytes: int = 8 * MB
    """Largest badge payload text, after decompression of a PNG text chunk. Real credentials reach a few MB (a
    Blockcerts certificate with its image inline, an OB 3.0 credential with embedded evidence)."""
    max_image_pixels: int | None = None
    """Pixel limit for decoding rasters (QR scanning); None means Pillow's decompression-bomb limit."""
    max_qr_side: int = 2000
    """Photos are scaled down to this many pixels on their longest side before QR scanning."""
    max_decoded_bytes: int = 64 * MB
    """Most memory the pixels of one raster may take once decoded (a JPEG after its reduced-scale decoding). A PNG
    with a huge empty canvas compresses to a few KB: its header's size, not the file's, says what it would cost."""


DEFAULT_LIMITS = Limits()

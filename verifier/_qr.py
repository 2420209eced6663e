"""QR codes in raster images (a phone photo of a printed badge card, a screenshot, a PNG with no baked chunk)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ._errors import ExtractionError, InputTooLarge, MalformedInput, UnsafeInput
from ._limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["decode_raster", "scan_qr_codes", "RASTER_SIGNATURES", "looks_like_raster"]

RASTER_SIGNATURES = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",  # TIFF little-endian
    b"MM\x00*",  # TIFF big-endian
)


def looks_like_raster(data: bytes) -> bool:
    if data.startswith(RASTER_SIGNATURES):
        return True
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def decode_raster(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Image.Image:
    """Decode an image from untrusted bytes, refusing decompression bombs instead of warning about them."""
    # Pillow is loaded only for an image to decode: a JSON, JWS or URL badge never pays for it.
    from PIL import Image, UnidentifiedImageError

    max_pixels = limits.max_image_pixels or Image.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's warnings about hostile files (corrupt EXIF…) are noise here
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if max_pixels is not None and width * height > max_pixels:
                raise InputTooLarge(f"image refused: {width}×{height} pixels is over the {max_pixels:,}-pixel limit")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsafeInput(f"image refused as a decompression bomb: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise MalformedInput("not a readable image") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise MalformedInput(f"corrupt or truncated image: {exc}") from exc
    return image


def _variants(gray: Image.Image, limits: Limits) -> Iterator[Image.Image]:
    from PIL import Image, ImageOps

    longest = max(gray.size)
    if longest > limits.max_qr_side:
        gray = gray.copy()
        gray.thumbnail((limits.max_qr_side, limits.max_qr_side))
    yield gray
    contrasted = ImageOps.autocontrast(gray, cutoff=2)
    yield contrasted
    for factor in (0.5, 2.0):
        size = (max(int(gray.width * factor), 1), max(int(gray.height * factor), 1))
        if max(size) <= 2 * limits.max_qr_side and min(size) >= 64:
            yield contrasted.resize(size, Image.Resampling.LANCZOS)
    yield contrasted.point(lambda value: 255 if value > 128 else 0)
    for angle in (15, -15, 30, -30, 45):
        yield contrasted.rotate(angle, expand=True, fillcolor=255)


def scan_qr_codes(image: Image.Image, *, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Texts of the QR codes found, trying a few preprocessing passes until one finds something."""
    try:
        from pyzbar import pyzbar
    except ImportError as exc:  # pragma: no cover - depends on the system library
        raise ExtractionError("QR scanning needs the zbar library: install it with 'apt-get install libzbar0'") from exc
    if image.mode in ("RGBA", "LA", "P"):
        from PIL import Image

        background = Image.new("RGB", image.size, "white")
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = background
    gray = image.convert("L")
    for variant in _variants(gray, limits):
        results = pyzbar.decode(variant, symbols=[pyzbar.ZBarSymbol.QRCODE])
        texts: list[str] = []
        for result in results:
            try:
                text = result.data.decode("utf-8")
            except UnicodeDecodeError:
                text = result.data.decode("latin-1")
            if text not in texts:
                texts.append(text)
        if texts:
            return texts
    return []

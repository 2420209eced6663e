"""QR codes in raster images (a phone photo of a printed badge card, a screenshot, a PNG with no baked chunk)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ._errors import ExtractionError, InputTooLarge, MalformedInput, UnsafeInput
from ._limits import DEFAULT_LIMITS, Limits, describe_size

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["decode_for_scanning", "decode_raster", "scan_qr_codes", "RASTER_SIGNATURES", "looks_like_raster"]

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


def _bytes_per_pixel(mode: str) -> int:
    """What Pillow keeps in memory for one pixel of ``mode`` (multi-band modes are stored 32 bits a pixel)."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _open(data: bytes, limits: Limits) -> Image.Image:
    """Read an image's header (its size and mode, no pixels), refusing decompression bombs."""
    from PIL import Image

    max_pixels = limits.max_image_pixels or Image.MAX_IMAGE_PIXELS
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    if max_pixels is not None and width * height > max_pixels:
        raise InputTooLarge(f"image refused: {width}×{height} pixels is over the {max_pixels:,}-pixel limit")
    return image


def _check_memory(image: Image.Image, limits: Limits, *, converted: bool = False) -> None:
    """Refuse an image whose decoded pixels (plus, with ``converted``, a full-size conversion) would not fit in
    ``limits.max_decoded_bytes``: a PNG with a huge empty canvas compresses to a few KB and decodes to a GB."""
    width, height = image.size
    cost = width * height * (_bytes_per_pixel(image.mode) + (4 if converted else 0))
    if cost > limits.max_decoded_bytes:
        raise InputTooLarge(
            f"image refused: decoding its {width}×{height} pixels would take {describe_size(cost)} of memory,"
            f" over the {describe_size(limits.max_decoded_bytes)} limit"
        )


def _guarded(action: Callable[[], Image.Image]) -> Image.Image:
    """Run a decoding step on untrusted bytes, turning Pillow's complaints into the verifier's own errors."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's warnings about hostile files (corrupt EXIF…) are noise here
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return action()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsafeInput(f"image refused as a decompression bomb: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise MalformedInput("not a readable image") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise MalformedInput(f"corrupt or truncated image: {exc}") from exc


def decode_raster(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Image.Image:
    """Decode an image from untrusted bytes, refusing decompression bombs instead of warning about them, and images
    whose pixels would take more memory than ``limits.max_decoded_bytes``."""

    def decode() -> Image.Image:
        image = _open(data, limits)
        _check_memory(image, limits)
        image.load()
        return image

    return _guarded(decode)


def _scan_size(size: tuple[int, int], side: int) -> tuple[int, int]:
    """``size`` scaled down (never up) so that its longest side is at most ``side``."""
    width, height = size
    scale = min(1.0, side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode_for_scanning(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Image.Image:
    """A grayscale image, transparency flattened onto white, at most ``limits.max_qr_side`` pixels on its longest
    side (a little more when only a coarser reduction was possible), for QR scanning.

    The image is made small before any conversion, and its full size is never converted: a JPEG is decoded at a
    reduced scale straight to grayscale (``draft``), other formats are decoded once and reduced by an integer
    factor in their own mode. So one upload costs at most ``limits.max_decoded_bytes`` of pixels, whatever its
    canvas, and the larger ones are refused before decoding."""

    def decode() -> Image.Image:
        image = _open(data, limits)
        if image.format == "JPEG":
            # Reduced-size DCT decoding: a 9000×9000 JPEG is read at 1/4 scale, in luminance only.
            image.draft("L", _scan_size(image.size, limits.max_qr_side))
        reducible = image.mode in _REDUCIBLE_MODES
        _check_memory(image, limits, converted=not reducible)
        image.load()
        if not reducible:
            image = image.convert("RGBA" if _has_alpha(image) else "L")
        factor = max(1, max(image.size) // limits.max_qr_side)
        if factor > 1:
            image = image.reduce(factor)
        return _flatten(image)

    return _guarded(decode)


# Modes Image.reduce() accepts ("1", "P" and 16-bit grayscale it does not).
_REDUCIBLE_MODES = frozenset({"L", "LA", "PA", "RGB", "RGBA", "I", "F", "CMYK", "YCbCr"})


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _flatten(image: Image.Image) -> Image.Image:
    """Grayscale, with transparent areas white (a QR code drawn on a transparent background reads as printed)."""
    from PIL import Image

    if not _has_alpha(image):
        return image if image.mode == "L" else image.convert("L")
    rgba = image.convert("RGBA")
    flat = Image.new("L", image.size, 255)
    flat.paste(rgba.convert("L"), mask=rgba.getchannel("A"))
    return flat


_QUICK_SIDE = 320


def _variants(gray: Image.Image, limits: Limits) -> Iterator[Image.Image]:
    from PIL import Image, ImageOps

    longest = max(gray.size)
    if longest > limits.max_qr_side:
        gray = gray.copy()
        gray.thumbnail((limits.max_qr_side, limits.max_qr_side))
    # A first look at a small copy: zbar's cost grows with the pixels, and a code filling a good part of a photo
    # still has modules a few pixels wide there. Codes it misses (small in a large photo) are found at full size.
    quick = round(max(gray.size) / _QUICK_SIDE)
    if quick >= 2:
        yield gray.reduce(quick)
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
    gray = image if image.mode == "L" else _flatten(image)
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

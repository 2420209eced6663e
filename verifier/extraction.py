"""Finding a badge in bytes and text: baked PNG and SVG images, QR codes in photos, JSON, JWS and URLs; and baking."""

from __future__ import annotations

from ._extract import Extraction, FoundPayload, bake, extract
from ._limits import DEFAULT_LIMITS, Limits, describe_size
from ._payload import BadgeVersion, Payload, classify_payload
from ._qr import decode_raster, scan_qr_codes

__all__ = [
    "DEFAULT_LIMITS",
    "BadgeVersion",
    "Extraction",
    "FoundPayload",
    "Limits",
    "Payload",
    "bake",
    "classify_payload",
    "decode_raster",
    "describe_size",
    "extract",
    "scan_qr_codes",
]

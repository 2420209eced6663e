"""Finding a badge in bytes and text: baked PNG and SVG images, QR codes in photos, JSON, JWS and URLs; and baking.

``parse_json`` is the one way to parse JSON from outside (an upload, a request body, a share host's answer): it refuses
nesting deeper than ``MAX_JSON_DEPTH`` with ``JSONTooDeep``, which is both an ``InputTooLarge`` and a ``ValueError``."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._errors import JSONTooDeep
from ._json import MAX_JSON_DEPTH, parse_json
from ._limits import DEFAULT_LIMITS, Limits, describe_size
from ._payload import BadgeVersion, Payload, classify_payload

if TYPE_CHECKING:
    from ._extract import Extraction, FoundPayload, bake, extract
    from ._qr import decode_raster, scan_qr_codes

# The image readers (Pillow, the SVG parser) load on first use: reading limits or classifying text never pays for them.
_LAZY = {
    **dict.fromkeys(("Extraction", "FoundPayload", "bake", "extract"), "._extract"),
    **dict.fromkeys(("decode_raster", "scan_qr_codes"), "._qr"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __package__), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_LIMITS",
    "MAX_JSON_DEPTH",
    "BadgeVersion",
    "Extraction",
    "FoundPayload",
    "JSONTooDeep",
    "Limits",
    "Payload",
    "bake",
    "classify_payload",
    "decode_raster",
    "describe_size",
    "extract",
    "parse_json",
    "scan_qr_codes",
]

"""The little of CBOR (RFC 8949) that ``ecdsa-sd-2023`` proof values use: unsigned integers, byte strings, arrays and
maps, definite lengths only, no tags (the suite forbids them), no floats or text. Anything else is refused, so a
proof value has exactly one reading."""

from __future__ import annotations

from typing import Any

__all__ = ["CborError", "decode", "encode"]

_MAX_ITEMS = 1 << 16
"""Far above any real proof (one signature per disclosed statement); keeps a hostile length from allocating."""


class CborError(ValueError):
    """Bytes that are not the subset of CBOR read here."""


def _head(data: bytes, at: int) -> tuple[int, int, int]:
    """(major type, argument, next offset) of the item head at ``at``; only shortest-form arguments are accepted."""
    if at >= len(data):
        raise CborError("truncated CBOR")
    first = data[at]
    major, info = first >> 5, first & 0x1F
    if info < 24:
        return major, info, at + 1
    if info > 27:
        raise CborError("indefinite-length or reserved CBOR item")
    size = 1 << (info - 24)
    if at + 1 + size > len(data):
        raise CborError("truncated CBOR")
    value = int.from_bytes(data[at + 1 : at + 1 + size], "big")
    if value < (24 if size == 1 else 1 << (4 * size)):
        raise CborError("CBOR integer not in its shortest form")
    return major, value, at + 1 + size


def _item(data: bytes, at: int, depth: int) -> tuple[Any, int]:
    if depth > 4:
        raise CborError("CBOR nested too deeply")
    major, value, at = _head(data, at)
    if major == 0:
        return value, at
    if major == 2:
        if at + value > len(data):
            raise CborError("truncated CBOR byte string")
        return data[at : at + value], at + value
    if major in (4, 5):
        if value > _MAX_ITEMS:
            raise CborError("CBOR array or map too long")
        if major == 4:
            items = []
            for _ in range(value):
                item, at = _item(data, at, depth + 1)
                items.append(item)
            return items, at
        mapping: dict[Any, Any] = {}
        for _ in range(value):
            key, at = _item(data, at, depth + 1)
            if not isinstance(key, int) or key in mapping:
                raise CborError("CBOR map keys must be distinct integers")
            mapping[key], at = _item(data, at, depth + 1)
        return mapping, at
    names = {1: "negative integer", 3: "text string", 6: "tag", 7: "float or simple value"}
    raise CborError(f"unexpected CBOR {names[major]}")


def decode(data: bytes) -> Any:
    value, end = _item(data, 0, 0)
    if end != len(data):
        raise CborError("trailing bytes after the CBOR item")
    return value


def _encode_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise CborError("integer too large for CBOR")


def encode(value: Any) -> bytes:
    """The inverse of ``decode`` (for test signers and the wallet's own documents)."""
    if isinstance(value, bool) or (isinstance(value, int) and value < 0):
        raise CborError("only unsigned integers are encoded")
    if isinstance(value, int):
        return _encode_head(0, value)
    if isinstance(value, bytes):
        return _encode_head(2, len(value)) + value
    if isinstance(value, list):
        return _encode_head(4, len(value)) + b"".join(encode(item) for item in value)
    if isinstance(value, dict):
        return _encode_head(5, len(value)) + b"".join(encode(k) + encode(v) for k, v in sorted(value.items()))
    raise CborError(f"cannot encode {type(value).__name__}")

"""Open Badges in PNG text chunks (Baking Specification 1.0 for OB 2.0; OB 3.0 "Baked Badge").

OB 1.x/2.0 bake into an ``iTXt`` chunk with keyword ``openbadges``; OB 3.0 uses keyword ``openbadgecredential``.
Pre-2013 bakers used ``tEXt``. We read every text chunk type (tEXt, zTXt, iTXt), compressed or not, straight from the
chunk stream: pixels are never decoded here.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from .._errors import InputTooLarge, MalformedInput
from .._limits import DEFAULT_LIMITS, Limits, describe_size

__all__ = ["PNG_SIGNATURE", "BADGE_KEYWORDS", "TextChunk", "read_badge_chunks", "bake_png", "is_png"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB2_KEYWORD = "openbadges"
OB3_KEYWORD = "openbadgecredential"
CLR_KEYWORD = "clrcredential"
BADGE_KEYWORDS = (OB3_KEYWORD, OB2_KEYWORD, CLR_KEYWORD)
_TEXT_TYPES = (b"tEXt", b"zTXt", b"iTXt")
_MAX_CHUNK_LENGTH = 2**31 - 1  # PNG spec limit


@dataclass(frozen=True)
class TextChunk:
    chunk_type: str
    keyword: str
    text: str
    compressed: bool


@dataclass(frozen=True)
class _RawChunk:
    chunk_type: bytes
    data: bytes
    start: int
    end: int


def is_png(data: bytes) -> bool:
    return data.startswith(PNG_SIGNATURE)


def _iter_chunks(data: bytes) -> Iterator[_RawChunk]:
    if not is_png(data):
        raise MalformedInput("not a PNG file (bad signature)")
    pos = len(PNG_SIGNATURE)
    seen_ihdr = False
    while True:
        if pos + 8 > len(data):
            raise MalformedInput("truncated PNG: the file ends before the IEND chunk")
        length, chunk_type = struct.unpack(">I4s", data[pos : pos + 8])
        if length > _MAX_CHUNK_LENGTH or pos + 12 + length > len(data):
            raise MalformedInput(
                f"truncated or corrupt PNG: chunk {chunk_type!r} at byte {pos} declares {length} bytes, "
                f"only {max(len(data) - pos - 12, 0)} remain"
            )
        if not chunk_type.isalpha():
            raise MalformedInput(f"corrupt PNG: invalid chunk type {chunk_type!r} at byte {pos}")
        if not seen_ihdr and chunk_type != b"IHDR":
            raise MalformedInput("corrupt PNG: the first chunk is not IHDR")
        seen_ihdr = True
        end = pos + 12 + length
        yield _RawChunk(chunk_type, data[pos + 8 : pos + 8 + length], pos, end)
        if chunk_type == b"IEND":
            return
        pos = end


def _crc_ok(raw: bytes, chunk: _RawChunk) -> bool:
    stored: int = struct.unpack(">I", raw[chunk.end - 4 : chunk.end])[0]
    return zlib.crc32(chunk.chunk_type + chunk.data) & 0xFFFFFFFF == stored


def _inflate(data: bytes, limits: Limits) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limits.max_text_bytes + 1)
    except zlib.error as exc:
        raise MalformedInput(f"corrupt compressed PNG text chunk: {exc}") from exc
    if len(out) > limits.max_text_bytes or inflater.unconsumed_tail:
        raise InputTooLarge(f"a compressed PNG text chunk expands beyond {describe_size(limits.max_text_bytes)}")
    return out


def _parse_text_chunk(chunk: _RawChunk, limits: Limits) -> TextChunk | None:
    keyword_bytes, sep, rest = chunk.data.partition(b"\x00")
    if not sep:
        return None
    keyword = keyword_bytes.decode("latin-1")
    if keyword not in BADGE_KEYWORDS:
        return None
    kind = chunk.chunk_type.decode("ascii")
    compressed = False
    if kind == "tEXt":
        body, encoding = rest, "latin-1"
    elif kind == "zTXt":
        if not rest or rest[0] != 0:
            raise MalformedInput("corrupt PNG zTXt chunk: unknown compression method")
        body, encoding, compressed = _inflate(rest[1:], limits), "latin-1", True
    else:
        if len(rest) < 2:
            raise MalformedInput("corrupt PNG iTXt chunk: missing compression fields")
        flag, method = rest[0], rest[1]
        fields = rest[2:].split(b"\x00", 2)
        if len(fields) != 3:
            raise MalformedInput("corrupt PNG iTXt chunk: missing language tag or translated keyword")
        body = fields[2]
        if flag == 1:
            if method != 0:
                raise MalformedInput("corrupt PNG iTXt chunk: unknown compression method")
            body, compressed = _inflate(body, limits), True
        elif flag != 0:
            raise MalformedInput("corrupt PNG iTXt chunk: invalid compression flag")
        encoding = "utf-8"
    if len(body) > limits.max_text_bytes:
        raise InputTooLarge(f"a PNG text chunk holds more than {describe_size(limits.max_text_bytes)}")
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise MalformedInput(f"PNG {kind} chunk '{keyword}' is not valid {encoding}") from exc
    return TextChunk(kind, keyword, text, compressed)


def read_badge_chunks(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> list[TextChunk]:
    """Every text chunk with an Open Badges keyword, in file order. Validates the whole chunk stream."""
    found: list[TextChunk] = []
    for chunk in _iter_chunks(data):
        if chunk.chunk_type in _TEXT_TYPES:
            parsed = _parse_text_chunk(chunk, limits)
            if parsed is not None:
                if not _crc_ok(data, chunk):
                    raise MalformedInput(f"corrupt PNG: CRC mismatch in the '{parsed.keyword}' chunk")
                found.append(parsed)
    return found


def _make_chunk(chunk_type: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(chunk_type + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", crc)


def bake_png(data: bytes, payload: str, *, keyword: str) -> bytes:
    """Return ``data`` with ``payload`` baked in an uncompressed iTXt chunk right after IHDR.

    Every existing Open Badges chunk (any keyword, any text chunk type) is removed first, so an image never carries
    two badges; all other bytes are kept as they were.
    """
    if keyword not in BADGE_KEYWORDS:
        raise ValueError(f"not an Open Badges PNG keyword: {keyword!r}")
    out = bytearray(PNG_SIGNATURE)
    for chunk in _iter_chunks(data):
        raw = data[chunk.start : chunk.end]
        if chunk.chunk_type in _TEXT_TYPES:
            keyword_bytes = chunk.data.partition(b"\x00")[0]
            if keyword_bytes.decode("latin-1") in BADGE_KEYWORDS:
                continue
        out += raw
        if chunk.chunk_type == b"IHDR":
            out += _make_chunk(b"iTXt", keyword.encode("latin-1") + b"\x00\x00\x00\x00\x00" + payload.encode())
    return bytes(out)

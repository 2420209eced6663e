"""Builders for the verifier tests: PNG chunks by hand, base images, badge payloads, signed JWS, QR "photos".

Everything here is generated in memory; nothing reads outside ``tests/``.
"""

from __future__ import annotations

import base64
import io
import json
import random
import re
import struct
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from joserfc import jws
from joserfc.jwk import ECKey, RSAKey
from PIL import Image, ImageDraw, ImageFilter
from PIL.PngImagePlugin import PngInfo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
VECTORS = FIXTURES / "vectors"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BADGE_KEYWORDS = (b"openbadges", b"openbadgecredential", b"clrcredential")
OB2_NAMESPACE = "http://openbadges.org"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"

# --------------------------------------------------------------------------------------------------------------------
# PNG chunks, built and read by hand (struct + zlib.crc32), independently of verifier._baking.png
# --------------------------------------------------------------------------------------------------------------------


def png_chunk(chunk_type: bytes, data: bytes, *, crc: int | None = None, length: int | None = None) -> bytes:
    """One PNG chunk. ``crc``/``length`` override the correct values to build corrupt files."""
    real_crc = zlib.crc32(chunk_type + data) & 0xFFFFFFFF
    return (
        struct.pack(">I", len(data) if length is None else length)
        + chunk_type
        + data
        + struct.pack(">I", real_crc if crc is None else crc)
    )


def itxt_chunk(keyword: str, text: str, *, compressed: bool = False, language: str = "", translated: str = "") -> bytes:
    body = text.encode("utf-8")
    if compressed:
        body = zlib.compress(body)
    data = (
        keyword.encode("latin-1")
        + b"\x00"
        + bytes([1 if compressed else 0, 0])
        + language.encode("ascii")
        + b"\x00"
        + translated.encode("utf-8")
        + b"\x00"
        + body
    )
    return png_chunk(b"iTXt", data)


def text_chunk(keyword: str, text: str) -> bytes:
    return png_chunk(b"tEXt", keyword.encode("latin-1") + b"\x00" + text.encode("latin-1"))


def ztxt_chunk(keyword: str, text: str) -> bytes:
    return png_chunk(b"zTXt", keyword.encode("latin-1") + b"\x00\x00" + zlib.compress(text.encode("latin-1")))


def ihdr_chunk(width: int, height: int, *, bit_depth: int = 8, color_type: int = 2) -> bytes:
    return png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0))


@dataclass(frozen=True)
class Chunk:
    type: bytes
    data: bytes
    raw: bytes
    """The whole chunk as it sits in the file: length, type, data, CRC."""

    @property
    def keyword(self) -> bytes | None:
        if self.type not in (b"tEXt", b"zTXt", b"iTXt"):
            return None
        return self.data.partition(b"\x00")[0]

    @property
    def is_badge(self) -> bool:
        return self.keyword in BADGE_KEYWORDS


def read_chunks(data: bytes) -> list[Chunk]:
    assert data.startswith(PNG_SIGNATURE), "not a PNG"
    chunks: list[Chunk] = []
    pos = len(PNG_SIGNATURE)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        raw = data[pos : pos + 12 + length]
        chunks.append(Chunk(raw[4:8], raw[8 : 8 + length], raw))
        pos += 12 + length
        if raw[4:8] == b"IEND":
            break
    return chunks


def itxt_fields(chunk: Chunk) -> tuple[str, int, int, str, str, bytes]:
    """keyword, compression flag, method, language, translated keyword, body bytes."""
    keyword, _, rest = chunk.data.partition(b"\x00")
    language, translated, body = rest[2:].split(b"\x00", 2)
    return keyword.decode("latin-1"), rest[0], rest[1], language.decode(), translated.decode(), body


def join_chunks(chunks: list[bytes]) -> bytes:
    return PNG_SIGNATURE + b"".join(chunks)


def insert_chunks(png: bytes, *extra: bytes, after: bytes = b"IHDR") -> bytes:
    """``png`` with the ``extra`` raw chunks spliced in right after the first chunk of type ``after``."""
    out: list[bytes] = []
    for chunk in read_chunks(png):
        out.append(chunk.raw)
        if chunk.type == after:
            out.extend(extra)
    return join_chunks(out)


def without_badge_chunks(png: bytes) -> bytes:
    return join_chunks([c.raw for c in read_chunks(png) if not c.is_badge])


def badge_chunks(png: bytes) -> list[Chunk]:
    return [c for c in read_chunks(png) if c.is_badge]


# --------------------------------------------------------------------------------------------------------------------
# Base images
# --------------------------------------------------------------------------------------------------------------------


def make_png(width: int = 48, height: int = 32, *, seed: int = 1) -> bytes:
    """A small RGB PNG with noisy pixels and a couple of ancillary chunks (tEXt Comment, pHYs)."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    info = PngInfo()
    info.add_text("Comment", "made for the verifier tests")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, dpi=(72, 72))
    return buffer.getvalue()


def pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.mode, image.size, image.tobytes()


BASE_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<!-- a badge image; the comment mentions <svg> on purpose -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="120" height="120" viewBox="0 0 120 120" data-note='a &gt; b'>
  <title>Robotics badge — ünïcode</title>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fc0"/></linearGradient></defs>
  <circle cx="60" cy="60" r="50" fill="url(#g)" stroke="#333"/>
  <text x="60" y="66" text-anchor="middle">R&amp;D</text>
</svg>
"""


def svg_root_end(data: bytes) -> int:
    """Index just past the ``>`` closing the root ``<svg …>`` start tag (comments skipped, quotes respected)."""
    blanked = re.sub(rb"<!--.*?-->", lambda m: b" " * len(m.group(0)), data, flags=re.S)
    start = re.search(rb"<svg[\s>]", blanked)
    assert start is not None, "no <svg> start tag"
    tag = re.compile(rb"""<svg(?:[^>"']|"[^"]*"|'[^']*')*>""").match(blanked, start.start())
    assert tag is not None, "unterminated <svg> start tag"
    return tag.end()


_ATTRS = rb"""(?:[^>"']|"[^"]*"|'[^']*')*"""
_SVG_BADGE_ELEMENT = re.compile(
    rb"<openbadges:(assertion|credential)\b" + _ATTRS + rb"(?<=/)>"
    rb"|<openbadges:(assertion|credential)\b" + _ATTRS + rb"(?<!/)>.*?</openbadges:\2>",
    re.S,
)
_SVG_NS_ATTR = re.compile(rb"""\sxmlns:openbadges=("[^"]*"|'[^']*')""")


def svg_badge_elements(data: bytes) -> list[bytes]:
    return [m.group(0) for m in _SVG_BADGE_ELEMENT.finditer(data)]


def svg_without_badge(data: bytes) -> bytes:
    """``data`` minus every badge element and minus the openbadges namespace declaration on the root."""
    stripped = _SVG_BADGE_ELEMENT.sub(b"", data)
    end = svg_root_end(stripped)
    return _SVG_NS_ATTR.sub(b"", stripped[:end], count=1) + stripped[end:]


# --------------------------------------------------------------------------------------------------------------------
# Badge payloads
# --------------------------------------------------------------------------------------------------------------------

HOSTED_URL = "https://badges.example.org/assertions/8f14e45f-ceea-467f-a0e6-7a1c5f5c1a01"


def ob2_assertion(**extra: Any) -> dict[str, Any]:
    assertion: dict[str, Any] = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://badges.example.org/assertions/42",
        "recipient": {"type": "email", "hashed": False, "identity": "ada@example.org"},
        "badge": "https://badges.example.org/badgeclasses/robotics",
        "verification": {"type": "signed", "creator": "https://badges.example.org/keys/1"},
        "issuedOn": "2024-05-01T12:00:00Z",
    }
    assertion.update(extra)
    return assertion


def ob3_credential(**extra: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:2b7c1a52-9f0e-4c55-8d0e-3c3bb2b7c0de",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://issuer.example.org/", "type": ["Profile"], "name": "Example Issuer"},
        "validFrom": "2024-05-01T12:00:00Z",
        "name": "Robotics — level 1",
        "credentialSubject": {
            "id": "did:example:ada",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://issuer.example.org/achievements/robotics",
                "type": ["Achievement"],
                "name": "Robotics",
                "criteria": {"narrative": "Built a robot."},
            },
        },
    }
    credential.update(extra)
    return credential


def compact_json(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


@cache
def rsa_key() -> RSAKey:
    return RSAKey.generate_key(2048, private=True)


@cache
def ec_key() -> ECKey:
    return ECKey.generate_key("P-256", private=True)


def sign_rs256(claims: dict[str, Any], **header: Any) -> str:
    """A real RS256 compact JWS over ``claims``, signed with joserfc."""
    protected = {"alg": "RS256", "typ": "JWT", "kid": "https://badges.example.org/keys/1", **header}
    return jws.serialize_compact(protected, compact_json(claims).encode(), rsa_key())


def sign_es256(claims: dict[str, Any]) -> str:
    """A short real compact JWS (ES256, small header) for QR codes."""
    return jws.serialize_compact({"alg": "ES256"}, compact_json(claims).encode(), ec_key())


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def rs256_signature_ok(token: str, jwk: dict[str, Any] | None = None) -> bool:
    """Check an RS256 compact JWS with ``cryptography`` (``jwk`` defaults to the public half of :func:`rsa_key`)."""
    jwk = jwk if jwk is not None else rsa_key().as_dict(private=False)
    numbers = rsa.RSAPublicNumbers(int.from_bytes(_b64url(jwk["e"]), "big"), int.from_bytes(_b64url(jwk["n"]), "big"))
    header, payload, signature = token.split(".")
    try:
        numbers.public_key().verify(
            _b64url(signature), f"{header}.{payload}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature:
        return False
    return True


# --------------------------------------------------------------------------------------------------------------------
# QR "photos"
# --------------------------------------------------------------------------------------------------------------------


def qr_photo(
    text: str,
    *,
    angle: float,
    image_format: str = "JPEG",
    quality: int = 70,
    seed: int = 7,
    size: tuple[int, int] = (900, 640),
) -> bytes:
    """A photo-like picture of a printed badge card: off-white card, text, speckles, the QR code, a small rotation,
    a slight blur, lossy compression."""
    rng = random.Random(seed)
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=6, border=4, dark="#1d1b1a", light="#f1ece0")
    with Image.open(io.BytesIO(buffer.getvalue())) as qr_image:
        qr = qr_image.convert("RGB")
    card = Image.new("RGB", size, (241, 236, 224))
    draw = ImageDraw.Draw(card)
    for _ in range(1500):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        shade = rng.randrange(170, 235)
        draw.point((x, y), fill=(shade, shade - 5, shade - 12))
    draw.text((30, 30), "CERTIFICATE OF ACHIEVEMENT", fill=(40, 40, 60))
    draw.text((30, 60), "Robotics - level 1 - awarded to Ada Lovelace", fill=(60, 60, 60))
    draw.rectangle((20, 20, size[0] - 20, size[1] - 20), outline=(90, 70, 40), width=3)
    top = max((size[1] - qr.height) // 2, 90)
    card.paste(qr, (size[0] - qr.width - 40, top))
    photo = card.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(95, 90, 85))
    photo = photo.filter(ImageFilter.GaussianBlur(radius=0.8))
    out = io.BytesIO()
    photo.save(out, format=image_format, quality=quality)
    return out.getvalue()


def plain_photo(*, image_format: str = "JPEG", seed: int = 3) -> bytes:
    """A noisy picture with text and shapes but no QR code."""
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), (230, 225, 215))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(300), rng.randrange(220)
        draw.ellipse((x, y, x + rng.randrange(5, 40), y + rng.randrange(5, 40)), outline=(80, 80, 80))
    draw.text((20, 20), "no code here", fill=(10, 10, 10))
    out = io.BytesIO()
    image.save(out, format=image_format, quality=70)
    return out.getvalue()


def png_with_qr(text: str) -> bytes:
    """A screenshot-like PNG (no baked chunk) showing a QR code."""
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=5, border=4)
    with Image.open(io.BytesIO(buffer.getvalue())) as qr_image:
        qr = qr_image.convert("RGB")
    canvas = Image.new("RGB", (qr.width + 120, qr.height + 80), "white")
    ImageDraw.Draw(canvas).text((10, 10), "Scan me", fill="black")
    canvas.paste(qr, (60, 40))
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()

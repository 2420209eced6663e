"""Extraction: from the bytes of a file (baked PNG/SVG, QR photo, JSON, JWS, URL text) to classified payloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ._baking import png, svg
from ._errors import InputTooLarge, MalformedInput, NoBadgeFound
from ._limits import DEFAULT_LIMITS, Limits, describe_size
from ._payload import BadgeVersion, Payload, classify_payload
from ._qr import decode_for_scanning, looks_like_raster, scan_qr_codes

__all__ = ["Container", "Extraction", "FoundPayload", "extract", "bake"]

Container = Literal["png", "svg", "image", "text"]

_KEYWORD_HINT: dict[str, BadgeVersion] = {
    png.OB3_KEYWORD: "ob3",
    png.OB2_KEYWORD: "unknown",
    png.CLR_KEYWORD: "unknown",
}
_NAMESPACE_HINT: dict[str, BadgeVersion] = {svg.OB3_NAMESPACE: "ob3", svg.OB2_NAMESPACE: "unknown"}


@dataclass(frozen=True)
class FoundPayload:
    payload: Payload
    location: str
    """Where it was found, for people: ``PNG iTXt 'openbadges'``, ``SVG <assertion> verify``, ``QR code 1``…"""


@dataclass(frozen=True)
class Extraction:
    container: Container
    media_type: str
    found: tuple[FoundPayload, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def payload(self) -> Payload:
        """The payload that represents the badge: the first one by the baking specs' precedence."""
        return self.found[0].payload

    @property
    def location(self) -> str:
        return self.found[0].location


def _from_png(data: bytes, limits: Limits) -> Extraction | None:
    chunks = png.read_badge_chunks(data, limits=limits)
    if not chunks:
        return None
    warnings: list[str] = []
    # iTXt is the standard; tEXt/zTXt are legacy. OB 3.0 wins over an older OB 2.0 bake in the same image.
    order = {png.OB3_KEYWORD: 0, png.OB2_KEYWORD: 1, png.CLR_KEYWORD: 2}
    ranked = sorted(chunks, key=lambda c: (order[c.keyword], c.chunk_type != "iTXt"))
    found: list[FoundPayload] = []
    seen: set[tuple[str, str]] = set()
    for chunk in ranked:
        if (chunk.keyword, chunk.chunk_type) in seen:
            warnings.append(f"more than one {chunk.chunk_type} '{chunk.keyword}' chunk: the first one is used")
            continue
        seen.add((chunk.keyword, chunk.chunk_type))
        if chunk.compressed:
            warnings.append(f"the '{chunk.keyword}' chunk is compressed, which the baking spec forbids")
        hint = (
            "ob1" if chunk.chunk_type == "tEXt" and chunk.keyword == png.OB2_KEYWORD else _KEYWORD_HINT[chunk.keyword]
        )
        payload = classify_payload(chunk.text, hint=hint)
        found.append(FoundPayload(payload, f"PNG {chunk.chunk_type} '{chunk.keyword}'"))
    return Extraction("png", "image/png", tuple(found), tuple(warnings))


def _from_svg(data: bytes, limits: Limits) -> Extraction:
    elements = svg.read_badge_elements(data, limits=limits)
    if not elements:
        raise NoBadgeFound("this SVG has no baked badge (no <openbadges:assertion> or <openbadges:credential>)")
    warnings: list[str] = []
    elements.sort(key=lambda e: e.namespace != svg.OB3_NAMESPACE)
    if len({e.tag for e in elements}) < len(elements):
        warnings.append("more than one baked badge element of the same kind: the first one is used")
    found: list[FoundPayload] = []
    for element in elements:
        hint = _NAMESPACE_HINT.get(element.namespace, "unknown")
        where = f"SVG <{element.local_name}>"
        # The baking spec: a body is the badge JSON; without a body, `verify` holds the JWS or hosted URL.
        if element.body:
            found.append(FoundPayload(classify_payload(element.body, hint=hint), f"{where} body"))
        if element.verify:
            found.append(FoundPayload(classify_payload(element.verify, hint=hint), f"{where} verify"))
        if not element.body and not element.verify:
            warnings.append(f"an empty {where} element was ignored")
    if not found:
        raise NoBadgeFound("the SVG's badge element is empty")
    return Extraction("svg", "image/svg+xml", tuple(found), tuple(warnings))


def _from_qr(data: bytes, limits: Limits, media_type: str) -> Extraction:
    image = decode_for_scanning(data, limits=limits)  # decoded once, small and gray, for every scanning pass
    texts = scan_qr_codes(image, limits=limits)
    if not texts:
        raise NoBadgeFound("no baked badge and no QR code found in this image")
    found: list[FoundPayload] = []
    problems: list[str] = []
    for number, text in enumerate(texts, start=1):
        try:
            found.append(FoundPayload(classify_payload(text), f"QR code {number}"))
        except NoBadgeFound as exc:
            problems.append(f"QR code {number}: {exc}")
    if not found:
        raise NoBadgeFound(problems[0])
    return Extraction("image", media_type, tuple(found), tuple(problems))


def _media_type(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"BM"):
        return "image/bmp"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    return "image/png" if png.is_png(data) else "application/octet-stream"


def extract(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Extraction:
    """Find the Open Badges payload(s) in ``data``.

    Raises an ``ExtractionError`` subclass when the bytes are too large, malformed, unsafe or hold no badge.
    """
    if len(data) > limits.max_file_bytes:
        raise InputTooLarge(f"file refused: larger than {describe_size(limits.max_file_bytes)}")
    if not data.strip():
        raise NoBadgeFound("the input is empty")
    if png.is_png(data):
        baked = _from_png(data, limits)
        return baked if baked is not None else _from_qr(data, limits, "image/png")
    if looks_like_raster(data):
        return _from_qr(data, limits, _media_type(data))
    if svg.looks_like_svg(data):
        return _from_svg(data, limits)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedInput("unrecognised file: not a PNG, SVG, raster image, JSON, JWS or URL") from exc
    if len(data) > limits.max_text_bytes:
        raise InputTooLarge(f"badge text refused: larger than {describe_size(limits.max_text_bytes)}")
    payload = classify_payload(text)
    media_type = {"json": "application/json", "jws": "application/jwt", "url": "text/uri-list"}[payload.kind]
    return Extraction("text", media_type, (FoundPayload(payload, "text"),))


def bake(image: bytes, payload: Payload) -> bytes:
    """Bake ``payload`` into a PNG or SVG image, replacing any badge already baked in it."""
    ob3 = payload.version == "ob3"
    if png.is_png(image):
        return png.bake_png(image, payload.text, keyword=png.OB3_KEYWORD if ob3 else png.OB2_KEYWORD)
    if svg.looks_like_svg(image):
        return svg.bake_svg(image, payload.text, ob3=ob3, as_attribute=payload.kind != "json")
    raise MalformedInput("only PNG and SVG images can be baked")

"""Fuzzing the front ends that read bytes: the PNG chunk parser, the SVG extractor, the QR front end, the payload
classifier and the JSON parser. Property: a result or one of the project's own errors, never another exception;
``verify`` on the same bytes always answers a report."""

from __future__ import annotations

import io
import json
import struct
import zlib
from typing import Any

import pytest
from fuzz_strategies import b64url, examples, hostile_text, json_values, mutated, own_outcome, token_from
from hypothesis import given, settings
from hypothesis import strategies as st
from issuer import BADGE_SVG, bake_png, bake_svg, qr_photo
from PIL import Image

from verifier import FetchPolicy, Limits, Payload, Report, VerifierPolicy, classify_payload, extract, verify
from verifier._baking.png import read_badge_chunks
from verifier._baking.svg import read_badge_elements
from verifier.extraction import decode_raster, parse_json, scan_qr_codes

OFFLINE = VerifierPolicy(fetch=FetchPolicy(offline=True, deadline=5.0), recipients=("earner@example.org",))
ASSERTION_URL = "https://issuer.example/assertions/1"
ASSERTION = {
    "@context": "https://w3id.org/openbadges/v2",
    "type": "Assertion",
    "id": ASSERTION_URL,
    "recipient": {"type": "email", "hashed": False, "identity": "earner@example.org"},
    "badge": "https://issuer.example/badges/1",
    "verification": {"type": "hosted"},
    "issuedOn": "2026-01-15T10:00:00Z",
}
SMALL = Limits(max_file_bytes=2 * 1024 * 1024, max_text_bytes=256 * 1024, max_image_pixels=4_000_000)


def _report(source: Any) -> Report:
    report = verify(source, policy=OFFLINE)
    assert report.status in ("valid", "invalid", "unverifiable", "expired", "revoked", "suspended"), report.status
    return report


def _extract_and_verify(data: bytes) -> None:
    own_outcome(lambda: extract(data, limits=SMALL))
    _report(data)


# -- PNG ------------------------------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def baked_png() -> bytes:
    return bake_png(json.dumps(ASSERTION))


def _chunk(kind: bytes, data: bytes, *, good_crc: bool = True) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF if good_crc else 0x12345678
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


_text_chunk_data = st.one_of(
    st.binary(max_size=64),
    st.builds(lambda t: b"openbadges\x00" + t.encode("utf-8", "surrogatepass"), hostile_text),
    st.builds(lambda v: b"openbadges\x00" + json.dumps(v).encode(), json_values),
    st.builds(lambda t: b"openbadges\x00\x01\x00\x00\x00" + zlib.compress(t), st.binary(max_size=64)),  # iTXt, zlib
    st.builds(lambda t: b"openbadges\x00\x00" + zlib.compress(t)[: len(t) // 2], st.binary(max_size=64)),  # truncated
    st.just(b"openbadges\x00\x01\x00\x00\x00" + zlib.compress(b"[" * 200_000)),  # nesting, compressed
)

_chunks = st.lists(
    st.tuples(
        st.sampled_from([b"iTXt", b"tEXt", b"zTXt", b"IDAT", b"IHDR", b"IEND", b"PLTE", b"abCD", b"\x00\x00\x00\x00"]),
        _text_chunk_data,
        st.booleans(),
    ),
    max_size=5,
)


@settings(max_examples=examples(60))
@given(chunks=_chunks, ihdr=st.booleans(), iend=st.booleans())
def test_png_built_from_hostile_chunks(
    baked_png: bytes, chunks: list[tuple[bytes, bytes, bool]], ihdr: bool, iend: bool
) -> None:
    header = baked_png[8:33] if ihdr else b""  # the real IHDR chunk, or none
    body = b"".join(_chunk(kind, data, good_crc=crc) for kind, data, crc in chunks)
    data = PNG_SIGNATURE + header + body + (_chunk(b"IEND", b"") if iend else b"")
    own_outcome(lambda: read_badge_chunks(data, limits=SMALL))
    _extract_and_verify(data)


def _flip(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    mutable = bytearray(data)
    for position, value in edits:
        mutable[position % len(mutable)] = value
    return bytes(mutable[:cut] if cut is not None else mutable)


@settings(max_examples=examples(80))
@given(
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6),
    cut=st.none() | st.integers(0, 4000),
)
def test_mutated_baked_png(baked_png: bytes, edits: list[tuple[int, int]], cut: int | None) -> None:
    _extract_and_verify(_flip(baked_png, edits, cut))


# -- SVG ------------------------------------------------------------------------------------------------------------

_svg_payload = st.one_of(
    hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass").decode("utf-8", "replace")),
    json_values.map(json.dumps),
    st.just(ASSERTION_URL),
)
_svg_extra = st.sampled_from(
    [
        "",
        '<!DOCTYPE svg [<!ENTITY x "boom">]>',
        '<!DOCTYPE svg SYSTEM "http://127.0.0.1/evil.dtd">',
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>',
        "<![CDATA[ ]]>",
        "<?xml-stylesheet href='x'?>",
        "<!-- -->",
        "&amp;&lt;",
        "<g>" * 300 + "</g>" * 300,
        "<openbadges:assertion/>",
        '<openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="javascript:1"/>',
    ]
)


@settings(max_examples=examples(100))
@given(payload=_svg_payload, before=_svg_extra, inside=_svg_extra, as_attribute=st.booleans(), ob3=st.booleans())
def test_svg_built_from_hostile_parts(payload: str, before: str, inside: str, as_attribute: bool, ob3: bool) -> None:
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    element = "openbadges:credential" if ob3 else "openbadges:assertion"
    badge = f'<{element} verify="{escaped}"/>' if as_attribute else f"<{element}>{escaped}</{element}>"
    document = (
        f'<?xml version="1.0"?>{before}<svg xmlns="http://www.w3.org/2000/svg" '
        f'xmlns:openbadges="http://openbadges.org">{inside}{badge}</svg>'
    )
    data = document.encode("utf-8", "surrogatepass")
    own_outcome(lambda: read_badge_elements(data, limits=SMALL))
    _extract_and_verify(data)


@settings(max_examples=examples(60))
@given(
    edits=st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 255)), max_size=6),
    cut=st.none() | st.integers(0, 2000),
)
def test_mutated_baked_svg(edits: list[tuple[int, int]], cut: int | None) -> None:
    _extract_and_verify(_flip(bake_svg(json.dumps(ASSERTION)), edits, cut))


def test_the_svg_fixture_is_what_is_mutated() -> None:
    assert BADGE_SVG.startswith("<?xml")


# -- QR front end ---------------------------------------------------------------------------------------------------


@st.composite
def _images(draw: st.DrawFn) -> bytes:
    width, height = draw(st.integers(1, 96)), draw(st.integers(1, 96))
    mode = draw(st.sampled_from(["RGB", "L", "1", "P", "RGBA", "LA", "CMYK"]))
    image = Image.frombytes(
        mode if mode != "P" else "L", (width, height), draw(st.binary(min_size=4, max_size=64)) * (width * height * 4)
    )
    if mode == "P":
        image = image.convert("P")
    image_format = draw(st.sampled_from(["PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF", "ICO"]))
    out = io.BytesIO()
    try:
        image.save(out, format=image_format)
    except (OSError, ValueError, KeyError):  # a format that cannot hold this mode: write it as an RGB PNG
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG")
    return out.getvalue()


@settings(max_examples=examples(30))
@given(data=_images(), edits=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=3))
def test_small_images_of_any_format_and_mode(data: bytes, edits: list[tuple[int, int]]) -> None:
    mutated_data = _flip(data, edits, None) if edits else data
    image = own_outcome(lambda: decode_raster(mutated_data, limits=SMALL))
    if image is not None:
        own_outcome(lambda: scan_qr_codes(image, limits=SMALL))
    _extract_and_verify(mutated_data)


@pytest.fixture(scope="module")
def qr_jpeg() -> bytes:
    return qr_photo(ASSERTION_URL)


@settings(max_examples=examples(25))
@given(
    edits=st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 255)), max_size=8),
    cut=st.none() | st.integers(0, 20_000),
)
def test_mutated_qr_photo(qr_jpeg: bytes, edits: list[tuple[int, int]], cut: int | None) -> None:
    _extract_and_verify(_flip(qr_jpeg, edits, cut))


@settings(max_examples=examples(40))
@given(width=st.sampled_from([1, 30_000, 65_535, 2**31 - 1]), height=st.sampled_from([1, 30_000, 65_535, 2**31 - 1]))
def test_images_declaring_huge_canvases(width: int, height: int) -> None:
    """A header that declares a giant canvas: refused or read, without decoding it (bounded memory, see conftest)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _chunk(b"IEND", b"")
    gif = b"GIF89a" + struct.pack("<HH", width & 0xFFFF, height & 0xFFFF) + b"\x00\x00\x00" + b";"
    for data in (png, gif):
        _extract_and_verify(data)


# -- the payload classifier and the JSON parser ----------------------------------------------------------------------

_payload_texts = st.one_of(
    hostile_text,
    json_values.map(json.dumps),
    st.builds(token_from, json_values, json_values),
    st.builds(lambda h, c: token_from({"alg": h, "kid": "did:key:z6Mk"}, c), json_values, mutated(ASSERTION)),
    st.builds(
        lambda parts: ".".join(parts), st.lists(st.sampled_from(["", "e30", "eyJ", "=", "!", "a" * 9]), max_size=4)
    ),
    st.builds(lambda t: "https://" + t, hostile_text),
    mutated(ASSERTION).map(json.dumps),
)


@settings(max_examples=examples(300))
@given(text=_payload_texts, hint=st.sampled_from(["unknown", "ob2", "ob3"]))
def test_payload_classifier(text: str, hint: Any) -> None:
    payload = own_outcome(lambda: classify_payload(text, hint=hint))
    if payload is not None:
        assert isinstance(payload, Payload)
        _ = payload.badge_id, payload.credential


@settings(max_examples=examples(60))
@given(text=_payload_texts)
def test_verify_any_text(text: str) -> None:
    _report(text)


@settings(max_examples=examples(300))
@given(
    data=st.one_of(
        st.binary(max_size=200),
        hostile_text,
        json_values.map(json.dumps),
        st.builds(lambda n: "[" * n, st.integers(0, 5000)),
    )
)
def test_json_parser(data: bytes | str) -> None:
    own_outcome(lambda: parse_json(data), ValueError)  # its documented error, JSONTooDeep among them


def test_b64url_helper_round_trips() -> None:
    assert b64url(b"{}") == "e30"

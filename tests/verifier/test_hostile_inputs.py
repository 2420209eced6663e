"""Hostile and broken input: every failure is an ExtractionError subclass with a clear message, never anything else."""

from __future__ import annotations

import io
import random
import tracemalloc
import zlib

import pytest
from helpers import (
    HOSTED_URL,
    PNG_SIGNATURE,
    badge_chunks,
    compact_json,
    ihdr_chunk,
    insert_chunks,
    itxt_chunk,
    join_chunks,
    make_png,
    ob2_assertion,
    plain_photo,
    png_chunk,
    png_with_qr,
    read_chunks,
)
from PIL import Image, ImageFile

from verifier import (
    ExtractionError,
    InputTooLarge,
    Limits,
    MalformedInput,
    NoBadgeFound,
    UnsafeInput,
    bake,
    classify_payload,
    extract,
)

MB = 1024 * 1024


def refused(data: bytes, expected: type[ExtractionError], *, limits: Limits | None = None) -> ExtractionError:
    """Extract ``data`` and return the error, checking it is exactly ``expected`` and carries a message."""
    with pytest.raises(ExtractionError) as excinfo:
        extract(data) if limits is None else extract(data, limits=limits)
    error = excinfo.value
    assert type(error) is expected, f"{type(error).__name__}: {error}"
    assert error.code == expected.code
    assert len(str(error)) > 15
    return error


@pytest.fixture(scope="module")
def baked_png() -> bytes:
    return insert_chunks(make_png(), itxt_chunk("openbadges", compact_json(ob2_assertion())))


# ------------------------------------------------------------------------------------------------------------------
# Broken bytes
# ------------------------------------------------------------------------------------------------------------------


def test_empty_and_blank_inputs_hold_no_badge() -> None:
    assert "empty" in str(refused(b"", NoBadgeFound))
    assert "empty" in str(refused(b" \r\n\t ", NoBadgeFound))


@pytest.mark.parametrize("where", ["signature", "ihdr-length", "ihdr-data", "after-ihdr", "badge-chunk", "before-iend"])
def test_truncated_png_is_malformed(baked_png: bytes, where: str) -> None:
    chunks = read_chunks(baked_png)
    badge_start = 8 + sum(len(c.raw) for c in chunks[:1])
    offset = {
        "signature": 5,
        "ihdr-length": 10,
        "ihdr-data": 20,
        "after-ihdr": badge_start,
        "badge-chunk": badge_start + 30,
        "before-iend": len(baked_png) - 6,
    }[where]

    error = refused(baked_png[:offset], MalformedInput)

    if where == "signature":
        assert "unrecognised file" in str(error)
    else:
        assert "truncated" in str(error)


@pytest.mark.parametrize("seed", range(8))
def test_random_bytes_are_malformed(seed: int) -> None:
    rng = random.Random(seed)
    data = rng.randbytes(rng.randrange(64, 4096))
    error = refused(data, MalformedInput)
    assert "not a PNG, SVG, raster image, JSON, JWS or URL" in str(error)


@pytest.mark.parametrize("seed", range(8))
def test_random_bytes_after_a_png_signature_are_malformed(seed: int) -> None:
    rng = random.Random(seed)
    error = refused(PNG_SIGNATURE + rng.randbytes(rng.randrange(0, 4096)), MalformedInput)
    assert "PNG" in str(error)


@pytest.mark.parametrize(
    "header",
    [b"\xff\xd8\xff\xe0", b"BM", b"RIFF\x10\x00\x00\x00WEBPVP8 "],
    ids=["jpeg", "bmp", "webp"],
)
def test_random_bytes_after_a_raster_header_are_malformed(header: bytes) -> None:
    rng = random.Random(len(header))
    error = refused(header + rng.randbytes(2048), MalformedInput)
    assert "image" in str(error)


@pytest.mark.parametrize("image_format", ["JPEG", "GIF", "WEBP", "BMP"])
def test_truncated_raster_is_malformed(image_format: str) -> None:
    buffer = io.BytesIO()
    Image.radial_gradient("L").resize((64, 64)).convert("RGB").save(buffer, format=image_format)
    data = buffer.getvalue()

    error = refused(data[: len(data) // 2], MalformedInput)

    assert "corrupt or truncated image" in str(error)


def test_gif_declaring_a_huge_canvas_is_refused_as_a_bomb() -> None:
    gif = b"GIF89a\xff\xff\xff\xff\x00\x00\x00" + b"\x2c" + bytes(8) + b"\x00\x02\x02\x44\x01\x00\x3b"
    error = refused(gif, UnsafeInput)
    assert "decompression bomb" in str(error)


@pytest.mark.parametrize("length", [0x7FFFFFF0, 0x80000000, 0xFFFFFFFF])
def test_huge_declared_chunk_length_is_refused_without_reading(length: int) -> None:
    png = make_png()
    chunks = [c.raw for c in read_chunks(png)]
    lying = png_chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + HOSTED_URL.encode(), length=length)

    error = refused(join_chunks([chunks[0], lying, *chunks[1:]]), MalformedInput)

    assert "declares" in str(error)


def test_bad_crc_on_the_badge_chunk_is_malformed(baked_png: bytes) -> None:
    chunk = badge_chunks(baked_png)[0]
    corrupt = baked_png.replace(chunk.raw, chunk.raw[:-4] + bytes(b ^ 0xFF for b in chunk.raw[-4:]))
    assert corrupt != baked_png

    error = refused(corrupt, MalformedInput)

    assert "CRC" in str(error) and "openbadges" in str(error)


def test_first_chunk_not_ihdr_is_malformed() -> None:
    png = PNG_SIGNATURE + itxt_chunk("openbadges", HOSTED_URL) + ihdr_chunk(1, 1) + png_chunk(b"IEND", b"")
    assert "IHDR" in str(refused(png, MalformedInput))


def test_corrupt_compressed_badge_text_is_malformed() -> None:
    data = b"openbadges\x00\x01\x00\x00\x00" + b"this is not zlib data"
    png = insert_chunks(make_png(), png_chunk(b"iTXt", data))
    assert "compressed" in str(refused(png, MalformedInput))


def test_badge_text_that_is_not_utf8_is_malformed() -> None:
    png = insert_chunks(make_png(), png_chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00\xff\xfe{}"))
    assert "utf-8" in str(refused(png, MalformedInput))


def test_badge_chunk_with_a_non_badge_text_holds_no_badge() -> None:
    png = insert_chunks(make_png(), itxt_chunk("openbadges", "hello"))
    assert "hello" in str(refused(png, NoBadgeFound))


# ------------------------------------------------------------------------------------------------------------------
# Sizes
# ------------------------------------------------------------------------------------------------------------------


def _zlib_bomb(size: int) -> bytes:
    """``size`` zero bytes, zlib-compressed, without ever holding them in memory."""
    compressor = zlib.compressobj(9)
    block = bytes(MB)
    out = [compressor.compress(block) for _ in range(size // MB)]
    out.append(compressor.flush())
    return b"".join(out)


@pytest.fixture(scope="module")
def zlib_bomb() -> bytes:
    bomb = _zlib_bomb(50 * MB)
    assert len(bomb) < 100_000
    return bomb


@pytest.mark.parametrize("chunk_type", ["iTXt", "zTXt"])
def test_zlib_bomb_in_a_text_chunk_is_refused_without_inflating_it(zlib_bomb: bytes, chunk_type: str) -> None:
    if chunk_type == "iTXt":
        data = b"openbadges\x00\x01\x00\x00\x00" + zlib_bomb
    else:
        data = b"openbadges\x00\x00" + zlib_bomb
    png = insert_chunks(make_png(), png_chunk(chunk_type.encode(), data))

    tracemalloc.start()
    try:
        error = refused(png, InputTooLarge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert "expands beyond 8 MB" in str(error)
    assert peak < 20 * MB  # the limit (8 MB) plus working buffers, nowhere near 50 MB


def test_uncompressed_badge_text_over_the_text_limit_is_refused() -> None:
    png = insert_chunks(make_png(), itxt_chunk("openbadges", HOSTED_URL + "?" + "a" * 4096))
    refused(png, InputTooLarge, limits=Limits(max_text_bytes=4096))
    assert extract(png).payload.kind == "url"  # fine under the default limits


def test_file_over_the_limit_is_refused_before_anything_else() -> None:
    # Would be NoBadgeFound (blank) or UnsafeInput (entity) if it were looked at.
    refused(b" " * 1025, InputTooLarge, limits=Limits(max_file_bytes=1024))
    refused(b'<!DOCTYPE svg [<!ENTITY a "b">]><svg/>' + b" " * 1024, InputTooLarge, limits=Limits(max_file_bytes=1024))
    assert extract(b" " * 900 + HOSTED_URL.encode(), limits=Limits(max_file_bytes=1024)).payload.text == HOSTED_URL


def test_file_of_20_mb_plus_one_byte_is_refused() -> None:
    data = PNG_SIGNATURE + bytes(20 * MB + 1 - len(PNG_SIGNATURE))
    assert len(data) == Limits().max_file_bytes + 1

    error = refused(data, InputTooLarge)

    assert "20 MB" in str(error)


def test_text_payload_over_the_text_limit_is_refused() -> None:
    text = compact_json(ob2_assertion(narrative="x" * 2048)).encode()
    refused(text, InputTooLarge, limits=Limits(max_text_bytes=1024))
    assert extract(text).container == "text"


def test_raster_over_the_pixel_limit_is_refused() -> None:
    png = make_png(48, 32)  # 1536 pixels, no badge: would be decoded to look for a QR code

    error = refused(png, InputTooLarge, limits=Limits(max_image_pixels=1000))

    assert "48×32" in str(error) and "1,000-pixel limit" in str(error)


def test_baked_png_over_the_pixel_limit_still_extracts(baked_png: bytes) -> None:
    # Baked chunks are read from the chunk stream: the pixels are never decoded, so the pixel limit does not apply.
    extraction = extract(baked_png, limits=Limits(max_image_pixels=10))
    assert extraction.container == "png"


def _giant_png(*extra: bytes) -> bytes:
    idat = png_chunk(b"IDAT", zlib.compress(bytes(4096)))
    return join_chunks([ihdr_chunk(100_000, 100_000), *extra, idat, png_chunk(b"IEND", b"")])


@pytest.fixture
def no_pixel_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def load(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


@pytest.mark.usefixtures("no_pixel_decoding")
def test_png_declaring_ten_billion_pixels_is_refused_without_decoding() -> None:
    tracemalloc.start()
    try:
        error = refused(_giant_png(), UnsafeInput)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert "decompression bomb" in str(error)
    assert "10000000000 pixels" in str(error)
    assert peak < 4 * MB


@pytest.mark.usefixtures("no_pixel_decoding")
def test_png_declaring_ten_billion_pixels_with_a_badge_extracts_the_badge() -> None:
    extraction = extract(_giant_png(itxt_chunk("openbadgecredential", HOSTED_URL)))
    assert (extraction.container, extraction.payload.text) == ("png", HOSTED_URL)


# ------------------------------------------------------------------------------------------------------------------
# SVG: entities, DTDs, well-formedness
# ------------------------------------------------------------------------------------------------------------------

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'

XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    f'{SVG_OPEN}<openbadges:assertion verify="{HOSTED_URL}">&xxe;</openbadges:assertion><text>&xxe;</text></svg>'
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE svg [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10))
    + f"]>\n{SVG_OPEN}<text>&lol9;</text></svg>"
)
PARAMETER_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE svg [\n <!ENTITY % ext SYSTEM "file:///etc/passwd">\n %ext;\n]>\n'
    f"{SVG_OPEN}<text>hi</text></svg>"
)
INTERNAL_PARAMETER_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE svg [\n <!ENTITY % decl "<!ENTITY inner \'x\'>">\n %decl;\n]>\n'
    f"{SVG_OPEN}<text>&inner;</text></svg>"
)
PUBLIC_DOCTYPE = (
    '<?xml version="1.0" standalone="no"?>\n'
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
)


@pytest.mark.parametrize(
    ("document", "entity"),
    [(XXE, "xxe"), (BILLION_LAUGHS, "lol"), (PARAMETER_ENTITY, "ext"), (INTERNAL_PARAMETER_ENTITY, "decl")],
    ids=["external-entity", "billion-laughs", "parameter-entity", "internal-parameter-entity"],
)
def test_svg_entity_declarations_are_unsafe_for_extract_and_bake(document: str, entity: str) -> None:
    data = document.encode()

    error = refused(data, UnsafeInput)
    with pytest.raises(UnsafeInput) as bake_error:
        bake(data, classify_payload(HOSTED_URL))

    for message in (str(error), str(bake_error.value)):
        assert f"entity '{entity}'" in message
        assert "root:" not in message and "/bin/" not in message


def test_svg_bare_public_doctype_is_accepted() -> None:
    baked = (PUBLIC_DOCTYPE + f'{SVG_OPEN}<openbadges:assertion verify="{HOSTED_URL}"/></svg>').encode()
    assert extract(baked).payload.text == HOSTED_URL

    unbaked = (PUBLIC_DOCTYPE + '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>').encode()
    assert "no baked badge" in str(refused(unbaked, NoBadgeFound))


@pytest.mark.parametrize(
    "document",
    [
        '<svg xmlns="http://www.w3.org/2000/svg"><g></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&nbsp;</text></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" width="1" width="2"/>',
        '<svg xmlns="http://www.w3.org/2000/svg"><openbadges:assertion verify="x"/></svg>',  # unbound prefix
        '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg><svg/>',
    ],
    ids=["mismatched-tag", "undefined-entity", "duplicate-attribute", "unbound-prefix", "two-roots"],
)
def test_svg_not_well_formed_is_malformed(document: str) -> None:
    error = refused(document.encode(), MalformedInput)
    assert "not well-formed" in str(error)
    with pytest.raises(MalformedInput):
        bake(document.encode(), classify_payload(HOSTED_URL))


def test_svg_document_whose_root_is_not_svg_is_malformed() -> None:
    error = refused(b'<html><svg xmlns="http://www.w3.org/2000/svg"/></html>', MalformedInput)
    assert "not an SVG document" in str(error)


# ------------------------------------------------------------------------------------------------------------------
# Images without a badge
# ------------------------------------------------------------------------------------------------------------------


def test_jpeg_without_a_qr_code_holds_no_badge() -> None:
    error = refused(plain_photo(), NoBadgeFound)
    assert "no QR code" in str(error)


def test_png_without_badge_chunk_or_qr_code_holds_no_badge() -> None:
    refused(make_png(), NoBadgeFound)


def test_qr_code_with_a_non_badge_text_holds_no_badge() -> None:
    error = refused(png_with_qr("hello"), NoBadgeFound)
    assert "QR code 1" in str(error) and "'hello'" in str(error)


@pytest.mark.parametrize("text", ["hello", "not a badge at all", "ftp://example.org/badge.json", "[1, 2, 3]"])
def test_text_that_is_not_a_payload_holds_no_badge(text: str) -> None:
    error = refused(text.encode(), NoBadgeFound)
    assert "not an Open Badges payload" in str(error)

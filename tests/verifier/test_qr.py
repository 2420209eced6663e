"""QR codes: photos of printed badge cards (rotated, blurred, lossy) and screenshots decode to the right payload."""

from __future__ import annotations

import io

import pytest
from helpers import HOSTED_URL, compact_json, ec_key, plain_photo, png_with_qr, qr_photo, sign_es256
from joserfc import jws
from PIL import Image

from verifier import Limits, NoBadgeFound, extract

SHORT_JWS = sign_es256(
    {
        "iss": "https://issuer.example.org/",
        "jti": "urn:uuid:5f0c",
        "vc": {"id": "urn:uuid:5f0c", "type": ["VerifiableCredential", "OpenBadgeCredential"]},
    }
)
SMALL_OB3 = compact_json(
    {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "id": "urn:uuid:2b7c1a52",
        "issuer": "https://issuer.example.org/",
        "credentialSubject": {"achievement": {"name": "Robotics"}},
    }
)
TEXTS = {"hosted-url": (HOSTED_URL, "url"), "short-jws": (SHORT_JWS, "jws"), "small-ob3-json": (SMALL_OB3, "json")}
MEDIA_TYPE = {"JPEG": "image/jpeg", "WEBP": "image/webp"}


def test_the_qr_texts_are_what_they_claim() -> None:
    assert len(SHORT_JWS) < 400
    assert jws.deserialize_compact(SHORT_JWS, ec_key()).headers()["alg"] == "ES256"
    assert len(SMALL_OB3) < 300


@pytest.mark.parametrize("image_format", ["JPEG", "WEBP"])
@pytest.mark.parametrize("angle", [4, -7])
@pytest.mark.parametrize("name", list(TEXTS))
def test_photo_of_a_printed_qr_code_decodes(name: str, angle: int, image_format: str) -> None:
    text, kind = TEXTS[name]
    photo = qr_photo(text, angle=angle, image_format=image_format, quality=70)
    with Image.open(io.BytesIO(photo)) as image:
        assert image.format == image_format
        assert image.size[0] > 900 and image.size[1] > 640  # rotated with expand=True

    extraction = extract(photo)

    assert extraction.container == "image"
    assert extraction.media_type == MEDIA_TYPE[image_format]
    assert extraction.location == "QR code 1"
    assert extraction.warnings == ()
    assert (extraction.payload.kind, extraction.payload.text) == (kind, text)
    if kind != "url":
        assert extraction.payload.version == "ob3"
        assert extraction.payload.credential is not None
        assert "OpenBadgeCredential" in extraction.payload.credential["type"]


def test_large_photo_is_scaled_down_before_scanning_and_still_decodes() -> None:
    photo = qr_photo(HOSTED_URL, angle=-7, size=(1800, 1280))
    extraction = extract(photo, limits=Limits(max_qr_side=1000))
    assert extraction.payload.text == HOSTED_URL


def test_png_without_a_baked_chunk_decodes_its_qr_code() -> None:
    extraction = extract(png_with_qr(HOSTED_URL))

    assert extraction.container == "image"
    assert extraction.media_type == "image/png"
    assert (extraction.payload.kind, extraction.payload.text) == ("url", HOSTED_URL)


def test_gif_screenshot_decodes_its_qr_code() -> None:
    with Image.open(io.BytesIO(png_with_qr(SHORT_JWS))) as image:
        buffer = io.BytesIO()
        image.save(buffer, format="GIF")

    extraction = extract(buffer.getvalue())

    assert extraction.media_type == "image/gif"
    assert (extraction.payload.kind, extraction.payload.text) == ("jws", SHORT_JWS)


def test_a_non_badge_qr_code_next_to_a_badge_one_is_reported_as_a_warning() -> None:
    with Image.open(io.BytesIO(png_with_qr("hello"))) as left, Image.open(io.BytesIO(png_with_qr(HOSTED_URL))) as right:
        canvas = Image.new("RGB", (left.width + right.width + 60, max(left.height, right.height) + 40), "white")
        canvas.paste(left, (20, 20))
        canvas.paste(right, (left.width + 40, 20))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")

    extraction = extract(buffer.getvalue())

    assert [found.payload.text for found in extraction.found] == [HOSTED_URL]
    assert len(extraction.warnings) == 1
    assert "'hello'" in extraction.warnings[0] and extraction.warnings[0].startswith("QR code ")


def test_photo_without_a_qr_code_is_not_mistaken_for_one() -> None:
    with pytest.raises(NoBadgeFound, match="no QR code found"):
        extract(plain_photo(image_format="WEBP"))

"""The public baked-badge vectors (tests/fixtures/vectors/baked/) extract as their manifest says."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from helpers import VECTORS, badge_chunks, itxt_fields, rs256_signature_ok

from verifier import NoBadgeFound, extract
from verifier._baking import svg as svg_baking

MANIFEST = json.loads((VECTORS / "manifest.json").read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = MANIFEST["files"]
BAKED = [entry for entry in ENTRIES if entry["extract"].get("element", "") is not None]

# What each vector claims to be (not part of the manifest's extract block; read from its "what" description).
EXPECTED_VERSION = {
    "baked/1ed-ob20-simple-badge.png": "ob2",
    "baked/1ed-ob30-simple-json.png": "ob3",
    "baked/1ed-ob30-simple-json.svg": "ob3",
    "baked/1ed-ob30-simple-jwt.png": "ob3",
    "baked/1ed-ob30-simple-jwt.svg": "ob3",
    "baked/1ed-ob30-simple-jwt_v1.png": "ob3",
    "baked/py-baked_heart.png": "ob1",
    "baked/py-baked_example.svg": "ob1",
    "baked/moz-baked.svg": "ob1",
}


def _read(entry: dict[str, Any]) -> bytes:
    return (VECTORS / entry["file"]).read_bytes()


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["file"].removeprefix("baked/") for entry in entries]


def test_manifest_lists_exactly_the_copied_files() -> None:
    listed = {entry["file"] for entry in ENTRIES}
    on_disk = {f"baked/{path.name}" for path in (VECTORS / "baked").iterdir()}
    assert listed == on_disk
    assert len(ENTRIES) == 12
    assert all(entry["file"].startswith("baked/") for entry in ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_copied_file_matches_manifest_sha256(entry: dict[str, Any]) -> None:
    data = _read(entry)
    assert len(data) == entry["bytes"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]


@pytest.mark.parametrize("entry", BAKED, ids=_ids(BAKED))
def test_extraction_matches_manifest(entry: dict[str, Any]) -> None:
    spec = entry["extract"]
    data = _read(entry)

    extraction = extract(data)

    assert extraction.container == spec["container"]
    assert extraction.warnings == ()
    assert extraction.payload.version == EXPECTED_VERSION.get(entry["file"], "unknown")
    if spec["container"] == "png":
        assert extraction.media_type == "image/png"
        assert extraction.location == f"PNG {spec['chunk']} '{spec['keyword']}'"
        assert extraction.payload.kind == spec["payload"].split()[0]
        # Cross-check against an independent reading of the chunk: exactly one badge chunk, its text kept whole.
        (chunk,) = badge_chunks(data)
        assert chunk.type.decode() == spec["chunk"]
        keyword, flag, _method, _language, _translated, body = itxt_fields(chunk)
        assert (keyword, flag) == (spec["keyword"], 0)
        assert extraction.payload.text == body.decode("utf-8").strip()
        return

    assert extraction.media_type == "image/svg+xml"
    namespace, _, local = spec["element"][1:].partition("}")
    assert [element.tag for element in svg_baking.read_badge_elements(data)] == [spec["element"]]
    assert all(found.location.startswith(f"SVG <{local}> ") for found in extraction.found)
    by_place = {found.location.rsplit(" ", 1)[1]: found.payload for found in extraction.found}
    if "payload" in spec:  # 1EdTech vectors: "json (CDATA)" or "jws (verify attribute)"
        kind = spec["payload"].split()[0]
        place = "body" if "(CDATA)" in spec["payload"] else "verify"
        assert list(by_place) == [place]
        assert by_place[place].kind == kind
    if "verify" in spec:  # bakery vectors give the verify URL and the body text
        assert by_place["verify"].kind == "url"
        assert by_place["verify"].text == spec["verify"]
        body = spec["body"]
        if body == "":
            assert "body" not in by_place
        elif body.startswith("{"):
            assert by_place["body"].text == body
        else:  # a description, e.g. "OB 1.0 assertion JSON"
            assert by_place["body"].kind == "json"
            assert by_place["body"].claims is not None
        # The body, when there is one, comes first; the verify URL is always kept as well.
        assert list(by_place)[-1] == "verify"


def test_unbaked_svg_raises_no_badge_found() -> None:
    (entry,) = [entry for entry in ENTRIES if entry["file"] == "baked/moz-unbaked.svg"]
    assert entry["extract"] == {"container": "svg", "element": None}
    with pytest.raises(NoBadgeFound, match="no baked badge"):
        extract(_read(entry))


def test_bad_json_svg_keeps_the_raw_text_and_reports_the_problem() -> None:
    extraction = extract((VECTORS / "baked/moz-bad-json.svg").read_bytes())

    body, verify = (found.payload for found in extraction.found)
    assert body.kind == "json"
    assert body.text == '{verify:{"url":"http://example.org"}}'
    assert body.claims is None
    assert body.problem is not None and "does not parse" in body.problem
    assert body.badge_id is None
    assert (verify.kind, verify.text, verify.problem) == ("url", "http://example.org", None)


def test_ob1_bakery_vectors_carry_their_hosted_url() -> None:
    heart = extract((VECTORS / "baked/py-baked_heart.png").read_bytes()).payload
    assert heart.claims is not None
    assert heart.claims["verify"]["url"] == "http://example.org/badgeinstance1"
    assert heart.badge_id == "http://example.org/badgeinstance1"

    example = extract((VECTORS / "baked/py-baked_example.svg").read_bytes())
    assert [found.payload.badge_id for found in example.found] == ["https://example.org/assertion.json"] * 2
    assert example.found[0].payload.claims is not None
    assert example.found[0].payload.claims["uid"] == "abcdef12345"


def test_ob2_png_vector_is_the_hosted_assertion() -> None:
    payload = extract((VECTORS / "baked/1ed-ob20-simple-badge.png").read_bytes()).payload
    assert payload.claims is not None
    assert payload.claims["type"] == "Assertion"
    assert payload.badge_id == "https://example.org/beths-robotics-badge.json"


@pytest.mark.parametrize("name", ["1ed-ob30-simple-jwt.png", "1ed-ob30-simple-jwt.svg", "1ed-ob30-simple-jwt_v1.png"])
def test_jwt_vectors_extract_the_exact_signed_token(name: str) -> None:
    payload = extract((VECTORS / "baked" / name).read_bytes()).payload

    assert payload.kind == "jws"
    assert payload.jws_header is not None
    assert payload.jws_header["alg"] == "RS256"
    # Not verification: only proof that extraction kept every byte of the token (the signature still checks).
    assert rs256_signature_ok(payload.text, payload.jws_header["jwk"])
    assert payload.claims is not None and payload.credential is not None
    assert "OpenBadgeCredential" in payload.credential["type"]
    assert payload.badge_id == payload.credential["id"]


def test_vc11_jwt_vector_exposes_the_vc_claim_as_the_credential() -> None:
    payload = extract((VECTORS / "baked/1ed-ob30-simple-jwt_v1.png").read_bytes()).payload
    assert payload.claims is not None
    assert "vc" in payload.claims
    assert payload.credential is payload.claims["vc"]
    assert "@context" not in payload.claims
    assert payload.credential["@context"][0] == "https://www.w3.org/2018/credentials/v1"


def test_json_and_jwt_vectors_hold_the_same_credential_id() -> None:
    json_png = extract((VECTORS / "baked/1ed-ob30-simple-json.png").read_bytes()).payload
    json_svg = extract((VECTORS / "baked/1ed-ob30-simple-json.svg").read_bytes()).payload
    assert json_png.claims is not None and json_svg.claims is not None
    assert json_png.claims["proof"] == json_svg.claims["proof"]
    assert json_png.badge_id == json_svg.badge_id == "http://example.com/credentials/3527"

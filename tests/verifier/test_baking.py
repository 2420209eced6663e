"""Baking: bake() then extract() round trips, what the baked bytes look like, and how legacy PNG chunks read."""

from __future__ import annotations

import json

import pytest
from helpers import (
    BASE_SVG,
    HOSTED_URL,
    OB2_NAMESPACE,
    OB3_NAMESPACE,
    PNG_SIGNATURE,
    badge_chunks,
    compact_json,
    ihdr_chunk,
    insert_chunks,
    itxt_chunk,
    itxt_fields,
    ob2_assertion,
    ob3_credential,
    pixels,
    read_chunks,
    rs256_signature_ok,
    sign_rs256,
    svg_badge_elements,
    svg_root_end,
    svg_without_badge,
    text_chunk,
    without_badge_chunks,
    ztxt_chunk,
)

from verifier import MalformedInput, Payload, bake, classify_payload, extract
from verifier._baking import svg as svg_baking

OB3_URL = "https://issuer.example.org/credentials/2b7c1a52.json"
KEYWORD = {"ob2": "openbadges", "ob3": "openbadgecredential"}
SVG_ELEMENT = {"ob2": (OB2_NAMESPACE, "assertion"), "ob3": (OB3_NAMESPACE, "credential")}
VERSIONS = ("ob2", "ob3")
KINDS = ("url", "json", "jws")


def make_payload(version: str, kind: str) -> Payload:
    if kind == "url":
        # A URL says nothing about its version: OB 3.0 is known from where it is baked (the hint).
        return classify_payload(OB3_URL, hint="ob3") if version == "ob3" else classify_payload(HOSTED_URL)
    if kind == "json":
        obj = ob3_credential() if version == "ob3" else ob2_assertion()
        return classify_payload(json.dumps(obj, indent=2, ensure_ascii=False))
    if version == "ob3":  # a VC-JWT (VC 2.0: the credential is the JWT payload, plus the registered claims)
        credential = ob3_credential()
        claims = {**credential, "iss": credential["issuer"]["id"], "jti": credential["id"], "nbf": 1714564800}
        return classify_payload(sign_rs256(claims))
    return classify_payload(sign_rs256(ob2_assertion()))


PAYLOADS = {(version, kind): make_payload(version, kind) for version in VERSIONS for kind in KINDS}
MATRIX = pytest.mark.parametrize(("version", "kind"), list(PAYLOADS), ids=[f"{v}-{k}" for v, k in PAYLOADS])


def test_payload_matrix_is_what_it_claims() -> None:
    for (version, kind), payload in PAYLOADS.items():
        assert payload.kind == kind
        assert payload.version == ("unknown" if (version, kind) == ("ob2", "url") else version)
        if kind == "jws":
            assert rs256_signature_ok(payload.text)


def _check_round_trip(extracted: Payload, payload: Payload) -> None:
    assert extracted.text == payload.text
    assert extracted.kind == payload.kind
    assert extracted.version == payload.version
    assert extracted.claims == payload.claims
    assert extracted.sha256 == payload.sha256
    if payload.kind == "jws":
        assert extracted.jws_header == payload.jws_header
        assert rs256_signature_ok(extracted.text)


# ------------------------------------------------------------------------------------------------------------------
# PNG
# ------------------------------------------------------------------------------------------------------------------


@MATRIX
def test_png_round_trip(base_png: bytes, version: str, kind: str) -> None:
    payload = PAYLOADS[version, kind]

    extraction = extract(bake(base_png, payload))

    assert extraction.container == "png"
    assert extraction.media_type == "image/png"
    assert extraction.location == f"PNG iTXt '{KEYWORD[version]}'"
    assert extraction.warnings == ()
    assert len(extraction.found) == 1
    _check_round_trip(extraction.payload, payload)


@MATRIX
def test_png_bake_writes_one_uncompressed_itxt_right_after_ihdr(base_png: bytes, version: str, kind: str) -> None:
    payload = PAYLOADS[version, kind]

    chunks = read_chunks(bake(base_png, payload))

    assert [c.type for c in chunks[:2]] == [b"IHDR", b"iTXt"]
    assert itxt_fields(chunks[1]) == (KEYWORD[version], 0, 0, "", "", payload.text.encode("utf-8"))
    assert [c for c in chunks if c.is_badge] == [chunks[1]]


@MATRIX
def test_png_bake_changes_no_other_byte_and_no_pixel(base_png: bytes, version: str, kind: str) -> None:
    baked = bake(base_png, PAYLOADS[version, kind])

    (new_chunk,) = badge_chunks(baked)
    ihdr_end = 8 + len(read_chunks(base_png)[0].raw)
    assert baked == base_png[:ihdr_end] + new_chunk.raw + base_png[ihdr_end:]
    assert pixels(baked) == pixels(base_png)


def test_png_rebake_replaces_every_old_badge_chunk(base_png: bytes) -> None:
    xmp = itxt_chunk("XML:com.adobe.xmp", "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    old = insert_chunks(
        insert_chunks(
            base_png,
            text_chunk("openbadges", "https://old.example.org/assertion"),
            itxt_chunk("openbadgecredential", compact_json(ob3_credential())),
            xmp,
        ),
        ztxt_chunk("openbadges", "https://older.example.org/assertion"),
        itxt_chunk("clrcredential", "https://clr.example.org/1"),
        after=b"IDAT",
    )
    assert len(badge_chunks(old)) == 4

    for version, kind in [("ob2", "json"), ("ob3", "url"), ("ob2", "jws")]:
        payload = PAYLOADS[version, kind]
        baked = bake(old, payload)

        (chunk,) = badge_chunks(baked)
        assert itxt_fields(chunk)[0] == KEYWORD[version]
        assert without_badge_chunks(baked) == without_badge_chunks(old)
        assert xmp in baked
        assert pixels(baked) == pixels(base_png)
        extraction = extract(baked)
        assert [f.payload.text for f in extraction.found] == [payload.text]
        old = baked


def test_png_bake_is_idempotent(base_png: bytes) -> None:
    payload = PAYLOADS["ob3", "jws"]
    once = bake(base_png, payload)
    assert bake(once, payload) == once


# ------------------------------------------------------------------------------------------------------------------
# SVG
# ------------------------------------------------------------------------------------------------------------------


@MATRIX
def test_svg_round_trip(base_svg: bytes, version: str, kind: str) -> None:
    payload = PAYLOADS[version, kind]
    _, local = SVG_ELEMENT[version]

    extraction = extract(bake(base_svg, payload))

    assert extraction.container == "svg"
    assert extraction.media_type == "image/svg+xml"
    assert extraction.location == f"SVG <{local}> {'body' if kind == 'json' else 'verify'}"
    assert extraction.warnings == ()
    assert len(extraction.found) == 1
    _check_round_trip(extraction.payload, payload)


@MATRIX
def test_svg_bake_adds_one_element_first_and_keeps_the_rest(base_svg: bytes, version: str, kind: str) -> None:
    payload = PAYLOADS[version, kind]
    namespace, local = SVG_ELEMENT[version]

    baked = bake(base_svg, payload)

    if kind == "json":
        element = f"<openbadges:{local}><![CDATA[{payload.text}]]></openbadges:{local}>"
    else:
        element = f'<openbadges:{local} verify="{payload.text}"/>'
    assert svg_badge_elements(baked) == [element.encode()]
    root_end = svg_root_end(baked)
    assert baked[:root_end].endswith(f' xmlns:openbadges="{namespace}">'.encode())
    assert baked[root_end:].startswith(element.encode())
    assert svg_without_badge(baked) == base_svg
    assert [e.tag for e in svg_baking.read_badge_elements(baked)] == [f"{{{namespace}}}{local}"]


@pytest.mark.parametrize("version", VERSIONS)
def test_svg_json_containing_cdata_end_survives(base_svg: bytes, version: str) -> None:
    obj = (ob3_credential if version == "ob3" else ob2_assertion)(narrative="ends ]]> here, and ]]]]> there")
    payload = classify_payload(compact_json(obj))
    assert "]]>" in payload.text

    baked = bake(base_svg, payload)
    extraction = extract(baked)

    assert extraction.location.endswith(" body")
    assert extraction.payload.text == payload.text
    assert extraction.payload.claims == obj
    assert svg_without_badge(baked) == base_svg


def test_svg_verify_attribute_escapes_markup_characters(base_svg: bytes) -> None:
    url = "https://badges.example.org/assertion?id=42&format=json&q=%22x%22"
    payload = classify_payload(url)

    baked = bake(base_svg, payload)

    assert b'verify="https://badges.example.org/assertion?id=42&amp;format=json&amp;q=%22x%22"' in baked
    assert extract(baked).payload.text == url


def test_svg_rebake_replaces_the_element(base_svg: bytes) -> None:
    svg = base_svg
    for version, kind in [("ob2", "json"), ("ob3", "url"), ("ob2", "jws"), ("ob3", "json")]:
        payload = PAYLOADS[version, kind]
        svg = bake(svg, payload)

        assert len(svg_badge_elements(svg)) == 1
        assert svg.count(b"<openbadges:") == 1
        extraction = extract(svg)
        assert [f.payload.text for f in extraction.found] == [payload.text]
        assert extraction.payload.version == payload.version
    assert svg_without_badge(svg) == base_svg


def _svg_with_root_namespace(namespace: str, existing: str) -> bytes:
    return (
        BASE_SVG.replace('viewBox="0 0 120 120"', f'viewBox="0 0 120 120" xmlns:openbadges="{namespace}"')
        .replace("<defs>", f"<metadata>{existing}<!-- kept --></metadata><defs>")
        .encode()
    )


@pytest.mark.parametrize(
    ("declared", "existing", "version", "kind"),
    [
        (OB2_NAMESPACE, '<openbadges:assertion verify="https://old.example.org/a"/>', "ob3", "jws"),
        (OB2_NAMESPACE, "", "ob3", "json"),
        (OB3_NAMESPACE, "<openbadges:credential><![CDATA[{}]]></openbadges:credential>", "ob2", "url"),
    ],
    ids=["ob2-root-bake-ob3-jws", "ob2-root-bake-ob3-json", "ob3-root-bake-ob2-url"],
)
def test_svg_bake_under_a_root_declaring_the_other_version(
    declared: str, existing: str, version: str, kind: str
) -> None:
    original = _svg_with_root_namespace(declared, existing)
    payload = PAYLOADS[version, kind]
    namespace, local = SVG_ELEMENT[version]

    baked = bake(original, payload)

    # The root keeps its declaration; the new element declares its own namespace.
    assert baked[: svg_root_end(baked)].count(b"xmlns:openbadges=") == 1
    assert f'xmlns:openbadges="{declared}"'.encode() in baked[: svg_root_end(baked)]
    (element,) = svg_badge_elements(baked)
    assert f'<openbadges:{local} xmlns:openbadges="{namespace}"'.encode() in element
    assert [e.tag for e in svg_baking.read_badge_elements(baked)] == [f"{{{namespace}}}{local}"]
    extraction = extract(baked)
    assert len(extraction.found) == 1
    assert extraction.location.startswith(f"SVG <{local}>")
    _check_round_trip(extraction.payload, payload)
    assert svg_without_badge(baked) == svg_without_badge(original)


OLD_OB2 = '<openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="https://old.example.org/a"'
OLD_OB3 = f'<openbadges:credential xmlns:openbadges="{OB3_NAMESPACE}"'


@pytest.mark.parametrize(
    ("container", "old"),
    [
        ("metadata", OLD_OB2 + "/>"),
        ("g", OLD_OB2 + " />"),
        ("g", OLD_OB2 + "></openbadges:assertion>"),
        ("metadata", OLD_OB3 + "><![CDATA[{}]]></openbadges:credential>"),
        ("metadata", OLD_OB3 + ' verify="a/b>c"/>'),
    ],
    ids=["self-closing", "self-closing-space", "empty-pair", "cdata", "quoted-greater-than"],
)
def test_svg_rebake_removes_a_nested_element_and_nothing_else(container: str, old: str) -> None:
    # Regression: expat reports a self-closing element's end at the *next* token; when that token was the parent's
    # end tag, the old element used to be removed together with it, leaving a document that is not well-formed.
    original = BASE_SVG.replace("<defs>", f"<{container}>{old}</{container}><defs>").encode()

    baked = bake(original, PAYLOADS["ob3", "json"])

    assert f"<{container}></{container}>".encode() in baked
    assert svg_without_badge(baked) == svg_without_badge(original)
    assert [f.payload.text for f in extract(baked).found] == [PAYLOADS["ob3", "json"].text]


def test_svg_bake_under_a_root_declaring_the_same_version_adds_no_declaration() -> None:
    original = _svg_with_root_namespace(OB3_NAMESPACE, "")
    baked = bake(original, PAYLOADS["ob3", "url"])

    assert baked.count(b"xmlns:openbadges=") == 1
    assert svg_badge_elements(baked) == [f'<openbadges:credential verify="{OB3_URL}"/>'.encode()]
    assert extract(baked).payload.version == "ob3"


def test_svg_bake_finds_the_end_of_a_root_tag_with_quoted_greater_than() -> None:
    head = b'<svg xmlns="http://www.w3.org/2000/svg" data-rule="a > b" data-other=\'c>d\'>'
    original = head + b'<rect width="1" height="1"/></svg>'

    baked = bake(original, PAYLOADS["ob2", "url"])

    expected = (
        head[:-1]
        + f' xmlns:openbadges="{OB2_NAMESPACE}">'.encode()
        + f'<openbadges:assertion verify="{HOSTED_URL}"/>'.encode()
        + original[len(head) :]
    )
    assert baked == expected
    assert extract(baked).payload.text == HOSTED_URL


def test_svg_bake_keeps_a_bare_public_doctype() -> None:
    doctype = (
        b'<?xml version="1.0" standalone="no"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    )
    original = doctype + BASE_SVG.split("\n", 1)[1].encode()

    baked = bake(original, PAYLOADS["ob3", "jws"])

    assert baked.startswith(doctype)
    assert svg_without_badge(baked) == original
    assert extract(baked).payload.text == PAYLOADS["ob3", "jws"].text


def test_bake_refuses_what_it_cannot_bake_into() -> None:
    payload = PAYLOADS["ob2", "url"]
    with pytest.raises(MalformedInput, match="only PNG and SVG"):
        bake(b"GIF89a" + b"\x00" * 32, payload)
    with pytest.raises(MalformedInput, match="empty"):
        bake(b'<svg xmlns="http://www.w3.org/2000/svg"/>', payload)
    with pytest.raises(MalformedInput, match="truncated"):
        bake(PNG_SIGNATURE + ihdr_chunk(4, 4), payload)  # a PNG cut right after IHDR


# ------------------------------------------------------------------------------------------------------------------
# PNG chunks other bakers write: compressed, legacy tEXt/zTXt, both versions, duplicates
# ------------------------------------------------------------------------------------------------------------------


def test_compressed_itxt_extracts_with_a_warning(base_png: bytes) -> None:
    text = compact_json(ob2_assertion())
    png = insert_chunks(base_png, itxt_chunk("openbadges", text, compressed=True))
    assert itxt_fields(badge_chunks(png)[0])[1] == 1

    extraction = extract(png)

    assert extraction.payload.text == text
    assert extraction.payload.version == "ob2"
    assert extraction.location == "PNG iTXt 'openbadges'"
    assert extraction.warnings == ("the 'openbadges' chunk is compressed, which the baking spec forbids",)


def test_itxt_with_language_tag_and_translated_keyword_extracts(base_png: bytes) -> None:
    png = insert_chunks(base_png, itxt_chunk("openbadges", HOSTED_URL, language="en-GB", translated="Öpen Badges"))
    extraction = extract(png)
    assert (extraction.payload.kind, extraction.payload.text) == ("url", HOSTED_URL)
    assert extraction.warnings == ()


def test_legacy_text_url_gives_version_hint_ob1(base_png: bytes) -> None:
    png = insert_chunks(base_png, text_chunk("openbadges", HOSTED_URL), after=b"IDAT")

    extraction = extract(png)

    assert extraction.location == "PNG tEXt 'openbadges'"
    assert (extraction.payload.kind, extraction.payload.version) == ("url", "ob1")
    assert extraction.payload.text == HOSTED_URL
    assert extraction.warnings == ()


def test_legacy_text_json_is_classified_by_its_content(base_png: bytes) -> None:
    png = insert_chunks(base_png, text_chunk("openbadges", compact_json(ob2_assertion(name="Robotics"))))
    extraction = extract(png)
    assert (extraction.payload.kind, extraction.payload.version) == ("json", "ob2")


def test_legacy_ztxt_extracts_with_a_warning(base_png: bytes) -> None:
    png = insert_chunks(base_png, ztxt_chunk("openbadges", HOSTED_URL))

    extraction = extract(png)

    assert extraction.location == "PNG zTXt 'openbadges'"
    assert extraction.payload.text == HOSTED_URL
    assert any("compressed" in warning for warning in extraction.warnings)


def test_ob3_chunk_is_preferred_over_ob2_in_the_same_image(base_png: bytes) -> None:
    ob2 = compact_json(ob2_assertion())
    ob3 = compact_json(ob3_credential())
    png = insert_chunks(base_png, itxt_chunk("openbadges", ob2), itxt_chunk("openbadgecredential", ob3))

    extraction = extract(png)

    assert [f.location for f in extraction.found] == ["PNG iTXt 'openbadgecredential'", "PNG iTXt 'openbadges'"]
    assert [f.payload.version for f in extraction.found] == ["ob3", "ob2"]
    assert extraction.payload.text == ob3
    assert extraction.warnings == ()


def test_itxt_is_preferred_over_legacy_text_whatever_the_order(base_png: bytes) -> None:
    png = insert_chunks(
        base_png, text_chunk("openbadges", "https://legacy.example.org/a"), itxt_chunk("openbadges", HOSTED_URL)
    )
    extraction = extract(png)
    assert [f.location for f in extraction.found] == ["PNG iTXt 'openbadges'", "PNG tEXt 'openbadges'"]
    assert extraction.payload.text == HOSTED_URL


def test_duplicate_chunks_warn_and_the_first_one_wins(base_png: bytes) -> None:
    first, second = "https://badges.example.org/first", "https://badges.example.org/second"
    png = insert_chunks(base_png, itxt_chunk("openbadges", first), itxt_chunk("openbadges", second))

    extraction = extract(png)

    assert [f.payload.text for f in extraction.found] == [first]
    assert extraction.warnings == ("more than one iTXt 'openbadges' chunk: the first one is used",)

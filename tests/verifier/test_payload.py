"""classify_payload: URL / JSON / JWS, the version each claims, trimming, and the badge_id rules."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from helpers import HOSTED_URL, compact_json, ob2_assertion, ob3_credential, sign_rs256

from verifier import NoBadgeFound, classify_payload, extract


def b64url(obj: Any) -> str:
    raw = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned_jws(header: Any, claims: Any) -> str:
    """A compact JWS shape with a dummy signature: classification never verifies."""
    return f"{b64url(header)}.{b64url(claims)}.c2lnbmF0dXJl"


# ------------------------------------------------------------------------------------------------------------------
# URL
# ------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [HOSTED_URL, "http://example.org", "https://example.org:8443/a?b=c&d=e#f"])
def test_http_urls_are_url_payloads(url: str) -> None:
    payload = classify_payload(url)
    assert (payload.kind, payload.text, payload.version) == ("url", url, "unknown")
    assert payload.claims is None and payload.jws_header is None and payload.problem is None


def test_url_version_comes_from_the_hint() -> None:
    assert classify_payload(HOSTED_URL, hint="ob3").version == "ob3"
    assert classify_payload(HOSTED_URL, hint="ob1").version == "ob1"


@pytest.mark.parametrize(
    "text",
    ["ftp://example.org/badge.json", "https://", "https:///path-only", "https://example.org/a b", "example.org/a"],
)
def test_non_http_or_broken_urls_are_not_payloads(text: str) -> None:
    with pytest.raises(NoBadgeFound, match="not an Open Badges payload"):
        classify_payload(text)


@pytest.mark.parametrize(
    "text",
    [
        "http://x",
        "HTTP://example.org/a",
        "https://?q",
        "http://#f",
        "http://\u00e9xample.org/a",
        "https://[::1]/a",
        "https://[::1/a",
        "https://example.org/[a]",
        "http:x",
    ],
)
def test_a_url_payload_is_what_urlsplit_says_an_http_url_is(text: str) -> None:
    # The common case is decided without splitting the URL: it must agree with the split on the uncommon ones.
    try:
        parts = urlsplit(text)
        expected = parts.scheme in ("http", "https") and bool(parts.netloc)
    except ValueError:
        expected = False
    try:
        kind: str | None = classify_payload(text).kind
    except NoBadgeFound:
        kind = None
    assert (kind == "url") is expected


# ------------------------------------------------------------------------------------------------------------------
# JSON
# ------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "version"),
    [
        (ob2_assertion(), "ob2"),
        ({"@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass"}, "ob2"),
        ({"type": "Assertion", "id": "urn:uuid:1"}, "ob2"),
        (ob3_credential(), "ob3"),
        ({"type": ["OpenBadgeCredential"]}, "ob3"),
        ({"type": "AchievementCredential"}, "ob3"),
        ({"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"]}, "ob3"),
        ({"@context": ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]}, "ob3"),
        (
            {
                "uid": "abc",
                "recipient": {"identity": "ada@example.org"},
                "verify": {"type": "hosted", "url": HOSTED_URL},
            },
            "ob1",
        ),
        ({"@context": "https://w3id.org/openbadges/v1", "type": "Assertion", "id": HOSTED_URL}, "ob1"),
        ({"uid": "abc", "recipient": "ada@example.org", "verify": {"type": "hosted", "url": HOSTED_URL}}, "ob0"),
        ({"recipient": "sha256$abc"}, "ob0"),
        ({"name": "just some JSON"}, "unknown"),
    ],
    ids=[
        "ob2-assertion",
        "ob2-context",
        "ob2-type-only",
        "ob3-credential",
        "ob3-type-only",
        "ob3-achievement-credential",
        "vc11-context",
        "ob3-context-only",
        "ob1.0-hosted",
        "ob1.1-context",
        "ob0.5-string-recipient",
        "ob0.5-hashed-recipient",
        "unknown",
    ],
)
def test_json_version_detection(obj: dict[str, Any], version: str) -> None:
    payload = classify_payload(compact_json(obj))
    assert (payload.kind, payload.version) == ("json", version)
    assert payload.claims == obj
    assert payload.credential == obj
    assert payload.problem is None


def test_json_content_wins_over_the_hint_but_the_hint_fills_in() -> None:
    assert classify_payload(compact_json(ob2_assertion()), hint="ob3").version == "ob2"
    assert classify_payload('{"name": "x"}', hint="ob3").version == "ob3"
    # A context list with an OB 2.0 context but no OB 1.0 markers is not OB 1.0.
    assert classify_payload('{"@context": "https://example.org/ctx", "uid": "1"}').version == "unknown"


@pytest.mark.parametrize("text", ['{verify:{"url":"http://example.org"}}', '{"a": 1,}', "{", '{"a": "\\x"}'])
def test_json_that_does_not_parse_keeps_its_text_and_a_problem(text: str) -> None:
    payload = classify_payload(text, hint="ob1")
    assert (payload.kind, payload.text, payload.version) == ("json", text, "ob1")
    assert payload.claims is None and payload.credential is None and payload.badge_id is None
    assert payload.problem is not None and payload.problem.startswith("the badge JSON does not parse")


# ------------------------------------------------------------------------------------------------------------------
# JWS
# ------------------------------------------------------------------------------------------------------------------


def test_signed_ob2_assertion_is_a_jws() -> None:
    token = sign_rs256(ob2_assertion())

    payload = classify_payload(token)

    assert (payload.kind, payload.version, payload.text) == ("jws", "ob2", token)
    assert payload.jws_header is not None
    assert payload.jws_header["alg"] == "RS256"
    assert payload.claims == ob2_assertion()
    assert payload.credential == ob2_assertion()


def test_jws_with_a_vc_claim_is_ob3_and_its_credential_is_the_vc() -> None:
    vc = ob3_credential(id="urn:uuid:inside-vc")
    claims = {"iss": "https://issuer.example.org/", "jti": "urn:uuid:jti", "nbf": 1714564800, "vc": vc}

    payload = classify_payload(sign_rs256(claims))

    assert payload.version == "ob3"
    assert payload.claims == claims
    assert payload.credential == vc
    assert payload.badge_id == "urn:uuid:inside-vc"


def test_vc_claim_alone_makes_a_jws_ob3() -> None:
    payload = classify_payload(unsigned_jws({"alg": "ES256"}, {"vc": {"credentialSubject": {}}}))
    assert payload.version == "ob3"
    assert payload.credential == {"credentialSubject": {}}


def test_jws_header_is_decoded_whatever_the_algorithm() -> None:
    header = {"alg": "EdDSA", "kid": "did:example:issuer#key-1", "typ": "vc+ld+jwt"}
    payload = classify_payload(unsigned_jws(header, ob3_credential()))
    assert payload.jws_header == header
    assert payload.version == "ob3"


def test_jws_whose_payload_is_not_json_keeps_the_header_and_a_problem() -> None:
    token = unsigned_jws({"alg": "RS256"}, b"\x00\x01 not json")

    payload = classify_payload(token, hint="ob3")

    assert (payload.kind, payload.version) == ("jws", "ob3")
    assert payload.jws_header == {"alg": "RS256"}
    assert payload.claims is None and payload.badge_id is None
    assert payload.problem == "the JWS payload is not a JSON object"


@pytest.mark.parametrize(
    "text",
    [
        unsigned_jws({"typ": "JWT"}, {"a": 1}),  # no alg: not a JWS header
        unsigned_jws(["alg"], {"a": 1}),  # header not an object
        f"{b64url({'alg': 'RS256'})}.{b64url({'a': 1})}",  # two parts
        f"{b64url({'alg': 'RS256'})}=.{b64url({'a': 1})}.c2ln",  # padding is not base64url
        "a.b.c",
        "hello.world.again",
    ],
    ids=["no-alg", "header-list", "two-parts", "padded", "abc", "words"],
)
def test_dotted_text_that_is_not_a_jws_is_not_a_payload(text: str) -> None:
    with pytest.raises(NoBadgeFound, match="not an Open Badges payload"):
        classify_payload(text)


def test_an_unsecured_jws_with_an_empty_signature_is_still_a_jws() -> None:
    # Classified as a JWS so that verification can reject it on its signature, with that reason.
    payload = classify_payload(f"{b64url({'alg': 'none'})}.{b64url({'a': 1})}.")
    assert payload.kind == "jws" and payload.jws_header == {"alg": "none"}


# ------------------------------------------------------------------------------------------------------------------
# Trimming, empty input, errors
# ------------------------------------------------------------------------------------------------------------------

JSON_TEXT = compact_json(ob2_assertion())


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (f"  \n{JSON_TEXT}\r\n\t", JSON_TEXT),
        (f"\ufeff{JSON_TEXT}", JSON_TEXT),
        (f"\ufeff\r\n{JSON_TEXT}\n", JSON_TEXT),
        (f" \ufeff{JSON_TEXT}", JSON_TEXT),
        (f"\ufeff {HOSTED_URL}\n", HOSTED_URL),
        (f"\n{HOSTED_URL}\n", HOSTED_URL),
    ],
    ids=["whitespace", "bom", "bom-then-newline", "space-then-bom", "bom-url", "newlines-url"],
)
def test_whitespace_and_bom_are_trimmed(raw: str, text: str) -> None:
    payload = classify_payload(raw)
    assert payload.text == text
    assert payload.sha256 == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "\ufeff", "\ufeff \n"])
def test_empty_text_is_no_badge(raw: str) -> None:
    with pytest.raises(NoBadgeFound, match="empty"):
        classify_payload(raw)


def test_unrecognised_text_error_previews_the_text() -> None:
    with pytest.raises(NoBadgeFound) as excinfo:
        classify_payload("x" * 100)
    message = str(excinfo.value)
    assert "'" + "x" * 60 + "…'" in message
    assert "x" * 61 not in message
    assert excinfo.value.code == "no_badge_found"


# ------------------------------------------------------------------------------------------------------------------
# badge_id
# ------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "badge_id"),
    [
        (HOSTED_URL, HOSTED_URL),
        (compact_json({"id": " urn:uuid:1 ", "uid": "u"}), "urn:uuid:1"),
        (compact_json({"id": "  ", "jti": "urn:uuid:jti"}), "urn:uuid:jti"),
        (compact_json({"id": {"not": "a string"}, "verify": {"url": HOSTED_URL}}), HOSTED_URL),
        (compact_json({"verify": {"url": HOSTED_URL}, "uid": "abc"}), HOSTED_URL),
        (compact_json({"verify": {"type": "hosted"}, "uid": "abc"}), "uid:abc"),
        (compact_json({"uid": 123}), "uid:123"),
        (compact_json({"uid": " "}), None),
        (compact_json({"name": "nothing to go by"}), None),
        (
            unsigned_jws({"alg": "RS256"}, {"jti": "urn:uuid:jti", "vc": {"type": ["VerifiableCredential"]}}),
            "urn:uuid:jti",
        ),
        (unsigned_jws({"alg": "RS256"}, {"id": "urn:uuid:top", "jti": "urn:uuid:jti"}), "urn:uuid:top"),
    ],
    ids=[
        "url",
        "id-trimmed",
        "blank-id-then-jti",
        "non-string-id-then-verify-url",
        "verify-url-before-uid",
        "uid",
        "integer-uid",
        "blank-uid",
        "none",
        "jws-vc-without-id-then-jti",
        "jws-top-level-id",
    ],
)
def test_badge_id_rules(text: str, badge_id: str | None) -> None:
    assert classify_payload(text).badge_id == badge_id


# ------------------------------------------------------------------------------------------------------------------
# Text files given directly to extract()
# ------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "media_type"),
    [
        (HOSTED_URL + "\n", "url", "text/uri-list"),
        ("\ufeff" + JSON_TEXT, "json", "application/json"),
        (sign_rs256(ob2_assertion()), "jws", "application/jwt"),
    ],
    ids=["url", "json-with-bom", "jws"],
)
def test_text_files_extract_as_text(text: str, kind: str, media_type: str) -> None:
    extraction = extract(text.encode("utf-8"))
    assert (extraction.container, extraction.media_type, extraction.location) == ("text", media_type, "text")
    assert extraction.payload.kind == kind
    assert extraction.payload.text == text.strip().lstrip("\ufeff")

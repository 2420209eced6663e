"""JSON from outside nested beyond any badge, and JOSE headers of the wrong type: refused with the project's own
errors or reported, never a ``RecursionError`` or ``TypeError`` from deep inside a parser.

The defects these pin (issue 16): ~1 KB of nested JSON escaped as ``RecursionError`` from the payload classifier; a
few hundred levels inside an OB 3.0 credential overflowed JSON-LD expansion and its deep copies; a VC-JWT whose
``alg`` header is an object or an array crashed verification with ``TypeError: unhashable type``.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from ob3_issuer import EARNER_EMAIL, OB3Issuer, b64url, bake_png_ob3, ed25519_key

from verifier import (
    InputTooLarge,
    MalformedInput,
    Payload,
    Report,
    VerifierPolicy,
    classify_payload,
    verify,
    verify_many,
)
from verifier._jsonld import MAX_EXPANSION_DEPTH, canonicalize, expand, expand_safely
from verifier.extraction import MAX_JSON_DEPTH, JSONTooDeep, parse_json

TOO_DEEP = "is nested more than 100 levels deep"


def nested_text(depth: int) -> str:
    """A JSON object whose arrays bring it to ``depth`` levels in all (the object is the first)."""
    inner = depth - 1
    return '{"a":' + "[" * inner + "]" * inner + "}"


def nested_value(depth: int, leaf: Any = "leaf") -> Any:
    """``depth`` levels of objects, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = {"deeper": value}
    return value


def policy() -> VerifierPolicy:
    return VerifierPolicy(recipients=(EARNER_EMAIL,))


def decisive(report: Report) -> tuple[str, str] | None:
    check = report.decisive_check
    return (check.id, check.outcome) if check is not None else None


# -- the one parser --------------------------------------------------------------------------------------------------


def test_parse_json_accepts_the_limit_and_refuses_one_level_more() -> None:
    assert MAX_JSON_DEPTH == 100
    assert parse_json(nested_text(100))["a"] is not None
    assert parse_json(nested_text(100).encode()) == parse_json(nested_text(100))
    for data in (nested_text(101), nested_text(101).encode()):
        with pytest.raises(JSONTooDeep, match="the JSON is nested more than 100 levels deep"):
            parse_json(data)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_parse_json_refuses_nesting_beyond_the_parsers_own_stack(depth: int) -> None:
    with pytest.raises(JSONTooDeep) as refused:
        parse_json("[" * depth + "]" * depth)
    # Both what the verifier's callers catch (a size limit) and what json.loads's callers catch (a ValueError).
    assert isinstance(refused.value, InputTooLarge) and isinstance(refused.value, ValueError)


def test_brackets_inside_strings_are_not_nesting() -> None:
    text = json.dumps({"narrative": "[" * 5_000 + "{" * 5_000, "list": [[["ok"]]]})
    assert parse_json(text)["list"] == [[["ok"]]]


def test_a_large_flat_document_is_parsed_in_bounded_time() -> None:
    text = json.dumps({"entries": [[i, {"n": i}] for i in range(200_000)]})  # ~4 MB, 400,000 containers
    started = time.monotonic()
    assert len(parse_json(text)["entries"]) == 200_000
    assert time.monotonic() - started < 10


def test_malformed_json_is_still_a_value_error() -> None:
    with pytest.raises(ValueError) as raised:
        parse_json('{"a": [1, 2')
    assert not isinstance(raised.value, JSONTooDeep)


# -- the payload classifier ------------------------------------------------------------------------------------------


def test_a_kilobyte_of_nested_json_is_refused_by_the_classifier() -> None:
    text = nested_text(600)
    assert len(text) < 1_300
    with pytest.raises(JSONTooDeep, match=f"^the badge JSON {TOO_DEEP}$"):
        classify_payload(text)


@pytest.mark.parametrize("part", ["header", "payload"])
def test_a_jws_with_a_nested_header_or_payload_is_refused(part: str) -> None:
    header = {"alg": "EdDSA", "kid": "did:example:1#k"}
    claims: dict[str, Any] = {"iss": "did:example:1"}
    if part == "header":
        header["x"] = nested_value(300)
    else:
        claims["vc"] = nested_value(300)
    token = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}.c2ln"
    with pytest.raises(JSONTooDeep, match=f"^the JWS {part} {TOO_DEEP}$"):
        classify_payload(token)


# -- verify: one report, never an exception ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer() -> OB3Issuer:
    return OB3Issuer.did_key(ed25519_key("hostile-json"))


def _deep_credential(issuer: OB3Issuer, depth: int) -> dict[str, Any]:
    """A credential with a property the document's own context defines, holding ``depth`` levels of lists."""
    credential = issuer.credential()
    credential["@context"] = [*credential["@context"], {"deeper": "https://example.org/vocab#deeper"}]
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    credential["deeper"] = value
    return credential


@pytest.mark.parametrize("given", ["text", "file", "baked", "payload", "vc-jwt"])
def test_a_credential_nested_800_levels_deep_is_unverifiable(issuer: OB3Issuer, given: str) -> None:
    credential = _deep_credential(issuer, 800)
    text = json.dumps(credential)
    sources: dict[str, Any] = {
        "text": text,
        "file": text.encode(),
        "baked": bake_png_ob3(text),
        "payload": Payload("json", "{}", "ob3", claims=credential),
        "vc-jwt": issuer.jwt(credential),
    }
    report = verify(sources[given], policy=policy())
    assert report.status == "unverifiable"
    assert decisive(report) == ("extracted", "error")
    assert TOO_DEEP in report.check("extracted").message


def test_a_credential_nested_to_near_the_limit_still_verifies(issuer: OB3Issuer) -> None:
    """The limit leaves room: 95 levels of a defined property expand, canonicalize and verify."""
    signed = issuer.sign(_deep_credential(issuer, 95))
    report = verify(json.dumps(signed), policy=policy())
    assert report.status == "valid", [(c.id, c.outcome, c.message) for c in report.checks]


def test_a_batch_with_deep_documents_verifies_the_others(issuer: OB3Issuer) -> None:
    good = json.dumps(issuer.sign(issuer.credential()))
    reports = verify_many([nested_text(5_000), good, json.dumps(_deep_credential(issuer, 900))], policy=policy())
    assert [r.status for r in reports] == ["unverifiable", "valid", "unverifiable"]


# -- JSON-LD: its own guard, for documents given as objects -----------------------------------------------------------


@pytest.mark.parametrize("operation", [expand, expand_safely, canonicalize])
def test_json_ld_refuses_documents_deeper_than_it_can_recurse(issuer: OB3Issuer, operation: Any) -> None:
    document = _deep_credential(issuer, 800)
    with pytest.raises(JSONTooDeep, match=f"the JSON-LD document is nested more than {MAX_EXPANSION_DEPTH}"):
        operation(document)


# -- JOSE headers of the wrong type -----------------------------------------------------------------------------------


def _jwt_with_alg(issuer: OB3Issuer, alg: Any) -> str:
    header = {"alg": alg, "typ": "vc+jwt", "kid": issuer.vm}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(issuer.credential()).encode())}"
    key = issuer.key
    signature = key.sign(signing_input.encode("ascii"))  # type: ignore[call-arg]
    return f"{signing_input}.{b64url(signature)}"


@pytest.mark.parametrize(
    ("alg", "kind"),
    [({"name": "EdDSA"}, "an object"), (["EdDSA"], "an array"), (256, "a number"), (True, "true or false")],
)
def test_a_vc_jwt_whose_alg_is_not_a_name_is_invalid(issuer: OB3Issuer, alg: Any, kind: str) -> None:
    report = verify(_jwt_with_alg(issuer, alg), policy=policy())
    assert report.status == "invalid"
    check = report.decisive_check
    assert check is not None and check.outcome == "failed"
    assert f"the JWS algorithm must be a name, not {kind}" in check.message


# -- text that is not Unicode ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["https://issuer.example/\ud800", '{"name": "\udcff"}', "eyJ\udc80.e30.e30"])
def test_text_with_lone_surrogates_is_malformed_not_a_crash(text: str) -> None:
    """Found by fuzzing (tests/fuzz): lone surrogates, which Python makes of undecodable command-line bytes, made
    the classifier raise UnicodeEncodeError while hashing the text."""
    with pytest.raises(MalformedInput, match="the badge text is not valid Unicode"):
        classify_payload(text)
    report = verify(text, policy=policy())
    assert decisive(report) == ("extracted", "failed")


# -- documents JSON-LD cannot read ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"id": {"@value": 1}}, {"@id": 5}, {"name": {"@value": 2, "@list": [1]}}],
    ids=["id-object", "id-number", "value-and-list"],
)
def test_a_signed_credential_json_ld_cannot_read_is_invalid_not_a_crash(
    issuer: OB3Issuer, change: dict[str, Any]
) -> None:
    """Found by fuzzing (tests/fuzz): canonicalizing a document JSON-LD refuses escaped as pyld's JsonLdError."""
    credential = {**issuer.sign(issuer.credential()), **change}
    report = verify(json.dumps(credential), policy=policy())
    assert report.status == "invalid"
    signature = report.check("signature")
    assert signature is not None and signature.outcome == "failed"
    assert signature.message.startswith("the document is not valid JSON-LD, so it has no canonical form: Invalid")

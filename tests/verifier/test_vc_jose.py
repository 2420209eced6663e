"""VC-JWTs and VP-JWTs the way VC-JOSE-COSE and OB 3.0 issuers make them: the allowed algorithms (ES256, ES384,
EdDSA/Ed25519, RS256, PS256; never ``none`` or HMAC), key discovery (a ``kid`` DID URL, a ``kid`` URL serving a bare
JWK, a bare ``kid`` looked up among the signer's keys, an inline ``jwk`` the signer must list), ``vc+jwt`` payloads
that must not carry ``vc``/``vp`` claims, and ``Enveloped…`` objects given on their own.

Credentials are signed here by hand (``tests/ob3_issuer.py``, ``cryptography``); https documents (issuer profiles,
``jwks.json``, bare JWKs) come from an in-memory ``MockWeb``. The W3C VC-JOSE-COSE test suite's own inputs
(``tests/fixtures/vectors/vc-jose``) are verified against the controller document their verification methods
describe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from issuer import sign_hs256
from ob3_issuer import (
    VC2,
    MockWeb,
    OB3Issuer,
    b64url,
    ed25519_key,
    jwt_claims,
    multikey,
    p256_key,
    p384_key,
    public_jwk,
    rsa_key,
    sign_jwt,
)

from verifier import CHECK_IDS, FetchPolicy, Report, VerifierPolicy, verify
from verifier._did.keys import jwk_thumbprint

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ISSUER_URL = "https://issuer.example/issuers/1"
JWKS_URL = "https://issuer.example/.well-known/jwks.json"
VECTORS = Path(__file__).parent.parent / "fixtures" / "vectors" / "vc-jose"


@pytest.fixture
def web() -> MockWeb:
    return MockWeb()


def check(source: str | dict[str, Any], web: MockWeb, **policy: Any) -> Report:
    if isinstance(source, dict):
        source = json.dumps(source)
    fetch = FetchPolicy(allow_private_network=True, connect_timeout=2.0, read_timeout=5.0, deadline=8.0)
    return verify(source, policy=VerifierPolicy(fetch=fetch, now=NOW, **policy), transport=web.transport())


def outcomes(report: Report) -> dict[str, str]:
    return {c.id: c.outcome for c in report.checks}


def message(report: Report, check_id: str) -> str:
    result = report.check(check_id)
    assert result is not None, f"no {check_id} check in {report.to_dict()}"
    return result.message


def assert_outcome(report: Report, status: str, check_id: str, outcome: str, *, contains: str = "") -> None:
    decisive = report.decisive_check
    assert (report.status, decisive and (decisive.id, decisive.outcome)) == (status, (check_id, outcome)), (
        report.to_dict()
    )
    assert contains in message(report, check_id)
    assert not message(report, check_id).startswith("'"), "a sentence, never a KeyError text"


def assert_valid(report: Report, *, warnings: Collection[str] = ("recipient",)) -> None:
    assert report.status == "valid", report.to_dict()
    assert set(outcomes(report)) <= set(CHECK_IDS)
    assert {c.id for c in report.checks if c.outcome == "warning"} <= set(warnings), report.to_dict()


def https_issuer(web: MockWeb, key: Any, fragment: str = "key-1") -> OB3Issuer:
    """An https issuer whose verification method is ``<id>#<fragment>``, published in its profile on demand."""
    return OB3Issuer(ISSUER_URL, key, f"{ISSUER_URL}#{fragment}", web=web)


def publish_jwk_profile(issuer: OB3Issuer, **jwk_members: str) -> None:
    """The issuer's profile as a controller document with its key as a JsonWebKey ``publicKeyJwk``."""
    profile = issuer.profile()
    profile["verificationMethod"] = [
        {
            "id": issuer.vm,
            "type": "JsonWebKey",
            "controller": issuer.id,
            "publicKeyJwk": {**public_jwk(issuer.key), **jwk_members},
        }
    ]
    issuer.web.serve(issuer.id, profile)  # type: ignore[union-attr]


# ----------------------------------------------------------------------------------------------------------------------
# Algorithms
# ----------------------------------------------------------------------------------------------------------------------

KEYS = {
    "ES256": lambda: p256_key("alg"),
    "ES384": lambda: p384_key("alg"),
    "EdDSA": lambda: ed25519_key("alg"),
    "Ed25519": lambda: ed25519_key("alg"),
    "RS256": lambda: rsa_key("alg"),
    "PS256": lambda: rsa_key("alg"),
}


@pytest.mark.parametrize("alg", list(KEYS))
def test_every_allowed_algorithm_verifies_with_a_did_jwk_issuer(web: MockWeb, alg: str) -> None:
    issuer = OB3Issuer.did_jwk(KEYS[alg]())
    report = check(issuer.jwt(issuer.credential(), alg, typ="vc+jwt"), web)  # type: ignore[arg-type]
    assert_valid(report)
    assert message(report, "signature") == f"valid {alg} VC-JWT signature"
    assert outcomes(report)["key_owner"] == "passed"


def test_a_p384_did_key_issuer_signs_es384(web: MockWeb) -> None:
    issuer = OB3Issuer.did_key(p384_key("did-key"))
    assert issuer.id.startswith("did:key:z82")
    report = check(issuer.jwt(issuer.credential()), web)
    assert_valid(report)
    assert message(report, "signature") == "valid ES384 VC-JWT signature"


@pytest.mark.parametrize(
    ("alg", "key", "expected"),
    [
        ("ES384", lambda: p256_key("alg"), "algorithm ES384 does not fit a P-256 key"),
        ("ES256", lambda: p384_key("alg"), "algorithm ES256 does not fit a P-384 key"),
        ("PS256", lambda: ed25519_key("alg"), "algorithm PS256 does not fit a Ed25519 key"),
    ],
)
def test_an_algorithm_that_does_not_fit_the_key_is_invalid(web: MockWeb, alg: str, key: Any, expected: str) -> None:
    signer = OB3Issuer.did_jwk(key())
    claimed = {"ES384": p384_key("alg"), "ES256": p256_key("alg"), "PS256": rsa_key("alg")}[alg]
    token = sign_jwt(jwt_claims(signer.credential()), claimed, alg, kid=signer.vm)  # type: ignore[arg-type]
    assert_outcome(check(token, web), "invalid", "signature", "failed", contains=expected)


def test_a_pkcs1_signature_under_a_ps256_header_does_not_verify(web: MockWeb) -> None:
    issuer = OB3Issuer.did_jwk(rsa_key("alg"))
    token = issuer.jwt(issuer.credential(), "RS256")
    header, payload, signature = token.split(".")
    forged_header = b64url(json.dumps({**json.loads(_unb64(header)), "alg": "PS256"}).encode())
    report = check(f"{forged_header}.{payload}.{signature}", web)
    assert_outcome(report, "invalid", "signature", "failed", contains="PS256 signature of the JWT does not verify")


@pytest.mark.parametrize("alg", ["HS256", "HS384", "none", "ES512", "RS384", "PS512"])
def test_other_algorithms_are_refused(web: MockWeb, alg: str) -> None:
    issuer = OB3Issuer.did_jwk(p256_key("alg"))
    claims = jwt_claims(issuer.credential())
    if alg.startswith("HS"):
        token = sign_hs256(claims, b"a shared secret")
        header, rest = token.split(".", 1)
        token = b64url(json.dumps({"alg": alg, "typ": "JWT", "kid": issuer.vm}).encode()) + "." + rest
    else:
        header = b64url(json.dumps({"alg": alg, "kid": issuer.vm}).encode())
        token = f"{header}.{b64url(json.dumps(claims).encode())}.c2ln"
    report = check(token, web)
    assert report.status == "invalid"
    assert f"JWS algorithm {alg!r} is not allowed" in message(report, "signature")


def _unb64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


# ----------------------------------------------------------------------------------------------------------------------
# VC-JOSE-COSE: a vc+jwt is the credential itself
# ----------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "typ", "expected"),
    [
        ({"vc": "oops", "vp": "nooo"}, "vc+jwt", "a vc+jwt must not carry the 'vc' and 'vp' claims (VC-JOSE-COSE)"),
        ({"vp": {"type": "VerifiablePresentation"}}, "application/vc+jwt", "a vc+jwt must not carry the 'vp' claim"),
        ({"vc": {"type": "VerifiableCredential"}}, "JWT", "a JWT whose payload is the credential itself must not"),
    ],
)
def test_a_vc_jwt_with_vc_or_vp_claims_is_invalid(web: MockWeb, extra: dict[str, Any], typ: str, expected: str) -> None:
    issuer = OB3Issuer.did_key()
    token = issuer.jwt(issuer.credential(), claims=extra, typ=typ)
    report = check(token, web)
    assert_outcome(report, "invalid", "envelope", "failed", contains=expected)
    assert outcomes(report)["signature"] == "passed"  # well signed: the claims set is what is wrong


def test_a_vc_1_1_jwt_keeps_its_vc_claim(web: MockWeb) -> None:
    issuer = OB3Issuer.did_key()
    report = check(issuer.jwt(issuer.credential(version="1.1"), form="1.1"), web)
    assert_valid(report)
    assert "envelope" not in outcomes(report)


def _holder_vp(claims: dict[str, Any], typ: str) -> str:
    holder = OB3Issuer.did_key(ed25519_key("holder"))
    presentation = {"@context": [VC2], "type": ["VerifiablePresentation"], "holder": holder.id, **claims}
    return sign_jwt(presentation, holder.key, "EdDSA", typ=typ, kid=holder.vm)


def test_a_vp_jwt_with_a_vp_claim_is_invalid(web: MockWeb) -> None:
    report = check(_holder_vp({"vp": {"type": "VerifiablePresentation"}}, "vp+jwt"), web)
    assert report.format == "presentation-jwt"
    assert_outcome(report, "invalid", "envelope", "failed", contains="a vp+jwt must not carry the 'vp' claim")
    assert outcomes(report)["holder"] == "passed"


def test_a_plain_vp_jwt_by_its_holder_is_valid(web: MockWeb) -> None:
    report = check(_holder_vp({}, "vp+jwt"), web)
    assert (report.status, outcomes(report)) == ("valid", {"extracted": "passed", "holder": "passed"})


# ----------------------------------------------------------------------------------------------------------------------
# Enveloped credentials and presentations given on their own (as a VC-API client sends them)
# ----------------------------------------------------------------------------------------------------------------------


def envelope(token: str, media: str = "application/vc+jwt", kind: str = "Credential", **extra: Any) -> dict:
    document = {"@context": VC2, "id": f"data:{media},{token}", "type": f"EnvelopedVerifiable{kind}"}
    document.update(extra)
    return {k: v for k, v in document.items() if v is not None}


@pytest.mark.parametrize("media", ["application/vc+jwt", "application/jwt"])
def test_an_enveloped_vc_jwt_is_opened_and_verified(web: MockWeb, media: str) -> None:
    issuer = OB3Issuer.did_key()
    report = check(envelope(issuer.jwt(issuer.credential(), typ="vc+jwt"), media), web)
    assert_valid(report)
    assert report.format == "ob3-jwt" and report.badge.name == "Robotics Badge"
    assert message(report, "envelope") == (
        f"an enveloped credential ({media}): the JWT inside is verified, the envelope has no proof"
    )
    assert outcomes(report)["signature"] == "passed"


def test_an_enveloped_vc_jwt_in_base64_is_opened(web: MockWeb) -> None:
    import base64

    issuer = OB3Issuer.did_key()
    token = issuer.jwt(issuer.credential())
    report = check(envelope(base64.b64encode(token.encode()).decode(), "application/vc+jwt;base64"), web)
    assert_valid(report)


def test_a_tampered_jwt_inside_an_envelope_is_invalid(web: MockWeb) -> None:
    issuer = OB3Issuer.did_key()
    header, _payload, signature = issuer.jwt(issuer.credential()).split(".")
    forged = b64url(json.dumps(jwt_claims(issuer.credential(name="Brain Surgery"))).encode())
    report = check(envelope(f"{header}.{forged}.{signature}"), web)
    assert_outcome(report, "invalid", "signature", "failed", contains="does not verify")
    assert outcomes(report)["envelope"] == "passed"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"@context": []}, "must have the @context https://www.w3.org/ns/credentials/v2 first"),
        ({"@context": "https://www.w3.org/ns/credentials/examples/v2"}, "must have the @context"),
        ({"@context": None}, "must have the @context"),
        ({"id": "eyJhbGciOiJFZERTQSJ9.e30.c2ln"}, "must be a data: URL (RFC 2397)"),
        ({"id": None}, "must be a data: URL (RFC 2397), not no id"),
    ],
)
def test_a_malformed_envelope_is_invalid(web: MockWeb, change: dict[str, Any], expected: str) -> None:
    issuer = OB3Issuer.did_key()
    report = check(envelope(issuer.jwt(issuer.credential()), **change), web)
    assert_outcome(report, "invalid", "envelope", "failed", contains=expected)
    assert web.requested == []


def test_an_envelope_without_its_type_is_no_credential(web: MockWeb) -> None:
    issuer = OB3Issuer.did_key()
    document = envelope(issuer.jwt(issuer.credential()), type="VerifiableCredential")
    assert check(document, web).status == "invalid"  # a credential without proof, not an opened envelope


@pytest.mark.parametrize("media", ["application/vc+sd-jwt", "application/vc+cose", "application/dc+sd-jwt"])
def test_an_envelope_of_an_unsupported_media_type_is_unverifiable(web: MockWeb, media: str) -> None:
    report = check(envelope("abc", media), web)
    assert_outcome(report, "unverifiable", "envelope", "error", contains=f"of media type {media} is not supported")


def test_an_enveloped_credential_holding_a_presentation_is_invalid(web: MockWeb) -> None:
    report = check(envelope(_holder_vp({}, "vp+jwt"), "application/jwt"), web)
    assert_outcome(report, "invalid", "envelope", "failed", contains="an enveloped credential holds a presentation")
    report = check(envelope(_holder_vp({}, "vp+jwt"), "application/vp+jwt"), web)
    assert_outcome(report, "invalid", "envelope", "failed", contains="holds a presentation (application/vp+jwt)")


def test_an_enveloped_presentation_is_opened_and_verified(web: MockWeb) -> None:
    report = check(envelope(_holder_vp({}, "vp+jwt"), "application/vp+jwt", kind="Presentation"), web)
    assert report.format == "presentation-jwt"
    assert (report.status, outcomes(report)["envelope"], outcomes(report)["holder"]) == ("valid", "passed", "passed")


# ----------------------------------------------------------------------------------------------------------------------
# Key discovery: kid URLs serving a bare JWK, bare kids, inline keys
# ----------------------------------------------------------------------------------------------------------------------


def test_a_kid_url_serving_a_bare_jwk_listed_in_the_issuer_jwks_is_valid(web: MockWeb) -> None:
    issuer = https_issuer(web, p256_key("bare"))
    key_url = web.serve("https://issuer.example/keys/1.json", public_jwk(issuer.key))
    issuer.publish_jwks(issuer.key)
    report = check(issuer.jwt(issuer.credential(), kid=key_url), web)
    assert_valid(report)
    assert message(report, "key_owner") == f"the JWK at {key_url} is listed by {ISSUER_URL} in {JWKS_URL}"


def test_a_kid_url_serving_a_bare_jwk_nobody_lists_is_invalid(web: MockWeb) -> None:
    issuer = https_issuer(web, p256_key("bare"))
    key_url = web.serve("https://elsewhere.example/key.json", public_jwk(issuer.key))
    issuer.publish_jwks(p256_key("the issuer's real key"))
    report = check(issuer.jwt(issuer.credential(), kid=key_url), web)
    assert_outcome(report, "invalid", "key_owner", "failed", contains=f"the JWK at {key_url} is not listed by")
    assert outcomes(report)["signature"] == "passed"


def test_a_kid_url_serving_a_bare_jwk_without_issuer_key_lists_is_unverifiable(web: MockWeb) -> None:
    issuer = https_issuer(web, ed25519_key("bare"))
    key_url = web.serve("https://issuer.example/keys/2", public_jwk(issuer.key))
    report = check(issuer.jwt(issuer.credential(), kid=key_url), web)
    assert_outcome(report, "unverifiable", "key_owner", "error", contains="publishes no key list")


def test_a_kid_url_serving_a_jwk_with_private_material_is_invalid(web: MockWeb) -> None:
    issuer = https_issuer(web, ed25519_key("bare"))
    key_url = web.serve("https://issuer.example/keys/3", {**public_jwk(issuer.key), "d": b64url(b"\1" * 32)})
    report = check(issuer.jwt(issuer.credential(), kid=key_url), web)
    assert_outcome(report, "invalid", "key_owner", "failed", contains="private key material")


def test_a_bare_kid_thumbprint_is_found_in_the_issuer_controller_document(web: MockWeb) -> None:
    issuer = https_issuer(web, p384_key("thumb"))
    publish_jwk_profile(issuer)
    thumbprint = jwk_thumbprint(public_jwk(issuer.key))
    report = check(issuer.jwt(issuer.credential(), kid=thumbprint), web)
    assert_valid(report)
    assert message(report, "key_owner") == (
        f"signed by the issuer's key {thumbprint}, listed in the controller document {ISSUER_URL}"
    )
    assert web.requested == [ISSUER_URL]


@pytest.mark.parametrize("kid", ["key-1", "#key-1", "my-key-name"])
def test_a_bare_kid_may_be_the_method_fragment_or_the_jwk_kid(web: MockWeb, kid: str) -> None:
    issuer = https_issuer(web, ed25519_key("named"))
    publish_jwk_profile(issuer, kid="my-key-name")
    report = check(issuer.jwt(issuer.credential(), kid=kid), web)
    assert_valid(report)


def test_a_multikey_in_the_controller_document_is_found_by_its_thumbprint(web: MockWeb) -> None:
    issuer = https_issuer(web, ed25519_key("multikey"))
    issuer.publish_profile()  # publicKeyMultibase
    assert multikey(issuer.key) in json.dumps(issuer.profile())
    report = check(issuer.jwt(issuer.credential(), kid=jwk_thumbprint(public_jwk(issuer.key))), web)
    assert_valid(report)


def test_a_bare_kid_is_found_in_the_issuer_jwks(web: MockWeb) -> None:
    issuer = https_issuer(web, rsa_key("jwks"))
    jwk = public_jwk(issuer.key)
    web.serve(JWKS_URL, {"keys": [{**public_jwk(p256_key("other")), "kid": "other"}, {**jwk, "kid": "rsa-2026"}]})
    report = check(issuer.jwt(issuer.credential(), "PS256", kid="rsa-2026"), web)
    assert_valid(report)
    assert message(report, "key_owner") == f"signed by the issuer's key rsa-2026, listed in {JWKS_URL}"
    assert web.requested == [ISSUER_URL, JWKS_URL]  # the profile first (404 here), then the key set


def test_a_bare_kid_that_names_no_key_of_the_issuer_is_invalid(web: MockWeb) -> None:
    issuer = https_issuer(web, p256_key("nobody"))
    publish_jwk_profile(issuer)
    issuer.publish_jwks(p256_key("other"))
    report = check(issuer.jwt(issuer.credential(), kid="unknown-key"), web)
    assert_outcome(
        report,
        "invalid",
        "key_owner",
        "failed",
        contains=f"the kid 'unknown-key' names no key of {ISSUER_URL} (looked in the controller document {ISSUER_URL}",
    )
    assert "signature" not in outcomes(report)


def test_a_bare_kid_with_no_issuer_key_list_is_unverifiable(web: MockWeb) -> None:
    issuer = https_issuer(web, p256_key("nobody"))
    report = check(issuer.jwt(issuer.credential(), kid="key-1"), web)
    assert_outcome(report, "unverifiable", "key_owner", "error", contains=f"{ISSUER_URL} publishes no key list")


def test_a_bare_kid_when_the_key_list_cannot_be_fetched_is_unverifiable(web: MockWeb) -> None:
    issuer = https_issuer(web, p256_key("down"))
    web.serve(ISSUER_URL, {"error": "down"}, status=503)
    web.serve(JWKS_URL, {"error": "down"}, status=503)
    report = check(issuer.jwt(issuer.credential(), kid="key-1"), web)
    assert_outcome(report, "unverifiable", "key_owner", "error", contains="answered HTTP 503")


def test_a_bare_kid_with_an_issuer_that_cannot_list_keys_is_a_sentence(web: MockWeb) -> None:
    issuer = OB3Issuer.did_key()
    credential = issuer.credential(issuer={"id": "urn:uuid:9d3c6a8e-1111-4222-8333-444455556666", "type": "Profile"})
    report = check(issuer.jwt(credential, kid="key-1"), web)
    assert_outcome(
        report, "unverifiable", "key_owner", "error", contains="the kid 'key-1' is not a URL and the id urn:"
    )


def test_a_bare_kid_thumbprint_with_a_did_web_issuer(web: MockWeb) -> None:
    issuer = OB3Issuer.did_web(web, key=p256_key("did-web"))
    report = check(issuer.jwt(issuer.credential(), kid=jwk_thumbprint(public_jwk(issuer.key))), web)
    assert_valid(report)
    assert outcomes(report)["key_owner"] == "passed"


def test_an_inline_jwk_listed_in_the_issuer_controller_document_is_valid(web: MockWeb) -> None:
    issuer = https_issuer(web, ed25519_key("inline"))
    publish_jwk_profile(issuer)
    report = check(issuer.jwt(issuer.credential(), kid=None, jwk=public_jwk(issuer.key)), web)
    assert_valid(report)
    assert message(report, "key_owner") == (
        f"the inline jwk is listed by {ISSUER_URL} in the controller document {ISSUER_URL}"
    )


def test_an_inline_jwk_of_a_did_key_issuer(web: MockWeb) -> None:
    issuer = OB3Issuer.did_key(p256_key("inline-did"))
    report = check(issuer.jwt(issuer.credential(), kid=None, jwk=public_jwk(issuer.key)), web)
    assert_valid(report)
    impostor = p256_key("impostor")
    token = issuer.jwt(issuer.credential(), key=impostor, kid=None, jwk=public_jwk(impostor))
    assert_outcome(check(token, web), "invalid", "key_owner", "failed", contains="the inline jwk is not listed by")


def test_a_jwks_key_given_to_another_issuer_does_not_count(web: MockWeb) -> None:
    issuer = https_issuer(web, p256_key("iss-member"))
    web.serve(JWKS_URL, {"keys": [{**public_jwk(issuer.key), "iss": "https://issuer.example/issuers/2"}]})
    report = check(issuer.jwt(issuer.credential(), kid=None, jwk=public_jwk(issuer.key)), web)
    assert_outcome(report, "invalid", "key_owner", "failed", contains="the inline jwk is not listed by")


def test_an_inline_jwk_with_an_unreachable_key_list_is_unverifiable(web: MockWeb) -> None:
    issuer = https_issuer(web, p256_key("unreachable"))
    web.serve(JWKS_URL, "<html>", status=500, content_type="text/html")
    report = check(issuer.jwt(issuer.credential(), kid=None, jwk=public_jwk(issuer.key)), web)
    assert_outcome(report, "unverifiable", "key_owner", "error", contains="answered HTTP 500")


def test_a_kid_by_thumbprint_for_a_presentation_holder(web: MockWeb) -> None:
    holder = https_issuer(web, p384_key("holder"))
    publish_jwk_profile(holder)
    presentation = {"@context": [VC2], "type": ["VerifiablePresentation"], "holder": holder.id}
    token = sign_jwt(presentation, holder.key, "ES384", typ="vp+jwt", kid=jwk_thumbprint(public_jwk(holder.key)))
    report = check(token, web)
    assert (report.status, outcomes(report)["holder"]) == ("valid", "passed"), report.to_dict()


# ----------------------------------------------------------------------------------------------------------------------
# The W3C VC-JOSE-COSE test suite's inputs
# ----------------------------------------------------------------------------------------------------------------------

MANIFEST = json.loads((VECTORS / "manifest.json").read_text(encoding="utf-8"))
SUITE_ISSUER = "https://example.issuer/vc-jose-cose"


def test_the_vectors_are_the_suites_bytes() -> None:
    for entry in MANIFEST["files"]:
        data = (VECTORS / entry["file"]).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (entry["sha256"], entry["bytes"]), entry["file"]


@pytest.fixture
def suite_web(web: MockWeb) -> MockWeb:
    """The controller document the suite's verification methods describe, with their public keys only."""
    methods = []
    for entry in MANIFEST["files"]:
        if entry["file"].startswith("vm-"):
            method = json.loads((VECTORS / entry["file"]).read_text(encoding="utf-8"))
            methods.append({k: v for k, v in method.items() if k != "secretKeyJwk"})
    document = {"id": SUITE_ISSUER, "verificationMethod": methods, "assertionMethod": [m["id"] for m in methods]}
    document["authentication"] = document["assertionMethod"]
    web.serve(SUITE_ISSUER, document)
    return web


def _vector(file: str) -> str:
    return (VECTORS / file).read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("file", ["credential-jose-minimal.txt", "credential-issuer-match-signed.txt"])
def test_suite_credentials_that_must_verify(suite_web: MockWeb, file: str) -> None:
    assert next(e for e in MANIFEST["files"] if e["file"] == file)["expected"]["result"] == "success"
    report = check(_vector(file), suite_web)
    assert report.status == "valid", report.to_dict()
    assert outcomes(report)["signature"] == outcomes(report)["key_owner"] == "passed"
    assert message(report, "key_owner").endswith(f"listed in the controller document {SUITE_ISSUER}")


@pytest.mark.parametrize(
    ("file", "status", "deciding", "contains"),
    [
        ("credential-jose-vc-vp-claims.txt", "invalid", ("envelope", "failed"), "must not carry the 'vc' and 'vp'"),
        ("credential-jose-bad-signature.txt", "invalid", ("signature", "failed"), "does not verify"),
        ("credential-jose-bad-media-type.txt", "invalid", ("signature", "failed"), "unexpected JWS typ 'bad+typ'"),
        ("credential-jose-unknown-extensions.txt", "invalid", ("signature", "failed"), "'ES512' is not allowed"),
        ("presentation-jose-bad-media-type.txt", "invalid", ("holder", "failed"), "unexpected JWS typ 'bad+typ'"),
    ],
)
def test_suite_inputs_that_must_fail(
    suite_web: MockWeb, file: str, status: str, deciding: tuple[str, str], contains: str
) -> None:
    assert next(e for e in MANIFEST["files"] if e["file"] == file)["expected"]["result"] == "failure"
    assert_outcome(check(_vector(file), suite_web), status, *deciding, contains=contains)


def test_suite_presentation_with_a_bad_credential_fails(suite_web: MockWeb) -> None:
    report = check(_vector("presentation-jose-bad-credential.txt"), suite_web)
    assert (report.status, outcomes(report)["holder"]) == ("invalid", "passed")
    assert "must be a data: URL" in report.items[0].checks[0].message


def test_suite_presentation_with_three_credentials(suite_web: MockWeb) -> None:
    """An ES384 presentation by the issuer holding a vc+jwt, a vc+sd-jwt and a vc+cose credential: the holder's
    signature (a bare kid, the P-384 key's thumbprint) and the VC-JWT verify; SD-JWT and COSE are not supported, so
    those are unverifiable, never forgeries."""
    report = check(_vector("presentation-jose-multiple.txt"), suite_web)
    assert outcomes(report)["holder"] == "passed"
    assert message(report, "holder").endswith(f"key in the controller document {SUITE_ISSUER}")
    jwt, sd_jwt, cose = report.items
    assert jwt.status == "valid", jwt.to_dict()
    for item, media in ((sd_jwt, "application/vc+sd-jwt"), (cose, "application/vc+cose")):
        assert (item.status, item.checks[0].outcome) == ("unverifiable", "error")
        assert f"of media type {media} is not supported" in item.checks[0].message
    assert report.status == "unverifiable"


def test_an_sd_jwt_credential_is_unverifiable_not_forged(web: MockWeb) -> None:
    issuer = OB3Issuer.did_key()
    token = issuer.jwt(issuer.credential(), typ="vc+sd-jwt") + "~WyJzYWx0IiwgIm5hbWUiLCAiQWxpY2UiXQ~"
    assert_outcome(check(token, web), "unverifiable", "format", "error", contains="an SD-JWT credential")

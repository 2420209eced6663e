"""Verifiable Presentations in general: the holder's proof (authentication, challenge, domain), credentials inside
(JSON, enveloped VC-JWT), presentations without a holder, and presentations as JWTs (``vp+jwt``, VC 1.1 ``vp``).

Credentials come from the demo backpack (OB 3.0 Data Integrity and VC-JWT), verified offline from its cache.
"""

from __future__ import annotations

import base64
import json
import warnings
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.jwk import OKPKey

from verifier import FetchPolicy, Report, VerifierPolicy, classify_payload, verify
from verifier.signing import did_key_for, sign_eddsa_rdfc_2022, verification_method_for
from wallet.cache import StoreResponseCache
from wallet.store import Store
from wallet.verification import stored_payload

OFFLINE = FetchPolicy(offline=True)
VC2 = "https://www.w3.org/ns/credentials/v2"
CHALLENGE = "7f3c0a9e-1d2b-4c5e-8f60-0a1b2c3d4e5f"
DOMAIN = "https://host.example"


def demo_credential(store: Store, name: str) -> tuple[str, Any]:
    """(payload kind, credential) of the demo's OB 3.0 badge named ``name``: a JSON object or a VC-JWT string."""
    [record] = [r for r in store.list_badges() if r.summary.get("name") == name]
    payload = stored_payload(store, record)
    return payload.kind, payload.claims if payload.kind == "json" else payload.text


def holder_key() -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    return key, did_key_for(key.public_key())


def presentation(credentials: list[Any], holder: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {"@context": [VC2], "type": ["VerifiablePresentation"], "verifiableCredential": []}
    for credential in credentials:
        if isinstance(credential, str):
            credential = {
                "@context": VC2,
                "id": f"data:application/vc+jwt,{credential}",
                "type": "EnvelopedVerifiableCredential",
            }
        document["verifiableCredential"].append(credential)
    if holder is not None:
        document["holder"] = holder
    return document


def sign(document: dict[str, Any], key: Ed25519PrivateKey, *, purpose: str = "authentication", **options: str) -> dict:
    did = did_key_for(key.public_key())
    return sign_eddsa_rdfc_2022(
        document, key, verification_method_for(did), created="2026-06-01T00:00:00Z", proof_purpose=purpose, **options
    )


def check(store: Store, document: dict[str, Any] | str, **expected: str) -> Report:
    text = document if isinstance(document, str) else json.dumps(document)
    policy = VerifierPolicy(fetch=OFFLINE, **expected)  # type: ignore[arg-type]
    return verify(classify_payload(text), policy=policy, cache=StoreResponseCache(store))


def outcome(report: Report, check_id: str) -> str | None:
    found = report.check(check_id)
    return found.outcome if found else None


@pytest.fixture
def credentials(demo: Store) -> list[Any]:
    return [demo_credential(demo, "Accessible Web Design")[1], demo_credential(demo, "Git Essentials")[1]]


def test_another_wallets_presentation_for_authentication_with_challenge_and_domain_is_valid(
    demo: Store, credentials: list[Any]
) -> None:
    key, did = holder_key()
    signed = sign(presentation(credentials, did), key, challenge=CHALLENGE, domain=DOMAIN)
    report = check(demo, signed, expected_challenge=CHALLENGE, expected_domain=DOMAIN)
    assert report.status == "valid", report.to_dict()
    assert report.format == "presentation"
    assert (outcome(report, "holder"), outcome(report, "challenge")) == ("passed", "passed")
    assert report.badge.recipient == did
    # Each credential has its own report, the VC-JWT unwrapped from its envelope.
    assert [(item.format, item.status) for item in report.items] == [
        ("ob3-data-integrity", "valid"),
        ("ob3-jwt", "valid"),
    ]


def test_without_an_expected_challenge_no_challenge_check_is_made(demo: Store, credentials: list[Any]) -> None:
    key, did = holder_key()
    report = check(demo, sign(presentation(credentials, did), key, challenge=CHALLENGE, domain=DOMAIN))
    assert report.status == "valid" and report.check("challenge") is None


@pytest.mark.parametrize(
    ("expected", "words"),
    [
        ({"expected_challenge": "another-request"}, "not the one asked"),
        ({"expected_domain": "https://elsewhere.example"}, "not 'https://elsewhere.example'"),
    ],
)
def test_a_proof_made_for_another_request_is_a_replay(
    demo: Store, credentials: list[Any], expected: dict[str, str], words: str
) -> None:
    key, did = holder_key()
    signed = sign(presentation(credentials, did), key, challenge=CHALLENGE, domain=DOMAIN)
    report = check(demo, signed, **expected)
    assert (report.status, outcome(report, "holder"), outcome(report, "challenge")) == ("invalid", "passed", "failed")
    assert words in report.check("challenge").message  # type: ignore[union-attr]


def test_a_challenge_cannot_be_answered_by_an_assertion_proof(demo: Store, credentials: list[Any]) -> None:
    key, did = holder_key()
    signed = sign(presentation(credentials, did), key, purpose="assertionMethod", challenge=CHALLENGE)
    report = check(demo, signed, expected_challenge=CHALLENGE)
    assert outcome(report, "challenge") == "failed" and "authentication" in report.check("challenge").message  # type: ignore[union-attr]


def test_a_changed_challenge_breaks_the_holder_signature(demo: Store, credentials: list[Any]) -> None:
    key, did = holder_key()
    signed = sign(presentation(credentials, did), key, challenge=CHALLENGE, domain=DOMAIN)
    signed["proof"]["challenge"] = "a-fresh-one"
    report = check(demo, signed, expected_challenge="a-fresh-one")
    assert (report.status, outcome(report, "holder")) == ("invalid", "failed")
    assert "changed after it was signed" in report.check("holder").message  # type: ignore[union-attr]


def test_a_presentation_without_a_holder_is_presented_by_its_signer(demo: Store, credentials: list[Any]) -> None:
    key, did = holder_key()
    report = check(demo, sign(presentation(credentials, None), key))
    assert report.status == "valid" and outcome(report, "holder") == "passed"
    assert report.badge.recipient == did


def test_a_presentation_signed_by_someone_else_than_its_holder_is_invalid(demo: Store, credentials: list[Any]) -> None:
    key, _did = holder_key()
    _other_key, other = holder_key()
    report = check(demo, sign(presentation(credentials, other), key))
    assert (report.status, outcome(report, "holder")) == ("invalid", "failed")
    assert f"not by the holder {other}" in report.check("holder").message  # type: ignore[union-attr]


def test_a_tampered_credential_inside_a_well_signed_presentation_is_invalid(
    demo: Store, credentials: list[Any]
) -> None:
    tampered = json.loads(json.dumps(credentials[0]))
    tampered["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    key, did = holder_key()
    report = check(demo, sign(presentation([tampered], did), key))
    assert outcome(report, "holder") == "passed"  # the holder did sign it: what it holds is another matter
    assert report.status == "invalid" and report.items[0].status == "invalid"


def test_an_envelope_of_an_unsupported_media_type_is_an_unverifiable_item(demo: Store) -> None:
    key, did = holder_key()
    document = presentation([], did)
    document["verifiableCredential"] = [
        {"@context": VC2, "id": "data:application/vc+sd-jwt,abc", "type": "EnvelopedVerifiableCredential"}
    ]
    report = check(demo, sign(document, key))
    assert report.status == "unverifiable" and "not a VC-JWT" in report.items[0].checks[0].message


def test_a_malformed_envelope_is_an_invalid_item(demo: Store) -> None:
    key, did = holder_key()
    document = presentation([], did)
    document["verifiableCredential"] = [
        {"@context": VC2, "id": "not-a-credential", "type": "EnvelopedVerifiableCredential"}
    ]
    report = check(demo, sign(document, key))
    assert report.status == "invalid" and "must be a data: URL" in report.items[0].checks[0].message


def vp_jwt(claims: dict[str, Any], key: Ed25519PrivateKey, *, typ: str = "vp+jwt") -> str:
    did = did_key_for(key.public_key())
    header = {"alg": "EdDSA", "typ": typ, "kid": verification_method_for(did)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc flags the "EdDSA" name (RFC 9864); wallets still use it
        return jws.serialize_compact(
            header, json.dumps(claims).encode(), OKPKey.import_key(_jwk_of(key)), algorithms=["EdDSA"]
        )


def _jwk_of(key: Ed25519PrivateKey) -> dict[str, str]:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    raw_private = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "d": b64(raw_private), "x": b64(raw_public)}


@pytest.mark.parametrize("form", ["vc-jose (VC 2.0)", "vp claim (VC 1.1)"])
def test_a_presentation_as_a_jwt_with_nonce_and_audience(demo: Store, credentials: list[Any], form: str) -> None:
    key, did = holder_key()
    document = presentation(credentials, did)
    if form.startswith("vc-jose"):
        claims = {**document, "nonce": CHALLENGE, "aud": DOMAIN}
        token = vp_jwt(claims, key)
    else:  # VC 1.1 JWTs are typed JWT: a vp+jwt is the presentation itself (VC-JOSE-COSE), never a vp claim
        claims = {"iss": did, "nonce": CHALLENGE, "aud": DOMAIN, "vp": document}
        token = vp_jwt(claims, key, typ="JWT")
    report = check(demo, token, expected_challenge=CHALLENGE, expected_domain=DOMAIN)
    assert report.format == "presentation-jwt"
    assert (report.status, outcome(report, "holder"), outcome(report, "challenge")) == ("valid", "passed", "passed")
    assert len(report.items) == 2
    replayed = check(demo, token, expected_challenge="another-request")
    assert (replayed.status, outcome(replayed, "challenge")) == ("invalid", "failed")


def test_a_presentation_jwt_with_a_changed_byte_is_invalid(demo: Store, credentials: list[Any]) -> None:
    key, did = holder_key()
    token = vp_jwt({**presentation(credentials, did), "nonce": CHALLENGE}, key)
    header, body, signature = token.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    report = check(demo, f"{header}.{body}.{flipped}")
    assert (report.status, outcome(report, "holder")) == ("invalid", "failed")


def test_a_presentation_jwt_signed_by_another_key_than_its_holders_is_invalid(
    demo: Store, credentials: list[Any]
) -> None:
    key, _did = holder_key()
    _other, other_did = holder_key()
    report = check(demo, vp_jwt({**presentation(credentials, other_did)}, key))
    assert (report.status, outcome(report, "holder")) == ("invalid", "failed")

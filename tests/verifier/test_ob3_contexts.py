"""Contexts that are not bundled: unverifiable by default, fetched (through the guarded fetcher) only when allowed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verifier import FetchPolicy, VerifierPolicy, classify_payload, verify
from verifier._did.keys import encode_multikey
from verifier._jsonld import fetched_contexts
from verifier._ob3.integrity import sign_eddsa_rdfc_2022

EXTRA_CONTEXT_URL = "https://contexts.example/skills-extension.jsonld"
EXTRA_CONTEXT = {"@context": {"skillLevel": "https://contexts.example/vocab#skillLevel"}}
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _signed_credential() -> dict[str, object]:
    key = Ed25519PrivateKey.generate()
    multikey = encode_multikey(key.public_key())
    issuer = f"did:key:{multikey}"
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            EXTRA_CONTEXT_URL,
        ],
        "id": "urn:uuid:2f1d7c58-6a8e-4a43-9f3e-0d0b6f9b1c11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Context Academy"},
        "validFrom": "2025-01-01T00:00:00Z",
        "skillLevel": "advanced",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://contexts.example/achievements/1",
                "type": ["Achievement"],
                "name": "Extended badge",
                "description": "Uses a term from an extension context.",
                "criteria": {"narrative": "Do it."},
            },
        },
    }
    token = fetched_contexts.set({EXTRA_CONTEXT_URL: EXTRA_CONTEXT})  # the signer knows the context
    try:
        return sign_eddsa_rdfc_2022(credential, key, f"{issuer}#{multikey}", created="2025-01-01T00:00:00Z")
    finally:
        fetched_contexts.reset(token)


def _transport(requests: list[str]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        if str(request.url) == EXTRA_CONTEXT_URL:
            return httpx.Response(200, json=EXTRA_CONTEXT, headers={"Content-Type": "application/ld+json"})
        return httpx.Response(404)

    return httpx.MockTransport(handler)


def _policy(*, fetch: bool) -> VerifierPolicy:
    return VerifierPolicy(fetch=FetchPolicy(allow_private_network=True), now=NOW, fetch_unknown_contexts=fetch)


def test_an_unknown_context_makes_the_credential_unverifiable_and_is_not_fetched() -> None:
    requests: list[str] = []
    payload = classify_payload(json.dumps(_signed_credential()))
    report = verify(payload, policy=_policy(fetch=False), transport=_transport(requests))
    assert report.status == "unverifiable"
    assert report.decisive_check is not None and report.decisive_check.id == "json_ld"
    assert EXTRA_CONTEXT_URL in report.decisive_check.message and "--fetch-contexts" in report.decisive_check.message
    assert requests == []


def test_an_unknown_context_is_fetched_when_allowed_and_the_proof_then_verifies() -> None:
    requests: list[str] = []
    payload = classify_payload(json.dumps(_signed_credential()))
    report = verify(payload, policy=_policy(fetch=True), transport=_transport(requests))
    assert report.status == "valid", report.decisive_check
    assert report.check("signature").outcome == "passed"  # type: ignore[union-attr]
    json_ld = report.check("json_ld")
    assert json_ld is not None and json_ld.outcome == "warning" and EXTRA_CONTEXT_URL in json_ld.message
    assert requests == [EXTRA_CONTEXT_URL]


def test_a_fetched_context_is_not_kept_for_verifications_that_did_not_allow_it() -> None:
    credential = _signed_credential()
    assert (
        verify(classify_payload(json.dumps(credential)), policy=_policy(fetch=True), transport=_transport([])).status
        == "valid"
    )
    report = verify(classify_payload(json.dumps(credential)), policy=_policy(fetch=False), transport=_transport([]))
    assert report.status == "unverifiable"


def test_an_unreachable_context_is_unverifiable() -> None:
    credential = _signed_credential()
    report = verify(
        classify_payload(json.dumps(credential)),
        policy=_policy(fetch=True),
        transport=httpx.MockTransport(lambda request: httpx.Response(503)),
    )
    assert report.status == "unverifiable"
    assert report.decisive_check is not None and report.decisive_check.id == "json_ld"

"""A URL may serve an OB 3.0 credential, as JSON or as a VC-JWT: it is verified as OB 3.0, not as a hosted OB 2.0."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.jwk import OKPKey

from verifier import FetchPolicy, VerifierPolicy, verify
from verifier._did.keys import encode_multikey
from verifier._ob3.integrity import sign_eddsa_rdfc_2022

KEY = Ed25519PrivateKey.generate()
MULTIKEY = encode_multikey(KEY.public_key())
ISSUER = f"did:key:{MULTIKEY}"
METHOD = f"{ISSUER}#{MULTIKEY}"
POLICY = VerifierPolicy(fetch=FetchPolicy(allow_private_network=True), now=datetime(2026, 6, 1, tzinfo=UTC))


def _credential() -> dict[str, object]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "https://badges.example/credentials/7",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "URL Academy"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://badges.example/achievements/7",
                "type": ["Achievement"],
                "name": "Served by URL",
                "description": "An OB 3.0 credential served at a URL.",
                "criteria": {"narrative": "Be fetched."},
            },
        },
    }


def _jwt(claims: dict[str, object]) -> str:
    pem = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc flags the "EdDSA" name as deprecated
        return jws.serialize_compact(
            {"alg": "EdDSA", "kid": METHOD}, json.dumps(claims).encode(), OKPKey.import_key(pem), algorithms=["EdDSA"]
        )


def _serve(body: bytes, content_type: str) -> httpx.MockTransport:
    return httpx.MockTransport(
        lambda request: (
            httpx.Response(200, content=body, headers={"Content-Type": content_type})
            if request.url.path == "/credential"
            else httpx.Response(404)
        )
    )


def test_url_serving_a_data_integrity_credential_is_verified_as_ob3() -> None:
    signed = sign_eddsa_rdfc_2022(_credential(), KEY, METHOD, created="2025-01-01T00:00:00Z")
    transport = _serve(json.dumps(signed).encode(), "application/vc+ld+json")
    report = verify("https://badges.example/credential", policy=POLICY, transport=transport)
    assert report.status == "valid", report.decisive_check
    assert report.format == "ob3-data-integrity"
    assert report.check("signature").outcome == "passed"  # type: ignore[union-attr]
    assert report.badge.name == "Served by URL"


def test_url_serving_a_tampered_credential_is_invalid() -> None:
    signed = sign_eddsa_rdfc_2022(_credential(), KEY, METHOD, created="2025-01-01T00:00:00Z")
    signed["credentialSubject"]["achievement"]["name"] = "Something else"  # type: ignore[index]
    report = verify(
        "https://badges.example/credential", policy=POLICY, transport=_serve(json.dumps(signed).encode(), "text/html")
    )
    assert report.status == "invalid"
    assert report.decisive_check is not None and report.decisive_check.id == "signature"


def test_url_serving_a_vc_jwt_is_verified_as_ob3() -> None:
    credential = _credential()
    token = _jwt({**credential, "iss": ISSUER, "jti": credential["id"], "sub": "did:example:learner"})
    report = verify("https://badges.example/credential", policy=POLICY, transport=_serve(token.encode(), "text/plain"))
    assert report.status == "valid", report.decisive_check
    assert report.format == "ob3-jwt"
    assert report.check("jwt_claims").outcome == "passed"  # type: ignore[union-attr]

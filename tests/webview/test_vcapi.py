"""The VC-API verifier (``POST /credentials/verify``, ``POST /presentations/verify``, ``GET /openapi.json``) through
Flask's test client: the W3C CCG VC-API request and response shapes, 200 when valid and 400 (same body) when not, the
standard problem types, challenge and domain, the size limit, JSON only (no form posts, so no CSRF token), the SSRF
guard, issuer registries, and bad input of every shape answered with a 4xx, never a 500.

Credentials and presentations are signed here (the independent test issuer, did:key: verifiable offline).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from issuer import IssuerServer
from ob3_issuer import VC2, OB3Issuer, ed25519_key

from verifier.signing import did_key_for, sign_eddsa_rdfc_2022, verification_method_for
from wallet.settings import set_setting

ISSUER = OB3Issuer.did_key(ed25519_key("vcapi-issuer"), name="VC-API University")
HOLDER_KEY: Ed25519PrivateKey = ed25519_key("vcapi-holder")  # type: ignore[assignment]
HOLDER = did_key_for(HOLDER_KEY.public_key())
CHALLENGE = "3f0b6f7e-5c1a-4b8e-9d2f-0c6a1e2b3d4f"
DOMAIN = "ats.example"
JSON = "application/json"


@pytest.fixture
def api(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(VCAPI_RATE=0).test_client()


@pytest.fixture(scope="module")
def server() -> Iterator[IssuerServer]:
    with IssuerServer() as running:
        yield running


def credential(**extra: Any) -> dict[str, Any]:
    return ISSUER.sign(ISSUER.credential(**extra))


def presentation(*credentials: dict[str, Any], challenge: str = CHALLENGE, domain: str = DOMAIN) -> dict[str, Any]:
    document = {
        "@context": [VC2],
        "type": ["VerifiablePresentation"],
        "holder": HOLDER,
        "verifiableCredential": list(credentials),
    }
    return sign_eddsa_rdfc_2022(
        document,
        HOLDER_KEY,
        verification_method_for(HOLDER),
        created="2026-05-01T00:00:00Z",
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )


def post(client: FlaskClient, path: str, body: Any, **kwargs: Any) -> Any:
    return client.post(path, data=json.dumps(body), content_type=JSON, **kwargs)


def titles(problems: list[dict[str, Any]]) -> list[str]:
    return [problem["title"] for problem in problems]


def assert_result_shape(body: dict[str, Any]) -> None:
    assert set(body) >= {"verified", "checks", "warnings", "errors"}
    assert all(isinstance(name, str) for name in body["checks"])
    for problem in body["warnings"] + body["errors"]:
        assert isinstance(problem["type"], str) and isinstance(problem["title"], str) and problem["detail"]


# ----------------------------------------------------------------------------------------------------------------------
# Credentials
# ----------------------------------------------------------------------------------------------------------------------


def test_a_valid_credential_is_200_with_the_checks_that_passed(api: FlaskClient) -> None:
    response = post(
        api, "/credentials/verify", {"verifiableCredential": credential(), "options": {"checks": ["proof"]}}
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert_result_shape(body)
    assert body["verified"] is True and body["errors"] == []
    assert "proof" in body["checks"] and "validFrom" in body["checks"]
    assert body["report"]["status"] == "valid" and body["report"]["format"] == "ob3-data-integrity"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_tampered_credential_is_400_with_a_proof_verification_error(api: FlaskClient) -> None:
    document = credential()
    document["name"] = "Changed after signing"
    response = post(api, "/credentials/verify", {"verifiableCredential": document})
    assert response.status_code == 400
    body = response.json
    assert_result_shape(body)
    assert body["verified"] is False and "proof" not in body["checks"]
    [error] = [e for e in body["errors"] if e["check"] == "signature"]
    assert error["title"] == "PROOF_VERIFICATION_ERROR"
    assert error["type"] == "https://w3id.org/security#PROOF_VERIFICATION_ERROR" and error["code"] == -17
    assert error["outcome"] == "failed" and "signature" in error["detail"]


def test_an_expired_credential_is_400_with_a_range_error(api: FlaskClient) -> None:
    response = post(api, "/credentials/verify", {"verifiableCredential": credential(validUntil="2026-02-01T00:00:00Z")})
    assert response.status_code == 400
    assert titles(response.json["errors"]) == ["RANGE_ERROR"]
    assert "proof" in response.json["checks"]  # authentic, only expired


def test_a_vc_jwt_is_accepted_as_a_string(api: FlaskClient) -> None:
    token = ISSUER.jwt(ISSUER.credential())
    response = post(api, "/credentials/verify", {"verifiableCredential": token})
    assert response.status_code == 200, response.json
    assert response.json["report"]["format"] == "ob3-jwt"


def test_a_status_that_cannot_be_checked_is_an_error_unless_the_caller_leaves_status_out(api: FlaskClient) -> None:
    status = {
        "id": "https://status.invalid/lists/1#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://status.invalid/lists/1",
    }
    document = credential(status=status)
    strict = post(api, "/credentials/verify", {"verifiableCredential": document})
    assert strict.status_code == 400 and titles(strict.json["errors"]) == ["STATUS_RETRIEVAL_ERROR"]
    lenient = post(api, "/credentials/verify", {"verifiableCredential": document, "options": {"checks": ["proof"]}})
    assert lenient.status_code == 200, lenient.json
    assert (
        titles(lenient.json["warnings"]) == ["STATUS_RETRIEVAL_ERROR"]
        and "credentialStatus" not in lenient.json["checks"]
    )


def test_a_presentation_sent_as_a_credential_is_refused(api: FlaskClient) -> None:
    response = post(api, "/credentials/verify", {"verifiableCredential": presentation(credential())})
    assert response.status_code == 400
    assert titles(response.json["errors"]) == ["MALFORMED_VALUE_ERROR"]
    assert "/presentations/verify" in response.json["errors"][0]["detail"]


# ----------------------------------------------------------------------------------------------------------------------
# Presentations
# ----------------------------------------------------------------------------------------------------------------------


def test_a_presentation_answering_the_challenge_and_domain_is_200(api: FlaskClient) -> None:
    body = {"verifiablePresentation": presentation(credential()), "options": {"challenge": CHALLENGE, "domain": DOMAIN}}
    response = post(api, "/presentations/verify", body)
    assert response.status_code == 200, response.json
    assert response.json["checks"] == ["proof", "challenge", "domain"]
    assert [item["status"] for item in response.json["report"]["items"]] == ["valid"]


def test_a_presentation_with_another_challenge_is_400_invalid_challenge(api: FlaskClient) -> None:
    body = {"verifiablePresentation": presentation(credential()), "options": {"challenge": "another-one"}}
    response = post(api, "/presentations/verify", body)
    assert response.status_code == 400
    assert titles(response.json["errors"]) == ["INVALID_CHALLENGE_ERROR"]
    assert response.json["errors"][0]["check"] == "challenge" and "challenge" not in response.json["checks"]


def test_a_presentation_for_another_domain_is_400_invalid_domain(api: FlaskClient) -> None:
    body = {"verifiablePresentation": presentation(credential()), "options": {"domain": "other.example"}}
    response = post(api, "/presentations/verify", body)
    assert response.status_code == 400
    assert titles(response.json["errors"]) == ["INVALID_DOMAIN_ERROR"]


def test_a_bad_credential_inside_a_presentation_is_named_by_its_index(api: FlaskClient) -> None:
    tampered = credential()
    tampered["name"] = "Changed"
    response = post(api, "/presentations/verify", {"verifiablePresentation": presentation(credential(), tampered)})
    assert response.status_code == 400
    [error] = response.json["errors"]
    assert (error["title"], error["credentialIndex"]) == ("PROOF_VERIFICATION_ERROR", 1)
    assert "proof" in response.json["checks"]  # the holder's own proof holds


def test_a_credential_sent_as_a_presentation_is_refused(api: FlaskClient) -> None:
    response = post(api, "/presentations/verify", {"verifiablePresentation": credential()})
    assert response.status_code == 400 and titles(response.json["errors"]) == ["MALFORMED_VALUE_ERROR"]


# ----------------------------------------------------------------------------------------------------------------------
# Requests refused before verification
# ----------------------------------------------------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00garbage",
        b"[]",
        b'"a string"',
        b"null",
        b"{}",
        b'{"verifiableCredential": 5}',
        b'{"verifiableCredential": []}',
        b'{"verifiableCredential": ""}',
        b'{"verifiableCredential": null}',
        b'{"verifiableCredential": true}',
        b'{"verifiableCredential": {}}',
        b'{"verifiableCredential": {"@context": 5, "type": {}, "proof": "x"}}',
        b'{"verifiableCredential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "proof": [1, null, []]}}',
        b'{"verifiableCredential": "eyJhbGciOiJub25lIn0.e30."}',
        b'{"verifiableCredential": "not a jwt at all"}',
        b'{"verifiableCredential": {"a": 1}, "options": []}',
        b'{"verifiableCredential": {"a": 1}, "options": {"checks": "proof"}}',
        b'{"verifiableCredential": {"a": 1}, "options": {"checks": [1, 2]}}',
        b'{"verifiablePresentation": {"type": "VerifiablePresentation"}, "options": {"challenge": 7}}',
        b'{"verifiableCredential": 1e999999}',
        DEEP.encode(),
        ('{"verifiableCredential": ' + '{"a": ' * 2000 + "1" + "}" * 2001).encode(),
        ('{"verifiableCredential": ' + '{"a": ' * 70 + "1" + "}" * 71).encode(),
    ],
)
@pytest.mark.parametrize("path", ["/credentials/verify", "/presentations/verify"])
def test_bad_input_is_a_400_never_a_500(api: FlaskClient, path: str, raw: bytes) -> None:
    response = api.post(path, data=raw, content_type=JSON)
    assert response.status_code == 400, (raw[:80], response.status_code, response.get_data()[:300])
    body = response.json
    assert body["verified"] is False and body["errors"]
    assert_result_shape(body)


def test_a_request_over_the_size_limit_is_413(make_app: Callable[..., Flask]) -> None:
    client = make_app(VCAPI_RATE=0, VCAPI_MAX_BYTES=20_000).test_client()
    document = credential(description="x" * 30_000)
    response = post(client, "/credentials/verify", {"verifiableCredential": document})
    assert response.status_code == 413
    assert response.json["errors"][0]["title"] == "PARSING_ERROR" and "20 KB" in response.json["errors"][0]["detail"]
    assert post(client, "/credentials/verify", {"verifiableCredential": credential()}).status_code == 200


def test_form_posts_are_refused_and_json_needs_no_form_token(api: FlaskClient) -> None:
    form = api.post("/credentials/verify", data={"verifiableCredential": json.dumps(credential())})
    assert form.status_code == 415 and form.json["errors"][0]["status"] == 415
    text = api.post(
        "/credentials/verify", data=json.dumps({"verifiableCredential": credential()}), content_type="text/plain"
    )
    assert text.status_code == 415  # what a cross-site <form enctype="text/plain"> can send
    ld = api.post(
        "/credentials/verify",
        data=json.dumps({"verifiableCredential": credential()}),
        content_type="application/ld+json",
    )
    assert ld.status_code == 200
    page = api.post("/verify", data={"text": "x"})
    assert page.status_code == 400 and b"did not come from this site" in page.data  # the page keeps its CSRF check


def test_a_private_address_is_refused(api: FlaskClient, server: IssuerServer) -> None:
    url = server.serve("/credential.json", credential())
    response = post(api, "/credentials/verify", {"verifiableCredential": url})
    assert response.status_code == 400
    assert any("private or local address" in e["detail"] for e in response.json["errors"])
    assert "/credential.json" not in server.paths


def test_the_rate_limit_answers_429(make_app: Callable[..., Flask]) -> None:
    client = make_app(VCAPI_RATE=2).test_client()
    statuses = [
        post(client, "/credentials/verify", {"verifiableCredential": credential()}).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_other_methods_are_not_a_500(api: FlaskClient) -> None:
    assert api.get("/credentials/verify").status_code == 405
    assert api.put("/presentations/verify", data="{}", content_type=JSON).status_code == 405


# ----------------------------------------------------------------------------------------------------------------------
# Registries and the OpenAPI document
# ----------------------------------------------------------------------------------------------------------------------


def test_the_backpacks_registries_are_used(api: FlaskClient, web_home: Path, tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"type": "IssuerTrustList", "name": "HR list", "issuers": [{"id": ISSUER.id}]}))
    set_setting(web_home, "registries", str(trust))
    listed = post(api, "/credentials/verify", {"verifiableCredential": credential()})
    assert listed.status_code == 200 and "issuer" in listed.json["checks"]
    trust.write_text(json.dumps({"type": "IssuerTrustList", "name": "HR list", "issuers": []}))
    unknown = post(api, "/credentials/verify", {"verifiableCredential": credential()})
    assert unknown.status_code == 200  # a warning, not a failure of authenticity
    [warning] = unknown.json["warnings"]
    assert warning["type"] == "urn:openbadges-backpack:problem:issuer-not-in-registry"
    assert "not in any registry you use" in warning["detail"]
    assert unknown.json["report"]["badge"]["issuer_name_confirmed"] is False


def test_the_openapi_document_describes_both_endpoints(api: FlaskClient) -> None:
    response = api.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == JSON
    document = response.json
    assert document["openapi"].startswith("3.1")
    for path in ("/credentials/verify", "/presentations/verify"):
        assert set(document["paths"][path]["post"]["responses"]) == {"200", "400", "413", "415", "429"}
    options = document["components"]["schemas"]["VerifyPresentationOptions"]["properties"]
    assert {"challenge", "domain", "checks"} <= set(options)

"""Documents that are no Open Badge (European Digital Credentials, Blockcerts certificates) and credentials of a few MB.

A document the backpack cannot check is named for what it is and is ``unverifiable``: never ``invalid``, which says
forged. Every document here is built by the test itself, in the shapes the Europass and Blockcerts specifications
publish (contexts, types, the JAdES JSON serialization).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from issuer import IssuerFixture, json_text, rsa_private_key, sign_rs256
from ob2_fixtures import *  # noqa: F403 - the issuer_server, other_server and issuer fixtures
from ob2_fixtures import make_policy

from verifier import FetchPolicy, Report, verify
from verifier.extraction import DEFAULT_LIMITS

MB = 1024 * 1024
EDC_MESSAGE = "a Europass European Digital Credential: not supported yet"
BLOCKCERTS_MESSAGE = "a Blockcerts certificate (anchored in a blockchain): not supported yet"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def assert_named_unverifiable(report: Report, format_: str, message: str) -> None:
    assert report.status == "unverifiable", report.to_dict()
    assert report.format == format_
    check = report.decisive_check
    assert check is not None and (check.id, check.outcome, check.message) == ("format", "error", message)
    assert not any(c.outcome == "failed" for c in report.checks)


def edc_credential() -> dict[str, Any]:
    """A European Digital Credential (ELM 3, the edc-ap profile of a W3C VC 1.1), unsealed."""
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1", "http://data.europa.eu/snb/model/context/edc-ap"],
        "id": "urn:credential:6f1b7c1e-8a0c-4a7e-9a60-6f3e1f2b9d11",
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialSchema": [
            {"id": "http://data.europa.eu/snb/model/ap/edc-generic-full", "type": "ShaclValidator2017"}
        ],
        "issuer": {
            "id": "urn:epass:org:1",
            "type": "Organisation",
            "legalName": {"en": "Universidad de Ejemplo", "es": "Universidad de Ejemplo"},
        },
        "issuanceDate": "2024-03-01T10:00:00+01:00",
        "issued": "2024-03-01T10:00:00+01:00",
        "credentialSubject": {
            "id": "urn:epass:person:1",
            "type": "Person",
            "fullName": {"en": "Ada Lovelace"},
            "hasClaim": [{"id": "urn:epass:claim:1", "type": "LearningAchievement", "title": {"en": "Master of Data"}}],
        },
        "displayParameter": {
            "id": "urn:epass:display:1",
            "type": "DisplayParameter",
            "title": {"en": "Master of Data"},
        },
    }


def jades_json(document: dict[str, Any], *, encoded: bool = True) -> str:
    """A JAdES seal in JWS JSON serialization: the credential as payload, one signature with unsigned properties."""
    key = rsa_private_key(2)
    token = sign_rs256(document, key, typ="JOSE+JSON")
    protected, payload, signature = token.split(".")
    return json.dumps(
        {
            "payload": payload if encoded else json.dumps(document),
            "signatures": [
                {"protected": protected, "header": {"etsiU": [b64url(b'{"xVals":[]}')]}, "signature": signature}
            ],
        }
    )


EDC_XML = """<?xml version="1.0" encoding="UTF-8"?>
<europassCredential xmlns="http://data.europa.eu/snb" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
    id="urn:credential:6f1b7c1e" xsdVersion="0.10.0">
  <identifier>urn:credential:6f1b7c1e</identifier>
  <title><text content-type="text/plain" lang="en">Master of Data</text></title>
  <ds:Signature Id="xades-seal"><ds:SignedInfo/></ds:Signature>
</europassCredential>
"""


def test_edc_json_ld_is_named_and_unverifiable() -> None:
    report = verify(json.dumps(edc_credential()), policy=make_policy())
    assert_named_unverifiable(report, "edc", EDC_MESSAGE)
    assert (report.badge.name, report.badge.issuer_name) == ("Master of Data", "Universidad de Ejemplo")


@pytest.mark.parametrize("encoded", [True, False], ids=["base64url-payload", "json-payload"])
def test_jades_sealed_edc_is_named_and_unverifiable(encoded: bool) -> None:
    report = verify(jades_json(edc_credential(), encoded=encoded).encode(), policy=make_policy())
    assert_named_unverifiable(report, "edc", EDC_MESSAGE)
    assert report.badge.name == "Master of Data"


def test_compact_jades_edc_is_named_and_unverifiable() -> None:
    token = sign_rs256(edc_credential(), rsa_private_key(2), typ="JOSE")
    assert_named_unverifiable(verify(token, policy=make_policy()), "edc", EDC_MESSAGE)


def test_edc_in_xml_is_named_and_unverifiable() -> None:
    assert_named_unverifiable(verify(EDC_XML.encode(), policy=make_policy()), "edc", EDC_MESSAGE)


def test_a_jades_seal_of_something_else_is_unverifiable() -> None:
    report = verify(jades_json({"hello": "world"}).encode(), policy=make_policy())
    assert report.status == "unverifiable"
    assert report.format == "jades"


def blockcerts_v2(image: str = "data:image/png;base64,iVBORw0KGgo=") -> dict[str, Any]:
    """A Blockcerts v2 certificate: an OB 2.0 assertion anchored by a MerkleProof2017 signature."""
    return {
        "@context": ["https://w3id.org/openbadges/v2", "https://w3id.org/blockcerts/v2"],
        "type": "Assertion",
        "id": "urn:uuid:bbba8553-8ec1-445f-82c9-a57251dd731c",
        "recipient": {"type": "email", "identity": "ada@example.org", "hashed": False},
        "issuedOn": "2018-04-10T12:00:00+00:00",
        "badge": {
            "type": "BadgeClass",
            "id": "urn:uuid:82a4c9f2-3588-457b-80ea-da695571b8fc",
            "name": "Certificate of Robotics",
            "description": "Built a robot.",
            "image": image,
            "issuer": {
                "id": "https://issuer.example.org/issuer.json",
                "type": "Profile",
                "name": "Blockcerts Academy",
                "url": "https://issuer.example.org",
            },
        },
        "verification": {"type": ["MerkleProofVerification2017", "Extension"], "publicKey": "ecdsa-koblitz-pubkey:1A"},
        "signature": {
            "type": ["MerkleProof2017", "Extension"],
            "targetHash": "637ec732fa4b7b56f4c15a6a12680519a17a9e9eade09f5b424a48eb0e6f5ad0",
            "merkleRoot": "637ec732fa4b7b56f4c15a6a12680519a17a9e9eade09f5b424a48eb0e6f5ad0",
            "anchors": [
                {"sourceId": "d75b7a5bdb3d5244b753e6b84e987267cfa4ffa7a532a2ed49ad3848be1d82f8", "type": "BTCOpReturn"}
            ],
            "proof": [],
        },
    }


def test_blockcerts_v2_certificate_is_named_and_unverifiable() -> None:
    report = verify(json.dumps(blockcerts_v2()), policy=make_policy())
    assert_named_unverifiable(report, "blockcerts", BLOCKCERTS_MESSAGE)
    assert (report.badge.name, report.badge.issuer_name) == ("Certificate of Robotics", "Blockcerts Academy")


def test_blockcerts_v3_credential_is_named_and_unverifiable() -> None:
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/blockcerts/v3"],
        "id": "urn:uuid:bbba8553-8ec1-445f-82c9-a57251dd731c",
        "type": ["VerifiableCredential", "BlockcertsCredential"],
        "issuer": "https://issuer.example.org/issuer.json",
        "issuanceDate": "2022-01-01T00:00:00Z",
        "name": "Certificate of Robotics",
        "credentialSubject": {"id": "did:example:ada", "name": "Ada"},
        "proof": {
            "type": "MerkleProof2019",
            "created": "2022-01-01T00:00:00Z",
            "proofValue": "z7veGu1qoKR3",
            "proofPurpose": "assertionMethod",
            "verificationMethod": "https://issuer.example.org/issuer.json#key-1",
        },
    }
    report = verify(json.dumps(credential), policy=make_policy())
    assert_named_unverifiable(report, "blockcerts", BLOCKCERTS_MESSAGE)
    assert report.badge.name == "Certificate of Robotics"


# ----------------------------------------------------------------------------------------------------------------------
# Size: real credentials of a few MB are admitted; a refusal is unverifiable, never invalid
# ----------------------------------------------------------------------------------------------------------------------


def inline_png(size: int) -> str:
    return "data:image/png;base64," + base64.b64encode(bytes(size * 3 // 4)).decode("ascii")


def test_a_3_mb_blockcerts_certificate_is_read_not_refused() -> None:
    data = json.dumps(blockcerts_v2(image=inline_png(3 * MB))).encode()
    assert 3 * MB < len(data) < DEFAULT_LIMITS.max_text_bytes
    report = verify(data, policy=make_policy())
    assert report.check("extracted").outcome == "passed"
    assert_named_unverifiable(report, "blockcerts", BLOCKCERTS_MESSAGE)


def test_a_3_mb_hosted_badge_verifies_by_url_and_from_its_json(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("big", image=inline_png(3 * MB))
    assert len(json_text(assertion)) > 3 * MB
    assert FetchPolicy().max_json_bytes > len(json_text(assertion))  # the default limits admit it
    for source in (assertion["id"], json_text(assertion).encode()):
        report = verify(source, policy=make_policy(max_json_bytes=FetchPolicy().max_json_bytes))
        assert report.status == "valid", [c for c in report.checks if c.outcome != "passed"]


def test_text_over_the_size_limit_is_unverifiable_not_invalid() -> None:
    data = json.dumps(blockcerts_v2(image=inline_png(DEFAULT_LIMITS.max_text_bytes + MB))).encode()
    report = verify(data, policy=make_policy())
    assert report.status == "unverifiable"
    check = report.decisive_check
    assert check is not None and (check.id, check.outcome) == ("extracted", "error")
    assert "larger than 8 MB" in check.message


def test_hosted_document_over_the_fetch_limit_is_unverifiable(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("huge", image=inline_png(2 * MB))
    report = verify(assertion["id"], policy=make_policy(max_json_bytes=1 * MB, max_image_bytes=1 * MB))
    assert report.status == "unverifiable"
    check = report.decisive_check
    assert check is not None and (check.id, check.outcome) == ("fetched", "error")

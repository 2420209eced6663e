"""VC Data Model rules (issue: conformance): IRIs that canonicalization would drop, optional ids, typed objects,
subjects that make claims, and ``relatedResource`` digests. Credentials are signed here by ``tests/ob3_issuer.py``."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from ob3_issuer import EARNER_EMAIL, MockWeb, OB3Issuer

from verifier import FetchPolicy, Report, VerifierPolicy, verify
from verifier._did.keys import base58btc_encode

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
VC2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture
def web() -> MockWeb:
    return MockWeb()


@pytest.fixture
def issuer(web: MockWeb) -> OB3Issuer:
    return OB3Issuer.did_key(web=web)


def check(document: dict[str, Any], web: MockWeb) -> Report:
    # A plain VC names its subject by a DID only: the earner's e-mail is compared with Open Badges alone.
    recipients = (EARNER_EMAIL,) if "OpenBadgeCredential" in document.get("type", []) else ()
    fetch = FetchPolicy(allow_private_network=True, deadline=8.0)  # MockWeb answers: no DNS lookup to guard
    policy = VerifierPolicy(fetch=fetch, recipients=recipients, now=NOW)
    return verify(json.dumps(document, ensure_ascii=False), policy=policy, transport=web.transport())


def outcome(report: Report, check_id: str) -> str | None:
    found = report.check(check_id)
    return found.outcome if found else None


def message(report: Report, check_id: str) -> str:
    found = report.check(check_id)
    assert found is not None, report.to_dict()
    return found.message


# -- IRIs that canonicalization would silently drop ---------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["https ://issuer.example/credentials/1", "relative/credentials/1", "urn:a b"])
def test_an_id_that_is_no_absolute_iri_is_refused_because_a_signature_would_not_cover_it(
    issuer: OB3Issuer, web: MockWeb, bad_id: str
) -> None:
    signed = issuer.sign(issuer.credential(id=bad_id))
    report = check(signed, web)
    assert (report.status, outcome(report, "json_ld")) == ("invalid", "failed")
    assert "left out of what the signature covers" in message(report, "json_ld")
    # The security hole it closes: the id changed after signing must not verify either.
    forged = copy.deepcopy(signed)
    forged["id"] = bad_id.replace("1", "2")
    assert check(forged, web).status == "invalid"


def test_an_iri_valued_property_that_is_malformed_is_refused(issuer: OB3Issuer, web: MockWeb) -> None:
    evidence = [{"id": "https ://evidence.example/1", "type": ["Evidence"], "name": "Project"}]
    report = check(issuer.sign(issuer.credential(evidence=evidence)), web)
    assert (report.status, outcome(report, "json_ld")) == ("invalid", "failed")


def test_a_well_formed_credential_still_passes_safe_mode(issuer: OB3Issuer, web: MockWeb) -> None:
    report = check(issuer.sign(issuer.credential()), web)
    assert report.status == "valid", report.to_dict()


# -- text direction ------------------------------------------------------------------------------------------------


def test_a_name_with_a_text_direction_verifies(issuer: OB3Issuer, web: MockWeb) -> None:
    credential = issuer.credential(name={"@value": "شارة الروبوتات", "@language": "ar", "@direction": "rtl"})
    report = check(issuer.sign(credential), web)
    assert report.status == "valid", report.to_dict()


# -- ids are optional in plain VCs ---------------------------------------------------------------------------------


def plain_vc(issuer: OB3Issuer, **extra: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": [VC2],
        "type": ["VerifiableCredential"],
        "issuer": issuer.id,
        "validFrom": "2026-01-15T10:00:00Z",
        "credentialSubject": {"id": "did:example:subject", "name": "Ada"},
    }
    document.update(extra)
    return {k: v for k, v in document.items() if v is not None}


def test_a_plain_verifiable_credential_without_an_id_verifies(issuer: OB3Issuer, web: MockWeb) -> None:
    report = check(issuer.sign(plain_vc(issuer)), web)
    assert outcome(report, "properties") == "passed"
    assert report.status == "valid", report.to_dict()  # the recipient check warns only: a plain VC names no email


def test_an_open_badge_still_needs_its_id(issuer: OB3Issuer, web: MockWeb) -> None:
    report = check(issuer.sign(issuer.credential(id=None)), web)
    assert (report.status, outcome(report, "properties")) == ("invalid", "failed")
    assert "lacks id" in message(report, "properties")


# -- shape rules ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"evidence": [{"id": "https://evidence.example/1", "name": "Project"}]}, "evidence object has no type"),
        ({"termsOfUse": {"id": "https://issuer.example/tou"}}, "termsOfUse object has no type"),
        ({"refreshService": {"id": "https://issuer.example/refresh"}}, "refreshService object has no type"),
        ({"credentialSchema": {"id": "https://issuer.example/schema.json"}}, "credentialSchema object has no type"),
        ({"credentialSubject": [{"id": "did:example:subject", "name": "Ada"}, {}]}, "makes no claim"),
        ({"credentialSubject": {"id": "did:example:subject"}}, "makes no claim"),
        ({"relatedResource": [{"digestSRI": "sha384-abc"}]}, "relatedResource entry has no id"),
        ({"relatedResource": [{"id": "https://r.example/a"}]}, "neither digestSRI nor digestMultibase"),
    ],
)
def test_vc_data_model_shape_rules(issuer: OB3Issuer, web: MockWeb, extra: dict[str, Any], words: str) -> None:
    report = check(issuer.sign(plain_vc(issuer, **extra)), web)
    assert (report.status, outcome(report, "data_model")) == ("invalid", "failed"), report.to_dict()
    assert words in message(report, "data_model")


def test_a_related_resource_listed_twice_is_refused(issuer: OB3Issuer, web: MockWeb) -> None:
    entry = {"id": "https://r.example/a.png", "digestSRI": "sha384-" + base64.b64encode(b"x" * 48).decode()}
    report = check(issuer.sign(plain_vc(issuer, relatedResource=[entry, entry])), web)
    assert "listed twice" in message(report, "data_model")


# -- relatedResource digests ----------------------------------------------------------------------------------------

PICTURE = b"\x89PNG\r\n\x1a\n" + b"a badge picture" * 20


def sri(data: bytes, algorithm: str = "sha384") -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def multibase_sha256(data: bytes) -> str:
    return "z" + base58btc_encode(bytes([0x12, 0x20]) + hashlib.sha256(data).digest())


@pytest.mark.parametrize("digest", ["sri-384", "sri-256", "multibase"])
def test_a_related_resource_that_matches_its_digest_passes(issuer: OB3Issuer, web: MockWeb, digest: str) -> None:
    url = web.serve("https://r.example/picture.png", PICTURE, content_type="image/png")
    entry: dict[str, Any] = {"id": url}
    if digest == "multibase":
        entry["digestMultibase"] = multibase_sha256(PICTURE)
    else:
        entry["digestSRI"] = sri(PICTURE, "sha" + digest.removeprefix("sri-"))
    report = check(issuer.sign(plain_vc(issuer, relatedResource=[entry])), web)
    assert (report.status, outcome(report, "related_resource")) == ("valid", "passed"), report.to_dict()


def test_a_related_resource_served_with_other_bytes_fails(issuer: OB3Issuer, web: MockWeb) -> None:
    url = web.serve("https://r.example/picture.png", PICTURE + b"!", content_type="image/png")
    entry = {"id": url, "digestSRI": sri(PICTURE)}
    report = check(issuer.sign(plain_vc(issuer, relatedResource=[entry])), web)
    assert (report.status, outcome(report, "related_resource")) == ("invalid", "failed")
    assert "not the one the issuer pinned" in message(report, "related_resource")


def test_a_related_resource_that_cannot_be_fetched_is_unverifiable(issuer: OB3Issuer, web: MockWeb) -> None:
    entry = {"id": "https://r.example/missing.png", "digestSRI": sri(PICTURE)}
    report = check(issuer.sign(plain_vc(issuer, relatedResource=[entry])), web)
    assert (report.status, outcome(report, "related_resource")) == ("unverifiable", "error")

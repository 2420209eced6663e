"""The public OB 2.0 vectors (tests/fixtures/vectors/ob2/) verify as their manifest says, with no network.

Documents are served through ``httpx.MockTransport`` from the manifest's ``url_prefix_map`` (``https://example.org/``,
``http://example.org/`` and ``https://www.example.org/`` → ``ob2/assets/``); a hosted assertion is also served at its
own ``id``, as the 1EdTech validator's tests do. Any other URL answers 404. The clock is pinned to the manifest's
recommended ``now``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from verifier import FetchPolicy, Report, VerifierPolicy, verify

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "vectors"
MANIFEST = json.loads((VECTORS / "ob2-manifest.json").read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = MANIFEST["files"]
PREFIXES: dict[str, str] = MANIFEST["url_prefix_map"]
NOW = datetime.fromisoformat(MANIFEST["now"]["recommended"])
RECIPIENT = "nobody@example.org"

# file -> (status, decisive check id, its outcome); None: valid, no decisive check.
EXPECTED: dict[str, tuple[str, tuple[str, str] | None]] = {
    "ob2/basic-assertion.json": ("valid", None),
    "ob2/basic-assertion-expired.json": ("expired", ("expiry", "failed")),
    "ob2/basic-assertion-expired-before-issued.json": ("invalid", ("issued_on", "failed")),
    "ob2/basic-assertion-in-future.json": ("invalid", ("issued_on", "failed")),
    "ob2/basic-assertion-invalid-context.json": ("invalid", ("json_ld", "failed")),
    # The vector's issuer profile declares an id other than the URL it is served at: this verifier refuses such a
    # profile before the verification scope is even looked at (an issuer's id must be where its profile lives).
    "ob2/basic-assertion-with-allowed-origins-invalid-starts-with.json": ("invalid", ("issuer", "failed")),
    "ob2/simple.jwt": ("valid", None),
    "ob2/simple-revoked.jwt": ("revoked", ("revocation", "failed")),
}
# The manifest's outcome vocabulary -> report status (OB 2.0 has no "not yet valid": a future issuedOn is invalid).
STATUS_OF_OUTCOME = {"valid": "valid", "invalid": "invalid", "expired": "expired", "revoked": "revoked"}
STATUS_OF_OUTCOME["not-yet-valid"] = "invalid"
# The manifest's check names -> this verifier's check ids.
CHECK_OF_MANIFEST = {
    "expiration": {"expiry", "issued_on"},  # expires < issuedOn is an issue-date problem here
    "not-before": {"issued_on"},
    "context": {"json_ld"},
    "verification-scope": {"origin", "issuer"},  # see the startsWith vector below
    "revocation-list": {"revocation"},
}

VECTOR_ENTRIES = [entry for entry in ENTRIES if "expected" in entry]
STARTS_WITH = "ob2/basic-assertion-with-allowed-origins-invalid-starts-with.json"


def _vector_params(entries: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(entry, id=entry["file"].removeprefix("ob2/")) for entry in entries]


def _read(relative: str) -> bytes:
    return (VECTORS / relative).read_bytes()


def _asset_for(url: str) -> str | None:
    for prefix, folder in PREFIXES.items():
        if url.startswith(prefix):
            relative = folder + url.removeprefix(prefix)
            return relative if (VECTORS / relative).is_file() else None
    return None


def _transport(entry: dict[str, Any], requested: list[str]) -> httpx.MockTransport:
    own: dict[str, bytes] = {}
    if entry["file"].endswith(".json"):
        document = _read(entry["file"])
        own[json.loads(document)["id"]] = document

    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        requested.append(url)
        if url in own:
            return httpx.Response(200, content=own[url], headers={"Content-Type": "application/ld+json"})
        relative = _asset_for(url)
        if relative is None:
            return httpx.Response(404, content=b"not in the vectors")
        media = "image/png" if relative.endswith(".png") else "application/ld+json"
        return httpx.Response(200, content=_read(relative), headers={"Content-Type": media})

    return httpx.MockTransport(handle)


def _verify(entry: dict[str, Any], requested: list[str] | None = None) -> Report:
    # The SSRF guard resolves host names before each request: lifted here so that nothing touches DNS either.
    policy = VerifierPolicy(
        fetch=FetchPolicy(allow_private_network=True, deadline=10.0), recipients=(RECIPIENT,), now=NOW
    )
    transport = _transport(entry, requested if requested is not None else [])
    return verify(_read(entry["file"]), policy=policy, transport=transport)


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["file"].removeprefix("ob2/") for entry in entries]


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_vector_file_is_the_published_one(entry: dict[str, Any]) -> None:
    data = _read(entry["file"])
    assert len(data) == entry["bytes"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_manifest_covers_the_folder_and_the_expectations() -> None:
    on_disk = {p.relative_to(VECTORS).as_posix() for p in (VECTORS / "ob2").rglob("*") if p.is_file()}
    assert on_disk == {entry["file"] for entry in ENTRIES}
    assert set(EXPECTED) == {entry["file"] for entry in VECTOR_ENTRIES}
    assert PREFIXES == {prefix: "ob2/assets/" for prefix in PREFIXES}
    assert set(PREFIXES) == {"https://example.org/", "http://example.org/", "https://www.example.org/"}


@pytest.mark.parametrize("entry", VECTOR_ENTRIES, ids=_ids(VECTOR_ENTRIES))
def test_expectations_agree_with_the_manifest(entry: dict[str, Any]) -> None:
    status, deciding = EXPECTED[entry["file"]]
    assert STATUS_OF_OUTCOME[entry["expected"]["outcome"]] == status
    failing = entry["expected"]["failing_check"]
    assert (failing is None) == (deciding is None)
    if deciding is not None:
        assert deciding[0] in CHECK_OF_MANIFEST[failing]


@pytest.mark.parametrize("entry", _vector_params(VECTOR_ENTRIES))
def test_vector_verifies_as_expected(entry: dict[str, Any]) -> None:
    requested: list[str] = []
    report = _verify(entry, requested)
    status, deciding = EXPECTED[entry["file"]]
    assert report.status == status, report.to_dict()
    check = report.decisive_check
    assert (None if check is None else (check.id, check.outcome)) == deciding, report.to_dict()
    # Every document the manifest says the vector needs is one the verifier may ask for, and nothing else.
    needs = {url.split("#")[0] for url in entry.get("needs", [])}
    own_id = {r for r in requested if _asset_for(r) is None}
    assert own_id <= {report.badge_id}, requested
    assert {r for r in requested if r not in own_id} <= needs, requested


def _entry(file: str) -> dict[str, Any]:
    return next(entry for entry in ENTRIES if entry["file"] == file)


def test_starts_with_vector_is_invalid() -> None:
    report = _verify(_entry(STARTS_WITH))
    assert report.status == "invalid"
    assert report.decisive_check is not None
    assert report.decisive_check.outcome == "failed"
    assert report.decisive_check.id == "issuer"
    assert "claims another id" in report.decisive_check.message


def test_basic_assertion_details() -> None:
    report = _verify(_entry("ob2/basic-assertion.json"))
    assert report.format == "ob2-hosted"
    assert report.badge_id == "https://example.org/beths-robotics-badge.json"
    assert report.check("hosted_copy").outcome == "passed"
    assert report.check("recipient").message == f"issued to {RECIPIENT} (hashed email)"
    assert report.check("origin").message == "hosted on example.org, allowed by the issuer"
    assert report.badge.name == "Awesome Robotics Badge"
    assert report.badge.issuer_name == "An Example Badge Issuer"
    assert report.badge.issuer_id == "https://example.org/organization.json"
    assert report.badge.evidence == [{"id": "https://example.org/beths-robot-work.html"}]


def test_basic_assertion_recipient_mismatch_is_invalid() -> None:
    entry = _entry("ob2/basic-assertion.json")
    policy = VerifierPolicy(
        fetch=FetchPolicy(allow_private_network=True), recipients=("somebody@example.org",), now=NOW
    )
    report = verify(_read(entry["file"]), policy=policy, transport=_transport(entry, []))
    assert report.status == "invalid"
    assert report.decisive_check is not None
    assert (report.decisive_check.id, report.decisive_check.outcome) == ("recipient", "failed")


def test_expired_vector_dates() -> None:
    report = _verify(_entry("ob2/basic-assertion-expired.json"))
    assert report.check("expiry").message == "expired on 2022-11-15"
    assert report.check("issued_on").outcome == "passed"
    report = _verify(_entry("ob2/basic-assertion-expired-before-issued.json"))
    assert report.check("issued_on").message == "expires (2022-11-15) before it was issued (2022-12-31)"


def test_simple_jwt_signature_and_key() -> None:
    requested: list[str] = []
    report = _verify(_entry("ob2/simple.jwt"), requested)
    assert report.format == "ob2-signed"
    assert report.check("signature").message == "valid RS256 signature by http://example.org/key1.json"
    assert report.check("key_owner").outcome == "passed"
    assert report.check("revocation").outcome == "skipped"  # organization.json publishes no revocation list
    assert "http://example.org/key1.json" in requested


def test_simple_revoked_jwt_reason() -> None:
    report = _verify(_entry("ob2/simple-revoked.jwt"))
    assert report.status == "revoked"
    assert report.badge.revocation_reason == "A good reason, for sure"
    assert report.check("revocation").message == "revoked by the issuer: A good reason, for sure"
    assert report.check("signature").outcome == "passed"
    assert report.check("key_owner").outcome == "passed"


def test_signed_vector_with_its_key_missing_is_unverifiable() -> None:
    entry = _entry("ob2/simple.jwt")
    base = _transport(entry, [])

    def without_key(request: httpx.Request) -> httpx.Response:
        if str(request.url) == "http://example.org/key1.json":
            return httpx.Response(404)
        return base.handler(request)  # type: ignore[no-any-return]

    policy = VerifierPolicy(fetch=FetchPolicy(allow_private_network=True), recipients=(RECIPIENT,), now=NOW)
    report = verify(_read(entry["file"]), policy=policy, transport=httpx.MockTransport(without_key))
    assert report.status == "unverifiable"
    assert report.decisive_check is not None
    assert (report.decisive_check.id, report.decisive_check.outcome) == ("signature", "error")

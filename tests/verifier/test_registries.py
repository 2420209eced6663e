"""Issuer registries (``issuer_known``): a Digital Credentials Consortium registry served over real HTTP by a local
issuer server, and a local trust list; listed, not listed, not authentic, unreachable, and offline from the cache.

Credentials are signed by the independent test issuer (did:key: verifiable without the network), so every request
the local server logs is a registry fetch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from issuer import IssuerServer, closed_port_url
from ob3_issuer import VC2, OB3Issuer, ed25519_key

from verifier import FetchPolicy, IssuerRegistry, Report, VerifierPolicy, parse_registry, verify
from verifier.http import MemoryCache
from verifier.signing import did_key_for, sign_eddsa_rdfc_2022, verification_method_for

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ONLINE = FetchPolicy(allow_private_network=True)

UNIVERSITY = OB3Issuer.did_key(ed25519_key("university"), name="Example University")
IMPOSTOR = OB3Issuer.did_key(ed25519_key("impostor"), name="Example University")


def dcc_registry(*issuers: OB3Issuer, key: str = "registry") -> dict[str, Any]:
    """A registry in the DCC's format (what ``@digitalcredentials/issuer-registry-client`` reads as dcc-legacy)."""
    return {
        "meta": {"created": "2022-10-27T17:57:31+00:00", "updated": "2026-03-12T16:20:00+00:00"},
        key: {
            issuer.id: {
                "name": "Example University (registered)",
                "location": "Cambridge",
                "url": "https://uni.example",
            }
            for issuer in issuers
        },
    }


def trust_list(*ids: str) -> dict[str, Any]:
    return {
        "type": "IssuerTrustList",
        "name": "Issuers our team trusts",
        "updated": "2026-05-01",
        "issuers": [
            {"id": issuer_id, "name": "Trusted Example", "url": "https://trusted.example"} for issuer_id in ids
        ],
    }


def credential(issuer: OB3Issuer = UNIVERSITY) -> dict[str, Any]:
    return issuer.sign(issuer.credential())


def check(document: dict[str, Any] | str, *registries: Any, fetch: FetchPolicy = ONLINE, **options: Any) -> Report:
    text = document if isinstance(document, str) else json.dumps(document)
    policy = VerifierPolicy(fetch=fetch, now=NOW, registries=tuple(registries))
    return verify(text, policy=policy, **options)


@pytest.fixture(scope="module")
def server() -> Iterator[IssuerServer]:
    with IssuerServer() as running:
        yield running
    assert running.errors == []


@pytest.fixture
def local(server: IssuerServer) -> IssuerServer:
    server.routes.clear()
    server.clear_log()
    return server


# ----------------------------------------------------------------------------------------------------------------------
# The check
# ----------------------------------------------------------------------------------------------------------------------


def test_an_issuer_listed_in_a_dcc_registry_is_known_by_the_registrys_name(local: IssuerServer) -> None:
    url = local.serve("/registry.json", dcc_registry(UNIVERSITY))
    report = check(credential(), url)
    known = report.check("issuer_known")
    assert report.status == "valid"
    assert known is not None and known.outcome == "passed"
    assert "Example University (registered)" in known.message and "as of 20" in known.message
    assert "calls itself 'Example University'" in known.message
    assert report.badge.issuer_name == "Example University (registered)"
    assert report.badge.issuer_name_confirmed is True
    assert report.to_dict()["badge"]["issuer_name_confirmed"] is True
    assert known.problem is None


def test_an_issuer_in_no_registry_is_a_warning_and_its_name_self_asserted(local: IssuerServer) -> None:
    url = local.serve("/registry.json", dcc_registry(UNIVERSITY))
    report = check(credential(IMPOSTOR), url)
    known = report.check("issuer_known")
    assert report.status == "valid"  # authentic: registries say who, not whether
    assert known is not None and known.outcome == "warning"
    assert "not in any registry you use" in known.message and IMPOSTOR.id in known.message
    assert report.badge.issuer_name == "Example University"
    assert report.badge.issuer_name_confirmed is False


def test_the_first_registry_that_lists_the_issuer_names_it(local: IssuerServer, tmp_path: Any) -> None:
    url = local.serve("/registry.json", dcc_registry(UNIVERSITY))
    mine = parse_registry(json.dumps(trust_list(UNIVERSITY.id)), source=str(tmp_path / "trust.json"))
    report = check(credential(), mine, url)
    assert report.badge.issuer_name == "Trusted Example"
    assert "Issuers our team trusts" in report.check("issuer_known").message  # type: ignore[union-attr]
    assert local.paths == ["/registry.json"]  # every registry is read: the report may name them all


def test_a_local_trust_list_is_used_without_the_network() -> None:
    mine = parse_registry(
        json.dumps(trust_list(UNIVERSITY.id)), source="/home/ada/trust.json", as_of="2026-05-02T08:00:00Z"
    )
    report = check(credential(), mine, fetch=FetchPolicy(offline=True))
    known = report.check("issuer_known")
    assert known is not None and known.outcome == "passed"
    assert "Issuers our team trusts (as of 2026-05-02)" in known.message


def test_without_registries_the_check_is_absent() -> None:
    report = check(credential())
    assert report.check("issuer_known") is None
    assert report.badge.issuer_name_confirmed is None


def test_a_badge_that_is_not_authentic_is_not_looked_up(local: IssuerServer) -> None:
    url = local.serve("/registry.json", dcc_registry(UNIVERSITY))
    document = credential()
    document["name"] = "Changed after signing"
    report = check(document, url)
    assert report.status == "invalid"
    assert report.check("issuer_known").outcome == "skipped"  # type: ignore[union-attr]
    assert report.badge.issuer_name_confirmed is None
    assert local.paths == []


def test_an_unreachable_registry_never_makes_a_badge_unverifiable() -> None:
    report = check(credential(), closed_port_url("/registry.json"))
    known = report.check("issuer_known")
    assert report.status == "valid"
    assert known is not None and known.outcome == "warning"
    assert "no registry you use could be read" in known.message
    assert report.badge.issuer_name_confirmed is False


def test_registries_are_private_addresses_like_any_other_fetch(local: IssuerServer) -> None:
    url = local.serve("/registry.json", dcc_registry(UNIVERSITY))
    report = check(credential(), url, fetch=FetchPolicy())
    assert report.check("issuer_known").outcome == "warning"  # type: ignore[union-attr]
    assert "private or local address" in report.check("issuer_known").message  # type: ignore[union-attr]
    assert local.paths == []


def test_offline_the_cached_copy_is_used_with_its_date(local: IssuerServer) -> None:
    url = local.serve("/registry.json", dcc_registry(UNIVERSITY))
    cache = MemoryCache()
    assert check(credential(), url, cache=cache).check("issuer_known").outcome == "passed"  # type: ignore[union-attr]
    offline = check(credential(), url, cache=cache, fetch=FetchPolicy(offline=True))
    known = offline.check("issuer_known")
    assert known is not None and known.outcome == "passed"
    today = datetime.now(UTC).date().isoformat()
    assert f"(as of {today})" in known.message
    assert local.paths == ["/registry.json"]


def test_a_registry_that_went_away_is_read_from_its_last_copy() -> None:
    with IssuerServer() as gone:
        url = gone.serve("/registry.json", dcc_registry(UNIVERSITY), headers={"Cache-Control": "no-cache"})
        cache = MemoryCache()
        check(credential(), url, cache=cache)
    report = check(credential(), url, cache=cache)  # the server is closed: the stale copy answers
    assert report.check("issuer_known").outcome == "passed"  # type: ignore[union-attr]


def test_each_credential_of_a_presentation_is_looked_up_not_the_presentation(local: IssuerServer) -> None:
    url = local.serve("/registry.json", dcc_registry(UNIVERSITY))
    key = ed25519_key("holder")
    holder = did_key_for(key.public_key())
    presentation = {
        "@context": [VC2],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [credential(), credential(IMPOSTOR)],
    }
    signed = sign_eddsa_rdfc_2022(
        presentation,
        key,
        verification_method_for(holder),
        proof_purpose="authentication",
        created="2026-05-01T00:00:00Z",
    )
    report = check(signed, url)
    assert report.check("issuer_known") is None
    assert [item.check("issuer_known").outcome for item in report.items] == ["passed", "warning"]  # type: ignore[union-attr]
    assert report.status == "valid"


# ----------------------------------------------------------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------------------------------------------------------


def test_the_dcc_format_and_its_early_entries_key_are_read() -> None:
    for key in ("registry", "entries"):
        registry = parse_registry(json.dumps(dcc_registry(UNIVERSITY, key=key)), source="https://r.example/x.json")
        assert registry.problem is None and registry.updated == "2026-03-12T16:20:00+00:00"
        entry = registry.lookup(UNIVERSITY.vm)  # a DID URL finds its DID
        assert entry is not None and entry.name == "Example University (registered)"
        assert entry.url == "https://uni.example" and entry.location == "Cambridge"


@pytest.mark.parametrize(
    "data",
    [b"", b"not json", b"[1, 2]", b'{"registry": []}', b'{"type": "IssuerTrustList", "issuers": {}}', b"[" * 100_000],
)
def test_an_unreadable_registry_says_why_and_lists_nobody(data: bytes) -> None:
    registry = parse_registry(data, source="trust.json")
    assert registry.problem and registry.entries == {}
    assert registry.lookup(UNIVERSITY.id) is None


def test_odd_entries_are_read_safely() -> None:
    registry = parse_registry(
        {
            "type": "IssuerTrustList",
            "issuers": [
                {"id": "https://issuer.example/", "name": "x" * 1000, "url": "javascript:alert(1)"},
                {"name": "no id"},
                "not an object",
                {"id": 42},
            ],
        },
        source="trust.json",
    )
    assert isinstance(registry, IssuerRegistry) and list(registry.entries) == ["https://issuer.example"]
    entry = registry.lookup("https://issuer.example")
    assert entry is not None and entry.url is None and len(entry.name or "") == 300

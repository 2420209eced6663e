"""The public OB 3.0 / VC vectors (tests/fixtures/vectors/ob3/) verify as their manifest says, with no network.

``ob3-manifest.json`` holds the reference pack's entries for ``ob3/`` unchanged, with its ``url_map`` and
``did_web_map``; the status lists and DID documents those maps name are the copies in ``status/`` and ``dids/``.
They are served through ``httpx.MockTransport``; any other URL answers 404, which is how the deliberately missing
documents (``dcc-did-web-bad``) stay missing. The clock is pinned to the manifest's recommended ``now``.

Policy: the Digital Credentials Consortium fixtures (``ob3/dcc-*``) run with ``status_list_issuer_must_match=False``
and ``status_list_minimum_entries=100_000``, as the manifest's notes say DCC's own verifier does (its lists hold
100,000 bits and most are issued by another DID than the credentials). Everything else runs with the default,
strict policy; a test below shows that the strict policy refuses the DCC status lists.

The canonical-form and hash files are checked byte for byte against ``verifier._jsonld.canonicalize``, and the
independent test issuer (``tests/ob3_issuer.py``) must reproduce the published proof values from the published keys.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from ob3_issuer import add_proof, b58decode, b58encode, multikey

from verifier import FetchPolicy, Report, VerifierPolicy, verify
from verifier._jsonld import bundled_context_urls, canonicalize

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "vectors"
MANIFEST = json.loads((VECTORS / "ob3-manifest.json").read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = MANIFEST["files"]
URL_MAP: dict[str, str] = MANIFEST["url_map"]
DID_WEB_MAP: dict[str, dict[str, str]] = MANIFEST["did_web_map"]
NOW = datetime.fromisoformat(MANIFEST["now"]["recommended"])
VECTOR_ENTRIES = [entry for entry in ENTRIES if "expected" in entry]

# The manifest's outcome vocabulary -> report status. OB 3.0 has no "not yet valid" status: it is a failed
# valid_from check, so invalid; a document that cannot be had offline leaves the credential unverifiable.
STATUS_OF_OUTCOME = {
    "valid": "valid",
    "invalid": "invalid",
    "expired": "expired",
    "revoked": "revoked",
    "not-yet-valid": "invalid",
    "unverifiable-offline": "unverifiable",
}
# The manifest's check names -> this verifier's check ids.
CHECK_OF_MANIFEST = {
    "context": "context",
    "type": "type",
    "jsonld-safe-mode": "json_ld",
    "schema": "properties",  # no JSON Schema here: the required properties are checked by hand
    "proof": "signature",
    "key-resolution": "key_owner",
    "issuer-binding": "key_owner",
    "not-before": "valid_from",
    "expiration": "expiry",
    "status": "revocation",
}
# How a deciding check ends for each status: failed, or error when the check could not run.
OUTCOME_OF_STATUS = {"invalid": "failed", "expired": "failed", "revoked": "failed", "unverifiable": "error"}

W3C_CRYPTO_VECTORS = ("ob3/w3c-eddsa-rdfc-2022-signedDataInt.json", "ob3/w3c-ed25519-2020-signedEdSig.json")
DCC_PLAIN_STATUS_VECTORS = tuple(
    f"ob3/dcc-v2-ed-didkey-legacy-{name}Status-noExpiry.json"
    for name in ("expired", "missingType", "notYetValid", "tampered")
)

# Known, deliberate differences between this verifier and the manifest: file -> (status, deciding check).
DEVIATIONS: dict[str, tuple[str, tuple[str, str] | None]] = {
    # The W3C EdDSA crypto vectors sign a generic credential whose issuer (https://vc.example/issuers/5678) is not the
    # did:key that signed it. Their proof verifies (asserted below), but this verifier requires the key's controller
    # to be the issuer, so they are invalid by key_owner; the manifest calls them valid as crypto vectors.
    W3C_CRYPTO_VECTORS[0]: ("invalid", ("key_owner", "failed")),
    W3C_CRYPTO_VECTORS[1]: ("invalid", ("key_owner", "failed")),
    # The manifest decides this JWT on its missing kid/jwk. This verifier checks @context first: item 1 is the
    # pre-release alias https://imsglobal.github.io/openbadges-specification/context.json, which is neither an OB 3.0
    # context nor bundled, so the context check decides (key_owner also fails, asserted below). Invalid either way.
    "ob3/1ed-simple.jwt": ("invalid", ("context", "failed")),
}
# DCC's four plain-VC status vectors (no OB context or type: verified as generic VCs) point at a status list that is
# expired, not yet valid, lacks its BitstringStatusList type, or was tampered with. The manifest calls them invalid
# by `status`. Here a status that cannot be checked never makes a verdict about the credential: unverifiable, with
# the list's problem in a revocation *error* (asserted below).
DEVIATIONS.update(dict.fromkeys(DCC_PLAIN_STATUS_VECTORS, ("unverifiable", ("revocation", "error"))))


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["file"].removeprefix("ob3/") for entry in entries]


def _entry(file: str) -> dict[str, Any]:
    return next(entry for entry in ENTRIES if entry["file"] == file)


def _read(relative: str) -> bytes:
    return (VECTORS / relative).read_bytes()


def _served() -> dict[str, str]:
    served = dict(URL_MAP)
    served.update({target["url"]: target["file"] for target in DID_WEB_MAP.values()})
    return served


def _transport(requested: list[str]) -> httpx.MockTransport:
    served = _served()

    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        requested.append(url)
        if url not in served:
            return httpx.Response(404, content=b"not in the vectors")
        return httpx.Response(200, content=_read(served[url]), headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handle)


def _policy(file: str, **overrides: Any) -> VerifierPolicy:
    # The SSRF guard resolves host names before each request: lifted here so that nothing touches DNS either.
    fetch = FetchPolicy(allow_private_network=True, deadline=10.0)
    options: dict[str, Any] = {"fetch": fetch, "now": NOW}
    if file.startswith("ob3/dcc-"):
        # DCC's verifier: no issuer match for status lists (verifyMatchingIssuers=false), 100,000-bit lists accepted.
        options.update(status_list_issuer_must_match=False, status_list_minimum_entries=100_000)
    options.update(overrides)
    return VerifierPolicy(**options)


def _verify(file: str, requested: list[str] | None = None, **policy: Any) -> Report:
    transport = _transport(requested if requested is not None else [])
    return verify(_read(file), policy=_policy(file, **policy), transport=transport)


def expected(entry: dict[str, Any]) -> tuple[str, tuple[str, str] | None]:
    """(status, deciding check) for a vector: the manifest's verdict in this verifier's terms, or a deviation."""
    if entry["file"] in DEVIATIONS:
        return DEVIATIONS[entry["file"]]
    status = STATUS_OF_OUTCOME[entry["expected"]["outcome"]]
    failing = entry["expected"]["failing_check"]
    return status, None if failing is None else (CHECK_OF_MANIFEST[failing], OUTCOME_OF_STATUS[status])


def _check_outcomes(name: str, text: str) -> set[str | None] | None:
    """What the manifest's per-check text says this verifier's check must be (None: not asserted)."""
    if name == "proof":
        if text.startswith("pass") and "the other proof type is unknown" in text:
            # Every proof of a set must hold (Data Integrity 1.0, proof sets): the valid proof does, the unknown one
            # cannot be checked, so the signature check is an error (unverifiable), never a pass or a forgery.
            return {"error"}
        if text.startswith("pass"):
            return {"passed"}
        if text.startswith("fail"):
            return {"failed"}
        return {None} if text.startswith("not checkable") else None  # not reached: no signature check at all
    if name == "status":
        if text.startswith("revoked"):
            return {"failed"}
        if text.startswith("not revoked"):
            return {"passed"}
        return {"error"} if text.startswith("error") else None
    if name in ("expiration", "not-before", "context", "type", "jsonld-safe-mode") and text.startswith("fail"):
        return {"failed"}
    return None


# ----------------------------------------------------------------------------------------------------------------------
# The files
# ----------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_vector_file_is_the_published_one(entry: dict[str, Any]) -> None:
    data = _read(entry["file"])
    assert len(data) == entry["bytes"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_manifest_covers_the_folder() -> None:
    on_disk = {p.relative_to(VECTORS).as_posix() for p in (VECTORS / "ob3").rglob("*") if p.is_file()}
    assert on_disk == {entry["file"] for entry in ENTRIES}
    assert len(ENTRIES) == 53
    # Every credential has an expected verdict; the canonical forms, hashes, keys and the spec page are reference data.
    assert [e["file"] for e in VECTOR_ENTRIES] == [e["file"] for e in ENTRIES if e["kind"].startswith("credential-")]
    assert len(VECTOR_ENTRIES) == 44


def test_url_maps_name_the_copied_status_lists_and_did_documents() -> None:
    targets = set(URL_MAP.values()) | {target["file"] for target in DID_WEB_MAP.values()}
    assert {t.split("/")[0] for t in targets} == {"status", "dids"}
    for target in targets:
        assert (VECTORS / target).is_file(), f"{target} is not copied under tests/fixtures/vectors/"
    for did, target in DID_WEB_MAP.items():
        assert URL_MAP[target["url"]] == target["file"]
        host, *path = did.removeprefix("did:web:").split(":")
        assert target["url"] == f"https://{host}/{'/'.join(path)}/did.json"
    # Every document a vector needs is served, except the one that is missing on purpose.
    needs = {need for entry in VECTOR_ENTRIES for need in entry.get("needs", [])}
    missing = {n for n in needs if n.split(" ")[0] not in URL_MAP and n.split(" ")[0] not in DID_WEB_MAP}
    assert {n for n in missing if "schema" not in n} == {
        "did:web:digitalcredentials.github.io:dcc-did-web-bad (deliberately absent)"
    }


def test_every_context_the_vectors_load_is_bundled() -> None:
    bundled = bundled_context_urls()
    for entry in ENTRIES:
        assert set(entry.get("contexts", [])) <= bundled, entry["file"]
        assert not set(entry.get("contexts_not_bundled", [])) & bundled, entry["file"]
    assert [e["file"] for e in ENTRIES if e.get("contexts_not_bundled")] == ["ob3/1ed-simple.jwt"]


# ----------------------------------------------------------------------------------------------------------------------
# Verification
# ----------------------------------------------------------------------------------------------------------------------


def test_deviations_are_the_documented_ones() -> None:
    differing = {entry["file"] for entry in VECTOR_ENTRIES if expected(entry) != _manifest_verdict(entry)}
    assert differing == set(DEVIATIONS)


def _manifest_verdict(entry: dict[str, Any]) -> tuple[str, tuple[str, str] | None]:
    status = STATUS_OF_OUTCOME[entry["expected"]["outcome"]]
    failing = entry["expected"]["failing_check"]
    return status, None if failing is None else (CHECK_OF_MANIFEST[failing], OUTCOME_OF_STATUS[status])


def _did_web_document_url(did: str) -> str:
    host, *path = did.split(" ")[0].removeprefix("did:web:").split(":")
    return f"https://{host}/{'/'.join(path)}/did.json" if path else f"https://{host}/.well-known/did.json"


@pytest.mark.parametrize("entry", VECTOR_ENTRIES, ids=_ids(VECTOR_ENTRIES))
def test_vector_verifies_as_expected(entry: dict[str, Any]) -> None:
    requested: list[str] = []
    report = _verify(entry["file"], requested)
    status, deciding = expected(entry)
    assert report.status == status, report.to_dict()
    check = report.decisive_check
    assert (None if check is None else (check.id, check.outcome)) == deciding, report.to_dict()
    # The per-check results the manifest states, where they translate to a check of this verifier.
    outcomes = {c.id: c.outcome for c in report.checks}
    for name, text in entry["expected"]["checks"].items():
        allowed = _check_outcomes(name, text)
        if allowed is not None:
            assert outcomes.get(CHECK_OF_MANIFEST[name]) in allowed, (name, text, report.to_dict())
    # Only documents the manifest says the vector needs are asked for (did:web DIDs by their document's URL).
    needs = {
        _did_web_document_url(need) if need.startswith("did:web:") else need.split(" ")[0]
        for need in entry.get("needs", [])
    }
    assert set(requested) <= needs, requested


def test_w3c_crypto_vectors_verify_their_proof_but_not_their_issuer() -> None:
    for file in W3C_CRYPTO_VECTORS:
        report = _verify(file)
        assert report.check("signature").outcome == "passed"
        assert report.check("key_owner").message == (
            "signed by did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2, "
            "not by the issuer https://vc.example/issuers/5678"
        )
        assert report.check("type").outcome == "warning"  # an AlumniCredential: a VC, not an Open Badge


def test_1ed_simple_jwt_has_neither_kid_nor_jwk() -> None:
    report = _verify("ob3/1ed-simple.jwt")
    assert report.check("key_owner").outcome == "failed"
    assert report.check("key_owner").message == "the JOSE header must carry a kid or a jwk"
    assert report.check("json_ld").outcome == "error"  # the alias context is not bundled
    assert report.check("signature") is None


@pytest.mark.parametrize("file", DCC_PLAIN_STATUS_VECTORS, ids=lambda f: f.removeprefix("ob3/"))
def test_dcc_status_list_problems_are_revocation_errors(file: str) -> None:
    report = _verify(file)
    assert report.check("properties").outcome != "failed"  # VC 2.0 makes validFrom optional for a generic VC
    assert report.check("revocation").outcome == "error"
    assert "didkey-ed25519Signature2020/" in report.check("revocation").message
    assert report.check("signature").outcome == "passed"


DCC_WITH_LISTS = [
    entry
    for entry in VECTOR_ENTRIES
    if entry["file"].startswith("ob3/dcc-")
    and entry["file"] not in DCC_PLAIN_STATUS_VECTORS
    and "status" in entry["expected"]["checks"]
]


@pytest.mark.parametrize("entry", DCC_WITH_LISTS, ids=_ids(DCC_WITH_LISTS))
def test_the_strict_policy_refuses_the_dcc_status_lists(entry: dict[str, Any]) -> None:
    strict = {"status_list_issuer_must_match": True, "status_list_minimum_entries": 131_072}
    report = _verify(entry["file"], **strict)
    revocation = report.check("revocation")
    assert revocation is not None and revocation.outcome == "error", report.to_dict()
    assert "not the credential's issuer" in revocation.message or "STATUS_LIST_LENGTH_ERROR" in revocation.message, (
        revocation.message
    )
    assert report.status in ("unverifiable", "expired")  # noRegistry-revokedStatus-expired is also expired


def test_dcc_identity_hash_vector_names_its_recipient() -> None:
    file = "ob3/dcc-v2-di-didkey-legacyRegistry-noStatus-noExpiry-identityHash.json"
    report = _verify(file, recipients=("Parker Pearl",))
    assert report.status == "valid"
    assert report.check("recipient").message == "issued to Parker Pearl (name)"
    report = _verify(file, recipients=("Someone Else",))
    assert (report.status, report.decisive_check.id) == ("invalid", "recipient")  # type: ignore[union-attr]


def test_1edtech_bitstring_vector_is_revoked_by_bit_23() -> None:
    (url,) = [url for url, target in URL_MAP.items() if target == "status/1ed-bsl-testlist.json"]
    report = _verify("ob3/1ed-bsl-credential-status-revoked.json")
    assert report.check("revocation").message == f"revoked (bit 23 of {url})"


def test_did_web_vectors_fetch_their_did_documents() -> None:
    requested: list[str] = []
    report = _verify("ob3/dcc-v2-di-didweb-oidf-noStatus-notExpired.json", requested)
    assert report.status == "valid"
    assert requested == [DID_WEB_MAP["did:web:digitalcredentials.github.io:vc-test-fixtures:dids:oidf"]["url"]]
    requested.clear()
    report = _verify("ob3/dcc-v2-ed-didweb-badDidWeb.json", requested)
    assert requested == ["https://digitalcredentials.github.io/dcc-did-web-bad/did.json"]
    assert "HTTP 404" in report.check("key_owner").message  # the fragment's key is never taken for a did:web


# ----------------------------------------------------------------------------------------------------------------------
# Baked OB 3.0 vectors (baked/1ed-ob30-*, copied and listed in manifest.json by the baking tests)
# ----------------------------------------------------------------------------------------------------------------------

BAKED_MANIFEST = json.loads((VECTORS / "manifest.json").read_text(encoding="utf-8"))
BAKED_OB3 = [e for e in BAKED_MANIFEST["files"] if e["file"].startswith("baked/1ed-ob30") and "expected" in e]


@pytest.mark.parametrize("entry", BAKED_OB3, ids=[e["file"].removeprefix("baked/") for e in BAKED_OB3])
def test_baked_ob3_vector_verifies_from_the_image(entry: dict[str, Any]) -> None:
    assert entry["expected"]["outcome"] == "valid"
    report = verify(_read(entry["file"]), policy=_policy(entry["file"]), transport=_transport([]))
    assert report.check("signature").outcome == "passed"
    assert report.format == ("ob3-jwt" if "jwt" in entry["file"] else "ob3-data-integrity")
    if "jwt" not in entry["file"]:
        assert (report.status, report.decisive_check) == ("valid", None), report.to_dict()
        return
    # 1EdTech's validator calls these valid; their key is an inline jwk, which proves integrity only, and the issuer's
    # key lists (its profile, https://1edtech.edu/.well-known/jwks.json) cannot be fetched offline: unverifiable, as
    # the manifest's key-provenance note says.
    assert entry["expected"]["checks"]["key-provenance"].startswith("unverifiable")
    assert (report.status, report.decisive_check.id, report.decisive_check.outcome) == (  # type: ignore[union-attr]
        "unverifiable",
        "key_owner",
        "error",
    )
    message = report.check("key_owner").message  # type: ignore[union-attr]
    assert message.startswith("cannot tell whether https://") and "lists the inline jwk" in message, message


# ----------------------------------------------------------------------------------------------------------------------
# Canonical forms, hashes and signatures, byte for byte
# ----------------------------------------------------------------------------------------------------------------------


def _text(file: str) -> str:
    return _read(f"ob3/{file}").decode("utf-8")


def _split(file: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The credential without its proof, and the proof configuration (no proofValue, the credential's context)."""
    document = json.loads(_read(f"ob3/{file}"))
    proof = document.pop("proof")
    config = {"@context": document["@context"], **{k: v for k, v in proof.items() if k != "proofValue"}}
    return document, config


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _spec_values() -> dict[str, str]:
    """The hex values of the OB 3.0 implementation guide chapter: keys, hashes, data to sign, signature."""
    html = _text("spec-linked-data-proof-ob.html")
    values = {
        name: re.search(rf"{label} \(hex\):\s*<code\s*>([0-9a-f]+)</code", html).group(1)  # type: ignore[union-attr]
        for name, label in (("public", "Public key"), ("private", "Private key"))
    }
    for section, value in re.findall(r'<h3 id="ob-([\w-]+)">[^<]*</h3>\s*<code\s*>\s*([^<\s]+)\s*</code', html):
        values[section] = value
    return values


def test_spec_vector_canonical_forms_and_hashes() -> None:
    document, config = _split("spec-ldp-ob-signed-credential.json")
    document_canon, proof_canon = canonicalize(document), canonicalize(config)
    assert document_canon == _text("spec-ldp-ob-document-canon.txt")
    assert proof_canon == _text("spec-ldp-ob-proof-canon.txt")
    assert len(document_canon.encode("utf-8")) == 2307 and document_canon.endswith("\n")
    values = _spec_values()
    assert _sha256(document_canon).hex() == values["document-hash"]
    assert _sha256(proof_canon).hex() == values["proof-hash"]
    assert (_sha256(proof_canon) + _sha256(document_canon)).hex() == values["data"]  # the proof's hash comes first


def test_spec_vector_signature_and_keys() -> None:
    values = _spec_values()
    signed = json.loads(_read("ob3/spec-ldp-ob-signed-credential.json"))
    assert signed["proof"]["proofValue"] == "z" + b58encode(bytes.fromhex(values["signature"])) == values["proof-value"]
    private = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(values["private"])[:32])
    assert bytes.fromhex(values["private"])[32:] == bytes.fromhex(values["public"])
    assert multikey(private) == "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    assert signed["proof"]["verificationMethod"].endswith("#" + multikey(private))
    private.public_key().verify(bytes.fromhex(values["signature"]), bytes.fromhex(values["data"]))
    # The test issuer, given the published key, signs exactly the published proof (Ed25519 is deterministic).
    document, _config = _split("spec-ldp-ob-signed-credential.json")
    proof = signed["proof"]
    ours = add_proof(document, private, proof["verificationMethod"], created=proof["created"])
    assert ours["proof"]["proofValue"] == proof["proofValue"]


def _w3c_private_key() -> ed25519.Ed25519PrivateKey:
    pair = json.loads(_read("ob3/w3c-keyPair.json"))
    raw = b58decode(pair["privateKeyMultibase"][1:])
    assert raw[:2] == b"\x80\x26"  # multicodec ed25519-priv (0x1300)
    key = ed25519.Ed25519PrivateKey.from_private_bytes(raw[2:])
    assert multikey(key) == pair["publicKeyMultibase"]
    return key


@pytest.mark.parametrize(
    ("signed", "proof_canon", "combined", "suite"),
    [
        (
            "w3c-eddsa-rdfc-2022-signedDataInt.json",
            "w3c-eddsa-rdfc-2022-proofCanonDataInt.txt",
            "w3c-eddsa-rdfc-2022-combinedHashDataInt.txt",
            "eddsa-rdfc-2022",
        ),
        (
            "w3c-ed25519-2020-signedEdSig.json",
            "w3c-ed25519-2020-proofCanonEdSig.txt",
            "w3c-ed25519-2020-combinedHashEdSig.txt",
            "Ed25519Signature2020",
        ),
    ],
    ids=["eddsa-rdfc-2022", "Ed25519Signature2020"],
)
def test_w3c_vector_canonical_forms_hashes_and_proof(signed: str, proof_canon: str, combined: str, suite: str) -> None:
    document, config = _split(signed)
    # Both suites sign the same document: the extra ed25519-2020 context adds no term the document uses.
    assert canonicalize(document) == _text("w3c-eddsa-rdfc-2022-canonDocDataInt.txt")
    assert canonicalize(config) == _text(proof_canon)
    combined_hex = _text(combined)
    assert not combined_hex.endswith("\n")
    assert (_sha256(canonicalize(config)) + _sha256(canonicalize(document))).hex() == combined_hex
    proof = json.loads(_read(f"ob3/{signed}"))["proof"]
    ours = add_proof(document, _w3c_private_key(), proof["verificationMethod"], suite=suite, created=proof["created"])
    assert ours["proof"] == proof

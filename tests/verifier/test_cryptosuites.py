"""Data Integrity cryptosuites and proof sets: credentials the tests sign themselves (``tests/suite_signers.py``)
with every suite the verifier supports, each forged or malformed variant, proof sets (every proof must hold) and
chains (``previousProof``). The W3C specs' own examples are in ``test_cryptosuite_vectors.py``."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from ob3_issuer import VC1, VC2, MockWeb, OB3Issuer, b58encode, ed25519_key, p256_key
from suite_signers import SigningKey, b64url, derive_ecdsa_sd, did_key_vm, sign

from verifier import FetchPolicy, Report, VerifierPolicy, verify

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def p384_key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0x1D5C_2F6B_0A3E_77A1_9C44_05B3_E2D1_6F88, ec.SECP384R1())


def issuer_for(key: SigningKey, web: MockWeb) -> OB3Issuer:
    did, vm = did_key_vm(key)
    return OB3Issuer(did, key, vm, web=web)  # type: ignore[arg-type]


def check(source: dict[str, Any], web: MockWeb, *, recipients: Collection[str] = ("earner@example.org",)) -> Report:
    fetch = FetchPolicy(allow_private_network=True, connect_timeout=2.0, read_timeout=5.0, deadline=8.0)
    policy = VerifierPolicy(fetch=fetch, recipients=tuple(recipients), now=NOW)
    return verify(json.dumps(source), policy=policy, transport=web.transport())


def result(report: Report, check_id: str) -> tuple[str, str]:
    found = report.check(check_id)
    assert found is not None, report.to_dict()
    return found.outcome, found.message


def assert_status(report: Report, status: str, check_id: str, outcome: str, contains: str) -> None:
    assert report.status == status, report.to_dict()
    got_outcome, got_message = result(report, check_id)
    assert got_outcome == outcome, report.to_dict()
    assert contains in got_message, got_message


@pytest.fixture
def web() -> MockWeb:
    return MockWeb()


SUITES = [
    ("eddsa-jcs-2022", ed25519_key),
    ("ecdsa-rdfc-2019", p256_key),
    ("ecdsa-rdfc-2019", p384_key),
    ("ecdsa-jcs-2019", p256_key),
    ("ecdsa-jcs-2019", p384_key),
    ("eddsa-rdfc-2022", ed25519_key),
]
IDS = ["eddsa-jcs-2022", "ecdsa-rdfc-2019-P256", "ecdsa-rdfc-2019-P384", "ecdsa-jcs-2019-P256", "ecdsa-jcs-2019-P384"]
IDS.append("eddsa-rdfc-2022")


@pytest.mark.parametrize(("suite", "make_key"), SUITES, ids=IDS)
def test_a_credential_signed_with_each_suite_verifies(web: MockWeb, suite: str, make_key: Any) -> None:
    issuer = issuer_for(make_key(), web)
    report = check(sign(issuer.credential(), issuer.key, issuer.vm, suite), web)  # type: ignore[arg-type]
    assert report.status == "valid", report.to_dict()
    assert result(report, "signature") == ("passed", f"valid DataIntegrityProof/{suite} proof")
    assert result(report, "key_owner")[0] == "passed"


@pytest.mark.parametrize(("suite", "make_key"), SUITES, ids=IDS)
def test_a_changed_credential_is_invalid_under_each_suite(web: MockWeb, suite: str, make_key: Any) -> None:
    issuer = issuer_for(make_key(), web)
    signed = sign(issuer.credential(), issuer.key, issuer.vm, suite)  # type: ignore[arg-type]
    forged = {**signed, "name": "Astronaut Badge"}
    report = check(forged, web)
    assert_status(report, "invalid", "signature", "failed", f"DataIntegrityProof/{suite} signature does not match")


@pytest.mark.parametrize("suite", ["ecdsa-rdfc-2019", "ecdsa-jcs-2019", "eddsa-jcs-2022"])
def test_a_changed_proof_option_is_invalid(web: MockWeb, suite: str) -> None:
    key = p256_key() if suite.startswith("ecdsa") else ed25519_key()
    issuer = issuer_for(key, web)
    signed = sign(issuer.credential(), issuer.key, issuer.vm, suite)  # type: ignore[arg-type]
    signed["proof"]["created"] = "2020-01-01T00:00:00Z"
    assert_status(check(signed, web), "invalid", "signature", "failed", "signature does not match")


def test_an_ecdsa_proof_by_an_ed25519_key_is_invalid(web: MockWeb) -> None:
    issuer = issuer_for(p256_key(), web)
    signed = sign(issuer.credential(), issuer.key, issuer.vm, "ecdsa-rdfc-2019")  # type: ignore[arg-type]
    _did, other_vm = did_key_vm(ed25519_key())
    signed["proof"]["verificationMethod"] = other_vm
    report = check(signed, web)
    assert report.status == "invalid"
    assert "made with a P-256 or P-384 key, not Ed25519" in result(report, "signature")[1]


def test_a_jcs_proof_whose_context_is_not_the_documents_is_invalid(web: MockWeb) -> None:
    issuer = issuer_for(ed25519_key(), web)
    signed = sign(issuer.credential(), issuer.key, issuer.vm, "eddsa-jcs-2022")  # type: ignore[arg-type]
    signed["@context"] = [*signed["@context"], "https://w3id.org/security/data-integrity/v2"]
    assert_status(check(signed, web), "invalid", "signature", "failed", "the proof's @context is not the document's")


def test_a_truncated_ecdsa_signature_is_invalid(web: MockWeb) -> None:
    issuer = issuer_for(p384_key(), web)
    signed = sign(issuer.credential(), issuer.key, issuer.vm, "ecdsa-rdfc-2019")  # type: ignore[arg-type]
    signed["proof"]["proofValue"] = "z" + b58encode(b"\1" * 64)
    assert_status(check(signed, web), "invalid", "signature", "failed", "a P-384 signature is 96 bytes, this one 64")


# --- unsupported proofs are unverifiable, never invalid --------------------------------------------------------


def test_an_unsupported_cryptosuite_is_unverifiable(web: MockWeb) -> None:
    issuer = issuer_for(ed25519_key(), web)
    signed = sign(issuer.credential(), issuer.key, issuer.vm, "eddsa-rdfc-2022")  # type: ignore[arg-type]
    signed["proof"]["cryptosuite"] = "bbs-2023"
    report = check(signed, web)
    assert_status(report, "unverifiable", "signature", "error", "unsupported proof type DataIntegrityProof/bbs-2023")


def test_a_valid_proof_and_an_unsupported_one_are_unverifiable(web: MockWeb) -> None:
    issuer = issuer_for(ed25519_key(), web)
    signed = sign(issuer.credential(), issuer.key, issuer.vm, "eddsa-rdfc-2022")  # type: ignore[arg-type]
    other = {**signed["proof"], "cryptosuite": "bbs-2023"}
    report = check({**signed, "proof": [signed["proof"], other]}, web)
    assert_status(report, "unverifiable", "signature", "error", "bbs-2023")


# --- Ed25519Signature2018 ----------------------------------------------------------------------------------------


def _did_web_2018(web: MockWeb) -> OB3Issuer:
    """A did:web issuer whose document lists an Ed25519VerificationKey2018 with publicKeyBase58, as 2019–2023 issuers
    (the JFF plugfests among them) published them."""
    key = ed25519_key("2018")
    did = "did:web:issuer2018.example"
    vm = f"{did}#key-1"
    raw = key.public_key().public_bytes_raw()
    method = {"id": vm, "type": "Ed25519VerificationKey2018", "controller": did, "publicKeyBase58": b58encode(raw)}
    document = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [method],
        "assertionMethod": [vm],
    }
    web.serve("https://issuer2018.example/.well-known/did.json", document, content_type="application/json")
    return OB3Issuer(did, key, vm, web=web)


def test_an_ed25519_signature_2018_credential_verifies(web: MockWeb) -> None:
    issuer = _did_web_2018(web)
    signed = sign(issuer.credential(version="1.1"), issuer.key, issuer.vm, "Ed25519Signature2018")  # type: ignore[arg-type]
    assert signed["proof"]["jws"].count(".") == 2 and "proofValue" not in signed["proof"]
    report = check(signed, web)
    assert report.status == "valid", report.to_dict()
    assert result(report, "signature") == ("passed", "valid Ed25519Signature2018 proof")


def test_a_changed_ed25519_signature_2018_credential_is_invalid(web: MockWeb) -> None:
    issuer = _did_web_2018(web)
    signed = sign(issuer.credential(version="1.1"), issuer.key, issuer.vm, "Ed25519Signature2018")  # type: ignore[arg-type]
    report = check({**signed, "name": "Astronaut Badge"}, web)
    assert_status(report, "invalid", "signature", "failed", "Ed25519Signature2018 signature does not match")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"alg": "EdDSA", "b64": True, "crit": ["b64"]}, '"b64": false'),
        ({"alg": "ES256", "b64": False, "crit": ["b64"]}, "must use the EdDSA algorithm, not 'ES256'"),
        ({"alg": "EdDSA"}, '"crit": ["b64"]'),
    ],
)
def test_an_ed25519_signature_2018_jws_header_is_checked(web: MockWeb, header: dict[str, Any], message: str) -> None:
    issuer = _did_web_2018(web)
    signed = sign(issuer.credential(version="1.1"), issuer.key, issuer.vm, "Ed25519Signature2018")  # type: ignore[arg-type]
    signature = signed["proof"]["jws"].split(".")[2]
    signed["proof"]["jws"] = f"{b64url(json.dumps(header).encode())}..{signature}"
    assert_status(check(signed, web), "invalid", "signature", "failed", message)


def test_an_ed25519_signature_2018_jws_with_a_payload_is_invalid(web: MockWeb) -> None:
    issuer = _did_web_2018(web)
    signed = sign(issuer.credential(version="1.1"), issuer.key, issuer.vm, "Ed25519Signature2018")  # type: ignore[arg-type]
    head, _, signature = signed["proof"]["jws"].split(".")
    signed["proof"]["jws"] = f"{head}.e30.{signature}"
    assert_status(check(signed, web), "invalid", "signature", "failed", "detached payload")


# --- ecdsa-sd-2023 (derived proofs) -----------------------------------------------------------------------------


def test_a_derived_ecdsa_sd_2023_credential_verifies(web: MockWeb) -> None:
    issuer = issuer_for(p256_key(), web)
    report = check(derive_ecdsa_sd(issuer.credential(), p256_key(), issuer.vm), web)
    assert report.status == "valid", report.to_dict()
    assert result(report, "signature") == ("passed", "valid DataIntegrityProof/ecdsa-sd-2023 proof")


def test_a_changed_disclosed_statement_is_invalid(web: MockWeb) -> None:
    issuer = issuer_for(p256_key(), web)
    derived = derive_ecdsa_sd(issuer.credential(), p256_key(), issuer.vm)
    report = check({**derived, "name": "Astronaut Badge"}, web)
    assert_status(report, "invalid", "signature", "failed", "ecdsa-sd-2023 signature does not match")


def test_a_statement_added_after_derivation_is_invalid(web: MockWeb) -> None:
    issuer = issuer_for(p256_key(), web)
    derived = derive_ecdsa_sd(issuer.credential(), p256_key(), issuer.vm)
    report = check({**derived, "description": "Also an astronaut."}, web)
    assert_status(report, "invalid", "signature", "failed", "signatures for")


def test_an_ecdsa_sd_2023_base_proof_is_unverifiable(web: MockWeb) -> None:
    issuer = issuer_for(p256_key(), web)
    derived = derive_ecdsa_sd(issuer.credential(), p256_key(), issuer.vm)
    raw = base64.urlsafe_b64decode(derived["proof"]["proofValue"][1:] + "==")
    derived["proof"]["proofValue"] = "u" + b64url(b"\xd9\x5d\x00" + raw[3:])
    assert_status(check(derived, web), "unverifiable", "signature", "error", "base proof")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("u" + b64url(b"\xd9\x5d\x01\x83\x01\x02\x03"), "not an array of five components"),
        ("u" + b64url(b"\xd9\x5d\x01\xff"), "not valid CBOR"),
        ("u" + b64url(b"\x00\x00\x00"), "wrong header bytes"),
        ("z3yMtsT", "not a base64url multibase string"),
    ],
)
def test_a_malformed_ecdsa_sd_2023_proof_value_is_invalid(web: MockWeb, value: str, message: str) -> None:
    issuer = issuer_for(p256_key(), web)
    derived = derive_ecdsa_sd(issuer.credential(), p256_key(), issuer.vm)
    derived["proof"]["proofValue"] = value
    assert_status(check(derived, web), "invalid", "signature", "failed", message)


# --- proof sets and chains --------------------------------------------------------------------------------------


def test_a_proof_set_of_several_suites_verifies_and_names_each_proof(web: MockWeb) -> None:
    issuer = issuer_for(ed25519_key(), web)
    signed = sign(issuer.credential(), issuer.key, issuer.vm, "eddsa-rdfc-2022")  # type: ignore[arg-type]
    signed = sign(signed, issuer.key, issuer.vm, "eddsa-jcs-2022")  # type: ignore[arg-type]
    notary = p256_key("notary")
    notary_did, notary_vm = did_key_vm(notary)
    signed = sign(signed, notary, notary_vm, "ecdsa-rdfc-2019")
    report = check(signed, web)
    assert report.status == "valid", report.to_dict()
    outcome, text = result(report, "signature")
    assert outcome == "passed" and text.startswith("all 3 proofs are valid: ")
    assert f"DataIntegrityProof/ecdsa-rdfc-2019 by {notary_did}" in text
    assert result(report, "key_owner")[0] == "passed"


def test_a_proof_set_without_the_issuers_proof_is_invalid(web: MockWeb) -> None:
    issuer = issuer_for(ed25519_key(), web)
    notary = p256_key("notary")
    notary_did, notary_vm = did_key_vm(notary)
    report = check(sign(issuer.credential(), notary, notary_vm, "ecdsa-jcs-2019"), web)
    assert_status(report, "invalid", "key_owner", "failed", f"signed by {notary_did}, not by the issuer")


def chained(web: MockWeb) -> tuple[OB3Issuer, dict[str, Any]]:
    """A credential signed by its issuer (proof urn:proof-1), then by a notary over it (urn:proof-2)."""
    issuer = issuer_for(ed25519_key(), web)
    first = sign(issuer.credential(), issuer.key, issuer.vm, "eddsa-rdfc-2022", proof_id="urn:proof-1")  # type: ignore[arg-type]
    notary = p256_key("notary")
    _did, notary_vm = did_key_vm(notary)
    return issuer, sign(first, notary, notary_vm, "ecdsa-rdfc-2019", proof_id="urn:proof-2", previous="urn:proof-1")


def test_a_proof_chain_verifies(web: MockWeb) -> None:
    _issuer, signed = chained(web)
    report = check(signed, web)
    assert report.status == "valid", report.to_dict()
    assert result(report, "signature")[1].startswith("all 2 proofs are valid")


def test_a_proof_chain_in_jcs_verifies(web: MockWeb) -> None:
    issuer = issuer_for(ed25519_key(), web)
    first = sign(issuer.credential(), issuer.key, issuer.vm, "eddsa-jcs-2022", proof_id="urn:proof-1")  # type: ignore[arg-type]
    _did, vm = did_key_vm(p384_key())
    signed = sign(first, p384_key(), vm, "ecdsa-jcs-2019", proof_id="urn:proof-2", previous=["urn:proof-1"])
    report = check(signed, web)
    assert report.status == "valid", report.to_dict()


def test_a_dangling_previous_proof_is_invalid(web: MockWeb) -> None:
    _issuer, signed = chained(web)
    signed["proof"][0]["id"] = "urn:proof-1-renamed"
    report = check(signed, web)
    assert_status(report, "invalid", "signature", "failed", "previousProof urn:proof-1 names no proof of the document")


def test_a_chained_proof_whose_predecessor_was_replaced_is_invalid(web: MockWeb) -> None:
    issuer, signed = chained(web)
    # The issuer re-signs with another date under the same id: valid on its own, but not the proof the notary signed.
    replacement = sign(
        issuer.credential(),
        issuer.key,  # type: ignore[arg-type]
        issuer.vm,
        "eddsa-rdfc-2022",
        proof_id="urn:proof-1",  # type: ignore[arg-type]
        created="2026-02-01T00:00:00Z",
    )["proof"]
    report = check({**signed, "proof": [replacement, signed["proof"][1]]}, web)
    assert_status(
        report, "invalid", "signature", "failed", "signature does not match the credential and the proofs before it"
    )


def test_a_removed_chained_proof_leaves_a_valid_credential(web: MockWeb) -> None:
    # Proofs can be dropped from the end of a chain: what remains is still the issuer's signed credential.
    _issuer, signed = chained(web)
    report = check({**signed, "proof": signed["proof"][:1]}, web)
    assert report.status == "valid", report.to_dict()


def test_a_previous_proof_that_is_not_an_id_is_invalid(web: MockWeb) -> None:
    _issuer, signed = chained(web)
    broken = copy.deepcopy(signed)
    broken["proof"][1]["previousProof"] = {"id": "urn:proof-1"}
    assert_status(check(broken, web), "invalid", "signature", "failed", "not a proof id")


# --- presentations ----------------------------------------------------------------------------------------------


def test_a_presentation_signed_with_ecdsa_by_its_holder_verifies(web: MockWeb) -> None:
    holder = p384_key()
    holder_did, holder_vm = did_key_vm(holder)
    presentation = {"@context": [VC2], "type": ["VerifiablePresentation"], "holder": holder_did}
    signed = sign(presentation, holder, holder_vm, "ecdsa-rdfc-2019", purpose="authentication")
    report = check(signed, web)
    assert result(report, "holder") == ("passed", f"signed by its holder {holder_did}; nothing was changed since")


def test_a_presentation_whose_second_holder_proof_fails_is_invalid(web: MockWeb) -> None:
    holder = ed25519_key("holder")
    holder_did, holder_vm = did_key_vm(holder)
    presentation = {"@context": [VC1], "type": ["VerifiablePresentation"], "holder": holder_did}
    signed = sign(presentation, holder, holder_vm, "eddsa-rdfc-2022", purpose="authentication")
    changed = {**presentation, "id": "urn:uuid:other"}
    other = sign(changed, holder, holder_vm, "eddsa-jcs-2022", purpose="authentication")
    report = check({**signed, "proof": [signed["proof"], other["proof"]]}, web)
    assert report.status == "invalid"
    assert result(report, "holder") == (
        "failed",
        "the holder's signature does not match: the presentation was changed after it was signed",
    )

"""The W3C cryptosuite specifications' own examples (tests/fixtures/vectors/suites/, see its manifest.json):
eddsa-jcs-2022, ecdsa-rdfc-2019 and ecdsa-jcs-2019 on P-256 and P-384, and the two ecdsa-sd-2023 derived proofs."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest

from verifier import FetchPolicy, VerifierPolicy, verify
from verifier._did.keys import base58btc_encode, decode_multikey
from verifier._ob3.suites import ecdsa_sd_2023 as sd

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "vectors" / "suites"
MANIFEST = json.loads((FOLDER / "manifest.json").read_text("utf-8"))
SIGNED = [
    "w3c-eddsa-jcs-2022-signedJCS.json",
    "w3c-ecdsa-rdfc-2019-p256-signed.json",
    "w3c-ecdsa-rdfc-2019-p384-signed.json",
    "w3c-ecdsa-jcs-2019-p256-signed.json",
    "w3c-ecdsa-jcs-2019-p384-signed.json",
]


def load(name: str) -> Any:
    return json.loads((FOLDER / name).read_text("utf-8"))


def check(document: dict[str, Any]) -> Any:
    return verify(json.dumps(document), policy=VerifierPolicy(fetch=FetchPolicy(offline=True)))


@pytest.mark.parametrize("entry", MANIFEST["files"], ids=lambda entry: entry["file"])
def test_vector_file_is_the_published_one(entry: dict[str, Any]) -> None:
    data = (FOLDER.parent / entry["file"]).read_bytes()
    assert (hashlib.sha256(data).hexdigest(), len(data)) == (entry["sha256"], entry["bytes"])


def test_every_file_is_in_the_manifest() -> None:
    listed = {entry["file"].removeprefix("suites/") for entry in MANIFEST["files"]}
    assert listed == {p.name for p in FOLDER.iterdir()} - {"manifest.json"}


@pytest.mark.parametrize("name", SIGNED)
def test_the_spec_examples_verify_their_proof_but_not_their_issuer(name: str) -> None:
    # The examples' issuer (https://vc.example/issuers/5678) is not the did:key that signed them.
    report = check(load(name))
    signature = report.check("signature")
    assert signature is not None and signature.outcome == "passed", report.to_dict()
    key_owner = report.check("key_owner")
    assert key_owner is not None and key_owner.outcome == "failed"
    assert report.status == "invalid"


@pytest.mark.parametrize("name", SIGNED)
def test_the_spec_examples_changed_do_not_verify(name: str) -> None:
    report = check({**load(name), "name": "Alumnus Credential"})
    signature = report.check("signature")
    assert signature is not None and signature.outcome == "failed", report.to_dict()
    assert "signature does not match the credential" in signature.message


@pytest.mark.parametrize("example", ["prc", "employ"])
def test_the_derived_proof_value_reads_as_the_spec_says(example: str) -> None:
    proof = load(f"w3c-ecdsa-sd-2023-{example}-derivedRevealDocument.json")["proof"]
    derived = sd.parse_derived_proof_value(proof)
    verify_data = load(f"w3c-ecdsa-sd-2023-{example}-verifyCreateVerifyData.json")
    assert derived.base_signature.hex() == verify_data["baseSignature"]
    assert "z" + base58btc_encode(derived.public_key) == verify_data["publicKey"]
    assert [s.hex() for s in derived.signatures] == verify_data["signatures"]
    if example == "prc":
        components = load("w3c-ecdsa-sd-2023-prc-verifyDerivedProofValue.json")
        assert sorted(derived.label_map.items()) == sorted(map(tuple, components["labelMap"]))
        assert derived.mandatory_indexes == components["mandatoryIndexes"]


@pytest.mark.parametrize("example", ["prc", "employ"])
def test_the_derived_proof_signs_the_spec_statements(example: str) -> None:
    document = load(f"w3c-ecdsa-sd-2023-{example}-derivedRevealDocument.json")
    derived = sd.parse_derived_proof_value(document["proof"])
    verify_data = load(f"w3c-ecdsa-sd-2023-{example}-verifyCreateVerifyData.json")
    nquads = load(f"w3c-ecdsa-sd-2023-{example}-verifyNQuads.json")
    key = decode_multikey(document["proof"]["verificationMethod"].split("#", 1)[1])
    assert sd.verify_statements(derived, bytes.fromhex(verify_data["proofHash"]), nquads, key)
    changed = [nq.replace("Arcadia", "Utopia").replace("Bahamas", "Utopia") for nq in nquads]
    assert not sd.verify_statements(derived, bytes.fromhex(verify_data["proofHash"]), changed, key)
    assert [nq for i, nq in enumerate(nquads) if i not in derived.mandatory_indexes] == verify_data["nonMandatory"]
    mandatory = "".join(nq for i, nq in enumerate(nquads) if i in derived.mandatory_indexes)
    assert hashlib.sha256(mandatory.encode()).hexdigest() == verify_data["mandatoryHash"]


def test_canonical_labels_are_replaced_by_the_label_map_and_sorted() -> None:
    nquads = load("w3c-ecdsa-sd-2023-prc-verifyNQuads.json")
    proof = load("w3c-ecdsa-sd-2023-prc-derivedRevealDocument.json")["proof"]
    label_map = sd.parse_derived_proof_value(proof).label_map
    canonical = list(nquads)
    for c14n, label in label_map.items():
        canonical = [nq.replace(f"_:{label}", f"_:{c14n}") for nq in canonical]
    random.Random(7).shuffle(canonical)
    canonical.append('<urn:x> <urn:says> "_:c14n0 stays text" .\n')
    relabeled = sd.relabeled_nquads("".join(canonical), label_map)
    assert [nq for nq in relabeled if not nq.startswith("<urn:x>")] == nquads
    assert '<urn:x> <urn:says> "_:c14n0 stays text" .\n' in relabeled


def test_a_derived_credential_under_an_unknown_context_is_unverifiable() -> None:
    # https://w3id.org/citizenship/v4rc1 is not bundled: the credential cannot be read offline, nor said forged.
    report = check(load("w3c-ecdsa-sd-2023-prc-derivedRevealDocument.json"))
    signature = report.check("signature")
    assert signature is not None and signature.outcome == "error", report.to_dict()
    assert "https://w3id.org/citizenship/v4rc1" in signature.message

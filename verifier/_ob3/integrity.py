"""Data Integrity proofs: the checks every proof passes whatever its cryptosuite (type, purpose, verification
method), the hand-off to its suite (``suites/``: eddsa-rdfc-2022 and eddsa-2022, eddsa-jcs-2022, ecdsa-rdfc-2019,
ecdsa-jcs-2019, ecdsa-sd-2023 derived proofs, Ed25519Signature2020 and Ed25519Signature2018), and the backpack's own
signer (eddsa-rdfc-2022). Pure functions over dicts; key resolution and proof sets are the caller's (``proofs``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .._did.keys import PublicKey, base58btc_encode
from .suites import SUITES, ProofProblem, Unverifiable, describe_proof, suite_for
from .suites.base import proof_config, rdfc

__all__ = [
    "SUPPORTED_PROOFS",
    "ProofProblem",
    "Unverifiable",
    "describe_proof",
    "expanded_without_proof",
    "hash_data",
    "proof_problem",
    "sign_eddsa_rdfc_2022",
    "unsupported_problem",
    "verify_proof",
]

SUPPORTED_PROOFS = tuple(SUITES)


def unsupported_problem(proof: Any) -> str | None:
    """Why this proof is of a kind this verifier cannot check (not that it is wrong); None when it can."""
    if isinstance(proof, dict) and suite_for(proof) is None:
        return f"unsupported proof type {describe_proof(proof)} (supported: {', '.join(SUPPORTED_PROOFS)})"
    return None


def proof_problem(proof: Any, *, purposes: tuple[str, ...] = ("assertionMethod",)) -> str | None:
    """Why this proof cannot be a valid proof for one of ``purposes``; None when it can."""
    if not isinstance(proof, dict):
        return "the proof is not an object"
    suite = suite_for(proof)
    if suite is None:
        return unsupported_problem(proof)
    if proof.get("proofPurpose") not in purposes:
        expected = " or ".join(repr(p) for p in purposes)
        return f"the proof's purpose is {proof.get('proofPurpose')!r}, not {expected}"
    value_problem = suite.value_problem(proof)
    if value_problem:
        return value_problem
    if not isinstance(proof.get("verificationMethod"), str):
        return "the proof names no verificationMethod"
    return None


_PROOF_IRI = "https://w3id.org/security#proof"


def expanded_without_proof(expanded: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The expanded credential minus its proofs: what the signature covers, reusable for canonicalization. Only
    for an expansion without relative IRIs (safe mode passed), which every base expands the same way."""
    if len(expanded) != 1 or not isinstance(expanded[0], dict):
        return None
    return [{key: value for key, value in expanded[0].items() if key != _PROOF_IRI}]


def hash_data(
    document: dict[str, Any], proof: dict[str, Any], *, expanded_unsecured: list[dict[str, Any]] | None = None
) -> bytes:
    """What eddsa-rdfc-2022 signs: ``sha256(RDFC(proof config)) || sha256(RDFC(document without proof))``."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof_hash = hashlib.sha256(rdfc(proof_config(unsecured, proof))).digest()
    if expanded_unsecured is not None:
        canon_document = rdfc(expanded_unsecured, expanded=True)
    else:
        canon_document = rdfc(unsecured)
    return proof_hash + hashlib.sha256(canon_document).digest()


def verify_proof(
    unsecured: dict[str, Any],
    proof: dict[str, Any],
    public_key: PublicKey,
    *,
    expanded_unsecured: list[dict[str, Any]] | None = None,
    purposes: tuple[str, ...] = ("assertionMethod",),
) -> bool:
    """Whether ``proof`` is a valid signature by ``public_key`` over ``unsecured`` (the document without its
    proofs, or with the previous proofs of a chain). Raises ``ProofProblem`` for a malformed proof or a key of the
    wrong kind, ``Unverifiable`` for what cannot be checked here."""
    unsupported = unsupported_problem(proof)
    if unsupported:
        raise Unverifiable(unsupported)
    problem = proof_problem(proof, purposes=purposes)
    if problem:
        raise ProofProblem(problem)
    suite = suite_for(proof)
    assert suite is not None
    if public_key.kind not in suite.key_kinds:
        kinds = " or ".join(suite.key_kinds)
        raise ProofProblem(f"a {describe_proof(proof)} proof is made with a {kinds} key, not {public_key.kind}")
    return suite.verify(unsecured, proof, public_key, expanded_unsecured=expanded_unsecured)


def sign_eddsa_rdfc_2022(
    document: dict[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    *,
    created: str,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """``document`` with a ``DataIntegrityProof`` (``eddsa-rdfc-2022``) added: the inverse of verification, for the
    wallet's own documents (the holder-signed bundle and presentations, the demo issuer). ``challenge`` and
    ``domain`` go into the proof options, so the signature covers them."""
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    signature = private_key.sign(hash_data(unsecured, proof))
    return {**unsecured, "proof": {**proof, "proofValue": "z" + base58btc_encode(signature)}}

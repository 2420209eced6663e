"""Data Integrity proofs: ``eddsa-rdfc-2022`` (and its draft name ``eddsa-2022``) and ``Ed25519Signature2020``.

VC Data Integrity / EdDSA Cryptosuites, "Verify Proof": the credential without ``proof`` and the proof without
``proofValue`` (carrying the credential's ``@context``) are canonicalized with RDFC-1.0 (URDNA2015), hashed with
SHA-256, and the Ed25519 signature is checked over ``hash(proof config) || hash(document)`` — the proof's hash first.
Pure functions over dicts; key resolution is the caller's.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .._did.keys import base58btc_decode, base58btc_encode
from .._jsonld import canonicalize

__all__ = [
    "SUPPORTED_PROOFS",
    "ProofProblem",
    "describe_proof",
    "hash_data",
    "proof_problem",
    "sign_eddsa_rdfc_2022",
    "verify_eddsa_proof",
]

SUPPORTED_PROOFS = ("DataIntegrityProof/eddsa-rdfc-2022", "DataIntegrityProof/eddsa-2022", "Ed25519Signature2020")


class ProofProblem(ValueError):
    """The proof object itself is unusable (wrong type, purpose, encoding): say why, in one line."""


def describe_proof(proof: dict[str, Any]) -> str:
    kind = proof.get("type")
    suite = proof.get("cryptosuite")
    return f"{kind}/{suite}" if suite else str(kind)


def proof_problem(proof: Any, *, purposes: tuple[str, ...] = ("assertionMethod",)) -> str | None:
    """Why this proof cannot be a supported EdDSA proof for one of ``purposes``; None when it can."""
    if not isinstance(proof, dict):
        return "the proof is not an object"
    if describe_proof(proof) not in SUPPORTED_PROOFS:
        return f"unsupported proof type {describe_proof(proof)} (supported: {', '.join(SUPPORTED_PROOFS)})"
    if proof.get("proofPurpose") not in purposes:
        expected = " or ".join(repr(p) for p in purposes)
        return f"the proof's purpose is {proof.get('proofPurpose')!r}, not {expected}"
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return "the proofValue is not a base58btc multibase string"
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
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    config["@context"] = unsecured.get("@context")
    proof_hash = hashlib.sha256(canonicalize(config).encode("utf-8")).digest()
    canon_document = canonicalize(expanded_unsecured if expanded_unsecured is not None else unsecured)
    return proof_hash + hashlib.sha256(canon_document.encode("utf-8")).digest()


def verify_eddsa_proof(
    document: dict[str, Any],
    proof: dict[str, Any],
    public_key: Ed25519PublicKey,
    *,
    expanded_unsecured: list[dict[str, Any]] | None = None,
    purposes: tuple[str, ...] = ("assertionMethod",),
) -> bool:
    """Whether ``proof`` is a valid Ed25519 signature over ``document`` (any other proof in it is ignored)."""
    problem = proof_problem(proof, purposes=purposes)
    if problem:
        raise ProofProblem(problem)
    try:
        signature = base58btc_decode(proof["proofValue"][1:])
    except ValueError as exc:
        raise ProofProblem(f"the proofValue does not decode: {exc}") from exc
    if len(signature) != 64:
        raise ProofProblem(f"the signature is {len(signature)} bytes, not 64")
    try:
        public_key.verify(signature, hash_data(document, proof, expanded_unsecured=expanded_unsecured))
    except InvalidSignature:
        return False
    return True


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

"""``eddsa-jcs-2022`` (VC Data Integrity EdDSA Cryptosuites 1.0): like ``eddsa-rdfc-2022`` with JSON
Canonicalization (RFC 8785) instead of RDF canonicalization, so the document is signed as JSON, not as JSON-LD."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..._did.keys import KeyKind, PublicKey
from ..._json import as_list
from .base import ProofProblem, jcs, multibase_problem, multibase_value

__all__ = ["EDDSA_JCS_2022", "EddsaJcs", "jcs_inputs"]


def jcs_inputs(unsecured: dict[str, Any], proof: dict[str, Any]) -> tuple[bytes, bytes]:
    """(canonical proof config, canonical document) of the JCS suites. A proof that carries an ``@context`` must
    carry the document's: the spec only asks that the document's start with it and then hashes the proof's in its
    place, which would leave contexts added after signing uncovered, so this verifier asks for the same list."""
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in options and as_list(options["@context"]) != as_list(unsecured.get("@context")):
        raise ProofProblem("the proof's @context is not the document's: the contexts were changed after signing")
    return jcs(options), jcs(unsecured)


@dataclass(frozen=True)
class EddsaJcs:
    name: str = "DataIntegrityProof/eddsa-jcs-2022"
    key_kinds: tuple[KeyKind, ...] = ("Ed25519",)

    def value_problem(self, proof: dict[str, Any]) -> str | None:
        return multibase_problem(proof, "z")

    def verify(
        self,
        unsecured: dict[str, Any],
        proof: dict[str, Any],
        key: PublicKey,
        *,
        expanded_unsecured: list[dict[str, Any]] | None = None,
    ) -> bool:
        signature = multibase_value(proof, "z", sizes=(64,))
        config, document = jcs_inputs(unsecured, proof)
        assert isinstance(key.key, Ed25519PublicKey)
        try:
            key.key.verify(signature, hashlib.sha256(config).digest() + hashlib.sha256(document).digest())
        except InvalidSignature:
            return False
        return True


EDDSA_JCS_2022 = EddsaJcs()

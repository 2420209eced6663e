"""``eddsa-rdfc-2022`` (VC Data Integrity EdDSA Cryptosuites 1.0), also under its draft name ``eddsa-2022``.

The document without ``proof`` and the proof without ``proofValue`` (under the document's ``@context``) are
canonicalized with RDFC-1.0 and hashed with SHA-256; the Ed25519 signature is over ``hash(proof config) ||
hash(document)``, the proof's hash first. ``Ed25519Signature2020`` is the same algorithm under another proof type.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..._did.keys import KeyKind, PublicKey
from .base import multibase_problem, multibase_value, proof_config, rdfc

__all__ = ["EDDSA_2022", "EDDSA_RDFC_2022", "EddsaRdfc", "rdfc_hash_data"]


def rdfc_hash_data(
    unsecured: dict[str, Any],
    proof: dict[str, Any],
    *,
    expanded_unsecured: list[dict[str, Any]] | None = None,
    drop: tuple[str, ...] = ("proofValue",),
    hasher: Any = hashlib.sha256,
) -> bytes:
    """``hash(canonical proof config) || hash(canonical document)``: what the RDFC suites sign (``hasher`` both
    hashes the canonical forms and is RDFC-1.0's own hash)."""
    hash_name = hasher().name
    config_hash = hasher(rdfc(proof_config(unsecured, proof, drop=drop), hash_name=hash_name)).digest()
    if expanded_unsecured is not None:
        document = rdfc(expanded_unsecured, hash_name=hash_name, expanded=True)
    else:
        document = rdfc(unsecured, hash_name=hash_name)
    return bytes(config_hash + hasher(document).digest())


@dataclass(frozen=True)
class EddsaRdfc:
    name: str
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
        assert isinstance(key.key, Ed25519PublicKey)
        try:
            key.key.verify(signature, rdfc_hash_data(unsecured, proof, expanded_unsecured=expanded_unsecured))
        except InvalidSignature:
            return False
        return True


EDDSA_RDFC_2022 = EddsaRdfc("DataIntegrityProof/eddsa-rdfc-2022")
EDDSA_2022 = EddsaRdfc("DataIntegrityProof/eddsa-2022")

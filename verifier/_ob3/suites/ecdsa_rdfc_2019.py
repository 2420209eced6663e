"""``ecdsa-rdfc-2019`` (VC Data Integrity ECDSA Cryptosuites 1.0) on P-256 or P-384: RDFC-1.0 canonicalization,
the curve's hash (SHA-256 for P-256, SHA-384 for P-384) of the proof config and of the document, and an ECDSA
signature (r || s) over the two hashes, the proof's first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..._did.keys import KeyKind, PublicKey
from .base import curve_hash, ecdsa_verify, multibase_problem, multibase_value
from .eddsa_rdfc_2022 import rdfc_hash_data

__all__ = ["ECDSA_RDFC_2019", "EcdsaRdfc"]


@dataclass(frozen=True)
class EcdsaRdfc:
    name: str = "DataIntegrityProof/ecdsa-rdfc-2019"
    key_kinds: tuple[KeyKind, ...] = ("P-256", "P-384")

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
        signature = multibase_value(proof, "z", sizes=(64, 96))
        hasher = curve_hash(key.kind)
        data = rdfc_hash_data(unsecured, proof, expanded_unsecured=expanded_unsecured, hasher=hasher)
        return ecdsa_verify(key, signature, data)


ECDSA_RDFC_2019 = EcdsaRdfc()

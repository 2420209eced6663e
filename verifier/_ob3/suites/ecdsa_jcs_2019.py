"""``ecdsa-jcs-2019`` (VC Data Integrity ECDSA Cryptosuites 1.0) on P-256 or P-384: ``ecdsa-rdfc-2019`` with JSON
Canonicalization (RFC 8785) of the proof config and the document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..._did.keys import KeyKind, PublicKey
from .base import curve_hash, ecdsa_verify, multibase_problem, multibase_value
from .eddsa_jcs_2022 import jcs_inputs

__all__ = ["ECDSA_JCS_2019", "EcdsaJcs"]


@dataclass(frozen=True)
class EcdsaJcs:
    name: str = "DataIntegrityProof/ecdsa-jcs-2019"
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
        config, document = jcs_inputs(unsecured, proof)
        hasher = curve_hash(key.kind)
        return ecdsa_verify(key, signature, hasher(config).digest() + hasher(document).digest())


ECDSA_JCS_2019 = EcdsaJcs()

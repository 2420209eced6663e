"""``Ed25519Signature2018`` (W3C CCG, the suite of 2019–2023 JSON-LD credentials, JFF plugfest OB 3.0 among them).

The proof holds a JWS with a detached, unencoded payload (RFC 7797: ``{"alg": "EdDSA", "b64": false, "crit":
["b64"]}``): the Ed25519 signature is over ``ASCII(base64url(header)) || "." || verify data``, where the verify
data is what ``Ed25519Signature2020`` signs — ``sha256(RDFC(proof options)) || sha256(RDFC(document))``, the proof
options being the proof without ``jws`` under the document's ``@context``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..._did.keys import InvalidKey, KeyKind, PublicKey, b64url_decode
from ..._json import parse_json
from .base import ProofProblem
from .eddsa_rdfc_2022 import rdfc_hash_data

__all__ = ["ED25519_SIGNATURE_2018", "Ed25519Signature2018"]


def _parts(proof: dict[str, Any]) -> tuple[str, bytes]:
    """(encoded header, signature) of the proof's detached JWS, the header checked."""
    jws = proof.get("jws")
    if not isinstance(jws, str) or jws.count(".") != 2:
        raise ProofProblem("the proof's jws is not a compact JWS")
    encoded_header, payload, encoded_signature = jws.split(".")
    if payload:
        raise ProofProblem("the proof's jws must have a detached payload (header..signature)")
    try:
        header = parse_json(b64url_decode(encoded_header))
        signature = b64url_decode(encoded_signature)
    except (InvalidKey, ValueError) as exc:
        raise ProofProblem("the proof's jws does not decode (base64url JSON header, base64url signature)") from exc
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        alg = header.get("alg") if isinstance(header, dict) else None
        raise ProofProblem(f"an Ed25519Signature2018 jws must use the EdDSA algorithm, not {alg!r}")
    if header.get("b64") is not False or header.get("crit") != ["b64"]:
        raise ProofProblem('an Ed25519Signature2018 jws header must say "b64": false and "crit": ["b64"]')
    if len(signature) != 64:
        raise ProofProblem(f"the signature is {len(signature)} bytes, not 64")
    return encoded_header, signature


@dataclass(frozen=True)
class Ed25519Signature2018:
    name: str = "Ed25519Signature2018"
    key_kinds: tuple[KeyKind, ...] = ("Ed25519",)

    def value_problem(self, proof: dict[str, Any]) -> str | None:
        if not isinstance(proof.get("jws"), str):
            return "an Ed25519Signature2018 proof has no jws"
        return None

    def verify(
        self,
        unsecured: dict[str, Any],
        proof: dict[str, Any],
        key: PublicKey,
        *,
        expanded_unsecured: list[dict[str, Any]] | None = None,
    ) -> bool:
        encoded_header, signature = _parts(proof)
        verify_data = rdfc_hash_data(
            unsecured, proof, expanded_unsecured=expanded_unsecured, drop=("jws", "proofValue", "signatureValue")
        )
        assert isinstance(key.key, Ed25519PublicKey)
        try:
            key.key.verify(signature, encoded_header.encode("ascii") + b"." + verify_data)
        except InvalidSignature:
            return False
        return True


ED25519_SIGNATURE_2018 = Ed25519Signature2018()

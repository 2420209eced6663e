"""``ecdsa-sd-2023`` (VC Data Integrity ECDSA Cryptosuites 1.0): selective disclosure, verified on the *derived*
proof a holder presents.

The issuer signs (with its P-256 key) the hash of the proof config, a one-time P-256 public key and the hash of the
statements it made mandatory to disclose; the one-time key signs each other statement on its own. The holder
reveals some statements and presents a derived proof (``u`` + base64url of ``0xd9 0x5d 0x01`` + CBOR ``[base
signature, one-time public key, signatures, label map, mandatory indexes]``). To verify it ("Verify Derived Proof"):
canonicalize the revealed document (RDFC-1.0), rename its blank nodes with the label map (the issuer's HMAC-made
names, so the statements read as they did when signed), sort the N-Quads, split them into the mandatory ones (by
index) and the others, then check the base signature over ``sha256(proof config) || public key ||
sha256(mandatory N-Quads)`` and each other statement's signature with the one-time key.

A *base* proof (header ``0xd9 0x5d 0x00``) is the issuer's gift to the holder, carrying the HMAC key; a verifier
is meant to see a derived one, so it is reported as not verifiable here rather than as a forgery.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from ..._did.keys import (
    InvalidKey,
    KeyKind,
    PublicKey,
    UnsupportedKey,
    b64url_encode,
    base58btc_encode,
    decode_multikey,
)
from . import cbor
from .base import ProofProblem, Unverifiable, ecdsa_verify, multibase_problem, multibase_value, proof_config, rdfc

__all__ = [
    "ECDSA_SD_2023",
    "DerivedProof",
    "EcdsaSd",
    "parse_derived_proof_value",
    "relabeled_nquads",
    "verify_statements",
]

_BASE_HEADER = b"\xd9\x5d\x00"
_DERIVED_HEADER = b"\xd9\x5d\x01"
_P256_MULTIKEY_PREFIX = b"\x80\x24"


@dataclass(frozen=True)
class DerivedProof:
    base_signature: bytes
    public_key: bytes
    """The one-time key as multicodec bytes (P-256 prefix + 33-byte compressed point)."""
    signatures: list[bytes]
    label_map: dict[str, str]
    """Canonical blank node label (``c14n0``) to the issuer's label (``u`` + base64url of an HMAC)."""
    mandatory_indexes: list[int]


def parse_derived_proof_value(proof: dict[str, Any]) -> DerivedProof:
    data = multibase_value(proof, "u")
    if data.startswith(_BASE_HEADER):
        raise Unverifiable(
            "this ecdsa-sd-2023 proof is a base proof, meant for the holder: a verifier checks the proof the holder "
            "derives from it"
        )
    if not data.startswith(_DERIVED_HEADER):
        raise ProofProblem("the proofValue is not an ecdsa-sd-2023 derived proof (wrong header bytes)")
    try:
        components = cbor.decode(data[len(_DERIVED_HEADER) :])
    except cbor.CborError as exc:
        raise ProofProblem(f"the ecdsa-sd-2023 proofValue is not valid CBOR: {exc}") from exc
    if not (isinstance(components, list) and len(components) == 5):
        raise ProofProblem("the ecdsa-sd-2023 proofValue is not an array of five components")
    base_signature, public_key, signatures, label_map, mandatory = components
    if not (
        isinstance(base_signature, bytes)
        and len(base_signature) == 64
        and isinstance(public_key, bytes)
        and len(public_key) == len(_P256_MULTIKEY_PREFIX) + 33
        and isinstance(signatures, list)
        and all(isinstance(s, bytes) and len(s) == 64 for s in signatures)
        and isinstance(label_map, dict)
        and all(isinstance(v, bytes) and len(v) == 32 for v in label_map.values())
        and isinstance(mandatory, list)
        and all(isinstance(i, int) for i in mandatory)
    ):
        raise ProofProblem("the ecdsa-sd-2023 proofValue's components have the wrong types or sizes")
    labels = {f"c14n{k}": "u" + b64url_encode(v) for k, v in label_map.items()}
    return DerivedProof(base_signature, public_key, signatures, labels, mandatory)


_TERM = re.compile(r'<[^>]*>|_:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?|\S+')


def relabeled_nquads(canonical: str, label_map: dict[str, str]) -> list[str]:
    """The canonical N-Quads with every blank node renamed by ``label_map``, sorted (one string per statement,
    each ending in a newline). Only whole blank node terms are renamed, never text inside a literal."""
    statements = []
    for line in canonical.splitlines():
        terms = []
        for match in _TERM.finditer(line):
            term = match.group()
            if term.startswith("_:"):
                new = label_map.get(term[2:])
                if new is None:
                    raise ProofProblem(f"the derived proof has no label for the blank node {term}")
                term = "_:" + new
            terms.append(term)
        statements.append(" ".join(terms) + "\n")
    return sorted(statements)


@dataclass(frozen=True)
class EcdsaSd:
    name: str = "DataIntegrityProof/ecdsa-sd-2023"
    key_kinds: tuple[KeyKind, ...] = ("P-256",)

    def value_problem(self, proof: dict[str, Any]) -> str | None:
        return multibase_problem(proof, "u")

    def verify(
        self,
        unsecured: dict[str, Any],
        proof: dict[str, Any],
        key: PublicKey,
        *,
        expanded_unsecured: list[dict[str, Any]] | None = None,
    ) -> bool:
        derived = parse_derived_proof_value(proof)
        proof_hash = hashlib.sha256(rdfc(proof_config(unsecured, proof))).digest()
        if expanded_unsecured is not None:
            canonical = rdfc(expanded_unsecured, expanded=True)
        else:
            canonical = rdfc(unsecured)
        nquads = relabeled_nquads(canonical.decode("utf-8"), derived.label_map)
        return verify_statements(derived, proof_hash, nquads, key)


def verify_statements(derived: DerivedProof, proof_hash: bytes, nquads: list[str], key: PublicKey) -> bool:
    """The signatures of a derived proof over the revealed statements (relabeled, sorted N-Quads): the issuer's
    over the proof hash, the one-time key and the mandatory statements, the one-time key's over each other one."""
    chosen = set(derived.mandatory_indexes)
    mandatory = [nq for index, nq in enumerate(nquads) if index in chosen]
    others = [nq for index, nq in enumerate(nquads) if index not in chosen]
    if len(derived.signatures) != len(others):
        raise ProofProblem(
            f"the derived proof has {len(derived.signatures)} signatures for {len(others)} disclosed statements"
        )
    try:
        one_time = decode_multikey("z" + base58btc_encode(derived.public_key))
    except (InvalidKey, UnsupportedKey) as exc:
        raise ProofProblem(f"the derived proof's one-time key is unusable: {exc}") from exc
    if one_time.kind != "P-256":
        raise ProofProblem(f"the derived proof's one-time key is {one_time.kind}, not P-256")
    mandatory_hash = hashlib.sha256("".join(mandatory).encode("utf-8")).digest()
    if not ecdsa_verify(key, derived.base_signature, proof_hash + derived.public_key + mandatory_hash):
        return False
    return all(
        ecdsa_verify(one_time, signature, statement.encode("utf-8"))
        for signature, statement in zip(derived.signatures, others, strict=True)
    )


ECDSA_SD_2023 = EcdsaSd()

"""Test signers for the Data Integrity cryptosuites the verifier checks, written from the W3C specifications with
``cryptography``, PyLD and ``rfc8785`` (the verifier's own code is not used, except its CBOR encoder for derived
``ecdsa-sd-2023`` proofs): ``eddsa-rdfc-2022``, ``eddsa-jcs-2022``, ``ecdsa-rdfc-2019`` and ``ecdsa-jcs-2019`` (P-256,
P-384), ``Ed25519Signature2018`` (detached JWS) and an ``ecdsa-sd-2023`` derived proof, in proof sets and chains.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
from typing import Any

import rfc8785
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from ob3_issuer import CREATED, b58encode, canonicalize
from pyld import jsonld
from pyld.canon import URDNA2015

from verifier._jsonld import load_document
from verifier._ob3.suites import cbor

SigningKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
_PREFIXES = {"secp256r1": b"\x80\x24", "secp384r1": b"\x81\x24"}


def multikey(key: SigningKey) -> str:
    """Ed25519, P-256 or P-384 Multikey of a private key's public half."""
    public = key.public_key()
    if isinstance(public, ed25519.Ed25519PublicKey):
        return "z" + b58encode(b"\xed\x01" + public.public_bytes(Encoding.Raw, PublicFormat.Raw))
    point = public.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    return "z" + b58encode(_PREFIXES[public.curve.name] + point)


def did_key_vm(key: SigningKey) -> tuple[str, str]:
    """(did:key, its verification method) of ``key``."""
    did = f"did:key:{multikey(key)}"
    return did, f"{did}#{multikey(key)}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _hasher(key: SigningKey) -> Any:
    p384 = isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size == 384
    return hashlib.sha384 if p384 else hashlib.sha256


def _sign(key: SigningKey, data: bytes) -> bytes:
    """Ed25519, or ECDSA with the curve's hash as IEEE P1363 r || s."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    size = (key.curve.key_size + 7) // 8
    algorithm = hashes.SHA384() if key.curve.key_size == 384 else hashes.SHA256()
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(algorithm)))
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


class _Sha384Canonicalizer(URDNA2015):
    def create_hash(self) -> Any:
        return hashlib.sha384()


def _rdfc(document: dict[str, Any], hasher: Any = hashlib.sha256) -> bytes:
    """RDFC-1.0 N-Quads; for P-384 keys with SHA-384 as the canonicalization's own hash (ecdsa-rdfc-2019)."""
    if hasher is hashlib.sha256:
        return canonicalize(document).encode("utf-8")
    dataset = jsonld.to_rdf(document, {"documentLoader": load_document})
    return _Sha384Canonicalizer().main(dataset, {"format": "application/n-quads"}).encode("utf-8")  # type: ignore[no-any-return]


def _input_document(document: dict[str, Any], previous: str | list[str] | None) -> dict[str, Any]:
    """What a new proof signs (Data Integrity 1.0, "Add Proof Set/Chain"): the document without proofs, or with
    the proofs named by ``previous`` as its ``proof``."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if previous is None:
        return unsecured
    names = [previous] if isinstance(previous, str) else previous
    existing = document.get("proof")
    proofs = existing if isinstance(existing, list) else [existing] if existing else []
    return {**unsecured, "proof": [p for p in proofs if p.get("id") in names]}


def sign(
    document: dict[str, Any],
    key: SigningKey,
    vm: str,
    suite: str,
    *,
    created: str = CREATED,
    purpose: str = "assertionMethod",
    proof_id: str | None = None,
    previous: str | list[str] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """A copy of ``document`` with one more proof of ``suite`` (a ``DataIntegrityProof`` cryptosuite, or
    ``Ed25519Signature2018``). Proofs already there are kept; ``previous`` chains the new one to them."""
    signed_input = _input_document(document, previous)
    proof: dict[str, Any] = {"id": proof_id} if proof_id else {}
    if suite == "Ed25519Signature2018":
        proof["type"] = suite
    else:
        proof.update(type="DataIntegrityProof", cryptosuite=suite)
    proof.update(created=created, verificationMethod=vm, proofPurpose=purpose, **options)
    if previous is not None:
        proof["previousProof"] = previous
    hasher = _hasher(key)
    if suite.endswith(("-jcs-2022", "-jcs-2019")):
        # As Digital Bazaar's JCS suites do: the proof options carry the document's @context.
        proof["@context"] = signed_input["@context"]
        data = hasher(rfc8785.dumps(proof)).digest() + hasher(rfc8785.dumps(signed_input)).digest()
        proof["proofValue"] = "z" + b58encode(_sign(key, data))
    else:
        config = {"@context": signed_input["@context"], **proof}
        data = hasher(_rdfc(config, hasher)).digest() + hasher(_rdfc(signed_input, hasher)).digest()
        if suite == "Ed25519Signature2018":
            header = b64url(json.dumps({"alg": "EdDSA", "b64": False, "crit": ["b64"]}).encode())
            proof["jws"] = f"{header}..{b64url(_sign(key, header.encode() + b'.' + data))}"
        else:
            proof["proofValue"] = "z" + b58encode(_sign(key, data))
    signed = copy.deepcopy(document)
    existing = signed.get("proof")
    if existing is None:
        signed["proof"] = proof
    else:
        signed["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return signed


_BLANK = re.compile(r"_:(c14n[0-9]+)")


def derive_ecdsa_sd(
    revealed: dict[str, Any],
    key: ec.EllipticCurvePrivateKey,
    vm: str,
    *,
    mandatory: tuple[str, ...] = ("credentials#issuer", "VerifiableCredential"),
    hmac_key: bytes = bytes(range(32)),
    created: str = CREATED,
) -> dict[str, Any]:
    """``revealed`` with the ``ecdsa-sd-2023`` proof a holder would derive from the issuer's base proof, built
    directly (the issuer signs what a verifier re-computes): statements whose N-Quad contains one of ``mandatory``
    are the mandatory ones, every other statement gets its own signature by a one-time P-256 key."""
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-sd-2023",
        "created": created,
        "verificationMethod": vm,
        "proofPurpose": "assertionMethod",
    }
    proof_hash = hashlib.sha256(_rdfc({"@context": revealed["@context"], **proof})).digest()
    canonical = canonicalize(revealed)
    labels = sorted(set(_BLANK.findall(canonical)), key=lambda label: int(label[4:]))
    digests = {label: hmac.new(hmac_key, label.encode(), hashlib.sha256).digest() for label in labels}
    relabeled = sorted(
        _BLANK.sub(lambda m: "_:u" + b64url(digests[m.group(1)]), line) + "\n" for line in canonical.splitlines()
    )
    indexes = [i for i, nq in enumerate(relabeled) if any(word in nq for word in mandatory)]
    mandatory_hash = hashlib.sha256("".join(relabeled[i] for i in indexes).encode()).digest()
    one_time = ec.generate_private_key(ec.SECP256R1())
    public = b"\x80\x24" + one_time.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    base_signature = _sign(key, proof_hash + public + mandatory_hash)
    signatures = [_sign(one_time, nq.encode()) for i, nq in enumerate(relabeled) if i not in indexes]
    label_map = {int(label[4:]): digest for label, digest in digests.items()}
    value = b"\xd9\x5d\x01" + cbor.encode([base_signature, public, signatures, label_map, indexes])
    return {**copy.deepcopy(revealed), "proof": {**proof, "proofValue": "u" + b64url(value)}}

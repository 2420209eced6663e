"""What every cryptosuite module shares: the ``Cryptosuite`` protocol, the one error a malformed proof raises, and
the transformations and primitives of the W3C Data Integrity cryptosuite specs (RDFC-1.0 and JCS hashing, ECDSA
with IEEE P1363 signatures).

A suite verifies one proof over an *unsecured* document: the credential or presentation without its ``proof``, or,
for a proof in a chain, with ``proof`` holding the proofs its ``previousProof`` names (Data Integrity 1.0, "Verify
Proof Sets and Chains"). Key resolution, proof purposes and the loop over a proof set are the caller's.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pyld import jsonld

from ..._did.keys import InvalidKey, KeyKind, PublicKey, multibase_decode
from ..._jsonld import Rdfc10, UnknownContext, canonicalize

__all__ = [
    "Cryptosuite",
    "curve_hash",
    "ProofProblem",
    "Unverifiable",
    "ecdsa_verify",
    "jcs",
    "multibase_value",
    "proof_config",
    "rdfc",
]


class ProofProblem(ValueError):
    """The proof cannot be valid (wrong encoding, malformed value, a document the suite cannot hash): say why."""


class Unverifiable(ValueError):
    """The proof may be valid but this verifier cannot tell (a feature of the suite it does not implement)."""


class Cryptosuite(Protocol):
    """One proof type (``Ed25519Signature2020``) or Data Integrity cryptosuite (``DataIntegrityProof`` with
    ``cryptosuite`` ``ecdsa-rdfc-2019``): which keys it takes and how it checks a signature."""

    @property
    def name(self) -> str:
        """As a report names it: ``DataIntegrityProof/ecdsa-rdfc-2019``, ``Ed25519Signature2020``."""
        ...

    @property
    def key_kinds(self) -> tuple[KeyKind, ...]:
        """The kinds of verification key it signs with."""
        ...

    def value_problem(self, proof: dict[str, Any]) -> str | None:
        """Why the proof's value (``proofValue``, ``jws``) cannot be one of this suite's; None when it can."""
        ...

    def verify(
        self,
        unsecured: dict[str, Any],
        proof: dict[str, Any],
        key: PublicKey,
        *,
        expanded_unsecured: list[dict[str, Any]] | None = None,
    ) -> bool:
        """Whether ``proof`` is a valid signature by ``key`` over ``unsecured``. ``expanded_unsecured`` is the
        JSON-LD expansion of ``unsecured`` when the caller has it (RDFC suites reuse it). Raises ``ProofProblem``
        when the proof is malformed, ``Unverifiable`` when the suite cannot be checked here."""
        ...


def multibase_problem(proof: dict[str, Any], prefix: str) -> str | None:
    """Why ``proofValue`` is not multibase with ``prefix`` ('z' base58btc, 'u' base64url); None when it is."""
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith(prefix):
        encoding = {"z": "base58btc", "u": "base64url"}.get(prefix, prefix)
        return f"the proofValue is not a {encoding} multibase string"
    return None


def multibase_value(proof: dict[str, Any], prefix: str, *, sizes: tuple[int, ...] = ()) -> bytes:
    """The bytes of ``proofValue``, which must be multibase with ``prefix`` ('z' base58btc, 'u' base64url)."""
    problem = multibase_problem(proof, prefix)
    if problem is not None:
        raise ProofProblem(problem)
    value = proof["proofValue"]
    try:
        data = multibase_decode(value)
    except (InvalidKey, ValueError) as exc:
        raise ProofProblem(f"the proofValue does not decode: {exc}") from exc
    if sizes and len(data) not in sizes:
        expected = " or ".join(str(size) for size in sizes)
        raise ProofProblem(f"the signature is {len(data)} bytes, not {expected}")
    return data


def proof_config(
    unsecured: dict[str, Any], proof: dict[str, Any], *, drop: tuple[str, ...] = ("proofValue",)
) -> dict[str, Any]:
    """The proof options (the proof without its value) under the document's ``@context``, as the RDFC suites hash
    them."""
    config = {key: value for key, value in proof.items() if key not in drop}
    config["@context"] = unsecured.get("@context")
    return config


class _Rdfc384(Rdfc10):
    """RDFC-1.0 with SHA-384 as its hash (the blank node labels depend on it)."""

    def create_hash(self) -> Any:
        return hashlib.sha384()


def rdfc(
    document: dict[str, Any] | list[dict[str, Any]], *, hash_name: str = "sha256", expanded: bool = False
) -> bytes:
    """RDFC-1.0 canonical N-Quads, UTF-8. ``hash_name`` is the algorithm's own hash: ecdsa-rdfc-2019 on P-384 asks
    for SHA-384 ("a hash algorithm that has an appropriate security level for the curve"), as Digital Bazaar's
    suite does, which labels blank nodes differently from SHA-256. ``expanded``: ``document`` is the safe-mode
    expansion of the document (``expand_safely``), canonicalized without expanding it again."""
    try:
        algorithm = Rdfc10 if hash_name == "sha256" else _Rdfc384
        return canonicalize(document, expanded=expanded, algorithm=algorithm).encode("utf-8")
    except jsonld.JsonLdError as exc:
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, UnknownContext):
            cause = getattr(cause, "cause", None) or cause.__cause__
        if cause is not None:
            raise cause from exc
        # A document JSON-LD cannot read (an invalid keyword value, a malformed @list…) has no canonical form, so
        # no signature can be over it (found by fuzzing: it escaped as JsonLdError).
        innermost: BaseException = exc
        while isinstance(innermost.__cause__ or innermost.__context__, jsonld.JsonLdError):
            innermost = innermost.__cause__ or innermost.__context__  # type: ignore[assignment]
        reason = str(innermost.args[0]) if innermost.args else type(innermost).__name__
        raise ProofProblem(f"the document is not valid JSON-LD, so it has no canonical form: {reason}") from exc


def jcs(document: Any) -> bytes:
    """RFC 8785 canonical JSON. Numbers beyond what a JSON number can carry exactly (I-JSON) have no canonical
    form: the signer's parser saw another value than the one in the document."""
    try:
        return rfc8785.dumps(document)
    except rfc8785.CanonicalizationError as exc:
        raise ProofProblem(f"the document cannot be canonicalized with JCS (RFC 8785): {exc}") from exc


_CURVE_HASHES: dict[str, tuple[int, Any]] = {"P-256": (32, hashes.SHA256), "P-384": (48, hashes.SHA384)}


def curve_hash(kind: str) -> Any:
    """hashlib constructor of the hash that goes with an ECDSA curve (SHA-256 for P-256, SHA-384 for P-384)."""
    return hashlib.sha256 if kind == "P-256" else hashlib.sha384


def ecdsa_verify(key: PublicKey, signature: bytes, data: bytes) -> bool:
    """ECDSA over ``data`` with the curve's hash; ``signature`` is r || s (IEEE P1363), as the W3C suites write it."""
    size, algorithm = _CURVE_HASHES[key.kind]
    if len(signature) != 2 * size or not isinstance(key.key, ec.EllipticCurvePublicKey):
        raise ProofProblem(f"a {key.kind} signature is {2 * size} bytes, this one {len(signature)}")
    r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    try:
        key.key.verify(encode_dss_signature(r, s), data, ec.ECDSA(algorithm()))
    except InvalidSignature:
        return False
    return True

"""Signing, for what the wallet itself issues: its holder-signed portfolios and presentations, and the demo issuer's
credentials. The inverse of verification, with the same canonicalization (RDFC-1.0) and the same key encodings."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ._did.keys import encode_multikey
from ._ob3.integrity import sign_eddsa_rdfc_2022

__all__ = ["did_key_for", "encode_multikey", "sign_eddsa_rdfc_2022", "verification_method_for"]


def did_key_for(public_key: Ed25519PublicKey) -> str:
    """The did:key naming an Ed25519 public key."""
    return f"did:key:{encode_multikey(public_key)}"


def verification_method_for(did_key: str) -> str:
    """The verification method of a did:key document: the DID with its own key as the fragment."""
    return f"{did_key}#{did_key.removeprefix('did:key:')}"

"""The wallet's own identity: an Ed25519 key generated at first use, kept in the backpack home (mode 0600, never
exported), named by its did:key. It signs the portfolios (bundles) the earner hands out."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verifier.signing import encode_multikey

from .errors import StoreError
from .storage import BackpackStore

__all__ = ["Holder", "holder"]

_KEY_FILE = "holder-key.pem"


@dataclass(frozen=True)
class Holder:
    key: Ed25519PrivateKey
    did: str

    @property
    def verification_method(self) -> str:
        return f"{self.did}#{self.did.removeprefix('did:key:')}"


def _load(data: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise StoreError("the backpack's holder key is not an Ed25519 key")
    return key


def holder(store: BackpackStore) -> Holder:
    """The holder key of this backpack, created on first use. Two processes racing create exactly one key, and a
    process killed while creating it leaves no key or the whole key, never an empty file."""
    where = store.secret_location(_KEY_FILE)
    existing = store.read_secret(_KEY_FILE)
    if existing is None:
        candidate = Ed25519PrivateKey.generate()
        pem = candidate.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        store.create_secret_once(_KEY_FILE, pem)  # if another process made the key meanwhile, theirs wins
        try:
            key = _load(store.read_secret(_KEY_FILE) or b"")
        except ValueError as exc:
            raise StoreError(f"the backpack's holder key {where} is unreadable") from exc
    else:
        try:
            key = _load(existing)
        except ValueError as exc:
            # Never replaced silently: the key is the holder's identity (publications, signed bundles name it).
            raise StoreError(f"the backpack's holder key {where} is unreadable; restore it from a backup") from exc
    return Holder(key=key, did=f"did:key:{encode_multikey(key.public_key())}")

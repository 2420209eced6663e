"""The wallet's own identity: an Ed25519 key generated at first use, kept in the backpack home (mode 0600, never
exported), named by its did:key. It signs the portfolios (bundles) the earner hands out."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verifier.signing import encode_multikey

from .errors import StoreError
from .store import Store, create_once

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


def holder(store: Store) -> Holder:
    """The holder key of this backpack, created on first use. Two processes racing create exactly one key, and a
    process killed while creating it leaves no key or the whole key, never an empty file."""
    store.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = store.home / _KEY_FILE
    try:
        key = _load(path.read_bytes())
    except FileNotFoundError:
        candidate = Ed25519PrivateKey.generate()
        pem = candidate.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        create_once(path, pem)  # if another process made the key meanwhile, theirs wins
        try:
            key = _load(path.read_bytes())
        except ValueError as exc:
            raise StoreError(f"the backpack's holder key {path} is unreadable") from exc
    except ValueError as exc:
        # Never replaced silently: the key is the holder's identity (publications, signed bundles name it).
        raise StoreError(f"the backpack's holder key {path} is unreadable; restore it from a backup") from exc
    return Holder(key=key, did=f"did:key:{encode_multikey(key.public_key())}")

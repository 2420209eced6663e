"""Exceptions raised by the wallet core::

    WalletError
    ├── StoreError                 the store on disk cannot be used
    │   ├── StoreLocked            another process held the lock for too long
    │   └── SchemaTooNew           written by a newer version of the backpack
    ├── NotFound                   no badge, identity or collection with that id
    │   └── AmbiguousId            an id prefix matches more than one badge
    ├── InvalidIdentity            not an email, URL, telephone number or DID
    └── SourceError                an import source cannot be read (missing file, unreadable URL)

Errors from the verifier (``verifier.VerifierError``) pass through unchanged. Every class has a stable ``code``.
"""

from __future__ import annotations

__all__ = [
    "AmbiguousId",
    "InvalidIdentity",
    "NotFound",
    "SchemaTooNew",
    "SourceError",
    "StoreError",
    "StoreLocked",
    "WalletError",
]


class WalletError(Exception):
    code = "wallet_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class StoreError(WalletError):
    code = "store_error"


class StoreLocked(StoreError):
    code = "store_locked"


class SchemaTooNew(StoreError):
    code = "schema_too_new"


class NotFound(WalletError):
    code = "not_found"


class AmbiguousId(NotFound):
    code = "ambiguous_id"


class InvalidIdentity(WalletError):
    code = "invalid_identity"


class SourceError(WalletError):
    code = "source_unreadable"

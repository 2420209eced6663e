"""Status and revocation methods, one module each, behind one small protocol.

* ``bitstring``: W3C Bitstring Status List v1.0 and StatusList2021 (a list credential, one or more bits per entry);
* ``revocation_list_1edtech``: 1EdTech Revocation List (a document of revoked credential ids);
* ``ob2_revocation_list``: the Open Badges 2.0 issuer's ``RevocationList``.

Everything here is pure: no I/O, no clock. The caller fetches the list (and verifies a list credential's proof and
dates, and whether its issuer is trusted); these modules parse entries, decode lists and read statuses. Problems raise
:class:`StatusError` (a ``ValueError``) whose message can go into a report as it is and whose ``code`` follows the W3C
error names (``STATUS_LIST_LENGTH_ERROR``, ``RANGE_ERROR``…). Reference: OB-VERIFICATION.md §3.9.
"""

from __future__ import annotations

from typing import Any, Protocol

from . import bitstring, ob2_revocation_list, revocation_list_1edtech
from ._common import (
    LENIENT_MINIMUM_ENTRIES,
    MAX_DECOMPRESSED_BYTES,
    MINIMUM_ENTRIES,
    StatusEntry,
    StatusError,
    StatusMessage,
    StatusMethod,
    StatusResult,
    UnsupportedStatus,
)
from .bitstring import check_list_length, decode_encoded_list, evaluate_entry, list_subject, read_status
from .entries import parse_status_entries
from .ob2_revocation_list import revocation_entry
from .revocation_list_1edtech import revocation_list_entry

__all__ = [
    "LENIENT_MINIMUM_ENTRIES",
    "MAX_DECOMPRESSED_BYTES",
    "MINIMUM_ENTRIES",
    "ListMethod",
    "StatusEntry",
    "StatusError",
    "StatusMessage",
    "StatusMethod",
    "StatusResult",
    "UnsupportedStatus",
    "bitstring",
    "check_list_length",
    "decode_encoded_list",
    "evaluate_entry",
    "list_method",
    "list_subject",
    "needs_list_credential",
    "ob2_revocation_list",
    "parse_status_entries",
    "read_status",
    "revocation_entry",
    "revocation_list_1edtech",
    "revocation_list_entry",
]


class ListMethod(Protocol):
    """What a status method does once its list document is fetched: read one entry's status in it."""

    def __call__(
        self, entry: StatusEntry, document: dict[str, Any], *, credential_id: str, minimum_entries: int
    ) -> StatusResult: ...


def _revocation_document(
    entry: StatusEntry, document: dict[str, Any], *, credential_id: str, minimum_entries: int
) -> StatusResult:
    revoked, reason = revocation_list_1edtech.revocation_list_entry(document, credential_id)
    message = ("revoked by the issuer" + (f": {reason}" if reason else "")) if revoked else "not revoked"
    return StatusResult("revocation", int(revoked), revoked, False, message, reason=reason)


def _bitstring(
    entry: StatusEntry, document: dict[str, Any], *, credential_id: str, minimum_entries: int
) -> StatusResult:
    return bitstring.evaluate_entry(entry, document, minimum_entries=minimum_entries)


_METHODS: dict[StatusMethod, ListMethod] = {
    "bitstring": _bitstring,
    "statuslist2021": _bitstring,
    "1edtech": _revocation_document,
}


def list_method(entry: StatusEntry) -> ListMethod:
    """The reader of ``entry``'s list document."""
    return _METHODS[entry.method]


def needs_list_credential(entry: StatusEntry) -> bool:
    """Whether ``entry``'s list is itself a credential, to be verified (proof, dates, issuer) before it is read."""
    return entry.method in ("bitstring", "statuslist2021")

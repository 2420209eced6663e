"""W3C Bitstring Status List v1.0 (and its predecessor StatusList2021, which differs only in its type names and
base64url without the multibase prefix): decode the list, check its length, read an entry's bits.

Facts the code relies on:

* ``encodedList`` is GZIP-compressed, then base64url-encoded. BitstringStatusList uses multibase, so the text starts
  with ``u`` (typically ``uH4sI``); StatusList2021 uses bare base64url (``H4sI``). Both, and padded variants, are
  accepted.
* Bit 0 of the list is the most significant bit of byte 0: ``bit(i) = (bytes[i // 8] >> (7 - i % 8)) & 1``. An entry
  with ``statusSize`` n occupies bits ``index * n`` to ``index * n + n - 1``, most significant first.
* A list must hold at least 131,072 entries (16 KB at one bit each). DCC's public test lists hold 100,000 bits, so the
  minimum is an argument.
* Decompression is bounded (16 MB by default) so that a small GZIP bomb cannot exhaust memory.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from typing import Any

from ._common import (
    MAX_DECOMPRESSED_BYTES,
    MINIMUM_ENTRIES,
    RANGE_ERROR,
    STATUS_LIST_LENGTH_ERROR,
    STATUS_LIST_TOO_LARGE,
    STATUS_VERIFICATION_ERROR,
    StatusEntry,
    StatusError,
    StatusResult,
    as_strings,
    describe,
)

__all__ = ["check_list_length", "decode_encoded_list", "evaluate_entry", "list_subject", "read_status"]

# method -> (type of the list credential, type of its credentialSubject)
_LIST_TYPES: dict[str, tuple[str, str]] = {
    "bitstring": ("BitstringStatusListCredential", "BitstringStatusList"),
    "statuslist2021": ("StatusList2021Credential", "StatusList2021"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_BASE64_CHARS = re.compile(r"[A-Za-z0-9_\-+/]*")


def decode_encoded_list(encoded: str, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """The bitstring held by an ``encodedList``: multibase (``u``) or bare base64url of GZIP data.

    Padding and the standard base64 alphabet are tolerated. Raises :class:`StatusError` on bad base64, bad GZIP, or
    a bitstring larger than ``max_bytes`` once decompressed (checked while decompressing, never allocated in full).
    """
    if not isinstance(encoded, str):
        raise StatusError(f"encodedList must be a string, not {describe(encoded)}")
    text = "".join(encoded.split())
    if text[:1] in ("u", "U"):  # multibase base64url (U: with padding); GZIP's base64 always starts with "H4sI"
        text = text[1:]
    text = text.rstrip("=")
    if not text:
        raise StatusError("encodedList is empty")
    if not _BASE64_CHARS.fullmatch(text):
        bad = next(c for c in text if not _BASE64_CHARS.fullmatch(c))
        raise StatusError(f"encodedList is not base64url: it contains {bad!r}")
    if len(text) % 4 == 1:
        raise StatusError(f"encodedList is not valid base64url: {len(text)} characters cannot encode whole bytes")
    try:
        data = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - the checks above leave nothing to fail
        raise StatusError(f"encodedList is not valid base64url ({exc})") from None
    if not data.startswith(_GZIP_MAGIC):
        raise StatusError(f"encodedList does not hold GZIP data (it starts with bytes {data[:4].hex(' ')})")
    return _gunzip_bounded(data, max_bytes)


def _gunzip_bounded(data: bytes, max_bytes: int) -> bytes:
    out = bytearray()
    rest = data
    while True:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP wrapper only, CRC checked
        pending = rest
        while not decompressor.eof:
            try:
                piece = decompressor.decompress(pending, max_bytes + 1 - len(out))
            except zlib.error as exc:
                raise StatusError(f"encodedList is not valid GZIP data ({exc})") from None
            pending = decompressor.unconsumed_tail
            if piece:
                out += piece
                if len(out) > max_bytes:
                    raise StatusError(
                        f"the status list is larger than {max_bytes:,} bytes once decompressed: refused",
                        STATUS_LIST_TOO_LARGE,
                    )
            elif not pending:
                raise StatusError("encodedList holds truncated GZIP data")
        rest = decompressor.unused_data
        if rest.startswith(_GZIP_MAGIC):  # another GZIP member follows (RFC 1952 allows several)
            continue
        if rest.strip(b"\x00"):
            raise StatusError("encodedList has unexpected data after its GZIP stream")
        return bytes(out)


def read_status(bitstring: bytes, index: int, status_size: int = 1) -> int:
    """The ``status_size``-bit value of entry ``index``; bit 0 is the most significant bit of byte 0."""
    if isinstance(index, bool) or not isinstance(index, int):
        raise StatusError(f"status index must be an integer, not {describe(index)}", RANGE_ERROR)
    if isinstance(status_size, bool) or not isinstance(status_size, int) or status_size < 1:
        raise StatusError(f"statusSize {status_size!r} must be a positive integer")
    entries = len(bitstring) * 8 // status_size
    if index < 0 or index >= entries:
        raise StatusError(f"index {index} outside the list of {entries:,} entries", RANGE_ERROR)
    start = index * status_size
    first, last = start // 8, (start + status_size - 1) // 8
    chunk = int.from_bytes(bitstring[first : last + 1], "big")
    shift = (last - first + 1) * 8 - start % 8 - status_size
    return (chunk >> shift) & ((1 << status_size) - 1)


def check_list_length(bitstring: bytes, status_size: int = 1, minimum_entries: int = MINIMUM_ENTRIES) -> None:
    """Raise ``STATUS_LIST_LENGTH_ERROR`` when the list holds fewer than ``minimum_entries`` entries."""
    entries = len(bitstring) * 8 // max(status_size, 1)
    if entries < minimum_entries:
        size = f"{entries:,} entries" if status_size == 1 else f"{entries:,} entries of {status_size} bits"
        raise StatusError(
            f"the status list holds {size}, fewer than the minimum of {minimum_entries:,} (STATUS_LIST_LENGTH_ERROR)",
            STATUS_LIST_LENGTH_ERROR,
        )


def list_subject(list_credential: dict[str, Any], entry: StatusEntry) -> dict[str, Any]:
    """The ``credentialSubject`` of a status list credential, after checking its types and purpose against ``entry``.

    The list credential must have type ``BitstringStatusListCredential`` (``StatusList2021Credential`` for a
    StatusList2021 entry), its subject the matching list type, and its ``statusPurpose`` (a string or a list) must
    include the entry's purpose.
    """
    if entry.method not in _LIST_TYPES:
        raise StatusError(
            f"{entry.type or entry.method} entries have no status list credential", STATUS_VERIFICATION_ERROR
        )
    credential_type, subject_type = _LIST_TYPES[entry.method]
    if not isinstance(list_credential, dict):
        raise StatusError(
            f"the status list credential is {describe(list_credential)}, not a JSON object", STATUS_VERIFICATION_ERROR
        )
    types = as_strings(list_credential.get("type"))
    if credential_type not in types:
        shown = ", ".join(types) if types else "missing"
        raise StatusError(
            f"the status list credential's type ({shown}) does not include {credential_type}", STATUS_VERIFICATION_ERROR
        )
    subject = list_credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, dict):
        raise StatusError(
            "the status list credential has no credentialSubject object (or more than one)", STATUS_VERIFICATION_ERROR
        )
    subject_types = as_strings(subject.get("type"))
    if subject_type not in subject_types:
        shown = ", ".join(subject_types) if subject_types else "missing"
        raise StatusError(
            f"the status list's credentialSubject type ({shown}) is not {subject_type}", STATUS_VERIFICATION_ERROR
        )
    purposes = as_strings(subject.get("statusPurpose"))
    if not purposes:
        raise StatusError("the status list has no statusPurpose", STATUS_VERIFICATION_ERROR)
    if entry.purpose not in purposes:
        raise StatusError(
            f"the list's purpose {', '.join(purposes)} does not cover {entry.purpose}", STATUS_VERIFICATION_ERROR
        )
    return subject


def evaluate_entry(
    entry: StatusEntry,
    list_credential: dict[str, Any],
    *,
    minimum_entries: int = MINIMUM_ENTRIES,
    max_bytes: int = MAX_DECOMPRESSED_BYTES,
) -> StatusResult:
    """Read ``entry``'s status in ``list_credential`` (already fetched, its proof and dates already checked).

    Runs the W3C validation steps that need no I/O: types and purpose, decoding, minimum length, range, value.
    """
    if entry.method == "1edtech" or entry.index is None:
        raise StatusError("a 1EdTechRevocationList entry is checked with revocation_list_entry(), not a status list")
    subject = list_subject(list_credential, entry)
    if "encodedList" not in subject:
        raise StatusError("the status list has no encodedList")
    bitstring = decode_encoded_list(subject["encodedList"], max_bytes=max_bytes)
    check_list_length(bitstring, entry.status_size, minimum_entries)
    value = read_status(bitstring, entry.index, entry.status_size)
    revoked = entry.purpose == "revocation" and value != 0
    suspended = entry.purpose == "suspension" and value != 0
    return StatusResult(
        purpose=entry.purpose,
        value=value,
        revoked=revoked,
        suspended=suspended,
        message=_describe_status(entry, value),
        list_entries=len(bitstring) * 8 // entry.status_size,
    )


def _describe_status(entry: StatusEntry, value: int) -> str:
    text = entry.message_for(value)
    if text is not None:
        return text
    if entry.purpose == "revocation":
        return "revoked" if value else "not revoked"
    if entry.purpose == "suspension":
        return "suspended" if value else "not suspended"
    return f"{entry.purpose} status {value:#x}" + ("" if value else " (not set)")

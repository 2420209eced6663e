"""``credentialStatus`` of OB 3.0 credentials: Bitstring Status List, StatusList2021 and 1EdTech Revocation List.

Everything here is a pure function: no I/O, no clock. The caller fetches the status list credential (or the 1EdTech
revocation list document), verifies its proof and validity period, and decides whether its issuer is trusted; this
module parses the entries, decodes the list and reads the status. Reference: OB-VERIFICATION.md §3.9 and W3C
Bitstring Status List v1.0.

Facts the code relies on:

* ``encodedList`` is GZIP-compressed, then base64url-encoded. BitstringStatusList uses multibase, so the text starts
  with ``u`` (typically ``uH4sI``); StatusList2021 uses bare base64url (``H4sI``). Both, and padded variants, are
  accepted.
* Bit 0 of the list is the most significant bit of byte 0: ``bit(i) = (bytes[i // 8] >> (7 - i % 8)) & 1``. An entry
  with ``statusSize`` n occupies bits ``index * n`` to ``index * n + n - 1``, most significant first.
* A list must hold at least 131,072 entries (16 KB at one bit each). DCC's public test lists hold 100,000 bits, so the
  minimum is an argument: strict by default, lenient (:data:`LENIENT_MINIMUM_ENTRIES`) on request.
* Decompression is bounded (16 MB by default) so that a small GZIP bomb cannot exhaust memory.

Problems raise :class:`StatusError` (a ``ValueError``) whose message can go into a report as it is and whose
``code`` follows the W3C error names (``STATUS_LIST_LENGTH_ERROR``, ``RANGE_ERROR``…).
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "LENIENT_MINIMUM_ENTRIES",
    "MAX_DECOMPRESSED_BYTES",
    "MINIMUM_ENTRIES",
    "StatusEntry",
    "StatusError",
    "StatusMessage",
    "StatusMethod",
    "StatusResult",
    "UnsupportedStatus",
    "check_list_length",
    "decode_encoded_list",
    "evaluate_entry",
    "list_subject",
    "parse_status_entries",
    "read_status",
    "revocation_list_entry",
]

StatusMethod = Literal["bitstring", "statuslist2021", "1edtech"]

MINIMUM_ENTRIES = 131_072
"""Bitstring Status List ``minimumNumberOfEntries``: 16 KB of one-bit entries."""
LENIENT_MINIMUM_ENTRIES = 100_000
"""A lenient minimum that accepts the Digital Credentials Consortium's 100,000-bit test lists."""
MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024
"""Largest decompressed bitstring accepted (134 million one-bit entries)."""
MAX_STATUS_SIZE = 64
"""Largest ``statusSize`` accepted; a ``statusMessage`` must describe each of its 2**statusSize values anyway."""

# Error codes, as named by W3C Bitstring Status List v1.0 ("Processing Errors"), plus one for oversized lists.
STATUS_VERIFICATION_ERROR = "STATUS_VERIFICATION_ERROR"
STATUS_LIST_LENGTH_ERROR = "STATUS_LIST_LENGTH_ERROR"
RANGE_ERROR = "RANGE_ERROR"
MALFORMED_VALUE_ERROR = "MALFORMED_VALUE_ERROR"
STATUS_LIST_TOO_LARGE = "STATUS_LIST_TOO_LARGE"

_ENTRY_TYPES: dict[str, StatusMethod] = {
    "BitstringStatusListEntry": "bitstring",
    "StatusList2021Entry": "statuslist2021",
    "1EdTechRevocationList": "1edtech",
    "https://purl.imsglobal.org/spec/vcrl/v1p0/context.json#1EdTechRevocationList": "1edtech",
}
# method -> (type of the list credential, type of its credentialSubject)
_LIST_TYPES: dict[str, tuple[str, str]] = {
    "bitstring": ("BitstringStatusListCredential", "BitstringStatusList"),
    "statuslist2021": ("StatusList2021Credential", "StatusList2021"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_DECIMAL = re.compile(r"[0-9]{1,20}")
_HEX_STATUS = re.compile(r"0[xX][0-9a-fA-F]{1,16}")
_BASE64_CHARS = re.compile(r"[A-Za-z0-9_\-+/]*")


class StatusError(ValueError):
    """A status entry, list or revocation document that cannot be used. ``str()`` is ready for a report."""

    def __init__(self, message: str, code: str = MALFORMED_VALUE_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class StatusMessage:
    """One ``statusMessage`` item: the status value (given as a hex string such as ``"0x1"``) and its text."""

    status: int
    message: str


@dataclass(frozen=True)
class StatusEntry:
    """A ``credentialStatus`` item of a supported type.

    ``index`` is None only for ``1edtech`` entries, which name a revocation list (``list_url``) and no position.
    """

    method: StatusMethod
    purpose: str
    index: int | None
    list_url: str
    status_size: int = 1
    status_messages: tuple[StatusMessage, ...] = ()
    entry_id: str | None = None
    type: str = ""
    """The entry's type term as written (``BitstringStatusListEntry``…), for reports."""

    def message_for(self, value: int) -> str | None:
        """The ``statusMessage`` text for ``value``, if the entry gives one."""
        for item in self.status_messages:
            if item.status == value:
                return item.message
        return None


@dataclass(frozen=True)
class UnsupportedStatus:
    """A ``credentialStatus`` item whose type this module does not know (``RevocationList2020Status``…)."""

    type: str
    id: str | None = None


@dataclass(frozen=True)
class StatusResult:
    """The status read for one entry. ``value`` 0 means "not set" whatever the purpose."""

    purpose: str
    value: int
    revoked: bool
    suspended: bool
    message: str
    list_entries: int = 0
    """How many entries (of ``statusSize`` bits) the list holds."""


# --------------------------------------------------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------------------------------------------------


def parse_status_entries(credential_status: Any) -> list[StatusEntry | UnsupportedStatus]:
    """Parse a credential's ``credentialStatus`` (one object, a list of them, or None).

    Unknown types come back as :class:`UnsupportedStatus`; a known type with missing or invalid fields raises
    :class:`StatusError`.
    """
    if credential_status is None:
        return []
    items = credential_status if isinstance(credential_status, list) else [credential_status]
    return [_parse_entry(item) for item in items]


def _parse_entry(item: Any) -> StatusEntry | UnsupportedStatus:
    if not isinstance(item, dict):
        raise StatusError(f"a credentialStatus entry must be an object, not {_describe(item)}")
    types = _as_strings(item.get("type"))
    if not types:
        raise StatusError("a credentialStatus entry has no type")
    entry_id = item.get("id") if isinstance(item.get("id"), str) else None
    known = [t for t in types if t in _ENTRY_TYPES]
    if not known:
        return UnsupportedStatus(", ".join(types), entry_id)
    type_name = known[0]
    method = _ENTRY_TYPES[type_name]
    where = f"credentialStatus {type_name.rsplit('#', 1)[-1]}"

    if method == "1edtech":
        if not entry_id or not entry_id.strip():
            raise StatusError(f"{where}: id, the URL of the issuer's revocation list, is missing")
        return StatusEntry("1edtech", "revocation", None, entry_id.strip(), entry_id=entry_id, type=type_name)

    purpose = item.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose.strip():
        raise StatusError(f"{where}: statusPurpose is missing or not a string")
    index = _parse_index(item.get("statusListIndex"), where)
    list_url = item.get("statusListCredential")
    if not isinstance(list_url, str) or not list_url.strip():
        raise StatusError(f"{where}: statusListCredential is missing or not a string")

    status_size = 1
    messages: tuple[StatusMessage, ...] = ()
    if method == "bitstring":
        status_size = _parse_status_size(item.get("statusSize", 1), where)
        messages = _parse_messages(item.get("statusMessage"), where)
        if status_size > 1 and not messages:
            raise StatusError(f"{where}: statusMessage is required when statusSize is {status_size}")
    return StatusEntry(
        method, purpose.strip(), index, list_url.strip(), status_size, messages, entry_id=entry_id, type=type_name
    )


def _parse_index(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise StatusError(f"{where}: statusListIndex {value} is negative")
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("-") and _DECIMAL.fullmatch(text[1:]):
            raise StatusError(f"{where}: statusListIndex {value!r} is negative")
        if _DECIMAL.fullmatch(text):
            return int(text)
        raise StatusError(f"{where}: statusListIndex {value[:40]!r} is not a decimal integer of at most 20 digits")
    if value is None:
        raise StatusError(f"{where}: statusListIndex is missing")
    raise StatusError(f"{where}: statusListIndex must be an integer or a decimal string, not {_describe(value)}")


def _parse_status_size(value: Any, where: str) -> int:
    size: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        size = int(value.strip())
    if size is None or size < 1 or size > MAX_STATUS_SIZE or size & (size - 1):
        raise StatusError(
            f"{where}: statusSize {value!r} is not 1, 2, 4, 8, … (a power of two up to {MAX_STATUS_SIZE})"
        )
    return size


def _parse_messages(value: Any, where: str) -> tuple[StatusMessage, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    messages = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("message"), str):
            raise StatusError(f"{where}: each statusMessage must be an object with status and message")
        status = item.get("status")
        if isinstance(status, str) and _HEX_STATUS.fullmatch(status.strip()):
            number = int(status.strip(), 16)
        elif isinstance(status, int) and not isinstance(status, bool) and status >= 0:
            number = status
        else:
            raise StatusError(f"{where}: statusMessage status {status!r} is not a hexadecimal string such as '0x1'")
        messages.append(StatusMessage(number, item["message"]))
    return tuple(messages)


# --------------------------------------------------------------------------------------------------------------------
# The list
# --------------------------------------------------------------------------------------------------------------------


def decode_encoded_list(encoded: str, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """The bitstring held by an ``encodedList``: multibase (``u``) or bare base64url of GZIP data.

    Padding and the standard base64 alphabet are tolerated. Raises :class:`StatusError` on bad base64, bad GZIP, or
    a bitstring larger than ``max_bytes`` once decompressed (checked while decompressing, never allocated in full).
    """
    if not isinstance(encoded, str):
        raise StatusError(f"encodedList must be a string, not {_describe(encoded)}")
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
        raise StatusError(f"status index must be an integer, not {_describe(index)}", RANGE_ERROR)
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
            f"the status list credential is {_describe(list_credential)}, not a JSON object", STATUS_VERIFICATION_ERROR
        )
    types = _as_strings(list_credential.get("type"))
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
    subject_types = _as_strings(subject.get("type"))
    if subject_type not in subject_types:
        shown = ", ".join(subject_types) if subject_types else "missing"
        raise StatusError(
            f"the status list's credentialSubject type ({shown}) is not {subject_type}", STATUS_VERIFICATION_ERROR
        )
    purposes = _as_strings(subject.get("statusPurpose"))
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


# --------------------------------------------------------------------------------------------------------------------
# 1EdTech Revocation List
# --------------------------------------------------------------------------------------------------------------------


def revocation_list_entry(document: dict[str, Any], credential_id: str) -> tuple[bool, str | None]:
    """Whether a 1EdTech revocation list revokes ``credential_id``, and the reason it gives.

    Items are read from ``revokedCredentials`` and from the singular ``revokedCredential`` (the 1EdTech validator
    reads the latter). An item is an object ``{id, revoked?, revocationReason?}``, revoking unless ``revoked`` is
    false, or a bare id string. Raises :class:`StatusError` when the document is no revocation list at all.
    """
    if not isinstance(document, dict):
        raise StatusError(f"the revocation list is {_describe(document)}, not a JSON object")
    keys = [k for k in ("revokedCredentials", "revokedCredential") if k in document]
    if not keys:
        raise StatusError("the document is not a 1EdTech revocation list: it has no revokedCredentials")
    wanted = credential_id.strip()
    revoked, reason = False, None
    for key in keys:
        value = document[key]
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                if item.strip() == wanted:
                    revoked = True
            elif isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"].strip() == wanted:
                if _revokes(item.get("revoked")):
                    revoked = True
                    reason = reason or _reason(item)
    return revoked, reason if revoked else None


def _revokes(flag: Any) -> bool:
    """``revoked`` true or absent revokes; false (or the string "false") does not."""
    return not (flag is False or (isinstance(flag, str) and flag.strip().lower() == "false"))


def _reason(item: dict[str, Any]) -> str | None:
    for key in ("revocationReason", "reason"):
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


# --------------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------------


def _as_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )

"""Parsing ``credentialStatus``: which method each entry uses, and its fields checked (no I/O, no clock)."""

from __future__ import annotations

import re
from typing import Any

from ._common import (
    MAX_STATUS_SIZE,
    StatusEntry,
    StatusError,
    StatusMessage,
    StatusMethod,
    UnsupportedStatus,
    as_strings,
    describe,
)

__all__ = ["parse_status_entries"]

_ENTRY_TYPES: dict[str, StatusMethod] = {
    "BitstringStatusListEntry": "bitstring",
    "StatusList2021Entry": "statuslist2021",
    "1EdTechRevocationList": "1edtech",
    "https://purl.imsglobal.org/spec/vcrl/v1p0/context.json#1EdTechRevocationList": "1edtech",
}
_DECIMAL = re.compile(r"[0-9]{1,20}")
_HEX_STATUS = re.compile(r"0[xX][0-9a-fA-F]{1,16}")


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
        raise StatusError(f"a credentialStatus entry must be an object, not {describe(item)}")
    types = as_strings(item.get("type"))
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
    raise StatusError(f"{where}: statusListIndex must be an integer or a decimal string, not {describe(value)}")


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

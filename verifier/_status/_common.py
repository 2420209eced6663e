"""What every status method shares: the entry and result types, the error (with W3C error codes), small readers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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
    reason: str | None = None
    """Why the issuer revoked it, when its list says."""


def as_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )

"""The order in which badges are listed: newest first, or by name, status, issuer or last check."""

from __future__ import annotations

from collections.abc import Sequence

from .store import BadgeRecord

__all__ = ["SORT_KEYS", "STATUS_ORDER", "sort_badges"]

SORT_KEYS = ("issued", "name", "status", "issuer", "checked")
STATUS_ORDER = ("revoked", "invalid", "expired", "unverifiable", "unchecked", "valid")
"""Statuses as a list sorted by status shows them: what needs attention first."""


class _Inverted(dict[int, str]):
    """A ``str.translate`` table that maps each character to its mirror in Unicode, filled as characters are seen."""

    def __missing__(self, code: int) -> str:
        self[code] = mirrored = chr(0x10FFFF - code)
        return mirrored


_INVERTED = _Inverted()


def _newest_first(moment: str) -> tuple[bool, str]:
    # ISO 8601 texts sort as the moments they name; an absent date sorts last in either direction.
    return (not moment, moment.translate(_INVERTED))


def sort_badges(records: Sequence[BadgeRecord], key: str = "issued") -> list[BadgeRecord]:
    """``records`` in the order of ``key`` (one of ``SORT_KEYS``); ties are broken by name, then id."""
    if key not in SORT_KEYS:
        raise ValueError(f"cannot sort by {key!r}: use one of {', '.join(SORT_KEYS)}")
    by_name = sorted(records, key=lambda r: (r.display_name.casefold(), r.id))
    if key == "issued":
        return sorted(by_name, key=lambda r: _newest_first(r.info.issued_on or ""))
    if key == "checked":
        return sorted(by_name, key=lambda r: _newest_first(r.checked_at or ""))
    if key == "status":
        order = {status: index for index, status in enumerate(STATUS_ORDER)}
        return sorted(by_name, key=lambda r: order.get(r.status, len(order)))
    if key == "issuer":
        return sorted(by_name, key=lambda r: (not r.info.issuer, r.info.issuer.casefold()))
    return by_name

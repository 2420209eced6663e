"""Open Badges 2.0 ``RevocationList``: the issuer's list of ``revokedAssertions`` (ids, or objects with a reason)."""

from __future__ import annotations

from typing import Any

from .._json import as_list

__all__ = ["revocation_entry"]


def revocation_entry(revocation_list: dict[str, Any], assertion: dict[str, Any]) -> tuple[bool, str | None]:
    """Whether ``assertion`` is in the list's ``revokedAssertions`` (ids or objects), and the reason given."""
    wanted = {v for v in (assertion.get("id"), assertion.get("uid")) if isinstance(v, str)}
    for entry in as_list(revocation_list.get("revokedAssertions")):
        if isinstance(entry, str) and entry in wanted:
            return True, None
        if isinstance(entry, dict) and ({entry.get("id"), entry.get("uid")} & wanted):
            reason = entry.get("revocationReason")
            return True, reason if isinstance(reason, str) else None
    return False, None

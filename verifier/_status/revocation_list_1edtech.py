"""1EdTech Revocation List (``1EdTechRevocationList`` entries): a document listing revoked credential ids."""

from __future__ import annotations

from typing import Any

from ._common import StatusError, describe

__all__ = ["revocation_list_entry"]


def revocation_list_entry(document: dict[str, Any], credential_id: str) -> tuple[bool, str | None]:
    """Whether a 1EdTech revocation list revokes ``credential_id``, and the reason it gives.

    Items are read from ``revokedCredentials`` and from the singular ``revokedCredential`` (the 1EdTech validator
    reads the latter). An item is an object ``{id, revoked?, revocationReason?}``, revoking unless ``revoked`` is
    false, or a bare id string. Raises :class:`StatusError` when the document is no revocation list at all.
    """
    if not isinstance(document, dict):
        raise StatusError(f"the revocation list is {describe(document)}, not a JSON object")
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

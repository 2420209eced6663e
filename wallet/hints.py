"""What the earner can do about a verification outcome, in one sentence shared by the CLI, the TUI and the web view.

The status is never softened: a badge issued to an identity the backpack does not know stays ``invalid`` (it may be
someone else's badge). The hint only says how to make it count when it is the earner's own.
"""

from __future__ import annotations

from verifier import Report

__all__ = ["recipient_hint"]

_PLACEHOLDERS = {"email": "EMAIL", "emailaddress": "EMAIL", "url": "URL", "telephone": "PHONE", "phone": "PHONE"}


def _identity_to_add(recipient: str | None) -> str:
    """The argument of ``backpack identity add``: the identity itself when the badge names it in clear, else a
    placeholder for what it was hashed from (a hash cannot be turned back into the e-mail address)."""
    text = (recipient or "").strip()
    if text and "$" not in text and " " not in text:
        return text
    kind = text.removeprefix("hashed ").strip().lower() if text.startswith("hashed ") else "email"
    return _PLACEHOLDERS.get(kind, "IDENTITY")


def recipient_hint(report: Report | None, recipient: str | None = None) -> str | None:
    """ "issued to someone else — if it is yours, add that identity: backpack identity add …" when the recipient
    check is what makes the badge invalid, else None. ``recipient`` is the badge's recipient as stored (plain or
    hashed); without it the report's own summary is used."""
    if report is None or report.status != "invalid":
        return None
    check = report.check("recipient")
    decisive = report.decisive_check
    if check is None or check.outcome != "failed" or (decisive is not None and decisive.id != "recipient"):
        return None
    identity = _identity_to_add(recipient or report.badge.recipient)
    return f"issued to someone else — if it is yours, add that identity: backpack identity add {identity}"

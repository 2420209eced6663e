"""Pure OB 2.0 checks over parsed JSON: required properties, verification scope, recipient, dates, revocation list.

Each function returns ``(outcome, message)`` for one check; none does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from .._json import as_list, as_object, hash_matches, node_id, parse_datetime, shown_date, text_of
from .._report import BadgeDisplay, Outcome

__all__ = [
    "check_dates",
    "check_origin",
    "check_recipient",
    "display_data",
    "missing_properties",
]

CheckOutcome = tuple[Outcome, str]

ASSERTION_REQUIRED = ("id", "type", "recipient", "badge", "verification", "issuedOn")
BADGE_CLASS_REQUIRED = ("id", "type", "name", "description", "image", "criteria", "issuer")
ISSUER_REQUIRED = ("id", "type", "name", "url")


def missing_properties(node: dict[str, Any], required: Iterable[str]) -> list[str]:
    missing = []
    for name in required:
        value = node.get(name)
        if name == "verification" and value is None:
            value = node.get("verify")  # the JSON-LD alias of 1.1-era documents
        if value is None or value == "" or value == []:
            missing.append(name)
    return missing


def check_dates(assertion: dict[str, Any], *, now: datetime, skew: timedelta) -> tuple[CheckOutcome, CheckOutcome]:
    """Outcomes of ``issued_on`` and ``expiry``."""
    issued = parse_datetime(assertion.get("issuedOn"))
    expires_raw = assertion.get("expires")
    expires = parse_datetime(expires_raw)
    if issued is None:
        issued_outcome: CheckOutcome = ("failed", f"issuedOn is missing or not a date: {assertion.get('issuedOn')!r}")
    elif issued > now + skew:
        issued_outcome = ("failed", f"issued in the future ({issued.isoformat()})")
    elif expires is not None and expires < issued:
        issued_outcome = ("failed", f"expires ({expires.date()}) before it was issued ({issued.date()})")
    else:
        issued_outcome = ("passed", f"issued on {issued.date().isoformat()}")
    if expires_raw is None:
        expiry_outcome: CheckOutcome = ("passed", "does not expire")
    elif expires is None:
        expiry_outcome = ("failed", f"expires is not a date: {expires_raw!r}")
    elif expires <= now:
        expiry_outcome = ("failed", f"expired on {expires.date().isoformat()}")
    else:
        expiry_outcome = ("passed", f"valid until {expires.date().isoformat()}")
    return issued_outcome, expiry_outcome


def _authority(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.netloc.lower()


def check_origin(assertion_id: str, issuer: dict[str, Any]) -> CheckOutcome:
    """HostedBadge verification scope: the assertion's authority must be allowed by the issuer's policy."""
    policy = as_object(issuer.get("verification"))
    allowed = [o.lower() for o in as_list(policy.get("allowedOrigins")) if isinstance(o, str)]
    starts = [s for s in as_list(policy.get("startsWith")) if isinstance(s, str)]
    issuer_authority = _authority(node_id(issuer) or "")
    if not allowed and issuer_authority:
        allowed = [issuer_authority]
    assertion_authority = _authority(assertion_id)
    if assertion_authority is None:
        return ("failed", f"a hosted assertion needs an http(s) id, not {assertion_id!r}")
    if not allowed:
        return ("warning", "the issuer's id is not an http(s) URL and it lists no allowedOrigins")
    if assertion_authority not in allowed:
        return (
            "failed",
            f"the assertion is hosted on {assertion_authority}, outside the issuer's allowed origins "
            f"({', '.join(allowed)})",
        )
    if starts and not any(assertion_id.startswith(prefix) for prefix in starts):
        return ("failed", f"the assertion id does not start with any of the issuer's prefixes ({', '.join(starts)})")
    return ("passed", f"hosted on {assertion_authority}, allowed by the issuer")


_HASHED = re.compile(r"^(sha256|md5)\$[0-9a-fA-F]+$", re.IGNORECASE)


def check_recipient(recipient: Any, identities: Iterable[str]) -> CheckOutcome:
    """Compare the assertion's IdentityObject with the earner's identities (hashed with the salt, or plain)."""
    identities = [i for i in identities if i]
    if not isinstance(recipient, dict) or not isinstance(recipient.get("identity"), str):
        return ("failed", "the assertion has no recipient identity")
    identity = recipient["identity"].strip()
    kind = recipient.get("type", "email")
    if not identities:
        return ("warning", f"not checked: no identity to compare with (the badge names a recipient by {kind})")
    salt = given if isinstance(given := recipient.get("salt"), str) else ""
    flag = recipient.get("hashed")
    # Some issuers write "true" as a string; a sha256$/md5$ identity is a hash whatever the flag says.
    hashed = flag is True or str(flag).lower() == "true" or _HASHED.match(identity) is not None
    for candidate in identities:
        # Issuers disagree on lowercasing emails before hashing: try the address as given and lowercased.
        for variant in dict.fromkeys((candidate, candidate.lower())):
            if hashed and hash_matches(identity, variant, salt):
                return ("passed", f"issued to {candidate} (hashed {kind})")
            if not hashed and identity.lower() == variant.lower():
                return ("passed", f"issued to {candidate}")
    shown = "a hashed " + str(kind) if hashed else identity
    return ("failed", f"issued to {shown}, which is none of the identities given ({', '.join(identities)})")


def display_data(assertion: dict[str, Any], badge_class: dict[str, Any], issuer: dict[str, Any]) -> BadgeDisplay:
    criteria = badge_class.get("criteria")
    criteria_text = text_of(criteria.get("narrative")) if isinstance(criteria, dict) else None
    criteria_url = node_id(criteria) if not isinstance(criteria, str) else criteria
    recipient = as_object(assertion.get("recipient"))
    shown_recipient = None
    if isinstance(recipient.get("identity"), str):
        hashed = recipient.get("hashed") is True or "$" in recipient["identity"]
        shown_recipient = f"hashed {recipient.get('type', 'email')}" if hashed else recipient["identity"]
    alignments = []
    for item in as_list(badge_class.get("alignment")):
        if isinstance(item, dict):
            alignments.append(
                {
                    k: str(item[k])
                    for k in ("targetName", "targetUrl", "targetDescription", "targetFramework", "targetCode")
                    if isinstance(item.get(k), str)
                }
            )
    evidence = []
    for item in as_list(assertion.get("evidence")):
        if isinstance(item, str):
            evidence.append({"id": item})
        elif isinstance(item, dict):
            evidence.append(
                {k: str(item[k]) for k in ("id", "name", "narrative", "description") if text_of(item.get(k))}
            )
    endorsements = [e for e in (node_id(x) for x in as_list(badge_class.get("endorsement"))) if e]
    return BadgeDisplay(
        name=text_of(badge_class.get("name")),
        description=text_of(badge_class.get("description")),
        image=node_id(assertion.get("image")) or node_id(badge_class.get("image")),
        criteria=criteria_text,
        criteria_url=criteria_url,
        issuer_name=text_of(issuer.get("name")),
        issuer_url=text_of(issuer.get("url")),
        issuer_id=node_id(issuer),
        recipient=shown_recipient,
        issued_on=shown_date(assertion.get("issuedOn")),
        expires=shown_date(assertion.get("expires")),
        alignments=alignments,
        evidence=evidence,
        endorsements=endorsements,
        revocation_reason=text_of(assertion.get("revocationReason")),
    )

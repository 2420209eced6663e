"""The earner's identities: the emails, URLs, telephone numbers and DIDs a badge may be issued to."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .errors import InvalidIdentity

__all__ = ["normalize_identity"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TELEPHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]+(?:[/?#].*)?$")


def normalize_identity(raw: str) -> tuple[str, str]:
    """Return ``(kind, value)`` for an identity, or raise ``InvalidIdentity`` with the accepted forms."""
    value = raw.strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    if _EMAIL.match(value) and "/" not in value:
        # Issuers hash the address as the earner gave it to them, which is almost always lower case.
        return "email", value.lower()
    if value.startswith("did:"):
        if _DID.match(value):
            return "did", value
        raise InvalidIdentity(f"{raw!r} is not a valid DID (expected did:<method>:<identifier>)")
    compact = re.sub(r"[\s().-]", "", value)
    if compact.lower().startswith("tel:"):
        compact = compact[4:]
    if _TELEPHONE.match(compact):
        return "telephone", compact
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc and not any(c.isspace() for c in value):
        return "url", value
    raise InvalidIdentity(
        f"{raw!r} is not an identity: give an email address, an http(s) URL, a telephone number in "
        "international form (+15551234567) or a DID"
    )

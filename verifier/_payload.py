"""Classification of a badge payload: the text found baked in an image, encoded in a QR code, or given directly.

A payload is one of: a URL (a hosted assertion or credential), a JSON object (OB 1.x/2.0 assertion, OB 3.0
credential) or a compact JWS (OB 2.0 signed assertion, OB 3.0 VC-JWT). Nothing here is verified: a JWS is split and
decoded only so that the caller can tell what it claims to be.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from ._errors import JSONTooDeep, MalformedInput, NoBadgeFound
from ._json import as_list, parse_json

__all__ = ["Payload", "PayloadKind", "BadgeVersion", "classify_payload", "openbadges_version"]

PayloadKind = Literal["url", "json", "jws"]
BadgeVersion = Literal["ob0", "ob1", "ob2", "ob3", "unknown"]
"""The family a payload belongs to: ``ob0`` is Open Badges 0.5, ``ob1`` 1.0 and 1.1, ``ob2`` 2.0, ``ob3`` 3.0."""

_VC_CONTEXTS = ("https://www.w3.org/2018/credentials/v1", "https://www.w3.org/ns/credentials/v2")
_VC_TYPES = {"VerifiableCredential", "OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}


@dataclass(frozen=True)
class Payload:
    """A classified payload. ``claims`` is the JSON object (for JSON) or the decoded, unverified JWS payload."""

    kind: PayloadKind
    text: str
    version: BadgeVersion
    claims: dict[str, Any] | None = None
    jws_header: dict[str, Any] | None = None
    problem: str | None = None
    """Set when the payload looks like JSON but does not parse: the text is kept so a verifier can report it."""
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", hashlib.sha256(self.text.encode("utf-8")).hexdigest())

    @property
    def badge_id(self) -> str | None:
        """The identifier the badge gives itself (assertion/credential id), or the URL of a hosted badge."""
        if self.kind == "url":
            return self.text
        claims = self.credential
        if not claims:
            return None
        for candidate in (claims.get("id"), (self.claims or {}).get("jti")):
            if isinstance(candidate, str) and candidate.strip():
                return candidate.strip()
        verify = claims.get("verify")
        if isinstance(verify, dict) and isinstance(url := verify.get("url"), str):
            return url
        uid = claims.get("uid")
        if isinstance(uid, str | int) and str(uid).strip():
            return f"uid:{uid}"
        return None

    @property
    def credential(self) -> dict[str, Any] | None:
        """The assertion or credential object: the JSON itself, or for a VC 1.1 JWT its ``vc`` claim."""
        if self.claims is None:
            return None
        if self.kind == "jws" and isinstance(vc := self.claims.get("vc"), dict):
            return vc
        return self.claims


def _b64url_decode(part: str) -> bytes:
    if not part or any(c not in _B64URL for c in part):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _try_jws(text: str) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """Header and claims of a compact JWS; None when it is no JWS. Raises ``JSONTooDeep``."""
    parts = text.split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:  # an empty signature is an unsecured JWS (alg none)
        return None
    try:
        header = parse_json(_b64url_decode(parts[0]))
    except JSONTooDeep as exc:
        raise JSONTooDeep(exc.limit, "the JWS header") from None
    except (ValueError, binascii.Error):
        return None
    if not isinstance(header, dict) or "alg" not in header:
        return None
    try:
        claims = parse_json(_b64url_decode(parts[1]))
    except JSONTooDeep as exc:
        raise JSONTooDeep(exc.limit, "the JWS payload") from None
    except (ValueError, binascii.Error):
        claims = None
    return header, claims if isinstance(claims, dict) else None


_WHITESPACE = re.compile(r"\s")
"""Any character ``str.isspace`` calls whitespace: on text, ``re``'s class of spaces is that same test, at C speed."""


def _is_url(text: str) -> bool:
    if _WHITESPACE.search(text):
        return False
    for prefix in ("http://", "https://"):
        if text.startswith(prefix) and text.isascii() and "[" not in text and "]" not in text:
            # What urlsplit would decide (an ASCII netloc, no IPv6 brackets to check), without splitting: a host
            # follows the "//" unless a path, query or fragment starts right there.
            return len(text) > len(prefix) and text[len(prefix)] not in "/?#"
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


_OB1_CONTEXT = "https://w3id.org/openbadges/v1"


def openbadges_version(obj: dict[str, Any]) -> Literal["0.5", "1.0", "1.1", "2.0"] | None:
    """The Open Badges version of an OB 0.5 to 2.0 assertion, badge class or issuer, told as the reference validator
    (1EdTech's openbadges-validator-core) tells it: the 1.1 or 2.0 context; without a context, 0.5 when the recipient
    is a plain string (an email or its hash), 1.0 otherwise. None for a document that is none of these."""
    context = obj.get("@context")
    contexts = [c for c in as_list(context) if isinstance(c, str)]
    if any(c.rstrip("/") == _OB1_CONTEXT for c in contexts):
        return "1.1"
    if any("openbadges" in c or "openbadgespec" in c for c in contexts):
        return "2.0"
    if context is not None:
        return None
    if isinstance(obj.get("recipient"), str):
        return "0.5"
    if isinstance(obj.get("verify"), dict) or "uid" in obj or isinstance(obj.get("recipient"), dict):
        return "1.0"
    return None


def detect_version(obj: dict[str, Any], *, hint: BadgeVersion = "unknown") -> BadgeVersion:
    contexts = [c for c in as_list(obj.get("@context")) if isinstance(c, str)]
    types = {t for t in as_list(obj.get("type")) if isinstance(t, str)}
    if types & _VC_TYPES or any(c in _VC_CONTEXTS for c in contexts) or "/ob/v3p0/" in " ".join(contexts):
        return "ob3"
    if "vc" in obj and isinstance(obj["vc"], dict):
        return "ob3"
    version = openbadges_version(obj)
    if version == "0.5":
        return "ob0"
    if version in ("1.0", "1.1"):
        return "ob1"
    if version == "2.0" or "Assertion" in types:
        return "ob2"
    return hint


def classify_payload(raw: str, *, hint: BadgeVersion = "unknown") -> Payload:
    """Classify one payload text. Raises ``NoBadgeFound`` when it is none of URL, JSON object or compact JWS, and
    ``JSONTooDeep`` (an ``InputTooLarge``) for JSON nested more deeply than any badge."""
    text = raw.strip().lstrip("\ufeff").strip()
    if not text:
        raise NoBadgeFound("the badge payload is empty")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        # Lone surrogates: what Python makes of undecodable bytes in a command line or a file name. No badge text
        # holds them (JSON, a JWS and a URL are UTF-8), and nothing after this point could even hash the text.
        raise MalformedInput(
            f"the badge text is not valid Unicode (a lone surrogate at position {exc.start})"
        ) from None
    if text.startswith("{"):
        try:
            obj = parse_json(text)
        except JSONTooDeep as exc:
            raise JSONTooDeep(exc.limit, "the badge JSON") from None
        except ValueError as exc:
            return Payload("json", text, hint, problem=f"the badge JSON does not parse: {exc}")
        if not isinstance(obj, dict):
            raise MalformedInput("the badge JSON is not an object")
        return Payload("json", text, detect_version(obj, hint=hint), claims=obj)
    if _is_url(text):
        return Payload("url", text, hint)
    jws = _try_jws(text)
    if jws is not None:
        header, claims = jws
        version = detect_version(claims, hint=hint) if claims is not None else hint
        problem = None if claims is not None else "the JWS payload is not a JSON object"
        return Payload("jws", text, version, claims=claims, jws_header=header, problem=problem)
    preview = text[:60] + ("…" if len(text) > 60 else "")
    raise NoBadgeFound(f"not an Open Badges payload (expected a URL, JSON or a JWS): {preview!r}")

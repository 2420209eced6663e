"""What a badge says about itself, read from its unverified payload, for listing before verification runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._json import as_object, shown_date
from ._payload import Payload

__all__ = ["BadgeSummary", "summarize"]


@dataclass(frozen=True)
class BadgeSummary:
    name: str | None = None
    description: str | None = None
    issuer_name: str | None = None
    issuer_id: str | None = None
    recipient: str | None = None
    issued_on: str | None = None
    expires: str | None = None
    image: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        # Every field is text or None: a plain dict of them is what asdict gives, without its deep copies.
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):  # language maps and `{"id": ...}` image objects
        for key in ("id", "@value", "en", "en-US"):
            if isinstance(text := value.get(key), str):
                return text
    return None


def _ob2_issuer(badge: Any) -> tuple[str | None, str | None]:
    if not isinstance(badge, dict):
        return None, None
    issuer = badge.get("issuer")
    if isinstance(issuer, dict):
        return _text(issuer.get("name")), _text(issuer.get("id")) or _text(issuer.get("url"))
    return None, _text(issuer)


def summarize(payload: Payload) -> BadgeSummary:
    """A best-effort summary. Hosted parts not embedded in the payload (badge class, issuer) stay ``None``."""
    if payload.kind == "url":
        return BadgeSummary()
    obj = payload.credential
    if not obj:
        return BadgeSummary()
    if payload.version == "ob3":
        subject = obj.get("credentialSubject")
        subject = subject[0] if isinstance(subject, list) and subject else subject
        subject = subject if isinstance(subject, dict) else {}
        achievement = as_object(subject.get("achievement"))
        issuer = obj.get("issuer")
        issuer_name, issuer_id = (
            (_text(issuer.get("name")), _text(issuer.get("id"))) if isinstance(issuer, dict) else (None, _text(issuer))
        )
        identifier = subject.get("identifier")
        first_identifier = identifier[0] if isinstance(identifier, list) and identifier else identifier
        recipient = _text(subject.get("id")) or (
            _text(first_identifier.get("identity")) if isinstance(first_identifier, dict) else None
        )
        return BadgeSummary(
            name=_text(achievement.get("name")) or _text(obj.get("name")),
            description=_text(achievement.get("description")) or _text(obj.get("description")),
            issuer_name=issuer_name,
            issuer_id=issuer_id,
            recipient=recipient,
            issued_on=_text(obj.get("validFrom")) or _text(obj.get("issuanceDate")) or _text(obj.get("awardedDate")),
            expires=_text(obj.get("validUntil")) or _text(obj.get("expirationDate")),
            image=_text(achievement.get("image")) or _text(obj.get("image")),
        )
    badge = obj.get("badge")
    issuer_name, issuer_id = _ob2_issuer(badge)
    recipient = obj.get("recipient")
    recipient_text = None
    if isinstance(recipient, dict):
        recipient_text = _text(recipient.get("identity"))
    elif isinstance(recipient, str):
        recipient_text = recipient
    badge_dict = badge if isinstance(badge, dict) else {}
    return BadgeSummary(
        name=_text(badge_dict.get("name")),
        description=_text(badge_dict.get("description")),
        issuer_name=issuer_name,
        issuer_id=issuer_id,
        recipient=recipient_text,
        # OB 0.5 wrote issued_on; 1.0 allowed Unix times.
        issued_on=shown_date(obj.get("issuedOn") if obj.get("issuedOn") is not None else obj.get("issued_on")),
        expires=shown_date(obj.get("expires")),
        image=_text(obj.get("image")) or _text(badge_dict.get("image")),
    )

"""Reading presentations: the credentials a Verifiable Presentation holds, and the backpack's portfolio format.

A **presentation** (VC Data Model 1.1 or 2.0) holds credentials in ``verifiableCredential``: JSON credentials with
their own proofs, or VC-JWTs wrapped as ``EnvelopedVerifiableCredential`` (``id: data:application/vc+jwt,<token>``).
``envelope_token`` reads such an envelope, inside a presentation or given on its own.

A **portfolio** (``BadgePortfolio``) is the backpack's own presentation, signed by its holder. Besides its OB 3.0
credentials it carries, in the ``portfolio`` JSON literal, the collection's name, order and planned steps and the OB 2.0
badges (a signed badge's JWS; a hosted badge's URL with a snapshot of its documents taken at export time). The whole
is covered by the holder's proof. Pure functions: verification is in ``_presentation``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote

from ._errors import ExtractionError
from ._json import as_list, as_object
from ._payload import Payload, classify_payload

__all__ = [
    "BUNDLE_CONTEXT",
    "BUNDLE_TYPE",
    "JWT_DATA_URL",
    "EnvelopeProblem",
    "MAX_ITEMS",
    "Item",
    "bundle_payloads",
    "envelope_kind",
    "envelope_token",
    "is_bundle",
    "is_portfolio",
    "is_presentation",
    "presentation_items",
]

BUNDLE_TYPE = "BadgePortfolio"
BUNDLE_CONTEXT: dict[str, Any] = {
    BUNDLE_TYPE: "urn:openbadges-backpack:BadgePortfolio",
    "portfolio": {"@id": "urn:openbadges-backpack:portfolio", "@type": "@json"},
}
JWT_DATA_URL = "data:application/vc+jwt,"
MAX_ITEMS = 500

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
Enveloped = Literal["credential", "presentation"]
_ENVELOPE_TYPES: dict[str, Enveloped] = {
    "EnvelopedVerifiableCredential": "credential",
    "EnvelopedVerifiablePresentation": "presentation",
}
_JWT_MEDIA_TYPES: dict[str, Enveloped | None] = {
    "application/vc+jwt": "credential",
    "application/vp+jwt": "presentation",
    "application/jwt": None,  # what the W3C test suites' own fixtures use: the JWT inside says which it is
}


class EnvelopeProblem(ValueError):
    """An envelope that cannot be opened. ``unsupported``: well formed, but of a media type this verifier does not
    read (SD-JWT, COSE), which says nothing against the credential inside."""

    def __init__(self, message: str, *, unsupported: bool = False) -> None:
        super().__init__(message)
        self.unsupported = unsupported


def envelope_kind(document: dict[str, Any]) -> Enveloped | None:
    """What an ``Enveloped…`` object claims to hold, or None when it is no envelope."""
    return next((kind for name, kind in _ENVELOPE_TYPES.items() if name in as_list(document.get("type"))), None)


def envelope_token(document: dict[str, Any], kind: Enveloped) -> tuple[str, str]:
    """The media type and the compact JWT of an envelope (VC Data Model 2.0 4.13.2): the VC 2.0 context first, and
    an ``id`` that is a ``data:`` URL (RFC 2397) of a JWT. Raises ``EnvelopeProblem``."""
    what = f"an Enveloped{'VerifiableCredential' if kind == 'credential' else 'VerifiablePresentation'}"
    contexts = as_list(document.get("@context"))
    if not contexts or contexts[0] != VC2_CONTEXT:
        raise EnvelopeProblem(f"{what} must have the @context {VC2_CONTEXT} first")
    identifier = document.get("id")
    if not isinstance(identifier, str) or not identifier.startswith("data:") or "," not in identifier:
        shown = f"{identifier[:40]}…" if isinstance(identifier, str) else "no id"
        raise EnvelopeProblem(f"the id of {what} must be a data: URL (RFC 2397), not {shown}")
    header, _, data = identifier[len("data:") :].partition(",")
    media, *parameters = [part.strip().lower() for part in header.split(";")]
    if media not in _JWT_MEDIA_TYPES:
        raise EnvelopeProblem(
            f"{what} of media type {media or 'text/plain'} is not supported (supported: {', '.join(_JWT_MEDIA_TYPES)})",
            unsupported=True,
        )
    holds = _JWT_MEDIA_TYPES[media]
    if holds is not None and holds != kind:
        raise EnvelopeProblem(f"{what} holds a {holds} ({media})")
    if "base64" in parameters:
        try:
            return media, base64.b64decode(data, validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise EnvelopeProblem(f"the data: URL of {what} is not valid base64") from exc
    return media, unquote(data)


@dataclass(frozen=True)
class Item:
    """One credential or badge inside a presentation, as it will be verified."""

    label: str
    payload: Payload | None
    """None when the entry cannot be read at all (``problem`` says why)."""
    snapshot: dict[str, Any] | None = None
    """A portfolio's snapshot of a hosted OB 2.0 badge's documents at export time (shown, never trusted)."""
    problem: str | None = None
    unsupported: bool = False
    """The entry is well formed but of a kind this verifier does not read (an SD-JWT, a COSE envelope): unverifiable,
    never a forgery."""


def is_presentation(document: dict[str, Any]) -> bool:
    return "VerifiablePresentation" in as_list(document.get("type"))


def is_portfolio(document: dict[str, Any]) -> bool:
    return is_presentation(document) and BUNDLE_TYPE in as_list(document.get("type"))


is_bundle = is_presentation
"""Any presentation: the importer takes the badges out of any of them, not only the backpack's own."""


def _credential_item(credential: Any) -> Item:
    if not isinstance(credential, dict):
        return Item("unreadable entry", None, problem="a verifiableCredential entry is not an object")
    identifier = credential.get("id")
    if envelope_kind(credential) == "credential":
        try:
            _media, token = envelope_token(credential, "credential")
        except EnvelopeProblem as exc:
            why = "an enveloped credential that is not a VC-JWT" if exc.unsupported else "a malformed envelope"
            return Item("enveloped credential", None, problem=f"{why}: {exc}", unsupported=exc.unsupported)
        try:
            return Item("VC-JWT", classify_payload(token, hint="ob3"))
        except ExtractionError as exc:
            return Item("enveloped credential", None, problem=f"the enveloped VC-JWT is unreadable: {exc}")
    return Item(str(identifier or "credential"), classify_payload(json.dumps(credential), hint="ob3"))


def presentation_items(document: dict[str, Any]) -> list[Item]:
    """Every credential (and, for a portfolio, every OB 2.0 badge) the presentation holds, in its order."""
    found = [_credential_item(credential) for credential in as_list(document.get("verifiableCredential"))]
    portfolio = as_object(document.get("portfolio")) if is_portfolio(document) else {}
    for badge in as_list(portfolio.get("openBadges2")):
        if not isinstance(badge, dict):
            continue
        if badge.get("kind") == "signed" and isinstance(badge.get("jws"), str):
            try:
                found.append(Item("OB 2.0 signed badge", classify_payload(badge["jws"])))
            except ExtractionError as exc:
                found.append(Item("OB 2.0 signed badge", None, problem=f"unreadable: {exc}"))
        elif badge.get("kind") == "hosted" and isinstance(badge.get("url"), str):
            found.append(Item(badge["url"], classify_payload(badge["url"]), as_object(badge.get("snapshot"))))
    # The portfolio's own order (a learning path's steps): each entry names its credential or assertion.
    order = [e.get("credential") or e.get("assertion") for e in as_list(portfolio.get("order")) if isinstance(e, dict)]
    rank = {key: index for index, key in enumerate(order) if isinstance(key, str)}

    def position(item: Item) -> int:
        return rank.get((item.payload.badge_id if item.payload else None) or "", len(rank))

    return sorted(found, key=position)[:MAX_ITEMS]


def bundle_payloads(document: dict[str, Any]) -> list[Payload]:
    """The badges inside a presentation, as payloads to store: credentials as issued, a hosted badge as its
    snapshot's assertion when there is one (its id is the hosted URL, so it is the same badge), else its URL."""
    payloads = []
    for item in presentation_items(document):
        if item.payload is None:
            continue
        assertion = (item.snapshot or {}).get("assertion")
        if isinstance(assertion, dict) and assertion.get("id") == item.payload.text:
            payloads.append(classify_payload(json.dumps(assertion)))
        else:
            payloads.append(item.payload)
    return payloads

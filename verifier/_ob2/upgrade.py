"""Open Badges 0.5, 1.0 and 1.1 documents read as OB 2.0 documents, so that one verifier checks them all.

The rules are the facts of the reference validator's object-upgrade step (1EdTech's openbadges-validator-core) and of
the 1.0 specification, applied in memory to copies; the originals are never changed:

* 0.5 assertions embed their badge class and issuer. ``issued_on`` becomes ``issuedOn``; the recipient (an email or
  its ``sha256$`` hash, salted by a top-level ``salt``) becomes an IdentityObject; the issuer's ``origin`` becomes its
  ``url``, ``contact`` its ``email`` and ``org`` joins its ``name``; the badge's relative image, criteria and evidence
  paths are read against the issuer's origin (as Mozilla's validator did). 0.5 badges were always hosted.
* 1.0 documents have no ``@context``: a node takes as ``id`` the URL it was fetched from; an assertion without one
  takes its ``verify.url`` (hosted) or ``uid:<uid>`` (signed). ``verify`` becomes ``verification``: hosted stays
  hosted; for a signed badge ``verify.url`` is the issuer's public key, which becomes the ``creator``.
* 1.0 and 1.1: a Unix time or a bare day in ``issuedOn``/``expires`` becomes an ISO date-time; alignment ``url``,
  ``name``, ``description`` become ``targetUrl``, ``targetName``, ``targetDescription``; ``IssuerOrg`` is ``Issuer``.
* A 1.0 revocation list is an object mapping each revoked ``uid`` to its reason.
"""

from __future__ import annotations

import copy
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from .._json import as_list, as_object, iso_datetime, text_of
from .._payload import openbadges_version

__all__ = [
    "LegacyVersion",
    "OB2_CONTEXT",
    "hosted_url",
    "issuer_origin",
    "legacy_version",
    "node_version",
    "upgrade_assertion",
    "upgrade_badge_class",
    "upgrade_issuer",
    "upgrade_revocation_list",
    "verification_kind",
]

LegacyVersion = Literal["0.5", "1.0", "1.1"]
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
_OB1_CONTEXT = "https://w3id.org/openbadges/v1"

VerificationKind = Literal["hosted", "signed", "other", "missing"]
_STANDARD_SPELLINGS = {"hosted": "hosted", "HostedBadge": "hosted", "signed": "signed", "SignedBadge": "signed"}


def legacy_version(assertion: dict[str, Any]) -> LegacyVersion | None:
    """The version of an OB 0.5, 1.0 or 1.1 assertion; None for OB 2.0 and anything else."""
    version = openbadges_version(assertion)
    return version if version in ("0.5", "1.0", "1.1") else None


def node_version(node: dict[str, Any]) -> LegacyVersion | None:
    """The version of a fetched badge class or issuer: 1.1 by its context, 1.0 without any context."""
    contexts = [c for c in as_list(node.get("@context")) if isinstance(c, str)]
    if any(c.rstrip("/") == _OB1_CONTEXT for c in contexts):
        return "1.1"
    return "1.0" if "@context" not in node else None


def verification_kind(assertion: dict[str, Any]) -> tuple[VerificationKind, str | None, bool]:
    """How the assertion says it is verified: the kind, the type as written, and whether that spelling is standard.

    ``hosted``/``HostedBadge`` and ``signed``/``SignedBadge`` are the spec's; another capitalisation
    (``signedBadge``) names the same kind, not in the standard spelling; anything else (``MerkleProof2017``, …) is
    ``other``.
    """
    verification = assertion.get("verification")
    if verification is None:
        verification = assertion.get("verify")
    types = [t for t in as_list(as_object(verification).get("type")) if isinstance(t, str)]
    if not types:
        return "missing", None, False
    for written in types:
        if written in _STANDARD_SPELLINGS:
            return _STANDARD_SPELLINGS[written], written, True  # type: ignore[return-value]
    for written in types:
        loose = written.lower().removesuffix("badge")
        if loose in ("hosted", "signed"):
            return loose, written, False  # type: ignore[return-value]
    shown = next((t for t in types if t != "Extension"), types[0])
    return "other", shown, False


def hosted_url(assertion: dict[str, Any], version: LegacyVersion | None) -> str | None:
    """Where a hosted assertion is verified: 1.0's ``verify.url``, else its ``id``; None for 0.5 (no URL inside)."""
    verify = as_object(assertion.get("verify") or assertion.get("verification"))
    candidates = [assertion.get("id"), verify.get("url")]
    if version == "1.0":
        candidates.reverse()
    if version == "0.5":
        candidates = []
    return next((c.strip() for c in candidates if isinstance(c, str) and c.strip()), None)


def issuer_origin(issuer: dict[str, Any]) -> str | None:
    """The origin (``https://host[:port]``) of a 0.5 issuer, from its ``origin`` (or upgraded ``url``)."""
    value = text_of(issuer.get("origin")) or text_of(issuer.get("url"))
    if value is None:
        return None
    parts = urlsplit(value if "://" in value else f"https://{value}")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def _absolute(value: Any, origin: str | None) -> Any:
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and origin:
        return urljoin(origin + "/", value)
    return value


def _date(value: Any) -> Any:
    upgraded = iso_datetime(value)
    return upgraded if upgraded is not None else value


def _alignments(value: Any) -> Any:
    if value is None:
        return None
    items = []
    for item in as_list(value):
        if isinstance(item, dict):
            item = dict(item)
            for old, new in (("url", "targetUrl"), ("name", "targetName"), ("description", "targetDescription")):
                if item.get(old) and not item.get(new):
                    item[new] = item.pop(old)
        items.append(item)
    return items


def upgrade_issuer(issuer: dict[str, Any], version: LegacyVersion, *, located_at: str | None = None) -> dict[str, Any]:
    """An OB 2.0 Issuer from a 0.5 embedded issuer or a 1.x issuer organization."""
    data = copy.deepcopy(issuer)
    data["@context"] = OB2_CONTEXT
    data["type"] = "Issuer"
    if version == "0.5":
        for old, new in (("contact", "email"), ("origin", "url")):
            if data.get(old) and not data.get(new):
                data[new] = data.pop(old)
        if isinstance(data.get("url"), str) and "://" not in data["url"]:
            data["url"] = issuer_origin(data) or data["url"]
        if text_of(data.get("name")) and text_of(data.get("org")):
            data["name"] = f"{data['name']}: {data.pop('org')}"
    if not data.get("id") and located_at:
        data["id"] = located_at
    return data


def upgrade_badge_class(
    badge_class: dict[str, Any], version: LegacyVersion, *, located_at: str | None = None
) -> dict[str, Any]:
    """An OB 2.0 BadgeClass from a 0.5 embedded badge or a 1.x badge class (its issuer upgraded when embedded)."""
    data = copy.deepcopy(badge_class)
    data["@context"] = OB2_CONTEXT
    data["type"] = "BadgeClass"
    if not data.get("id") and located_at:
        data["id"] = located_at
    if (alignment := _alignments(data.get("alignment"))) is not None:
        data["alignment"] = alignment
    issuer = data.get("issuer")
    if isinstance(issuer, dict):
        origin = issuer_origin(issuer) if version == "0.5" else None
        data["issuer"] = upgrade_issuer(issuer, version)
        for name in ("image", "criteria"):
            data[name] = _absolute(data.get(name), origin)
    return data


def upgrade_assertion(
    assertion: dict[str, Any], version: LegacyVersion, *, located_at: str | None = None
) -> dict[str, Any]:
    """An OB 2.0 Assertion from an OB 0.5, 1.0 or 1.1 one. ``located_at``: the URL it was fetched from, if any."""
    data = copy.deepcopy(assertion)
    data["@context"] = OB2_CONTEXT
    data["type"] = "Assertion"
    verify = as_object(data.pop("verify", None) or data.get("verification"))
    if version == "0.5":
        if data.get("issued_on") is not None and data.get("issuedOn") is None:
            data["issuedOn"] = data.pop("issued_on")
        recipient = data.get("recipient")
        if isinstance(recipient, str):
            identity: dict[str, Any] = {"identity": recipient, "type": "email", "hashed": "@" not in recipient}
            if isinstance(data.get("salt"), str):
                identity["salt"] = data.pop("salt")
            data["recipient"] = identity
        data["verification"] = {"type": "HostedBadge"}
        if not data.get("id") and located_at:
            data["id"] = located_at
        badge = data.get("badge")
        if isinstance(badge, dict):
            origin = issuer_origin(as_object(badge.get("issuer")))
            data["badge"] = upgrade_badge_class(badge, version)
            data["evidence"] = _absolute(data.get("evidence"), origin)
            if data["evidence"] is None:
                del data["evidence"]
    else:
        kind, _written, _standard = verification_kind({"verification": verify})
        if kind == "hosted":
            data["verification"] = {"type": "HostedBadge"}
        elif kind == "signed":
            data["verification"] = {"type": "SignedBadge"}
            if isinstance(verify.get("url"), str):
                data["verification"]["creator"] = verify["url"]  # 1.x: verify.url is the issuer's public key
        elif verify:
            data["verification"] = verify
        if not data.get("id"):
            if located_at:
                data["id"] = located_at
            elif kind == "hosted" and isinstance(verify.get("url"), str):
                data["id"] = verify["url"]
            elif kind == "signed" and isinstance(data.get("uid"), str | int):
                data["id"] = f"uid:{data['uid']}"
    for name in ("issuedOn", "expires"):
        if data.get(name) is not None:
            data[name] = _date(data[name])
    return data


def upgrade_revocation_list(document: dict[str, Any]) -> dict[str, Any]:
    """A 1.0 revocation list (``{uid: reason}``) as an OB 2.0 RevocationList; a 2.0 list as it is."""
    if "revokedAssertions" in document or "@context" in document:
        return document
    entries = [
        {"uid": uid, **({"revocationReason": reason} if isinstance(reason, str) else {})}
        for uid, reason in document.items()
    ]
    return {"type": "RevocationList", "revokedAssertions": entries}

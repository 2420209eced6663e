"""Documents that are no Open Badge but arrive where badges do: recognised, named for what they are, unverifiable.

A European Digital Credential (Europass, the European Learning Model: a W3C VC with the ``edc-ap`` context, sealed
with JAdES, or an older XML credential sealed with XAdES) and a Blockcerts certificate (an OB 2.0 assertion or a VC
anchored in a blockchain by a Merkle proof) are real credentials that the backpack cannot check yet. Read as an
Open Badge they would fail checks that do not apply to them and look forged: they are reported as what they are,
with an ``error`` (unverifiable), and what they say about themselves is shown, unverified.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from ._json import as_list, as_object, node_id, parse_json
from ._payload import Payload
from ._report import BadgeDisplay

__all__ = ["Foreign", "recognise", "recognise_text"]

_EDC_MARKERS = ("data.europa.eu/snb", "europass")
_EDC_TYPES = {"EuropeanDigitalCredential", "EuropassCredential", "EuropeanDigitalCredentialForLearning"}
_BLOCKCERTS_PROOFS = {"MerkleProof2017", "MerkleProof2019", "ChainpointSecp256k1"}
_XML_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class Foreign:
    format: str
    """The report's ``format``: ``edc``, ``blockcerts`` or ``jades``."""
    message: str
    """One sentence naming the document, for the ``format`` check."""
    display: BadgeDisplay


EDC_MESSAGE = "a Europass European Digital Credential: not supported yet"
BLOCKCERTS_MESSAGE = "a Blockcerts certificate (anchored in a blockchain): not supported yet"
JADES_MESSAGE = "a document sealed as a JWS JSON serialization (JAdES): not supported yet"


def _texts(value: Any) -> str | None:
    """A string, or the English (else the first) text of a language map ``{"en": "…"}`` or ``{"@value": …}``."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, list):
        return next((t for t in (_texts(v) for v in value) if t), None)
    if isinstance(value, dict):
        for key in ("en", "@value", "content"):
            if (text := _texts(value.get(key))) is not None:
                return text
        return next((t for t in (_texts(v) for k, v in value.items() if k not in ("id", "type")) if t), None)
    return None


def _is_edc(obj: dict[str, Any]) -> bool:
    contexts = " ".join(c for c in as_list(obj.get("@context")) if isinstance(c, str)).lower()
    types = {t for t in as_list(obj.get("type")) if isinstance(t, str)}
    return bool(types & _EDC_TYPES) or any(marker in contexts for marker in _EDC_MARKERS)


def _is_blockcerts(obj: dict[str, Any]) -> bool:
    contexts = " ".join(c for c in as_list(obj.get("@context")) if isinstance(c, str)).lower()
    types = {t for t in as_list(obj.get("type")) if isinstance(t, str)}
    proofs = {
        t
        for holder in ("signature", "proof")
        for proof in as_list(obj.get(holder))
        for t in as_list(as_object(proof).get("type"))
        if isinstance(t, str)
    }
    return "w3id.org/blockcerts" in contexts or "BlockcertsCredential" in types or bool(proofs & _BLOCKCERTS_PROOFS)


def _edc_display(obj: dict[str, Any]) -> BadgeDisplay:
    subject = as_object(next(iter(as_list(obj.get("credentialSubject"))), None))
    claim = as_object(next(iter(as_list(subject.get("hasClaim"))), None))
    issuer = obj.get("issuer")
    return BadgeDisplay(
        name=_texts(as_object(obj.get("displayParameter")).get("title")) or _texts(claim.get("title")),
        issuer_name=_texts(as_object(issuer).get("legalName")) or _texts(as_object(issuer).get("name")),
        issuer_id=node_id(issuer),
        issued_on=_texts(obj.get("issued")) or _texts(obj.get("issuanceDate")) or _texts(obj.get("validFrom")),
    )


def _blockcerts_display(obj: dict[str, Any]) -> BadgeDisplay:
    badge = as_object(obj.get("badge"))
    issuer = badge.get("issuer") if badge else obj.get("issuer")
    return BadgeDisplay(
        name=_texts(badge.get("name")) or _texts(obj.get("name")),
        description=_texts(badge.get("description")) or _texts(obj.get("description")),
        issuer_name=_texts(as_object(issuer).get("name")),
        issuer_id=node_id(issuer),
        issued_on=_texts(obj.get("issuedOn")) or _texts(obj.get("issuanceDate")) or _texts(obj.get("validFrom")),
    )


def _sealed_payload(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The document inside a JWS JSON serialization (``{"payload": …, "signatures": […]}``), as JAdES seals it."""
    payload = obj.get("payload")
    if not isinstance(payload, str) or not isinstance(obj.get("signatures") or obj.get("signature"), list | str):
        return None
    text = payload.strip()
    if not text.startswith("{"):
        try:
            text = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8")
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
    try:
        inner = parse_json(text)
    except ValueError:
        return None
    return inner if isinstance(inner, dict) else None


def _recognise_object(obj: dict[str, Any]) -> Foreign | None:
    if _is_edc(obj):
        return Foreign("edc", EDC_MESSAGE, _edc_display(obj))
    if _is_blockcerts(obj):
        return Foreign("blockcerts", BLOCKCERTS_MESSAGE, _blockcerts_display(obj))
    inner = _sealed_payload(obj)
    if inner is not None:
        found = _recognise_object(inner)
        if found is not None:
            return found
        return Foreign("jades", JADES_MESSAGE, BadgeDisplay())
    return None


def recognise(payload: Payload) -> Foreign | None:
    """What a JSON or JWS payload is when it is no Open Badge and no presentation the backpack verifies."""
    obj = payload.credential
    if payload.kind == "url" or obj is None:
        return None
    return _recognise_object(obj)


def recognise_text(text: str) -> Foreign | None:
    """An input that holds no badge payload at all, recognised by its text: a European Digital Credential in XML."""
    head = text[:_XML_SNIFF_BYTES].lstrip("\ufeff \t\r\n")
    if head.startswith("<") and any(marker in head.lower() for marker in _EDC_MARKERS):
        return Foreign("edc", EDC_MESSAGE, BadgeDisplay())
    return None

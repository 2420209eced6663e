"""Recognising what an issuer hands out instead of a file: an offer link, an interaction URL, a request link."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

__all__ = ["LinkKind", "ReceiveLink", "recognise"]

LinkKind = Literal["oid4vci", "interaction", "protocols", "dcc-request"]

_OFFER_SCHEMES = ("openid-credential-offer", "haip", "openid-vc")
_DCC_SCHEMES = ("dccrequest", "org.dcconsortium")


@dataclass(frozen=True)
class ReceiveLink:
    """A link the receiving package can redeem.

    ``oid4vci``: an OpenID4VCI credential offer (``text`` is the link); ``interaction``: a VCALM interaction URL
    (``text`` is its https URL); ``protocols``: a request carrying a ``protocols`` map (``protocols``);
    ``dcc-request``: the legacy DCC request (``params``: ``vc_request_url``, ``challenge``…)."""

    kind: LinkKind
    text: str
    protocols: dict[str, str] | None = None
    params: dict[str, str] | None = None


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def _protocols(request: str) -> dict[str, str] | None:
    try:
        value: Any = json.loads(request)
    except ValueError:
        return None
    protocols = value.get("protocols") if isinstance(value, dict) else None
    if not isinstance(protocols, dict):
        return None
    found = {k: v for k, v in protocols.items() if isinstance(k, str) and isinstance(v, str)}
    return found or None


def recognise(text: str) -> ReceiveLink | None:
    """The link in ``text`` (a whole source: a pasted link, a QR code's text), or None when it is none of ours."""
    text = text.strip()
    if not text or any(c.isspace() for c in text):
        return None
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    if scheme in _OFFER_SCHEMES:
        return ReceiveLink("oid4vci", text)
    if scheme == "interaction":
        url = text.split(":", 1)[1]
        return ReceiveLink("interaction", url) if url.startswith(("https://", "http://")) else None
    if scheme not in (*_DCC_SCHEMES, "https", "http"):
        return None
    query = _query(text)
    if scheme in ("https", "http"):
        if "credential_offer" in query or "credential_offer_uri" in query:
            return ReceiveLink("oid4vci", text)
        if query.get("iuv") == "1":
            return ReceiveLink("interaction", text)
    if "request" in query:
        protocols = _protocols(query["request"])
        if protocols is not None:
            return ReceiveLink("protocols", text, protocols=protocols)
    if "vc_request_url" in query:
        return ReceiveLink("dcc-request", text, params=query)
    return None

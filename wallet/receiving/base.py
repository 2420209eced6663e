"""What every protocol module shares: the options of one redemption, what it yields, and its errors."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from verifier import FetchPolicy

from ..errors import SourceError
from ..holder import Holder

__all__ = [
    "CLIENT_ID",
    "Received",
    "ReceiveError",
    "ReceiveOptions",
    "Session",
    "TxCodeRequest",
    "b64url",
    "credentials_in_presentation",
]

CLIENT_ID = "openbadges-backpack"
"""The OAuth client id the backpack announces: the software's name, the same for every learner."""


class ReceiveError(SourceError):
    """An offer or request that could not be redeemed: the message says why, in one sentence."""

    code = "receive_failed"


@dataclass(frozen=True)
class TxCodeRequest:
    """What an issuer says about the transaction code (PIN) it sent the learner by another channel."""

    issuer: str
    length: int | None = None
    input_mode: str = "numeric"
    description: str | None = None
    attempt: int = 1


@dataclass(frozen=True)
class ReceiveOptions:
    """How to redeem: the fetch policy (the destination guard), and how to talk to the learner.

    ``ask_tx_code`` is asked for a PIN the offer requires and ``tx_code`` does not give (None: give up);
    ``open_browser`` opens the issuer's login page for the authorization code grant (None: that grant is refused);
    ``max_deferred_wait`` bounds the polling of a deferred issuance, in seconds."""

    policy: FetchPolicy
    tx_code: str | None = None
    ask_tx_code: Callable[[TxCodeRequest], str | None] | None = None
    open_browser: Callable[[str], object] | None = None
    login_timeout: float = 300.0
    max_deferred_wait: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    transport: httpx.BaseTransport | None = None


@dataclass(frozen=True)
class Received:
    """One credential an issuer handed over (``credential``: a JWT or a JSON object), or why one was not."""

    label: str
    """What it was offered as: a credential configuration id, or the exchange's URL."""
    credential: str | dict[str, Any] | None = None
    error: str | None = None
    notification_id: str | None = None


@dataclass
class Session:
    """One redemption: the learner's holder key, the options, and the guarded client (``wallet.receiving.http``)."""

    holder: Holder
    options: ReceiveOptions
    client: Any  # IssuerClient; Any keeps this module free of the HTTP client's import
    notes: list[str] = field(default_factory=list)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def credentials_in_presentation(value: Any) -> list[str | dict[str, Any]]:
    """The credentials a presentation (or a bare credential) carries: objects, JWTs, and enveloped credentials'
    JWTs (``data:application/vc+jwt,…``)."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, dict):
        return []
    types = value.get("type")
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    if "VerifiablePresentation" not in types and "verifiableCredential" not in value:
        return [value] if value else []
    items = value.get("verifiableCredential", [])
    found: list[str | dict[str, Any]] = []
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, dict) and item.get("type") == "EnvelopedVerifiableCredential":
            identifier = str(item.get("id", ""))
            if identifier.startswith("data:") and "," in identifier:
                found.append(identifier.split(",", 1)[1])
                continue
        if isinstance(item, dict | str) and item:
            found.append(item)
    return found

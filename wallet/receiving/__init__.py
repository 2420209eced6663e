"""Receiving badges the way issuers hand them out now: redeeming an offer or a request instead of reading a file.

One module per protocol — ``openid4vci`` (OpenID for Verifiable Credential Issuance), ``vcapi_exchange`` (VC-API
exchanges, DIDAuth, the DCC request links) — over one guarded HTTP client (``http``) and one link recogniser
(``links``). This package only talks to issuers: what it receives goes through :func:`redeem`'s ``accept``
callback, where the importer verifies each credential before storing it (``wallet.importer``).
"""

from __future__ import annotations

from collections.abc import Callable

from ..holder import Holder
from . import openid4vci, vcapi_exchange
from .base import Received, ReceiveError, ReceiveOptions, Session, TxCodeRequest
from .http import IssuerClient
from .links import ReceiveLink, recognise

__all__ = ["Received", "ReceiveError", "ReceiveLink", "ReceiveOptions", "TxCodeRequest", "recognise", "redeem"]


def redeem(link: ReceiveLink, holder: Holder, options: ReceiveOptions, accept: Callable[[Received], bool]) -> int:
    """Redeem ``link`` as ``holder``: every credential received (or refused on the way) goes to ``accept``, which
    says whether it was kept. Returns how many were handed to ``accept``.

    Raises ``ReceiveError`` (or the verifier's ``FetchError``) when the link cannot be redeemed at all."""
    with IssuerClient(options.policy, transport=options.transport) as client:
        session = Session(holder, options, client)
        offer_link: str | None = link.text if link.kind == "oid4vci" else None
        if offer_link is None:
            followed = vcapi_exchange.follow(session, link)
            if isinstance(followed, str):
                offer_link = followed
            else:
                for received in followed:
                    accept(received)
                return len(followed)
        received_list, redemption = openid4vci.receive_offer(session, offer_link)
        for received in received_list:
            kept = accept(received)
            if received.notification_id is not None:
                redemption.notify(received.notification_id, kept)
        return len(received_list)

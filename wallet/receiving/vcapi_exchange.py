"""VC-API exchanges (VCALM) and the Digital Credentials Consortium's request links, the wallet's side.

Three entry points, as the Learner Credential Wallet accepts them:

* an **interaction URL** (``interaction:https://…``, or an https URL with ``iuv=1``): fetched for its ``protocols``
  map, then ``vcapi`` is followed, or ``OID4VCI`` when that is the one offered;
* a **request link** (``dccrequest://request?request={…}``) carrying the ``protocols`` map itself;
* the **legacy DCC request** (``…?vc_request_url=…&challenge=…``): one holder-signed presentation POSTed there.

An exchange is a short conversation: the wallet POSTs ``{}``, the exchange answers a presentation request; the only
request the backpack answers is DID authentication, with a presentation holding no credential, signed by the holder's
did:key (``authentication``, with the request's challenge and domain). The exchange then answers the credentials.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from verifier.signing import sign_eddsa_rdfc_2022

from .base import Received, ReceiveError, Session, credentials_in_presentation
from .http import Answer
from .links import ReceiveLink

__all__ = ["answer_did_auth", "did_auth_presentation", "exchange", "legacy_request", "protocols_of_interaction"]

_VC2 = "https://www.w3.org/ns/credentials/v2"
_DID_AUTH = {"DIDAuthentication", "DIDAuth"}
_MAX_ROUNDS = 10


def did_auth_presentation(session: Session, *, challenge: str | None, domain: str | None) -> dict[str, Any]:
    """A presentation with no credential, proving control of the holder's did:key for one challenge and domain."""
    holder = session.holder
    presentation = {"@context": [_VC2], "type": ["VerifiablePresentation"], "holder": holder.did}
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return sign_eddsa_rdfc_2022(
        presentation,
        holder.key,
        holder.verification_method,
        created=created,
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )


def _failure(answer: Answer, what: str) -> ReceiveError:
    body = answer.json_object()
    message = body.get("message") or body.get("error_description") or body.get("error")
    detail = f": {message}" if isinstance(message, str) and message else ""
    return ReceiveError(f"{what} answered {answer.status}{detail}")


def protocols_of_interaction(session: Session, url: str) -> dict[str, str]:
    """The ``protocols`` map an interaction URL answers (``iuv=1`` asks for it as JSON)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if ("iuv", "1") not in query:
        query.append(("iuv", "1"))
    answer = session.client.get(urlunsplit(parts._replace(query=urlencode(query))))
    if not answer.ok:
        raise _failure(answer, "the interaction URL")
    protocols = answer.json_object().get("protocols")
    if not isinstance(protocols, dict):
        raise ReceiveError("the interaction URL did not answer a protocols map")
    return {str(k): v for k, v in protocols.items() if isinstance(v, str)}


def answer_did_auth(session: Session, request: dict[str, Any]) -> dict[str, Any]:
    """The presentation answering a verifiable presentation request, when all it asks is DID authentication."""
    queries = request.get("query", [])
    queries = queries if isinstance(queries, list) else [queries]
    kinds = {str(q.get("type")) for q in queries if isinstance(q, dict)}
    if kinds - _DID_AUTH:
        asked = ", ".join(sorted(kinds - _DID_AUTH))
        raise ReceiveError(f"the issuer asks for more than DID authentication ({asked}), which the backpack answers")
    for query in queries:
        methods = query.get("acceptedMethods") if isinstance(query, dict) else None
        if isinstance(methods, list) and methods:
            names = {m.get("method") for m in methods if isinstance(m, dict)}
            if "key" not in names:
                raise ReceiveError(f"the issuer accepts only did:{', did:'.join(sorted(map(str, names)))} holders")
    challenge = request.get("challenge")
    domain = request.get("domain")
    return did_auth_presentation(
        session,
        challenge=challenge if isinstance(challenge, str) else None,
        domain=domain if isinstance(domain, str) else None,
    )


def _next_endpoint(request: dict[str, Any], current: str) -> str:
    interact = request.get("interact")
    services = interact.get("service") if isinstance(interact, dict) else None
    for service in services if isinstance(services, list) else []:
        if isinstance(service, dict) and isinstance(service.get("serviceEndpoint"), str):
            return str(service["serviceEndpoint"])
    return current


def exchange(session: Session, url: str) -> list[Received]:
    """Take part in a VC-API exchange until it hands over credentials."""
    body: dict[str, Any] = {}
    for _round in range(_MAX_ROUNDS):
        answer = session.client.post_json(url, body)
        if not answer.ok:
            raise _failure(answer, "the exchange")
        reply = answer.json_object()
        found = credentials_in_presentation(reply.get("verifiablePresentation"))
        if not found and isinstance(reply.get("verifiableCredential"), dict | list):
            found = credentials_in_presentation({"verifiableCredential": reply["verifiableCredential"]})
        if found:
            return [Received(url, credential=c) for c in found]
        request = reply.get("verifiablePresentationRequest")
        if isinstance(request, dict):
            body = {"verifiablePresentation": answer_did_auth(session, request)}
            url = _next_endpoint(request, url)
            session.client.check(url)
            continue
        if isinstance(reply.get("redirectUrl"), str):
            next_page = reply["redirectUrl"]
            raise ReceiveError(f"the exchange ended without a credential; the issuer says to go on at {next_page}")
        raise ReceiveError("the exchange answered neither a presentation request nor a credential")
    raise ReceiveError(f"the exchange did not finish in {_MAX_ROUNDS} rounds")


def legacy_request(session: Session, params: dict[str, str]) -> list[Received]:
    """The DCC request of the first Learner Credential Wallets: a DID-auth presentation POSTed to
    ``vc_request_url`` with the request's ``challenge``; the answer is the credential (or a presentation of it)."""
    url = params["vc_request_url"]
    auth_type = params.get("auth_type", "bearer")
    if auth_type != "bearer":
        raise ReceiveError(f"the request uses auth_type {auth_type!r}, which the backpack does not support")
    presentation = did_auth_presentation(session, challenge=params.get("challenge") or None, domain=None)
    answer = session.client.post_json(url, presentation)
    if not answer.ok:
        raise _failure(answer, "the issuer")
    found = credentials_in_presentation(answer.json())
    if not found:
        raise ReceiveError("the issuer's answer holds no credential")
    return [Received(url, credential=c) for c in found]


def follow(session: Session, link: ReceiveLink) -> list[Received] | str:
    """The credentials a VC-API link yields, or the OpenID4VCI offer link it points to (a string)."""
    if link.kind == "dcc-request":
        return legacy_request(session, link.params or {})
    protocols = link.protocols if link.kind == "protocols" else protocols_of_interaction(session, link.text)
    protocols = protocols or {}
    if "vcapi" in protocols:
        return exchange(session, protocols["vcapi"])
    if "OID4VCI" in protocols:
        return protocols["OID4VCI"]
    offered = ", ".join(sorted(protocols)) or "nothing"
    raise ReceiveError(f"the request offers {offered}; the backpack receives through vcapi or OID4VCI")

"""OpenID for Verifiable Credential Issuance 1.0, the wallet's side (with the drafts issuers still run, 11 to 15).

An offer (by value, or by reference: ``credential_offer_uri``) names an issuer and credential configurations; the
issuer's metadata (``/.well-known/openid-credential-issuer``) and its authorization server's metadata give the
endpoints. The backpack redeems the **pre-authorized code** (with the learner's transaction code when the offer asks
for one) or, when the offer asks for a login, the **authorization code** with PKCE through the learner's browser and
a loopback redirect. Each credential request carries a key proof: a JWT signed by the holder's did:key
(``kid``), or carrying its public JWK when the issuer lists no DID method. A deferred issuance is polled for a while.

What the issuer learns: the holder's did:key (in the key proof), and the client id ``openbadges-backpack``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import OKPKey

from verifier import FetchError

from .base import CLIENT_ID, Received, ReceiveError, Session, TxCodeRequest, b64url
from .http import Answer

__all__ = ["PRE_AUTHORIZED", "issuer_metadata", "key_proof", "parse_offer", "receive_offer", "well_known_url"]

PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
_PROOF_TYPE = "openid4vci-proof+jwt"
_MAX_PIN_ATTEMPTS = 3


def _query(link: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def _error_of(answer: Answer) -> str:
    body = answer.json_object()
    error = body.get("error")
    if isinstance(error, str):
        description = body.get("error_description")
        return f"{error}: {description}" if isinstance(description, str) and description else error
    return f"HTTP {answer.status}"


def parse_offer(session: Session, link: str) -> dict[str, Any]:
    """The credential offer object of an offer link: inline (``credential_offer``) or fetched
    (``credential_offer_uri``)."""
    query = _query(link)
    if "credential_offer" in query:
        try:
            offer: Any = json.loads(query["credential_offer"])
        except ValueError as exc:
            raise ReceiveError("the credential offer in the link is not valid JSON") from exc
    elif "credential_offer_uri" in query:
        answer = session.client.get(query["credential_offer_uri"])
        if answer.status in (404, 410):
            raise ReceiveError("the offer is no longer available: it expired or was used already")
        if not answer.ok:
            raise ReceiveError(f"the issuer did not give the offer ({_error_of(answer)})")
        offer = answer.json()
    else:
        raise ReceiveError("the offer link has neither credential_offer nor credential_offer_uri")
    if not isinstance(offer, dict) or not isinstance(offer.get("credential_issuer"), str):
        raise ReceiveError("the credential offer names no credential issuer")
    ids = offer.get("credential_configuration_ids", offer.get("credentials"))  # `credentials`: drafts up to 12
    if not isinstance(ids, list) or not ids:
        raise ReceiveError("the credential offer lists no credential")
    offer["credential_configuration_ids"] = ids
    return offer


def well_known_url(identifier: str, name: str) -> str:
    """RFC 8414's rule, which OpenID4VCI 1.0 follows: the well-known segment between the host and the path."""
    parts = urlsplit(identifier)
    return f"{parts.scheme}://{parts.netloc}/.well-known/{name}{parts.path.rstrip('/')}"


def _get_json(session: Session, url: str) -> dict[str, Any] | None:
    try:
        answer = session.client.get(url)
    except FetchError as exc:
        if "timed out" in str(exc) or "larger than" in str(exc) or "refused" in str(exc):
            raise
        return None
    body = answer.json()
    return body if answer.ok and isinstance(body, dict) else None


def issuer_metadata(session: Session, issuer: str) -> dict[str, Any]:
    candidates = [well_known_url(issuer, "openid-credential-issuer")]
    appended = issuer.rstrip("/") + "/.well-known/openid-credential-issuer"  # drafts: appended to the path
    if appended not in candidates:
        candidates.append(appended)
    for url in candidates:
        metadata = _get_json(session, url)
        if metadata is None:
            continue
        if str(metadata.get("credential_issuer", "")).rstrip("/") != issuer.rstrip("/"):
            raise ReceiveError(f"the issuer's metadata names another issuer ({metadata.get('credential_issuer')})")
        if not isinstance(metadata.get("credential_endpoint"), str):
            raise ReceiveError("the issuer's metadata has no credential endpoint")
        return metadata
    raise ReceiveError(f"the issuer publishes no OpenID4VCI metadata ({candidates[0]})")


def _authorization_server(session: Session, metadata: dict[str, Any], issuer: str, grant: dict[str, Any]) -> dict:
    servers = metadata.get("authorization_servers")
    if not isinstance(servers, list) or not servers:
        single = metadata.get("authorization_server")  # drafts up to 12
        servers = [single] if isinstance(single, str) else [issuer]
    hint = grant.get("authorization_server")
    if isinstance(hint, str):
        if hint not in servers:
            raise ReceiveError("the offer names an authorization server the issuer's metadata does not list")
        servers = [hint]
    for server in servers:
        for url in (
            well_known_url(server, "oauth-authorization-server"),
            server.rstrip("/") + "/.well-known/openid-configuration",
            well_known_url(server, "openid-configuration"),
        ):
            found = _get_json(session, url)
            if found is not None and isinstance(found.get("token_endpoint"), str):
                return found
    if isinstance(metadata.get("token_endpoint"), str):  # drafts up to 11 listed it with the issuer
        return {"token_endpoint": metadata["token_endpoint"]}
    raise ReceiveError("the issuer's authorization server publishes no metadata with a token endpoint")


def _check_token(answer: Answer, *, pin_sent: bool) -> dict[str, Any]:
    if not answer.ok:
        error = _error_of(answer)
        if error.startswith("invalid_grant"):
            if pin_sent:
                raise _WrongPin(f"the issuer refused the PIN, or the offer expired or was used already ({error})")
            raise ReceiveError(f"the offer expired or was used already ({error})")
        raise ReceiveError(f"the issuer refused to give an access token ({error})")
    token = answer.json_object()
    if not isinstance(token.get("access_token"), str):
        raise ReceiveError("the issuer's token response has no access token")
    token_type = str(token.get("token_type", "Bearer"))
    if token_type.lower() != "bearer":
        raise ReceiveError(f"the issuer requires {token_type} access tokens, which the backpack does not support")
    return token


class _WrongPin(ReceiveError):
    pass


def _pin(session: Session, issuer: str, spec: Any, attempt: int) -> str:
    if attempt == 1 and session.options.tx_code is not None:
        return session.options.tx_code
    ask = session.options.ask_tx_code
    if ask is None:
        raise ReceiveError("the offer needs a PIN (transaction code) from the issuer: give it with --tx-code")
    spec = spec if isinstance(spec, dict) else {}
    length = spec.get("length")
    request = TxCodeRequest(
        issuer=issuer,
        length=length if isinstance(length, int) else None,
        input_mode=str(spec.get("input_mode", "numeric")),
        description=str(spec["description"])[:300] if isinstance(spec.get("description"), str) else None,
        attempt=attempt,
    )
    answer = ask(request)
    if not answer:
        raise ReceiveError("no PIN given: the offer was not redeemed")
    return answer


def _pre_authorized_token(
    session: Session, server: dict[str, Any], grant: dict[str, Any], issuer: str
) -> dict[str, Any]:
    code = grant.get("pre-authorized_code")
    if not isinstance(code, str):
        raise ReceiveError("the offer's pre-authorized grant has no code")
    needs_pin = "tx_code" in grant or grant.get("user_pin_required") is True
    for attempt in range(1, _MAX_PIN_ATTEMPTS + 1):
        form = {"grant_type": PRE_AUTHORIZED, "pre-authorized_code": code}
        if needs_pin:
            form["tx_code" if "tx_code" in grant else "user_pin"] = _pin(session, issuer, grant.get("tx_code"), attempt)
        answer = session.client.post_form(server["token_endpoint"], form)
        try:
            return _check_token(answer, pin_sent=needs_pin)
        except _WrongPin:
            # Only a PIN typed by the learner is worth asking again; a scripted one (--tx-code) was simply wrong.
            scripted = attempt == 1 and session.options.tx_code is not None
            if scripted or session.options.ask_tx_code is None or attempt == _MAX_PIN_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


# -- the authorization code grant: PKCE, the learner's browser, a loopback redirect --------------------------------


class _Redirect(BaseHTTPRequestHandler):
    server: _RedirectServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != "/callback":
            self.send_error(404)
            return
        self.server.result = {key: values[0] for key, values in parse_qs(parts.query).items()}
        page = b"<!doctype html><title>Backpack</title><p>Done: you can close this window and go back to the backpack."
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)
        self.server.done.set()


class _RedirectServer(HTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Redirect)
        self.result: dict[str, str] = {}
        self.done = threading.Event()

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/callback"


def _authorization_code_token(
    session: Session,
    server: dict[str, Any],
    grant: dict[str, Any],
    issuer: str,
    metadata: dict[str, Any],
    config_ids: list[str],
) -> dict[str, Any]:
    open_browser = session.options.open_browser
    endpoint = server.get("authorization_endpoint")
    if open_browser is None:
        raise ReceiveError("this issuer needs you to log in, in a browser: run the import in a terminal")
    if not isinstance(endpoint, str):
        raise ReceiveError("the issuer's authorization server has no authorization endpoint")
    session.client.check(endpoint)
    verifier = secrets.token_urlsafe(48)
    state = secrets.token_urlsafe(16)
    configurations = metadata.get("credential_configurations_supported", {})
    details: list[dict[str, Any]] = []
    scopes: list[str] = []
    for config_id in config_ids:
        detail: dict[str, Any] = {"type": "openid_credential", "credential_configuration_id": config_id}
        if metadata.get("authorization_servers"):
            detail["locations"] = [issuer]
        details.append(detail)
        config = configurations.get(config_id) if isinstance(configurations, dict) else None
        if isinstance(config, dict) and isinstance(config.get("scope"), str):
            scopes.append(config["scope"])
    with _RedirectServer() as redirect:
        thread = threading.Thread(target=redirect.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        try:
            params = {
                "response_type": "code",
                "client_id": CLIENT_ID,
                "redirect_uri": redirect.redirect_uri,
                "code_challenge": b64url(hashlib.sha256(verifier.encode("ascii")).digest()),
                "code_challenge_method": "S256",
                "state": state,
                "authorization_details": json.dumps(details),
            }
            if scopes:
                params["scope"] = " ".join(dict.fromkeys(scopes))
            if isinstance(grant.get("issuer_state"), str):
                params["issuer_state"] = grant["issuer_state"]
            pushed = server.get("pushed_authorization_request_endpoint")
            if isinstance(pushed, str):
                answer = session.client.post_form(pushed, params)
                request_uri = answer.json_object().get("request_uri")
                if not answer.ok or not isinstance(request_uri, str):
                    raise ReceiveError(f"the issuer refused the authorization request ({_error_of(answer)})")
                params = {"client_id": CLIENT_ID, "request_uri": request_uri}
            separator = "&" if urlsplit(endpoint).query else "?"
            open_browser(f"{endpoint}{separator}{urlencode(params)}")
            if not redirect.done.wait(session.options.login_timeout):
                raise ReceiveError("the login in the browser did not come back in time")
        finally:
            redirect.shutdown()
            thread.join(timeout=5)
        result = redirect.result
        if result.get("state") != state:
            raise ReceiveError("the login came back for another request (state mismatch): ignored")
        if "error" in result:
            raise ReceiveError(f"the issuer refused the login ({result['error']})")
        code = result.get("code")
        if not code:
            raise ReceiveError("the login came back without an authorization code")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect.redirect_uri,
            "code_verifier": verifier,
            "client_id": CLIENT_ID,
        }
    return _check_token(session.client.post_form(server["token_endpoint"], form), pin_sent=False)


# -- key proofs and credential requests ----------------------------------------------------------------------------


def key_proof(session: Session, *, audience: str, nonce: str | None, config: dict[str, Any]) -> str:
    """The holder's proof of possession: a JWT (``openid4vci-proof+jwt``) over the issuer and its nonce."""
    proof_types = config.get("proof_types_supported")
    jwt_type = proof_types.get("jwt") if isinstance(proof_types, dict) else None
    algorithms = jwt_type.get("proof_signing_alg_values_supported") if isinstance(jwt_type, dict) else None
    if isinstance(proof_types, dict) and proof_types and jwt_type is None:
        raise ReceiveError(f"the issuer wants key proofs of type {', '.join(proof_types)}; the backpack signs JWTs")
    algorithm = "EdDSA"
    if isinstance(algorithms, list) and algorithms and "EdDSA" not in algorithms:
        if "Ed25519" not in algorithms:  # RFC 9864's name for the same signatures
            raise ReceiveError(
                f"the issuer accepts key proofs signed with {', '.join(map(str, algorithms))} only;"
                " the backpack's key is Ed25519 (EdDSA)"
            )
        algorithm = "Ed25519"
    key = OKPKey.import_key(session.holder.key)
    header: dict[str, Any] = {"alg": algorithm, "typ": _PROOF_TYPE}
    methods = config.get("cryptographic_binding_methods_supported")
    methods = [str(m) for m in methods] if isinstance(methods, list) else []
    if methods and not any(m.startswith("did") for m in methods) and "jwk" in methods:
        header["jwk"] = key.as_dict(private=False)
    else:
        header["kid"] = session.holder.verification_method
    claims: dict[str, Any] = {"aud": audience, "iat": int(time.time())}
    if nonce:
        claims["nonce"] = nonce
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc flags the name "EdDSA" as deprecated (RFC 9864); issuers ask for it
        return jwt.encode(header, claims, key, algorithms=[algorithm])


def _fresh_nonce(session: Session, metadata: dict[str, Any]) -> str | None:
    endpoint = metadata.get("nonce_endpoint")
    if not isinstance(endpoint, str):
        return None
    answer = session.client.post_empty(endpoint)
    nonce = answer.json_object().get("c_nonce")
    if not answer.ok or not isinstance(nonce, str):
        raise ReceiveError(f"the issuer's nonce endpoint gave no nonce ({_error_of(answer)})")
    return nonce


def _credentials_of(body: dict[str, Any]) -> list[str | dict[str, Any]]:
    items = body.get("credentials")
    if isinstance(items, list):
        found: list[str | dict[str, Any]] = []
        for item in items:
            value = item.get("credential") if isinstance(item, dict) and "credential" in item else item
            if isinstance(value, str | dict) and value:
                found.append(value)
        return found
    single = body.get("credential")  # drafts up to 14
    return [single] if isinstance(single, str | dict) and single else []


class _Offer:
    """One redemption in progress: the issuer, its metadata, the access token and the latest nonce."""

    def __init__(self, session: Session, issuer: str, metadata: dict[str, Any], token: dict[str, Any]) -> None:
        self.session = session
        self.issuer = issuer
        self.metadata = metadata
        self.token = token
        self.nonce: str | None = token.get("c_nonce") if isinstance(token.get("c_nonce"), str) else None
        # OpenID4VCI 1.0 has a nonce endpoint and `proofs`; the drafts up to 13 had `c_nonce` in the token
        # response and a single `proof` with the format named.
        self.legacy = "nonce_endpoint" not in metadata and self.nonce is not None

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token['access_token']}"}

    def _body(self, config_id: str, identifier: str | None, config: dict[str, Any], legacy: bool) -> dict:
        proof = key_proof(self.session, audience=self.issuer, nonce=self.nonce, config=config)
        body: dict[str, Any] = {}
        if identifier is not None:
            body["credential_identifier"] = identifier
        if legacy:
            if identifier is None:
                body["format"] = config.get("format")
                for name in ("credential_definition", "vct", "doctype"):
                    if name in config:
                        body[name] = config[name]
            body["proof"] = {"proof_type": "jwt", "jwt": proof}
        else:
            if identifier is None:
                body["credential_configuration_id"] = config_id
            body["proofs"] = {"jwt": [proof]}
        return body

    def request(self, config_id: str, identifier: str | None) -> list[Received]:
        configurations = self.metadata.get("credential_configurations_supported")
        config = configurations.get(config_id) if isinstance(configurations, dict) else None
        if not isinstance(config, dict):
            return [Received(config_id, error="the issuer's metadata does not describe this credential")]
        if self.nonce is None or not self.legacy:
            self.nonce = _fresh_nonce(self.session, self.metadata) or self.nonce
        legacy = self.legacy
        endpoint = self.metadata["credential_endpoint"]
        body = self._body(config_id, identifier, config, legacy)
        answer = self.session.client.post_json(endpoint, body, headers=self.auth)
        for _retry in range(2):
            if answer.ok:
                break
            body = answer.json_object()
            error = body.get("error")
            if error in ("invalid_nonce", "invalid_proof") and (
                isinstance(body.get("c_nonce"), str) or "nonce_endpoint" in self.metadata
            ):
                self.nonce = (
                    body["c_nonce"]
                    if isinstance(body.get("c_nonce"), str)
                    else _fresh_nonce(self.session, self.metadata)
                )
            elif error in ("invalid_credential_request", "invalid_request", "unsupported_credential_format"):
                legacy = not legacy  # the other generation of the request: some issuers still speak draft 13
            else:
                break
            answer = self.session.client.post_json(
                endpoint, self._body(config_id, identifier, config, legacy), headers=self.auth
            )
        if not answer.ok:
            return [Received(config_id, error=f"the issuer refused to issue it ({_error_of(answer)})")]
        body = answer.json_object()
        if isinstance(body.get("c_nonce"), str):
            self.nonce = body["c_nonce"]
        if isinstance(body.get("transaction_id"), str) and not _credentials_of(body):
            return self._deferred(config_id, body)
        return self._received(config_id, body)

    def _received(self, config_id: str, body: dict[str, Any]) -> list[Received]:
        found = _credentials_of(body)
        if not found:
            return [Received(config_id, error="the issuer's answer holds no credential")]
        notification = body.get("notification_id") if isinstance(body.get("notification_id"), str) else None
        return [Received(config_id, credential=c, notification_id=notification) for c in found]

    def _deferred(self, config_id: str, body: dict[str, Any]) -> list[Received]:
        endpoint = self.metadata.get("deferred_credential_endpoint")
        if not isinstance(endpoint, str):
            return [Received(config_id, error="the issuer deferred the issuance but has no deferred endpoint")]
        transaction = body["transaction_id"]
        options = self.session.options
        waited = 0.0
        interval = body.get("interval", 5)
        while True:
            interval = float(interval) if isinstance(interval, int | float) and interval > 0 else 5.0
            if waited + interval > options.max_deferred_wait:
                return [
                    Received(
                        config_id,
                        error=f"the issuer has not issued it yet (deferred issuance, transaction {transaction}):"
                        " try the offer again later",
                    )
                ]
            options.sleep(interval)
            waited += interval
            answer = self.session.client.post_json(endpoint, {"transaction_id": transaction}, headers=self.auth)
            reply = answer.json_object()
            if answer.ok and _credentials_of(reply):
                return self._received(config_id, reply)
            if answer.status == 202 or reply.get("error") == "issuance_pending":  # 202: 1.0; the error: drafts
                interval = reply.get("interval", interval)
                continue
            return [Received(config_id, error=f"the deferred issuance failed ({_error_of(answer)})")]

    def notify(self, notification_id: str, accepted: bool) -> None:
        """Tell the issuer whether the credential was kept (1.0's notification endpoint), when it asks to know."""
        endpoint = self.metadata.get("notification_endpoint")
        if not isinstance(endpoint, str):
            return
        event = "credential_accepted" if accepted else "credential_failure"
        try:
            self.session.client.post_json(
                endpoint, {"notification_id": notification_id, "event": event}, headers=self.auth
            )
        except FetchError:
            pass  # a courtesy to the issuer: the badge is stored (or not) whatever it answers


def receive_offer(session: Session, link: str) -> tuple[list[Received], _Offer]:
    """Redeem an OpenID4VCI offer link: every credential it offers, received or with the reason it was not."""
    offer = parse_offer(session, link)
    issuer: str = offer["credential_issuer"]
    session.client.check(issuer)
    metadata = issuer_metadata(session, issuer)
    found_grants = offer.get("grants")
    grants: dict[str, Any] = found_grants if isinstance(found_grants, dict) else {}
    offered = offer["credential_configuration_ids"]
    config_ids = [str(c.get("id", "")) if isinstance(c, dict) else str(c) for c in offered]
    grant: dict[str, Any]
    if PRE_AUTHORIZED in grants:
        grant = grants[PRE_AUTHORIZED] if isinstance(grants[PRE_AUTHORIZED], dict) else {}
        server = _authorization_server(session, metadata, issuer, grant)
        token = _pre_authorized_token(session, server, grant, issuer)
    else:
        code_grant = grants.get("authorization_code")
        grant = code_grant if isinstance(code_grant, dict) else {}
        server = _authorization_server(session, metadata, issuer, grant)
        token = _authorization_code_token(session, server, grant, issuer, metadata, config_ids)
    redemption = _Offer(session, issuer, metadata, token)
    identifiers: dict[str, list[str]] = {}
    details = token.get("authorization_details")
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and isinstance(detail.get("credential_identifiers"), list):
            config_id = str(detail.get("credential_configuration_id", ""))
            identifiers.setdefault(config_id, []).extend(str(i) for i in detail["credential_identifiers"])
    received: list[Received] = []
    for config_id in config_ids:
        targets: list[str | None] = [*identifiers.get(config_id, [])] or [None]
        for identifier in targets:
            try:
                received += redemption.request(config_id, identifier)
            except ReceiveError as exc:
                received.append(Received(config_id, error=str(exc)))
    return received, redemption

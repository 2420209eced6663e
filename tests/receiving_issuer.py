"""A small credential issuer on 127.0.0.1 for the receiving tests, written from the specs: OpenID4VCI 1.0 (offers by
value and by reference, issuer and authorization server metadata, pre-authorized code with and without a
transaction code, authorization code with PKCE, nonce endpoint, JWT key proofs checked against the holder's did:key,
deferred issuance, notifications) and a VC-API exchange (interaction URL, DIDAuth presentation request whose
eddsa-rdfc-2022 proof is checked here, credentials in a presentation), and the legacy DCC request.

Credentials are OB 3.0 OpenBadgeCredentials made and signed by ``ob3_issuer.OB3Issuer`` (a did:key issuer), as
Data Integrity (``ldp_vc``) or VC-JWT (``jwt_vc_json``, ``jwt_vc_json-ld``). ``Behaviour`` makes it misbehave.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask, Response, jsonify, redirect, request
from ob3_issuer import VC2, OB3Issuer, b58decode, ed25519_key, hash_data
from werkzeug.serving import make_server

__all__ = ["Behaviour", "LoopbackIssuer", "did_key_public"]

PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OB3_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SOMEONE_ELSE = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def did_key_public(did_url: str) -> Ed25519PublicKey:
    """The Ed25519 key of a did:key (``did:key:z6Mk…`` or its verification method): multibase z, base58btc,
    multicodec 0xed 0x01, 32 bytes."""
    multikey = did_url.split("#", 1)[0].removeprefix("did:key:")
    raw = b58decode(multikey[1:])
    assert multikey.startswith("z") and raw[:2] == b"\xed\x01", did_url
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Behaviour:
    """How the issuer misbehaves, for one test."""

    deferred_polls: int = 0
    """Answer 202 with a transaction id, then 202 this many times more before issuing."""
    deferred_interval: int = 1
    other_holder: bool = False
    """Issue the credential to someone else's DID."""
    tamper: bool = False
    """Change the credential's name after signing it."""
    huge_offer: int = 0
    """Serve offers by reference padded to this many bytes."""
    slow_offer: float = 0.0
    redirect_offer_to: str | None = None
    redirect_token: bool = False
    """Answer the token POST with a redirect (a client must not follow it)."""
    nonce_endpoint: bool = True


@dataclass
class _Offer:
    config_ids: list[str]
    tx_code: str | None
    expires: float
    used: bool = False


@dataclass
class LoopbackIssuer:
    behaviour: Behaviour = field(default_factory=Behaviour)
    signer: OB3Issuer = field(default_factory=lambda: OB3Issuer.did_key(ed25519_key("receiving-issuer")))

    def __post_init__(self) -> None:
        self.offers: dict[str, _Offer] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, list[str]] = {}
        self.nonces: set[str] = set()
        self.transactions: dict[str, dict[str, Any]] = {}
        self.exchanges: dict[str, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []
        self.proof_headers: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.app = self._app()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackIssuer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    # Offers ---------------------------------------------------------------------------------------------------------

    def offer(
        self,
        *config_ids: str,
        tx_code: str | None = None,
        by_reference: bool = False,
        lifetime: float = 300.0,
        grant: str = "pre-authorized",
    ) -> str:
        """An ``openid-credential-offer://`` link (pre-authorized code, or ``grant="authorization_code"``)."""
        code = secrets.token_urlsafe(12)
        self.offers[code] = _Offer(list(config_ids or ("OpenBadge_ldp",)), tx_code, time.time() + lifetime)
        if grant == "pre-authorized":
            details: dict[str, Any] = {"pre-authorized_code": code}
            if tx_code is not None:
                details["tx_code"] = {"length": len(tx_code), "input_mode": "numeric", "description": "Sent by email"}
            grants = {PRE_AUTHORIZED: details}
        else:
            grants = {"authorization_code": {"issuer_state": code}}
        body = {
            "credential_issuer": self.base_url,
            "credential_configuration_ids": list(config_ids or ("OpenBadge_ldp",)),
            "grants": grants,
        }
        if by_reference:
            self.exchanges[f"offer:{code}"] = body
            return "openid-credential-offer://?" + urlencode({"credential_offer_uri": f"{self.base_url}/offers/{code}"})
        return "openid-credential-offer://?credential_offer=" + quote(json.dumps(body))

    def interaction(self, *, protocols: tuple[str, ...] = ("vcapi",)) -> str:
        """An interaction URL (``https://…?iuv=1`` here over http) whose protocols map lists ``protocols``."""
        exchange_id = secrets.token_urlsafe(8)
        self.exchanges[exchange_id] = {"challenge": secrets.token_urlsafe(12), "state": "pending"}
        if "OID4VCI" in protocols:
            self.exchanges[exchange_id]["OID4VCI"] = self.offer("OpenBadge_jwt")
        self.exchanges[exchange_id]["protocols"] = protocols
        return f"{self.base_url}/interactions/{exchange_id}?iuv=1"

    def dcc_request(self) -> str:
        challenge = secrets.token_urlsafe(12)
        self.exchanges[f"dcc:{challenge}"] = {"challenge": challenge}
        query = urlencode(
            {"issuer": self.signer.id, "vc_request_url": f"{self.base_url}/dcc/request", "challenge": challenge}
        )
        return f"dccrequest://request?{query}"

    # Credentials ----------------------------------------------------------------------------------------------------

    def credential(self, config_id: str, holder_did: str) -> str | dict[str, Any]:
        subject = SOMEONE_ELSE if self.behaviour.other_holder else holder_did
        document = self.signer.credential(secrets.token_hex(4), subject_id=subject)
        if config_id == "OpenBadge_ldp":
            signed = self.signer.sign(document)
            if self.behaviour.tamper:
                signed["name"] = "Rocket Science Badge"
            return signed
        token = self.signer.jwt(document)
        if self.behaviour.tamper:
            header, payload, signature = token.split(".")
            claims = json.loads(_b64decode(payload))
            claims["name"] = "Rocket Science Badge"
            forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
            token = f"{header}.{forged}.{signature}"
        return token

    def metadata(self) -> dict[str, Any]:
        proof_types = {"jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}}
        definition = {"@context": [VC2, OB3_CONTEXT], "type": OB3_TYPES}

        def configuration(fmt: str) -> dict[str, Any]:
            return {
                "format": fmt,
                "scope": "OpenBadgeCredential",
                "cryptographic_binding_methods_supported": ["did:key"],
                "credential_signing_alg_values_supported": ["EdDSA"],
                "proof_types_supported": proof_types,
                "credential_definition": definition,
            }

        metadata = {
            "credential_issuer": self.base_url,
            "credential_endpoint": f"{self.base_url}/credential",
            "deferred_credential_endpoint": f"{self.base_url}/deferred",
            "notification_endpoint": f"{self.base_url}/notification",
            "credential_configurations_supported": {
                "OpenBadge_ldp": configuration("ldp_vc"),
                "OpenBadge_jwt": configuration("jwt_vc_json"),
                "OpenBadge_jwt_ld": configuration("jwt_vc_json-ld"),
            },
        }
        if self.behaviour.nonce_endpoint:
            metadata["nonce_endpoint"] = f"{self.base_url}/nonce"
        return metadata

    def _check_proof(self, token: str) -> str:
        """The holder DID a key proof names, after checking its type, signature, audience and nonce."""
        header_part, payload_part, signature = token.split(".")
        header = json.loads(_b64decode(header_part))
        claims = json.loads(_b64decode(payload_part))
        self.proof_headers.append(header)
        assert header["typ"] == "openid4vci-proof+jwt" and header["alg"] == "EdDSA", header
        did_key_public(header["kid"]).verify(_b64decode(signature), f"{header_part}.{payload_part}".encode())
        assert claims["aud"] == self.base_url, claims
        if self.behaviour.nonce_endpoint:
            if claims.get("nonce") not in self.nonces:
                raise _Refusal("invalid_nonce")
            self.nonces.discard(claims["nonce"])
        return str(header["kid"]).split("#", 1)[0]

    def check_presentation(self, presentation: dict[str, Any], challenge: str, domain: str | None) -> str:
        """The holder of a DIDAuth presentation, after checking its eddsa-rdfc-2022 proof, challenge and domain."""
        proof = presentation["proof"]
        assert proof["proofPurpose"] == "authentication" and proof["challenge"] == challenge, proof
        assert proof.get("domain") == domain, proof
        public = did_key_public(proof["verificationMethod"])
        public.verify(b58decode(proof["proofValue"][1:]), hash_data(presentation, proof))
        assert proof["verificationMethod"].split("#")[0] == presentation["holder"]
        return str(presentation["holder"])

    # The web application ------------------------------------------------------------------------------------------

    def _app(self) -> Flask:  # noqa: C901 - one route table, read top to bottom
        app = Flask(__name__)

        @app.before_request
        def log() -> None:
            self.requests.append((request.method, request.path))

        @app.errorhandler(_Refusal)
        def refused(error: _Refusal) -> tuple[Response, int]:
            return jsonify(error=error.code), error.status

        @app.errorhandler(InvalidSignature)
        def bad_signature(_error: Exception) -> tuple[Response, int]:
            return jsonify(error="invalid_proof"), 400

        @app.get("/.well-known/openid-credential-issuer")
        def issuer_metadata() -> Response:
            return jsonify(self.metadata())

        @app.get("/.well-known/oauth-authorization-server")
        def server_metadata() -> Response:
            return jsonify(
                issuer=self.base_url,
                token_endpoint=f"{self.base_url}/token",
                authorization_endpoint=f"{self.base_url}/authorize",
                response_types_supported=["code"],
                code_challenge_methods_supported=["S256"],
                **{"pre-authorized_grant_anonymous_access_supported": True},
            )

        @app.get("/offers/<code>")
        def offer_by_reference(code: str) -> Any:
            behaviour = self.behaviour
            if behaviour.slow_offer:
                time.sleep(behaviour.slow_offer)
            if behaviour.redirect_offer_to:
                return redirect(behaviour.redirect_offer_to, 302)
            offer = self.offers.get(code)
            if offer is None or offer.expires < time.time():
                return jsonify(error="not_found"), 404
            body = self.exchanges[f"offer:{code}"]
            if behaviour.huge_offer:
                body = {**body, "padding": "x" * behaviour.huge_offer}
            return jsonify(body)

        @app.get("/authorize")
        def authorize() -> Any:
            # The learner is taken to be logged in already: the code goes straight back to the wallet.
            args = request.args
            assert args["response_type"] == "code" and args["code_challenge_method"] == "S256", dict(args)
            offer_code = args["issuer_state"]
            code = secrets.token_urlsafe(12)
            self.codes[code] = {
                "challenge": args["code_challenge"],
                "redirect_uri": args["redirect_uri"],
                "config_ids": self.offers[offer_code].config_ids,
            }
            return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args['state']})}", 302)

        @app.post("/token")
        def token() -> Any:
            if self.behaviour.redirect_token:
                return redirect("http://10.0.0.1/token", 307)
            form = request.form
            if form.get("grant_type") == PRE_AUTHORIZED:
                offer = self.offers.get(form.get("pre-authorized_code", ""))
                if offer is None or offer.used or offer.expires < time.time():
                    raise _Refusal("invalid_grant")
                if offer.tx_code is not None and "tx_code" not in form:
                    raise _Refusal("invalid_request")
                if offer.tx_code is not None and form["tx_code"] != offer.tx_code:
                    raise _Refusal("invalid_grant")
                offer.used = True
                config_ids = offer.config_ids
            elif form.get("grant_type") == "authorization_code":
                grant = self.codes.pop(form.get("code", ""), None)
                if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                    raise _Refusal("invalid_grant")
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                    raise _Refusal("invalid_grant")
                config_ids = grant["config_ids"]
            else:
                raise _Refusal("unsupported_grant_type")
            access = secrets.token_urlsafe(16)
            self.tokens[access] = config_ids
            return jsonify(access_token=access, token_type="Bearer", expires_in=300)

        @app.post("/nonce")
        def nonce() -> Response:
            value = secrets.token_urlsafe(12)
            self.nonces.add(value)
            response = jsonify(c_nonce=value)
            response.headers["Cache-Control"] = "no-store"
            return response

        def authorised() -> list[str]:
            header = request.headers.get("Authorization", "")
            config_ids = self.tokens.get(header.removeprefix("Bearer "))
            if config_ids is None:
                raise _Refusal("invalid_token", 401)
            return config_ids

        @app.post("/credential")
        def credential() -> Any:
            allowed = authorised()
            body = request.get_json()
            config_id = body.get("credential_configuration_id")
            if config_id not in allowed:
                raise _Refusal("unknown_credential_configuration")
            holder_did = self._check_proof(body["proofs"]["jwt"][0])
            if self.behaviour.deferred_polls:
                transaction = secrets.token_urlsafe(8)
                self.transactions[transaction] = {
                    "left": self.behaviour.deferred_polls,
                    "credential": self.credential(config_id, holder_did),
                }
                return jsonify(transaction_id=transaction, interval=self.behaviour.deferred_interval), 202
            notification = secrets.token_urlsafe(6)
            issued = [{"credential": self.credential(config_id, holder_did)}]
            return jsonify(credentials=issued, notification_id=notification)

        @app.post("/deferred")
        def deferred() -> Any:
            authorised()
            transaction = self.transactions.get(request.get_json().get("transaction_id"))
            if transaction is None:
                raise _Refusal("invalid_transaction_id")
            transaction["left"] -= 1
            if transaction["left"] > 0:
                return jsonify(transaction_id=request.get_json()["transaction_id"], interval=1), 202
            return jsonify(credentials=[{"credential": transaction["credential"]}])

        @app.post("/notification")
        def notification() -> Any:
            authorised()
            self.notifications.append(request.get_json())
            return "", 204

        @app.get("/interactions/<exchange_id>")
        def interaction(exchange_id: str) -> Any:
            exchange = self.exchanges[exchange_id]
            protocols = {}
            if "vcapi" in exchange["protocols"]:
                protocols["vcapi"] = f"{self.base_url}/exchanges/{exchange_id}"
            if "OID4VCI" in exchange["protocols"]:
                protocols["OID4VCI"] = exchange["OID4VCI"]
            return jsonify(protocols=protocols)

        @app.post("/exchanges/<exchange_id>")
        def exchange_start(exchange_id: str) -> Any:
            exchange = self.exchanges[exchange_id]
            return jsonify(
                verifiablePresentationRequest={
                    "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}],
                    "challenge": exchange["challenge"],
                    "domain": self.base_url,
                    "interact": {
                        "service": [
                            {
                                "type": "VerifiableCredentialApiExchangeService",
                                "serviceEndpoint": f"{self.base_url}/exchanges/{exchange_id}/presentation",
                            }
                        ]
                    },
                }
            )

        @app.post("/exchanges/<exchange_id>/presentation")
        def exchange_finish(exchange_id: str) -> Any:
            exchange = self.exchanges[exchange_id]
            holder_did = self.check_presentation(
                request.get_json()["verifiablePresentation"], exchange["challenge"], self.base_url
            )
            exchange["state"] = "complete"
            issued = [self.credential("OpenBadge_ldp", holder_did)]
            presentation = {"@context": [VC2], "type": ["VerifiablePresentation"], "verifiableCredential": issued}
            return jsonify(verifiablePresentation=presentation)

        @app.post("/dcc/request")
        def dcc_request() -> Any:
            presentation = request.get_json()
            challenge = presentation["proof"]["challenge"]
            if f"dcc:{challenge}" not in self.exchanges:
                raise _Refusal("invalid_request")
            holder_did = self.check_presentation(presentation, challenge, None)
            return jsonify(self.credential("OpenBadge_ldp", holder_did))

        return app


class _Refusal(Exception):
    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.status = status

"""A real, local Open Badges 2.0 issuer for tests: an HTTP server on 127.0.0.1 and a builder that publishes documents.

``IssuerServer`` is a ``ThreadingHTTPServer`` on an ephemeral loopback port, run in a daemon thread. It serves the
routes of a dict that tests may change at any time (``server.routes[path] = Route(...)``); unknown paths answer 404.
It records every request (thread-safe) so that tests can count fetches.

``IssuerFixture`` generates an RSA key (with ``cryptography``) and publishes, on one server, an issuer Profile, its
CryptographicKey, BadgeClasses, hosted assertions, signed assertions (compact JWS built by hand with
``cryptography``, independently of the JOSE library the verifier uses) and a RevocationList.

Also here: helpers to bake a payload into a PNG or SVG and to photograph a QR code of a URL.
Nothing here touches the network beyond 127.0.0.1, and nothing reads outside ``tests/``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import socket
import sys
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import segno
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from PIL import Image, ImageDraw

from verifier import bake, classify_payload

__all__ = [
    "IssuerFixture",
    "IssuerServer",
    "LoggedRequest",
    "Route",
    "b64url",
    "bake_png",
    "bake_svg",
    "closed_port_url",
    "compact_jws",
    "hash_identity",
    "json_text",
    "public_pem",
    "qr_photo",
    "rsa_private_key",
    "sign_hs256",
    "sign_rs256",
    "tamper_payload",
    "unsigned_jws",
]

JSON_LD = "application/ld+json"
OB2_CONTEXT = "https://w3id.org/openbadges/v2"

# ----------------------------------------------------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------------------------------------------------

Body = bytes | str | dict[str, Any] | list[Any]


@dataclass
class Route:
    """What one path answers. ``body`` may be bytes, text, or a JSON value (dict/list, serialised on each request)."""

    status: int = 200
    body: Body = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (cut short when the server shuts down)."""
    redirect_to: str | None = None
    """Answer a redirect (``status`` if it is a 3xx, else 302) to this path or URL."""
    content_type: str = JSON_LD
    send_length: bool = True
    """False: no Content-Length; the body ends when the connection closes (HTTP/1.0)."""
    repeat: int = 1
    """Serve the body this many times over, streamed piece by piece (a 50 MB answer costs the server no 50 MB)."""
    drip: float = 0.0
    """Seconds to wait before each ``drip_size`` bytes of the body (a slow drip that never trips a read timeout)."""
    drip_size: int = 1
    stall_after: int | None = None
    """Send the headers and this many bytes of the body, then never another byte (until the server shuts down)."""

    def body_bytes(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class LoggedRequest:
    path: str
    headers: dict[str, str]
    status: int | None
    """The status answered; None when the request was dropped (server shutting down, client gone)."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a real server's backlog, not socketserver's 5: a burst of connections is not dropped
    issuer: IssuerServer

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        self.issuer._enter()
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.issuer._leave()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gives up (deadline, size cap) closes its socket: that is expected, not an error to print.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        self.issuer.errors.append(repr(error))


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"
    server_version = "TestIssuer/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        issuer = self.server.issuer
        headers = {k.lower(): v for k, v in self.headers.items()}
        route = issuer.routes.get(self.path) or issuer.routes.get(urlsplit(self.path).path)
        if route is not None and route.delay > 0 and issuer._stopping.wait(route.delay):
            issuer._log_request(LoggedRequest(self.path, headers, None))
            return
        if route is None:
            status, reply_headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
        elif route.redirect_to is not None:
            status = route.status if 300 <= route.status < 400 else 302
            reply_headers, body = {"Location": route.redirect_to, **route.headers}, b""
        else:
            status, body = route.status, route.body_bytes()
            reply_headers = {"Content-Type": route.content_type, **route.headers}
            etag = next((v for k, v in route.headers.items() if k.lower() == "etag"), None)
            wanted = headers.get("if-none-match")
            if status == 200 and etag is not None and wanted is not None and wanted in (etag, "*"):
                status, body = 304, b""
                reply_headers = {k: v for k, v in route.headers.items() if k.lower() != "content-type"}
        issuer._log_request(LoggedRequest(self.path, headers, status))
        try:
            self.send_response(status)
            for name, value in reply_headers.items():
                self.send_header(name, value)
            if route is None or route.send_length or status == 304:
                self.send_header("Content-Length", str(len(body) * (route.repeat if route and status != 304 else 1)))
            self.end_headers()
            if body:
                self._write_body(body, route)
        except (ConnectionError, TimeoutError):
            pass  # the client went away (a deadline or a size cap on its side)

    def _write_body(self, body: bytes, route: Route | None) -> None:
        issuer = self.server.issuer
        if route is None or (route.repeat == 1 and not route.drip and route.stall_after is None):
            self.wfile.write(body)
            return
        if route.stall_after is not None:
            self.wfile.write(body[: route.stall_after])
            self.wfile.flush()
            issuer._stopping.wait()  # never another byte
            return
        if route.drip:
            for start in range(0, len(body) * route.repeat, route.drip_size):
                if issuer._stopping.wait(route.drip):
                    return
                piece = (body * 2)[start % len(body) : start % len(body) + route.drip_size]
                self.wfile.write(piece)
                self.wfile.flush()
            return
        for _ in range(route.repeat):
            if issuer._stopping.is_set():
                return
            self.wfile.write(body)


class IssuerServer:
    """An HTTP server on 127.0.0.1 (ephemeral port) serving ``routes``. Use as a context manager, or start/close."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.errors: list[str] = []
        """Unexpected exceptions in handlers (a test fixture asserts there are none)."""
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._active = 0
        self._log: list[LoggedRequest] = []
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.issuer = self
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.authority = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"issuer-{self.port}", daemon=True
        )
        self._started = False

    def start(self) -> IssuerServer:
        self._thread.start()
        self._started = True
        return self

    def close(self) -> None:
        """Stop serving, wake delayed handlers, close the socket and wait for handler threads to finish."""
        self._stopping.set()
        if self._started:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()
        with self._idle:
            self._idle.wait_for(lambda: self._active == 0, timeout=5)

    def __enter__(self) -> IssuerServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Routes -----------------------------------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    def path_of(self, url: str) -> str:
        if url.startswith("/"):
            return url
        parts = urlsplit(url)
        if parts.netloc != self.authority:
            raise ValueError(f"{url} is not on this server ({self.base_url})")
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def serve(self, path_or_url: str, body: Body = b"", **route: Any) -> str:
        """Serve ``body`` at a path (or a URL on this server); returns the URL."""
        path = self.path_of(path_or_url)
        self.routes[path] = Route(body=body, **route)
        return self.url(path)

    # Request log ------------------------------------------------------------------------------------------------------

    def _enter(self) -> None:
        with self._lock:
            self._active += 1

    def _leave(self) -> None:
        with self._idle:
            self._active -= 1
            self._idle.notify_all()

    def _log_request(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    @property
    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def counts(self) -> Counter[str]:
        return Counter(self.paths)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()


def closed_port_url(path: str = "/assertion.json") -> str:
    """A URL on 127.0.0.1 at a port nobody listens on (bound then closed: connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


# ----------------------------------------------------------------------------------------------------------------------
# Keys, hashes and JWS, by hand (cryptography only)
# ----------------------------------------------------------------------------------------------------------------------


@cache
def rsa_private_key(index: int = 0) -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, generated once per index per test session."""
    del index  # only the cache key
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def hash_identity(identity: str, salt: str = "", algorithm: str = "sha256") -> str:
    return f"{algorithm}${hashlib.new(algorithm, (identity + salt).encode('utf-8')).hexdigest()}"


def json_text(document: dict[str, Any]) -> str:
    """The document as the server serves it (and as a baked copy carries it)."""
    return Route(body=document).body_bytes().decode("utf-8")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_bytes(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compact_jws(header: dict[str, Any], payload: bytes, signature: bytes) -> str:
    return f"{b64url(_json_bytes(header))}.{b64url(payload)}.{b64url(signature)}"


def sign_rs256(claims: dict[str, Any], key: rsa.RSAPrivateKey, **header: Any) -> str:
    """A compact JWS, RS256 (RSASSA-PKCS1-v1_5 with SHA-256), built by hand."""
    protected = b64url(_json_bytes({"alg": "RS256", **header}))
    body = b64url(_json_bytes(claims))
    signature = key.sign(f"{protected}.{body}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{protected}.{body}.{b64url(signature)}"


def sign_hs256(claims: dict[str, Any], secret: bytes) -> str:
    """An HS256 JWS: with the issuer's *public* PEM as secret, this is the classic algorithm-confusion forgery."""
    protected = b64url(_json_bytes({"alg": "HS256"}))
    body = b64url(_json_bytes(claims))
    signature = hmac.new(secret, f"{protected}.{body}".encode("ascii"), hashlib.sha256).digest()
    return f"{protected}.{body}.{b64url(signature)}"


def unsigned_jws(claims: dict[str, Any], *, signature: bytes = b"") -> str:
    """An ``alg: none`` JWS (RFC 7515 unsecured: empty signature unless one is given)."""
    return compact_jws({"alg": "none"}, _json_bytes(claims), signature)


def tamper_payload(token: str, claims: dict[str, Any]) -> str:
    """``token`` with its payload replaced by ``claims`` and the original header and signature kept."""
    header, _payload, signature = token.split(".")
    return f"{header}.{b64url(_json_bytes(claims))}.{signature}"


# ----------------------------------------------------------------------------------------------------------------------
# The issuer builder
# ----------------------------------------------------------------------------------------------------------------------


class IssuerFixture:
    """An OB 2.0 issuer published on ``server``: Profile, key, badge classes, assertions, revocation list.

    ``headers`` are added to every document it publishes (e.g. Cache-Control); with ``etags`` each document gets an
    ETag derived from its content. Documents are dicts: change one and ``publish`` it again to update the server.
    """

    def __init__(
        self,
        server: IssuerServer,
        *,
        name: str = "Example Issuer",
        email: str = "badges@issuer.test",
        key: rsa.RSAPrivateKey | None = None,
        revocation_list: bool = False,
        verification: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        etags: bool = False,
        content_type: str = JSON_LD,
    ) -> None:
        self.server = server
        self.base_url = server.base_url
        self.name = name
        self.email = email
        self.key = key or rsa_private_key()
        self.headers = dict(headers or {})
        self.etags = etags
        self.content_type = content_type
        self.issuer_id = server.url("/issuer.json")
        self.key_id = server.url("/keys/main.json")
        self.revocation_list_id = server.url("/revocations.json") if revocation_list else None
        self.revoked: list[str | dict[str, Any]] = []
        self.profile: dict[str, Any] = {
            "@context": OB2_CONTEXT,
            "type": "Issuer",
            "id": self.issuer_id,
            "name": name,
            "url": self.base_url + "/",
            "email": email,
            "publicKey": self.key_id,
        }
        if self.revocation_list_id:
            self.profile["revocationList"] = self.revocation_list_id
        if verification is not None:
            self.profile["verification"] = verification
        self.publish(self.profile)
        self.publish_key(self.key_id, self.key)
        if self.revocation_list_id:
            self.revoke()
        self._default_badge: dict[str, Any] | None = None

    # Publishing -------------------------------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.server.url(path)

    def publish(
        self,
        document: Body,
        url: str | None = None,
        *,
        server: IssuerServer | None = None,
        **route: Any,
    ) -> str:
        """Serve ``document`` at ``url`` (default: its ``id``) with this issuer's headers; returns the URL."""
        server = server or self.server
        if url is None:
            assert isinstance(document, dict), "a URL is needed for a document without an id"
            url = document["id"]
        headers = dict(self.headers)
        if self.etags:
            body = Route(body=document).body_bytes()
            headers["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        headers.update(route.pop("headers", {}))
        route.setdefault("content_type", self.content_type)
        return server.serve(url, document, headers=headers, **route)

    def publish_key(self, key_id: str, key: rsa.RSAPrivateKey, *, owner: str | None = None) -> dict[str, Any]:
        document = {
            "@context": OB2_CONTEXT,
            "type": "CryptographicKey",
            "id": key_id,
            "owner": owner or self.issuer_id,
            "publicKeyPem": public_pem(key),
        }
        self.publish(document)
        return document

    def badge_class(self, slug: str = "robotics", *, publish: bool = True, **overrides: Any) -> dict[str, Any]:
        document: dict[str, Any] = {
            "@context": OB2_CONTEXT,
            "type": "BadgeClass",
            "id": self.url(f"/badges/{slug}.json"),
            "name": f"{slug.title()} Badge",
            "description": f"Awarded for {slug} work that people think is pretty great.",
            "image": self.url(f"/badges/{slug}.png"),
            "criteria": {"narrative": f"Build something with {slug}.", "id": self.url(f"/badges/{slug}/criteria")},
            "issuer": self.issuer_id,
            "alignment": [
                {
                    "targetName": "Robotics Engineering",
                    "targetUrl": "https://esco.example.org/skill/robotics",
                    "targetFramework": "ESCO",
                    "targetCode": "S1.2.3",
                }
            ],
        }
        document.update(overrides)
        if publish:
            self.publish(document)
        return document

    @property
    def default_badge(self) -> dict[str, Any]:
        if self._default_badge is None:
            self._default_badge = self.badge_class()
        return self._default_badge

    def assertion(
        self,
        assertion_id: str,
        *,
        recipient: str = "earner@example.org",
        hashed: bool = True,
        salt: str = "deadsea",
        recipient_type: str = "email",
        badge: str | dict[str, Any] | None = None,
        issued_on: str = "2026-01-15T10:00:00Z",
        expires: str | None = None,
        verification: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """An assertion document (not published). ``extra`` adds or overrides properties (None removes one)."""
        identity: dict[str, Any] = {"type": recipient_type, "hashed": hashed}
        if hashed:
            identity.update(salt=salt, identity=hash_identity(recipient, salt))
        else:
            identity["identity"] = recipient
        document: dict[str, Any] = {
            "@context": OB2_CONTEXT,
            "type": "Assertion",
            "id": assertion_id,
            "recipient": identity,
            "badge": badge if badge is not None else self.default_badge["id"],
            "verification": verification or {"type": "hosted"},
            "issuedOn": issued_on,
            "evidence": [{"id": self.url("/evidence/1"), "narrative": "A robot that sorts socks."}],
        }
        if expires is not None:
            document["expires"] = expires
        for name, value in extra.items():
            if value is None:
                document.pop(name, None)
            else:
                document[name] = value
        return document

    def hosted_assertion(
        self, slug: str = "a1", *, server: IssuerServer | None = None, path: str | None = None, **options: Any
    ) -> dict[str, Any]:
        """An assertion published at ``/assertions/<slug>.json`` (on ``server``, default this issuer's)."""
        host = server or self.server
        url = host.url(path or f"/assertions/{slug}.json")
        document = self.assertion(url, **options)
        self.publish(document, server=host)
        return document

    def signed_claims(self, slug: str = "s1", *, creator: str | None = "", **options: Any) -> dict[str, Any]:
        """The assertion of a signed badge: a urn:uuid id and ``verification.creator`` (this issuer's key)."""
        verification: dict[str, Any] = {"type": "SignedBadge"}
        if creator is not None:
            verification["creator"] = creator or self.key_id
        badge_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self.base_url + '/' + slug)}"
        return self.assertion(badge_id, verification=verification, **options)

    def signed_assertion(
        self, slug: str = "s1", *, key: rsa.RSAPrivateKey | None = None, creator: str | None = "", **options: Any
    ) -> str:
        """A compact RS256 JWS of ``signed_claims`` (signed with this issuer's key unless ``key`` is given)."""
        return sign_rs256(self.signed_claims(slug, creator=creator, **options), key or self.key)

    def revoke(self, *entries: str | dict[str, Any]) -> dict[str, Any]:
        """Add entries (ids, or objects with id and revocationReason) to the revocation list and publish it."""
        assert self.revocation_list_id, "this issuer was built without a revocation list"
        self.revoked.extend(entries)
        document = {
            "@context": OB2_CONTEXT,
            "type": "RevocationList",
            "id": self.revocation_list_id,
            "issuer": self.issuer_id,
            "revokedAssertions": list(self.revoked),
        }
        self.publish(document)
        return document


# ----------------------------------------------------------------------------------------------------------------------
# Baked images and QR photos
# ----------------------------------------------------------------------------------------------------------------------


def badge_png(size: int = 64) -> bytes:
    image = Image.new("RGB", (size, size), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, size - 4, size - 4), fill=(30, 90, 160), outline=(10, 30, 60), width=3)
    draw.rectangle((size // 3, size // 3, 2 * size // 3, 2 * size // 3), fill=(240, 200, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


BADGE_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <title>Robotics badge</title>
  <circle cx="32" cy="32" r="28" fill="#1e5aa0" stroke="#0a1e3c" stroke-width="3"/>
  <rect x="21" y="21" width="22" height="22" fill="#f0c828"/>
</svg>
"""


def bake_png(text: str) -> bytes:
    """A PNG with ``text`` (assertion JSON, JWS or URL) baked in by the verifier's own baker."""
    return bake(badge_png(), classify_payload(text))


def bake_svg(text: str) -> bytes:
    return bake(BADGE_SVG.encode("utf-8"), classify_payload(text))


def qr_photo(url: str, *, angle: float = 4.0, quality: int = 85) -> bytes:
    """A JPEG "photo" of a printed card with a QR code of ``url``: card on a table, slightly rotated."""
    qr = io.BytesIO()
    segno.make_qr(url, error="m").save(qr, kind="png", scale=6, border=4)
    code = Image.open(io.BytesIO(qr.getvalue())).convert("RGB")
    card = Image.new("RGB", (code.width + 120, code.height + 160), (252, 250, 244))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, card.width - 1, card.height - 1), outline=(180, 170, 160), width=4)
    draw.text((30, 20), "Robotics Badge - scan to verify", fill=(40, 40, 40))
    card.paste(code, (60, 80))
    rotated = card.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(96, 72, 48))
    table = Image.new("RGB", (rotated.width + 80, rotated.height + 80), (96, 72, 48))
    table.paste(rotated, (40, 40))
    out = io.BytesIO()
    table.save(out, format="JPEG", quality=quality)
    return out.getvalue()

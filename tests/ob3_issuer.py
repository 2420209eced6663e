"""An Open Badges 3.0 test issuer, independent of the verifier's own signing code.

Everything a verifier needs to check an OB 3.0 credential is built here by hand, with ``cryptography`` and PyLD only:

* keys: Ed25519, P-256, P-384 and RSA, derived deterministically from a name (RSA: generated once per name and session);
  their Multikey (``z6Mk…``, ``zDn…``) and public JWK forms; ``did:key`` and ``did:jwk`` identifiers;
* Data Integrity proofs: ``eddsa-rdfc-2022`` (and its draft name ``eddsa-2022``) and ``Ed25519Signature2020``:
  URDNA2015 canonical N-Quads of the proof configuration (with the document's ``@context``) and of the document,
  ``sha256(proof config) || sha256(document)``, Ed25519, ``z`` + base58btc. Base58btc is written out below. The
  only piece shared with the verifier is its JSON-LD document loader, which serves the bundled context files;
* VC-JWTs: compact JWS built by hand for ES256/ES384 (raw ``r || s``), RS256, PS256 and EdDSA, in the VC 2.0 form
  (the credential is the payload) and the VC 1.1 form (the credential in the ``vc`` claim);
* status: a BitstringStatusListCredential (131,072 entries by default, multibase ``u`` + base64url of GZIP, bit 0 =
  most significant bit of byte 0), a StatusList2021Credential (bare base64url, ``H4sI…``) and a 1EdTech revocation
  list document;
* baking by hand: an ``iTXt`` ``openbadgecredential`` chunk after a PNG's ``IHDR``, an ``<openbadges:credential>``
  element as an SVG's first child;
* ``MockWeb``: an in-memory web of https documents (did:web DID documents, issuer profiles, ``jwks.json``…) behind
  an ``httpx`` transport that answers 404 for anything else, and forwards requests for ``127.0.0.1`` to the real
  local ``IssuerServer`` (``tests/issuer.py``), which serves status lists over real HTTP.

``OB3Issuer`` puts them together: an issuer identity (did:key, did:web, did:jwk or an https id with a key in the
verification method's fragment), credentials with sensible defaults, signing, and publishing of its documents.
Nothing here touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import struct
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Literal

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from issuer import BADGE_SVG, JSON_LD, IssuerServer, Route, badge_png, hash_identity
from pyld import jsonld

from verifier._jsonld import load_document

__all__ = [
    "CREATED",
    "DATA_INTEGRITY_V1",
    "EARNER_DID",
    "EARNER_EMAIL",
    "MINIMUM_ENTRIES",
    "SALT",
    "VALID_FROM",
    "ED25519_2020",
    "EXTENSIONS",
    "OB3_CONTEXT",
    "STATUS_LIST_2021",
    "VC1",
    "VC2",
    "Alg",
    "MockWeb",
    "OB3Issuer",
    "add_proof",
    "b58decode",
    "b58encode",
    "b64url",
    "bake_png_ob3",
    "bake_svg_ob3",
    "bitstring",
    "canonicalize",
    "did_jwk",
    "did_key",
    "ed25519_key",
    "encode_list",
    "hash_data",
    "jwt_claims",
    "multikey",
    "p256_key",
    "p384_key",
    "public_jwk",
    "revocation_list",
    "rsa_key",
    "sign_jwt",
    "timestamp",
]

VC2 = "https://www.w3.org/ns/credentials/v2"
VC1 = "https://www.w3.org/2018/credentials/v1"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DATA_INTEGRITY_V1 = "https://w3id.org/security/data-integrity/v1"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
STATUS_LIST_2021 = "https://w3id.org/vc/status-list/2021/v1"

VALID_FROM = "2026-01-15T10:00:00Z"
CREATED = "2026-01-15T10:00:05Z"

Alg = Literal["ES256", "ES384", "RS256", "PS256", "EdDSA", "Ed25519"]
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey

# ----------------------------------------------------------------------------------------------------------------------
# Encodings: base58btc, base64url
# ----------------------------------------------------------------------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    """Base58btc (Bitcoin alphabet): the big-endian number in base 58, each leading zero byte written as '1'."""
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ----------------------------------------------------------------------------------------------------------------------
# Keys and identifiers
# ----------------------------------------------------------------------------------------------------------------------


def _seed(name: str) -> bytes:
    return hashlib.sha256(f"ob3-test-key:{name}".encode()).digest()


@cache
def ed25519_key(name: str = "issuer") -> ed25519.Ed25519PrivateKey:
    """An Ed25519 key derived from ``name`` (the same name gives the same key)."""
    return ed25519.Ed25519PrivateKey.from_private_bytes(_seed(name))


@cache
def p256_key(name: str = "issuer") -> ec.EllipticCurvePrivateKey:
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    return ec.derive_private_key(int.from_bytes(_seed(name), "big") % (order - 1) + 1, ec.SECP256R1())


@cache
def p384_key(name: str = "issuer") -> ec.EllipticCurvePrivateKey:
    seed = hashlib.sha384(f"ob3-test-key:{name}".encode()).digest()
    order = int("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973", 16)
    return ec.derive_private_key(int.from_bytes(seed, "big") % (order - 1) + 1, ec.SECP384R1())


@cache
def rsa_key(name: str = "issuer") -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, generated once per name per test session."""
    del name  # only the cache key
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public(key: PrivateKey | PublicKey) -> PublicKey:
    return key.public_key() if hasattr(key, "sign") else key  # type: ignore[union-attr,return-value]


def multikey(key: PrivateKey | PublicKey) -> str:
    """``publicKeyMultibase``: 'z' + base58btc(multicodec varint ‖ key): Ed25519 0xed (``ed 01``), P-256 0x1200
    (``80 24``) and P-384 0x1201 (``81 24``), compressed points."""
    public = _public(key)
    if isinstance(public, ed25519.Ed25519PublicKey):
        return "z" + b58encode(b"\xed\x01" + public.public_bytes(Encoding.Raw, PublicFormat.Raw))
    if isinstance(public, ec.EllipticCurvePublicKey):
        prefix = b"\x81\x24" if public.curve.name == "secp384r1" else b"\x80\x24"
        return "z" + b58encode(prefix + public.public_bytes(Encoding.X962, PublicFormat.CompressedPoint))
    raise TypeError("no Multikey for RSA keys")


def public_jwk(key: PrivateKey | PublicKey) -> dict[str, str]:
    public = _public(key)
    if isinstance(public, ed25519.Ed25519PublicKey):
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public.public_bytes(Encoding.Raw, PublicFormat.Raw))}
    if isinstance(public, ec.EllipticCurvePublicKey):
        numbers = public.public_numbers()
        crv, size = ("P-384", 48) if public.curve.name == "secp384r1" else ("P-256", 32)
        return {
            "kty": "EC",
            "crv": crv,
            "x": b64url(numbers.x.to_bytes(size, "big")),
            "y": b64url(numbers.y.to_bytes(size, "big")),
        }
    numbers = public.public_numbers()
    return {
        "kty": "RSA",
        "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
        "e": b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
    }


def did_key(key: PrivateKey | PublicKey) -> str:
    return f"did:key:{multikey(key)}"


def did_jwk(key: PrivateKey | PublicKey) -> str:
    return "did:jwk:" + b64url(_json_bytes(public_jwk(key)))


# ----------------------------------------------------------------------------------------------------------------------
# Data Integrity proofs
# ----------------------------------------------------------------------------------------------------------------------


def canonicalize(document: dict[str, Any]) -> str:
    """URDNA2015 (= RDFC-1.0 here) canonical N-Quads, with the bundled contexts as the only documents; text direction
    as an i18n datatype, as the eddsa-rdfc-2022 cryptosuite specifies."""
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": load_document,
        "rdfDirection": "i18n-datatype",
    }
    return jsonld.normalize(document, options)  # type: ignore[no-any-return]


def hash_data(document: dict[str, Any], proof: dict[str, Any]) -> bytes:
    """What an EdDSA Data Integrity proof signs: sha256(canonical proof config) ‖ sha256(canonical document). The
    document goes without any proof, the configuration without ``proofValue`` and with the document's context."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    config = {"@context": unsecured["@context"], **{k: v for k, v in proof.items() if k != "proofValue"}}
    return (
        hashlib.sha256(canonicalize(config).encode("utf-8")).digest()
        + hashlib.sha256(canonicalize(unsecured).encode("utf-8")).digest()
    )


def add_proof(
    document: dict[str, Any],
    key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    *,
    suite: str = "eddsa-rdfc-2022",
    created: str = CREATED,
    purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """A copy of ``document`` with one more proof. ``suite``: ``eddsa-rdfc-2022`` or ``eddsa-2022``
    (``DataIntegrityProof``), or ``Ed25519Signature2020``. Proofs already there are kept (a proof set: each one
    signs the document without any proof), and the result has a list of proofs when there are several."""
    if suite == "Ed25519Signature2020":
        proof: dict[str, Any] = {"type": "Ed25519Signature2020"}
    else:
        proof = {"type": "DataIntegrityProof", "cryptosuite": suite}
    proof.update(created=created, verificationMethod=verification_method, proofPurpose=purpose)
    proof["proofValue"] = "z" + b58encode(key.sign(hash_data(document, proof)))
    signed = copy.deepcopy(document)
    existing = signed.get("proof")
    if existing is None:
        signed["proof"] = proof
    else:
        signed["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return signed


# ----------------------------------------------------------------------------------------------------------------------
# VC-JWT
# ----------------------------------------------------------------------------------------------------------------------


def timestamp(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def _jose_signature(key: PrivateKey, alg: str, data: bytes) -> bytes:
    if alg in ("ES256", "ES384"):
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        digest, size = (hashes.SHA256(), 32) if alg == "ES256" else (hashes.SHA384(), 48)
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")  # JWS: raw r || s, not DER (RFC 7518 3.4)
    if alg == "RS256":
        assert isinstance(key, rsa.RSAPrivateKey)
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if alg == "PS256":  # RFC 7518 3.5: MGF1 with SHA-256, salt as long as the hash
        assert isinstance(key, rsa.RSAPrivateKey)
        return key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    if alg in ("EdDSA", "Ed25519"):
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        return key.sign(data)
    raise ValueError(f"no signer for {alg}")


def sign_jwt(claims: dict[str, Any], key: PrivateKey, alg: Alg, **header: Any) -> str:
    """A compact JWS of ``claims``; ``header`` adds members (``kid``, ``jwk``, ``typ``; None removes one)."""
    protected = {"alg": alg, "typ": "JWT", **header}
    protected = {k: v for k, v in protected.items() if v is not None}
    signing_input = f"{b64url(_json_bytes(protected))}.{b64url(_json_bytes(claims))}"
    return f"{signing_input}.{b64url(_jose_signature(key, alg, signing_input.encode('ascii')))}"


def jwt_claims(credential: dict[str, Any], *, form: Literal["2.0", "1.1"] = "2.0", **claims: Any) -> dict[str, Any]:
    """The payload of a VC-JWT: registered claims derived from the credential (iss, jti, nbf, sub, exp), then the
    credential itself (VC 2.0) or under ``vc`` (VC 1.1). ``claims`` overrides them; None removes one."""
    subject = credential.get("credentialSubject", {})
    issuer = credential.get("issuer")
    start = credential.get("validFrom") or credential.get("issuanceDate")
    end = credential.get("validUntil") or credential.get("expirationDate")
    registered: dict[str, Any] = {
        "iss": issuer.get("id") if isinstance(issuer, dict) else issuer,
        "jti": credential.get("id"),
        "nbf": timestamp(start) if start else None,
        "sub": subject.get("id") if isinstance(subject, dict) else None,
        "exp": timestamp(end) if end else None,
    }
    registered.update(claims)
    body = {**credential} if form == "2.0" else {"vc": credential}
    body.update({k: v for k, v in registered.items() if v is not None})
    return body


# ----------------------------------------------------------------------------------------------------------------------
# Status lists
# ----------------------------------------------------------------------------------------------------------------------

MINIMUM_ENTRIES = 131_072


def bitstring(entries: int = MINIMUM_ENTRIES, *set_bits: int) -> bytes:
    """``entries`` one-bit statuses, all 0 but ``set_bits``; bit 0 is the most significant bit of byte 0."""
    data = bytearray((entries + 7) // 8)
    for index in set_bits:
        data[index // 8] |= 0x80 >> (index % 8)
    return bytes(data)


def encode_list(bits: bytes, *, multibase: bool = True) -> str:
    """``encodedList``: GZIP, then base64url without padding; Bitstring Status List adds the multibase prefix 'u'
    (``uH4sI…``), StatusList2021 does not (``H4sI…``)."""
    text = b64url(gzip.compress(bits, mtime=0))
    return ("u" if multibase else "") + text


def revocation_list(url: str, issuer_id: str, revoked: dict[str, str | None]) -> dict[str, Any]:
    """A 1EdTech revocation list document: ``revokedCredentials`` items ``{id, revocationReason?}``."""
    items = [{"id": cid, **({"revocationReason": why} if why else {})} for cid, why in revoked.items()]
    return {"id": url, "issuer": issuer_id, "revokedCredentials": items}


# ----------------------------------------------------------------------------------------------------------------------
# Baking by hand (OB 3.0 "Baked Badge")
# ----------------------------------------------------------------------------------------------------------------------

OB3_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bake_png_ob3(text: str) -> bytes:
    """A PNG with an uncompressed ``iTXt`` chunk ``openbadgecredential`` (credential JSON or compact JWS) right
    after ``IHDR``."""
    image = badge_png()
    ihdr_end = 8 + 12 + struct.unpack(">I", image[8:12])[0]
    chunk = _png_chunk(b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00" + text.encode("utf-8"))
    return image[:ihdr_end] + chunk + image[ihdr_end:]


def bake_svg_ob3(text: str) -> bytes:
    """An SVG whose first child is ``<openbadges:credential>``: the JSON in CDATA, or a JWS in ``verify``."""
    if text.lstrip().startswith("{"):
        element = f"<openbadges:credential><![CDATA[{text}]]></openbadges:credential>"
    else:
        element = f'<openbadges:credential verify="{text}"></openbadges:credential>'
    head, _, rest = BADGE_SVG.partition("<svg ")
    attributes, _, body = rest.partition(">")
    svg = f'{head}<svg xmlns:openbadges="{OB3_SVG_NAMESPACE}" {attributes}>\n  {element}{body}'
    return svg.encode("utf-8")


# ----------------------------------------------------------------------------------------------------------------------
# An in-memory web (https) in front of the local issuer server (http://127.0.0.1)
# ----------------------------------------------------------------------------------------------------------------------


class MockWeb:
    """Documents by exact URL (fragment ignored). ``transport()`` answers them, 404 for anything else, and sends
    requests for 127.0.0.1 to the real network (the local ``IssuerServer``). ``requested`` logs every URL asked."""

    def __init__(self) -> None:
        self.documents: dict[str, Route] = {}
        self.requested: list[str] = []

    def serve(self, url: str, body: Any, *, status: int = 200, content_type: str = JSON_LD) -> str:
        self.documents[url.split("#", 1)[0]] = Route(status=status, body=body, content_type=content_type)
        return url

    def remove(self, url: str) -> None:
        self.documents.pop(url.split("#", 1)[0], None)

    def transport(self) -> httpx.AsyncBaseTransport:
        return _WebTransport(self)


class _WebTransport(httpx.AsyncBaseTransport):
    def __init__(self, web: MockWeb) -> None:
        self._web = web
        self._network = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self._web.requested.append(url)
        if request.url.host == "127.0.0.1":
            return await self._network.handle_async_request(request)
        route = self._web.documents.get(url)
        if route is None:
            return httpx.Response(404, content=b"not found", request=request)
        headers = {"Content-Type": route.content_type, **route.headers}
        return httpx.Response(route.status, content=route.body_bytes(), headers=headers, request=request)

    async def aclose(self) -> None:
        await self._network.aclose()


# ----------------------------------------------------------------------------------------------------------------------
# The issuer
# ----------------------------------------------------------------------------------------------------------------------

EARNER_EMAIL = "earner@example.org"
EARNER_DID = did_key(ed25519_key("earner"))
SALT = "pepper-1"


@dataclass
class OB3Issuer:
    """An OB 3.0 issuer: its id, signing key and verification method, and the documents it publishes.

    Build one with the class methods (``did_key``, ``did_web``, ``did_jwk``, ``https``). ``credential()`` returns
    an unsigned OpenBadgeCredential; ``sign()`` adds a Data Integrity proof; ``jwt()`` makes a VC-JWT.
    """

    id: str
    key: PrivateKey
    vm: str
    name: str = "Example Issuer"
    web: MockWeb | None = None
    server: IssuerServer | None = None
    documents: dict[str, Any] = field(default_factory=dict)

    # Identities ---------------------------------------------------------------------------------------------------

    @classmethod
    def did_key(cls, key: PrivateKey | None = None, **options: Any) -> OB3Issuer:
        key = key or ed25519_key()
        did = did_key(key)
        return cls(did, key, f"{did}#{multikey(key)}", **options)

    @classmethod
    def did_jwk(cls, key: PrivateKey | None = None, **options: Any) -> OB3Issuer:
        key = key or ed25519_key()
        did = did_jwk(key)
        return cls(did, key, f"{did}#0", **options)

    @classmethod
    def did_web(
        cls,
        web: MockWeb,
        host: str = "issuer.example",
        *path: str,
        key: PrivateKey | None = None,
        fragment: str = "key-1",
        publish: bool = True,
        **options: Any,
    ) -> OB3Issuer:
        """A did:web issuer whose DID document is served by ``web`` at ``https://<host>/<path>/did.json`` (or
        ``/.well-known/did.json``). Ed25519 keys are published as Multikey, others as JsonWebKey2020."""
        key = key or ed25519_key()
        did = ":".join(["did:web", host.replace(":", "%3A"), *path])
        issuer = cls(did, key, f"{did}#{fragment}", web=web, **options)
        if publish:
            issuer.publish_did_document()
        return issuer

    @classmethod
    def https(
        cls, web: MockWeb | None = None, url: str = "https://issuer.example/issuers/1", **options: Any
    ) -> OB3Issuer:
        """An issuer identified by an https URL, its key named in the verification method's fragment
        (``https://…/issuers/1#z6Mk…``): verifiable offline, or from its profile with ``publish_profile()``."""
        key = options.pop("key", None) or ed25519_key()
        return cls(url, key, f"{url}#{multikey(key)}", web=web, **options)

    # Documents -----------------------------------------------------------------------------------------------------

    @property
    def did_document_url(self) -> str:
        host, *path = self.id.removeprefix("did:web:").split(":")
        host = host.replace("%3A", ":")
        return f"https://{host}/{'/'.join(path)}/did.json" if path else f"https://{host}/.well-known/did.json"

    def verification_method(self) -> dict[str, Any]:
        method: dict[str, Any] = {"id": self.vm, "controller": self.id}
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            method.update(type="Multikey", publicKeyMultibase=multikey(self.key))
        else:
            method.update(type="JsonWebKey2020", publicKeyJwk=public_jwk(self.key))
        return method

    def did_document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": self.id,
            "verificationMethod": [self.verification_method()],
            "assertionMethod": [self.vm],
            "authentication": [self.vm],
        }

    def publish_did_document(self, document: dict[str, Any] | None = None) -> str:
        assert self.web is not None
        return self.web.serve(self.did_document_url, document or self.did_document())

    def profile(self) -> dict[str, Any]:
        """The issuer Profile as a controller document (what an https verification method dereferences to)."""
        return {
            "@context": [VC2, OB3_CONTEXT],
            "id": self.id,
            "type": ["Profile"],
            "name": self.name,
            "verificationMethod": [self.verification_method()],
            "assertionMethod": [self.vm],
        }

    def publish_profile(self) -> str:
        assert self.web is not None
        return self.web.serve(self.id, self.profile())

    def publish_jwks(self, *keys: PrivateKey | PublicKey) -> str:
        """``https://<authority of the issuer id>/.well-known/jwks.json`` listing ``keys`` (default: its own)."""
        assert self.web is not None and self.id.startswith("https://")
        authority = self.id.split("/")[2]
        listed = [{**public_jwk(k), "use": "sig"} for k in (keys or (self.key,))]
        return self.web.serve(f"https://{authority}/.well-known/jwks.json", {"keys": listed})

    # Credentials ---------------------------------------------------------------------------------------------------

    def credential(
        self,
        slug: str = "c1",
        *,
        version: Literal["2.0", "1.1"] = "2.0",
        ob_context: str = OB3_CONTEXT,
        contexts: tuple[str, ...] = (),
        recipient: str = EARNER_EMAIL,
        hashed: bool = True,
        subject_id: str | None = EARNER_DID,
        valid_from: str = VALID_FROM,
        valid_until: str | None = None,
        status: dict[str, Any] | list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """An unsigned OpenBadgeCredential. ``extra`` adds or overrides top-level properties (None removes one)."""
        identifier: dict[str, Any] = {"type": "IdentityObject", "identityType": "emailAddress", "hashed": hashed}
        if hashed:
            identifier.update(identityHash=hash_identity(recipient, SALT), salt=SALT)
        else:
            identifier["identityHash"] = recipient
        subject: dict[str, Any] = {"type": ["AchievementSubject"]}
        if subject_id is not None:
            subject["id"] = subject_id
        subject["identifier"] = [identifier]
        subject["achievement"] = {
            "id": f"https://issuer.example/achievements/{slug}",
            "type": ["Achievement"],
            "name": "Robotics Badge",
            "description": "Awarded for robotics work that people think is pretty great.",
            "criteria": {"narrative": "Build a robot that sorts socks."},
            "achievementType": "Badge",
        }
        start, end = ("validFrom", "validUntil") if version == "2.0" else ("issuanceDate", "expirationDate")
        document: dict[str, Any] = {
            "@context": [VC2 if version == "2.0" else VC1, ob_context, *contexts],
            "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self.id + '/' + slug)}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": self.id, "type": ["Profile"], "name": self.name},
            start: valid_from,
            "name": "Robotics Badge",
            "credentialSubject": subject,
        }
        if valid_until is not None:
            document[end] = valid_until
        if status is not None:
            document["credentialStatus"] = status
        for name, value in extra.items():
            if value is None:
                document.pop(name, None)
            else:
                document[name] = value
        return document

    def endorsement(self, subject_id: str, slug: str = "e1", comment: str = "A fine badge.") -> dict[str, Any]:
        """A signed EndorsementCredential of ``subject_id`` (a credential, achievement or profile id)."""
        document = {
            "@context": [VC2, OB3_CONTEXT],
            "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self.id + '/endorsement/' + slug)}",
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": f"{self.name} endorses it",
            "issuer": {"id": self.id, "type": ["Profile"], "name": self.name},
            "validFrom": VALID_FROM,
            "credentialSubject": {"id": subject_id, "type": ["EndorsementSubject"], "endorsementComment": comment},
        }
        return self.sign(document)

    def sign(
        self,
        document: dict[str, Any],
        suite: str = "eddsa-rdfc-2022",
        *,
        key: ed25519.Ed25519PrivateKey | None = None,
        vm: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        signing_key = key or self.key
        assert isinstance(signing_key, ed25519.Ed25519PrivateKey), "Data Integrity proofs here are Ed25519"
        return add_proof(document, signing_key, vm or self.vm, suite=suite, **options)

    def jwt(
        self,
        credential: dict[str, Any],
        alg: Alg | None = None,
        *,
        form: Literal["2.0", "1.1"] = "2.0",
        claims: dict[str, Any] | None = None,
        key: PrivateKey | None = None,
        **header: Any,
    ) -> str:
        """A VC-JWT of ``credential`` with ``kid`` = this issuer's verification method unless ``header`` says
        otherwise (``kid=None, jwk=…`` for an inline key)."""
        signing_key = key or self.key
        if alg is None:
            if isinstance(signing_key, ed25519.Ed25519PrivateKey):
                alg = "EdDSA"
            elif isinstance(signing_key, ec.EllipticCurvePrivateKey):
                alg = "ES384" if signing_key.curve.name == "secp384r1" else "ES256"
            else:
                alg = "RS256"
        header.setdefault("kid", self.vm)
        return sign_jwt(jwt_claims(credential, form=form, **(claims or {})), signing_key, alg, **header)  # type: ignore[arg-type]

    # Status ----------------------------------------------------------------------------------------------------------

    def _list_url(self, path: str) -> str:
        assert self.server is not None, "status lists are served by the local issuer server"
        return self.server.url(path)

    def bitstring_status_list(
        self,
        path: str = "/status/1",
        *set_bits: int,
        entries: int = MINIMUM_ENTRIES,
        purpose: str = "revocation",
        signer: OB3Issuer | None = None,
        publish: bool = True,
    ) -> dict[str, Any]:
        """A signed BitstringStatusListCredential served at ``path`` on the local server (``signer`` issues and
        signs it instead of this issuer)."""
        url = self._list_url(path)
        owner = signer or self
        document = {
            "@context": [VC2],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": owner.id,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": purpose,
                "encodedList": encode_list(bitstring(entries, *set_bits)),
            },
        }
        signed = owner.sign(document)
        if publish:
            self.server.serve(path, signed)  # type: ignore[union-attr]
        return signed

    def status_list_2021(self, path: str = "/status/2021", *set_bits: int, purpose: str = "revocation") -> dict:
        """A signed StatusList2021Credential (VC 1.1, bare base64url ``H4sI…``) served at ``path``."""
        url = self._list_url(path)
        document = {
            "@context": [VC1, STATUS_LIST_2021, DATA_INTEGRITY_V1],
            "id": url,
            "type": ["VerifiableCredential", "StatusList2021Credential"],
            "issuer": self.id,
            "issuanceDate": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "StatusList2021",
                "statusPurpose": purpose,
                "encodedList": encode_list(bitstring(MINIMUM_ENTRIES, *set_bits), multibase=False),
            },
        }
        signed = self.sign(document)
        self.server.serve(path, signed)  # type: ignore[union-attr]
        return signed

    def bitstring_entry(self, index: int, path: str = "/status/1", purpose: str = "revocation") -> dict[str, Any]:
        url = self._list_url(path)
        return {
            "id": f"{url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": url,
        }

    def status_list_2021_entry(self, index: int, path: str = "/status/2021") -> dict[str, Any]:
        url = self._list_url(path)
        return {
            "id": f"{url}#{index}",
            "type": "StatusList2021Entry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": url,
        }

    def revocation_list(self, path: str = "/revocations", revoked: dict[str, str | None] | None = None) -> str:
        """A 1EdTech revocation list served at ``path``; returns its URL (the ``credentialStatus.id``)."""
        url = self._list_url(path)
        self.server.serve(path, revocation_list(url, self.id, revoked or {}))  # type: ignore[union-attr]
        return url

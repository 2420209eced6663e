"""Multikey/JWK decoding and verificationMethod resolution (OB-VERIFICATION 3.6, 3.8 and 4), with no network.

HTTP documents are served by ``httpx.MockTransport`` through the real ``Fetcher``. The two DCC did:web documents are
byte-exact copies of the reference pack's ``vectors/dids/`` (sha256 checked below).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from verifier._did.keys import (
    InvalidKey,
    UnsupportedKey,
    base58btc_decode,
    base58btc_encode,
    decode_multikey,
    encode_multikey,
    multibase_decode,
    public_key_from_jwk,
)
from verifier._did.resolve import (
    DidResolutionError,
    ResolvedKey,
    UnsupportedDidMethod,
    VerificationMethodNotFound,
    did_jwk_document,
    did_key_document,
    did_web_url,
    find_verification_method,
    resolve_did,
    resolve_verification_method,
)
from verifier._fetch import Fetcher, FetchPolicy

DIDS = Path(__file__).resolve().parents[1] / "fixtures" / "vectors" / "dids"
DID_SHA256 = {
    "dcc-legacy-did.json": "b279d6d39d00038b76f3c15314703f9358a9d30b57b8de275a1d2eb89cb636ea",
    "dcc-oidf-did.json": "d552806390cc68e9e61dfae5c73619b9687175e518982229ea9be5bb406ba5ef",
}
LEGACY_DID = "did:web:digitalcredentials.github.io:vc-test-fixtures:dids:legacy"
OIDF_DID = "did:web:digitalcredentials.github.io:vc-test-fixtures:dids:oidf"
DCC_KEY = "z6MkjXe1vZvPRqFuc9nRBtZ3e1Y9XKDFSbjFAfzLfW2bD6cZ"

SPEC_KEY_HEX = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
SPEC_MULTIKEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
SPEC_VM = f"https://example.edu/issuers/565049#{SPEC_MULTIKEY}"

ISSUER = "https://issuer.example/issuer"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _spki(key: Any) -> bytes:
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _ed25519_multikey() -> str:
    return encode_multikey(ed25519.Ed25519PrivateKey.generate().public_key())


def _did_jwk(jwk: dict[str, Any]) -> str:
    return "did:jwk:" + _b64url(json.dumps(jwk).encode())


def _serve(routes: dict[str, Any], requested: list[str]) -> httpx.MockTransport:
    """Answer each URL in ``routes`` with its JSON (bytes as they are, an int as a bare status), others with 404."""

    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        requested.append(url)
        if url not in routes:
            return httpx.Response(404, text="not found")
        body = routes[url]
        if isinstance(body, int):
            return httpx.Response(body)
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.Response(200, content=content, headers={"content-type": "application/json"})

    return httpx.MockTransport(handle)


def resolve(vm_id: str, routes: dict[str, Any] | None = None, **options: Any) -> tuple[ResolvedKey, list[str]]:
    requested: list[str] = []

    async def run() -> ResolvedKey:
        transport = _serve(routes or {}, requested)
        async with Fetcher(FetchPolicy(allow_private_network=True), transport=transport) as fetcher:
            return await resolve_verification_method(vm_id, fetcher, **options)

    return asyncio.run(run()), requested


def resolve_fails(vm_id: str, routes: dict[str, Any] | None = None, **options: Any) -> DidResolutionError:
    with pytest.raises(DidResolutionError) as caught:
        resolve(vm_id, routes, **options)
    return caught.value


def _did_routes() -> dict[str, bytes]:
    return {
        "https://digitalcredentials.github.io/vc-test-fixtures/dids/legacy/did.json": (
            DIDS / "dcc-legacy-did.json"
        ).read_bytes(),
        "https://digitalcredentials.github.io/vc-test-fixtures/dids/oidf/did.json": (
            DIDS / "dcc-oidf-did.json"
        ).read_bytes(),
    }


# --- base58btc, multibase ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", ""),
        (b"\0", "1"),
        (b"\0\0\0", "111"),
        (b"\x39", "z"),
        (b"\x3a", "21"),
        (b"hello world", "StV1DL6CwTryKyV"),
        (b"\0\0\x28\x7f\xb4\xcd", "11233QC4"),
        (bytes.fromhex("ed01" + SPEC_KEY_HEX), SPEC_MULTIKEY[1:]),
    ],
)
def test_base58btc_known_values(data: bytes, text: str) -> None:
    assert base58btc_encode(data) == text
    assert base58btc_decode(text) == data


@pytest.mark.parametrize("length", [1, 2, 31, 32, 33, 64, 200])
@pytest.mark.parametrize("zeros", [0, 1, 5])
def test_base58btc_round_trips(length: int, zeros: int) -> None:
    for body in (bytes(range(1, 256))[:length], hashlib.shake_256(bytes([length])).digest(length), b"\xff" * length):
        data = b"\0" * zeros + body
        assert base58btc_decode(base58btc_encode(data)) == data


@pytest.mark.parametrize("bad", ["0abc", "abcO", "Ixyz", "abl", "ab c", "ab+"])
def test_base58btc_rejects_characters_outside_the_alphabet(bad: str) -> None:
    with pytest.raises(InvalidKey, match="invalid base58btc character"):
        base58btc_decode(bad)


def test_base58btc_refuses_huge_input_instead_of_spinning() -> None:
    with pytest.raises(ValueError, match="too long"):
        base58btc_decode("z" * 100_000)


def test_multibase_base64url_and_unknown_bases() -> None:
    assert multibase_decode("u" + _b64url(b"\xed\x01abc")) == b"\xed\x01abc"
    assert multibase_decode("z" + base58btc_encode(b"xyz")) == b"xyz"
    for padded in ("uAQ==", "uA+/B", "uA"):  # padding, the standard alphabet, an impossible length
        with pytest.raises(InvalidKey):
            multibase_decode(padded)
    for other in ("f0102", "mAQI", "bAEBA"):
        with pytest.raises(UnsupportedKey, match="multibase encoding .* is not supported"):
            multibase_decode(other)
    with pytest.raises(InvalidKey):
        multibase_decode("")


# --- Multikey ---------------------------------------------------------------------------------------------------


def test_the_spec_key_is_its_multikey() -> None:
    key = decode_multikey(SPEC_MULTIKEY)
    assert key.kind == "Ed25519"
    assert isinstance(key.key, ed25519.Ed25519PublicKey)
    assert _raw(key.key).hex() == SPEC_KEY_HEX
    assert key.multibase == SPEC_MULTIKEY
    assert key.jwk == {"kty": "OKP", "crv": "Ed25519", "x": _b64url(bytes.fromhex(SPEC_KEY_HEX))}
    assert encode_multikey(key.key) == SPEC_MULTIKEY
    assert "z" + base58btc_encode(b"\xed\x01" + bytes.fromhex(SPEC_KEY_HEX)) == SPEC_MULTIKEY


def test_ed25519_multikeys_start_z6mk_and_round_trip() -> None:
    for _ in range(5):
        public = ed25519.Ed25519PrivateKey.generate().public_key()
        multikey = encode_multikey(public)
        assert multikey.startswith("z6Mk")
        assert _raw(decode_multikey(multikey).key) == _raw(public)


def test_a_base64url_multikey_decodes_too() -> None:
    multikey = "u" + _b64url(b"\xed\x01" + bytes.fromhex(SPEC_KEY_HEX))
    key = decode_multikey(multikey)
    assert _raw(key.key).hex() == SPEC_KEY_HEX
    assert key.multibase == multikey


def test_p256_multikey_round_trip() -> None:
    for _ in range(5):
        public = ec.generate_private_key(ec.SECP256R1()).public_key()
        point = public.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        multikey = "z" + base58btc_encode(b"\x80\x24" + point)
        assert multikey.startswith("zDn")
        assert encode_multikey(public) == multikey
        key = decode_multikey(multikey)
        assert key.kind == "P-256"
        assert isinstance(key.key, ec.EllipticCurvePublicKey)
        assert key.key.public_numbers() == public.public_numbers()
        assert key.jwk is not None and key.jwk["kty"] == "EC" and key.jwk["crv"] == "P-256"
        assert public_key_from_jwk(key.jwk).multibase == multikey


def _x25519() -> bytes:
    return x25519.X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _compressed(curve: ec.EllipticCurve) -> bytes:
    return ec.generate_private_key(curve).public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


@pytest.mark.parametrize(
    ("prefix", "body", "starts", "name"),
    [
        (b"\xec\x01", _x25519, "z6LS", "X25519"),
        (b"\xe7\x01", lambda: _compressed(ec.SECP256K1()), "zQ3s", "secp256k1"),
        (b"\x82\x24", lambda: _compressed(ec.SECP521R1()), "z2J9", "P-521"),
    ],
)
def test_other_key_types_are_not_supported(prefix: bytes, body: Any, starts: str, name: str) -> None:
    multikey = "z" + base58btc_encode(prefix + body())
    assert multikey.startswith(starts)
    with pytest.raises(UnsupportedKey, match=f"{name} keys are not supported") as caught:
        decode_multikey(multikey)
    assert isinstance(caught.value, ValueError)


def test_unknown_multicodecs_are_named() -> None:
    with pytest.raises(UnsupportedKey, match="unknown multicodec 0x55"):
        decode_multikey("z" + base58btc_encode(b"\x55" + b"\x01" * 32))


def _point_off_p256() -> bytes:
    for x in range(1, 100):
        candidate = b"\x02" + x.to_bytes(32, "big")
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), candidate)
        except ValueError:
            return candidate
    raise AssertionError("every small x is on the curve?")


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\xed\x01" + b"\x01" * 31,
        b"\xed\x01" + b"\x01" * 33,
        b"\x80\x24" + b"\x04" + b"\x01" * 64,  # uncompressed: Multikey uses the compressed form
        b"\x80\x24" + b"\x02" + b"\x01" * 31,
        b"\xff\xff",  # a truncated varint
    ],
)
def test_malformed_multikeys_are_invalid(payload: bytes) -> None:
    with pytest.raises(InvalidKey):
        decode_multikey("z" + base58btc_encode(payload))


def test_a_p256_multikey_off_the_curve_is_invalid() -> None:
    with pytest.raises(InvalidKey, match="not a point on the curve"):
        decode_multikey("z" + base58btc_encode(b"\x80\x24" + _point_off_p256()))


# --- JWK ----------------------------------------------------------------------------------------------------------


def test_jwk_ed25519() -> None:
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64url(bytes.fromhex(SPEC_KEY_HEX)), "kid": "k1"}
    key = public_key_from_jwk(jwk)
    assert key.kind == "Ed25519" and _raw(key.key).hex() == SPEC_KEY_HEX  # type: ignore[union-attr]
    assert key.multibase == SPEC_MULTIKEY
    assert key.jwk == jwk and key.jwk is not jwk


def test_jwk_p256() -> None:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    numbers = public.public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }
    key = public_key_from_jwk(jwk)
    assert key.kind == "P-256" and _spki(key.key) == _spki(public)
    assert key.multibase == encode_multikey(public)


def test_jwk_rsa() -> None:
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    numbers = public.public_numbers()
    jwk = {"kty": "RSA", "n": _b64url(numbers.n.to_bytes(256, "big")), "e": "AQAB", "alg": "RS256"}
    key = public_key_from_jwk(jwk)
    assert key.kind == "RSA" and _spki(key.key) == _spki(public)
    assert key.multibase is None and key.jwk == jwk


def test_short_rsa_keys_are_refused() -> None:
    public = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    jwk = {"kty": "RSA", "n": _b64url(public.public_numbers().n.to_bytes(128, "big")), "e": "AQAB"}
    with pytest.raises(InvalidKey, match="2048"):
        public_key_from_jwk(jwk)


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "OKP", "crv": "Ed25519", "x": _b64url(b"\1" * 32), "d": _b64url(b"\2" * 32)},
        {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"},
        {"kty": "RSA", "n": "AA", "e": "AQAB", "d": "AA", "p": "AA", "q": "AA"},
        {"kty": "oct", "k": "c2VjcmV0"},
    ],
)
def test_a_jwk_with_private_material_is_refused(jwk: dict[str, Any]) -> None:
    with pytest.raises(InvalidKey, match="private key material"):
        public_key_from_jwk(jwk)


@pytest.mark.parametrize(
    ("jwk", "match"),
    [
        ({"kty": "OKP", "crv": "X25519", "x": _b64url(b"\1" * 32)}, "X25519"),
        ({"kty": "OKP", "crv": "Ed448", "x": _b64url(b"\1" * 57)}, "Ed448"),
        ({"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"}, "P-521"),
        ({"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"}, "secp256k1"),
        ({"kty": "foo"}, "key type 'foo'"),
        ({}, "key type None"),
    ],
)
def test_unsupported_jwks(jwk: dict[str, Any], match: str) -> None:
    with pytest.raises(UnsupportedKey, match=match):
        public_key_from_jwk(jwk)


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "OKP", "crv": "Ed25519"},
        {"kty": "OKP", "crv": "Ed25519", "x": _b64url(b"\1" * 31)},
        {"kty": "OKP", "crv": "Ed25519", "x": _b64url(b"\1" * 32) + "="},
        {"kty": "OKP", "crv": "Ed25519", "x": 12},
        {"kty": "EC", "crv": "P-256", "x": _b64url(b"\1" * 32)},
        {"kty": "EC", "crv": "P-256", "x": _b64url(b"\1" * 32), "y": _b64url(b"\1" * 32)},  # not on the curve
        {"kty": "RSA", "e": "AQAB"},
    ],
)
def test_malformed_jwks_are_invalid(jwk: dict[str, Any]) -> None:
    with pytest.raises(InvalidKey):
        public_key_from_jwk(jwk)


def test_a_jwk_must_be_an_object() -> None:
    with pytest.raises(InvalidKey, match="JSON object"):
        public_key_from_jwk(["kty", "OKP"])  # type: ignore[arg-type]


# --- did:web URLs ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.com", "https://example.com/.well-known/did.json"),
        ("did:web:example.com:issuers:540e", "https://example.com/issuers/540e/did.json"),
        ("did:web:localhost%3A8443", "https://localhost:8443/.well-known/did.json"),
        ("did:web:localhost%3a8443:a:b", "https://localhost:8443/a/b/did.json"),
        (LEGACY_DID, "https://digitalcredentials.github.io/vc-test-fixtures/dids/legacy/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
    ],
)
def test_did_web_urls(did: str, url: str) -> None:
    assert did_web_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:web",
        "did:web:exa%20mple.com",
        "did:web:example.com%2Fevil",
        "did:web:user%40evil.example",
        "did:web:example.com%3A99999",
        "did:web:example.com%3Ahttp",
        "did:web:example.com:..",
        "did:web:example.com:%2E%2E:x",
        "did:web:example.com::x",
        "did:web:example.com:",
        "did:web:-bad-.example",
        "did:web:example.com#key-1",
        "did:web:example.com/path",
        "did:key:" + SPEC_MULTIKEY,
        "https://example.com",
    ],
)
def test_malformed_did_web_is_refused(did: str) -> None:
    with pytest.raises(DidResolutionError):
        did_web_url(did)


# --- did:key and did:jwk documents ----------------------------------------------------------------------------------


def test_did_key_document() -> None:
    did = f"did:key:{SPEC_MULTIKEY}"
    vm_id = f"{did}#{SPEC_MULTIKEY}"
    document = did_key_document(did)
    assert document["id"] == did
    assert document["verificationMethod"] == [
        {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": SPEC_MULTIKEY}
    ]
    assert document["assertionMethod"] == [vm_id] and document["authentication"] == [vm_id]
    assert find_verification_method(document, vm_id)["publicKeyMultibase"] == SPEC_MULTIKEY


def test_did_key_document_p256() -> None:
    multikey = encode_multikey(ec.generate_private_key(ec.SECP256R1()).public_key())
    document = did_key_document(f"did:key:{multikey}")
    assert document["verificationMethod"][0]["publicKeyMultibase"] == multikey


@pytest.mark.parametrize(
    ("did", "match"),
    [
        ("did:key:u" + _b64url(b"\xed\x01" + b"\1" * 32), "base58btc"),
        ("did:key:z" + base58btc_encode(b"\xec\x01" + b"\1" * 32), "X25519 keys are not supported"),
        ("did:key:z6Mk", "not a usable did:key"),
        (f"did:key:{SPEC_MULTIKEY}#{SPEC_MULTIKEY}", "DID URL"),
        (f"did:web:{SPEC_MULTIKEY}", "is not a did:key"),
        ("did:key:", "not a valid DID"),
    ],
)
def test_bad_did_keys(did: str, match: str) -> None:
    with pytest.raises(DidResolutionError, match=match):
        did_key_document(did)


def _ed25519_jwk(**extra: str) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(bytes.fromhex(SPEC_KEY_HEX)), **extra}


def test_did_jwk_document() -> None:
    jwk = _ed25519_jwk()
    did = _did_jwk(jwk)
    document = did_jwk_document(did)
    vm = {"id": f"{did}#0", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
    assert document["verificationMethod"] == [vm]
    for relationship in ("assertionMethod", "authentication", "capabilityInvocation", "keyAgreement"):
        assert document[relationship] == [f"{did}#0"]


def test_did_jwk_relationships_follow_use() -> None:
    signing = did_jwk_document(_did_jwk(_ed25519_jwk(use="sig")))
    assert "assertionMethod" in signing and "keyAgreement" not in signing
    encryption = did_jwk_document(_did_jwk({"kty": "EC", "crv": "P-256", **_p256_xy(), "use": "enc"}))
    assert "assertionMethod" not in encryption and encryption["keyAgreement"] == [encryption["id"] + "#0"]


def _p256_xy() -> dict[str, str]:
    numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    return {"x": _b64url(numbers.x.to_bytes(32, "big")), "y": _b64url(numbers.y.to_bytes(32, "big"))}


def test_the_did_jwk_spec_example() -> None:
    did = (
        "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgy"
        "VjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9"
    )
    document = did_jwk_document(did)
    assert document["verificationMethod"][0]["publicKeyJwk"]["crv"] == "P-256"
    assert document["assertionMethod"] == [f"{did}#0"]


@pytest.mark.parametrize(
    ("did", "match"),
    [
        (_did_jwk(_ed25519_jwk(d=_b64url(b"\2" * 32))), "private key material"),
        ("did:jwk:" + _b64url(b"not json"), "not base64url-encoded JSON"),
        ("did:jwk:" + _b64url(b"[1, 2]"), "not a JSON object"),
        ("did:jwk:eyJrdHkiOiJFQyJ9%3D", "not base64url-encoded JSON"),
        (_did_jwk({"kty": "OKP", "crv": "X25519", "x": _b64url(b"\1" * 32)}), "X25519"),
    ],
)
def test_bad_did_jwks(did: str, match: str) -> None:
    with pytest.raises(DidResolutionError, match=match):
        did_jwk_document(did)


# --- find_verification_method ---------------------------------------------------------------------------------------


def test_the_dcc_fixtures_are_byte_exact_copies() -> None:
    for name, digest in DID_SHA256.items():
        assert hashlib.sha256((DIDS / name).read_bytes()).hexdigest() == digest


def test_find_a_method_embedded_in_assertion_method() -> None:
    document = json.loads((DIDS / "dcc-legacy-did.json").read_text())
    assert "verificationMethod" not in document
    vm = find_verification_method(document, f"{LEGACY_DID}#{DCC_KEY}")
    assert vm["type"] == "Ed25519VerificationKey2020" and vm["publicKeyMultibase"] == DCC_KEY
    assert find_verification_method(document, f"#{DCC_KEY}")["id"] == f"{LEGACY_DID}#{DCC_KEY}"
    with pytest.raises(VerificationMethodNotFound, match="not in the document"):
        find_verification_method(document, f"{LEGACY_DID}#{DCC_KEY}", relationship="authentication")


def test_find_a_method_in_both_arrays() -> None:
    document = json.loads((DIDS / "dcc-oidf-did.json").read_text())
    vm = find_verification_method(document, f"{OIDF_DID}#{DCC_KEY}")
    assert vm["type"] == "Multikey" and vm["publicKeyMultibase"] == DCC_KEY
    with pytest.raises(VerificationMethodNotFound, match="not listed in its authentication"):
        find_verification_method(document, f"{OIDF_DID}#{DCC_KEY}", relationship="authentication")


def test_find_a_method_referenced_by_relative_id() -> None:
    did = "did:web:issuer.example"
    document = {
        "id": did,
        "verificationMethod": [
            {"id": "#key-1", "type": "Multikey", "controller": did, "publicKeyMultibase": SPEC_MULTIKEY},
            {"id": f"{did}#key-2", "type": "Multikey", "controller": did, "publicKeyMultibase": DCC_KEY},
        ],
        "assertionMethod": ["#key-1", f"{did}#key-3"],
    }
    assert find_verification_method(document, f"{did}#key-1") == {
        **document["verificationMethod"][0],
        "id": f"{did}#key-1",
    }
    assert find_verification_method(document, "#key-1")["publicKeyMultibase"] == SPEC_MULTIKEY
    with pytest.raises(VerificationMethodNotFound, match="not listed in its assertionMethod"):
        find_verification_method(document, f"{did}#key-2")
    with pytest.raises(VerificationMethodNotFound, match="listed in assertionMethod but not defined"):
        find_verification_method(document, f"{did}#key-3")
    with pytest.raises(VerificationMethodNotFound, match="is not in the document of did:web:issuer.example"):
        find_verification_method(document, f"{did}#key-9")
    assert issubclass(VerificationMethodNotFound, DidResolutionError)


# --- resolve_verification_method: DIDs ------------------------------------------------------------------------------


def test_did_key_with_and_without_fragment() -> None:
    did = f"did:key:{SPEC_MULTIKEY}"
    for vm_id in (f"{did}#{SPEC_MULTIKEY}", did):
        resolved, requested = resolve(vm_id)
        assert requested == []
        assert resolved.source == "did:key" and resolved.controller == did
        assert resolved.vm_id == f"{did}#{SPEC_MULTIKEY}"
        assert _raw(resolved.public_key.key).hex() == SPEC_KEY_HEX  # type: ignore[arg-type]


def test_a_did_key_fragment_must_repeat_the_key() -> None:
    error = resolve_fails(f"did:key:{SPEC_MULTIKEY}#{DCC_KEY}")
    assert "must repeat the key" in str(error)
    assert "must repeat the key" in str(resolve_fails(f"did:key:{SPEC_MULTIKEY}#key-1"))


def test_did_key_p256() -> None:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    resolved, _ = resolve(f"did:key:{encode_multikey(public)}")
    assert resolved.public_key.kind == "P-256" and _spki(resolved.public_key.key) == _spki(public)


def test_did_jwk_methods() -> None:
    did = _did_jwk(_ed25519_jwk())
    for vm_id in (f"{did}#0", did):
        resolved, requested = resolve(vm_id)
        assert requested == [] and resolved.source == "did:jwk"
        assert resolved.vm_id == f"{did}#0" and resolved.controller == did
        assert resolved.public_key.multibase == SPEC_MULTIKEY
    assert "#0" in str(resolve_fails(f"{did}#1"))


def test_an_encryption_did_jwk_cannot_sign() -> None:
    did = _did_jwk({"kty": "EC", "crv": "P-256", **_p256_xy(), "use": "enc"})
    with pytest.raises(VerificationMethodNotFound, match="assertionMethod"):
        resolve(f"{did}#0")


@pytest.mark.parametrize(("did", "url_part"), [(LEGACY_DID, "legacy"), (OIDF_DID, "oidf")])
def test_dcc_did_web_documents(did: str, url_part: str) -> None:
    resolved, requested = resolve(f"{did}#{DCC_KEY}", _did_routes())
    assert requested == [f"https://digitalcredentials.github.io/vc-test-fixtures/dids/{url_part}/did.json"]
    assert resolved.source == "did:web" and resolved.controller == did
    assert resolved.vm_id == f"{did}#{DCC_KEY}"
    assert resolved.public_key.kind == "Ed25519" and resolved.public_key.multibase == DCC_KEY


def test_a_bare_did_web_names_its_only_assertion_method() -> None:
    resolved, _ = resolve(LEGACY_DID, _did_routes())
    assert resolved.vm_id == f"{LEGACY_DID}#{DCC_KEY}"
    document = {"id": "did:web:two.example", "assertionMethod": [{"id": "#a"}, {"id": "#b"}]}
    error = resolve_fails("did:web:two.example", {"https://two.example/.well-known/did.json": document})
    assert "has 2 assertionMethod methods" in str(error)


def test_a_did_web_fragment_key_is_never_trusted() -> None:
    """DCC's badDidWeb: the fragment is a valid key, but the DID document does not resolve."""
    vm_id = "did:web:digitalcredentials.github.io:dcc-did-web-bad#z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q"
    error = resolve_fails(vm_id)
    assert "HTTP 404" in str(error)
    assert "https://digitalcredentials.github.io/dcc-did-web-bad/did.json" in str(error)


def test_a_did_web_fragment_key_missing_from_the_document_is_refused() -> None:
    other_key = _ed25519_multikey()
    with pytest.raises(VerificationMethodNotFound):
        resolve(f"{LEGACY_DID}#{other_key}", _did_routes())


def test_the_did_web_document_must_be_for_that_did() -> None:
    routes = {
        "https://digitalcredentials.github.io/vc-test-fixtures/dids/legacy/did.json": _did_routes()[
            "https://digitalcredentials.github.io/vc-test-fixtures/dids/oidf/did.json"
        ]
    }
    error = resolve_fails(f"{LEGACY_DID}#{DCC_KEY}", routes)
    assert f"is for {OIDF_DID}, not {LEGACY_DID}" in str(error)


@pytest.mark.parametrize("body", [b"<html>nope</html>", b"[1, 2]", 500])
def test_broken_did_web_documents(body: Any) -> None:
    resolve_fails("did:web:broken.example#key-1", {"https://broken.example/.well-known/did.json": body})


def test_a_network_failure_is_a_resolution_error() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async def run() -> ResolvedKey:
        async with Fetcher(FetchPolicy(allow_private_network=True), transport=httpx.MockTransport(fail)) as fetcher:
            return await resolve_verification_method("did:web:down.example#k", fetcher)

    with pytest.raises(DidResolutionError, match="cannot fetch the DID document of did:web:down.example"):
        asyncio.run(run())


def test_unknown_did_methods_are_refused() -> None:
    message = "did:example is not supported (supported: did:key, did:web, did:jwk)"
    with pytest.raises(UnsupportedDidMethod) as caught:
        resolve("did:example:z6Mkrvfzk#z6Mkrvfzk")
    assert str(caught.value) == message

    async def run() -> dict[str, Any]:
        async with Fetcher(FetchPolicy(allow_private_network=True), transport=_serve({}, [])) as fetcher:
            return await resolve_did("did:example:123", fetcher)

    with pytest.raises(UnsupportedDidMethod, match=re.escape(message)):
        asyncio.run(run())


def test_resolve_did_returns_documents() -> None:
    async def run() -> list[dict[str, Any]]:
        async with Fetcher(FetchPolicy(allow_private_network=True), transport=_serve(_did_routes(), [])) as fetcher:
            return [await resolve_did(did, fetcher) for did in (OIDF_DID, f"did:key:{SPEC_MULTIKEY}")]

    oidf, key = asyncio.run(run())
    assert oidf["name"] == "DCC issuer-registry-client OIDF test DID"
    assert key["id"] == f"did:key:{SPEC_MULTIKEY}"


# --- resolve_verification_method: URLs ------------------------------------------------------------------------------


def test_an_https_fragment_key_is_taken_offline() -> None:
    resolved, requested = resolve(SPEC_VM)
    assert requested == []
    assert resolved.source == "fragment"
    assert resolved.controller == "https://example.edu/issuers/565049" and resolved.vm_id == SPEC_VM
    assert _raw(resolved.public_key.key).hex() == SPEC_KEY_HEX  # type: ignore[arg-type]


def test_strict_mode_dereferences_the_fragment_url() -> None:
    controller = "https://example.edu/issuers/565049"
    profile = {
        "id": controller,
        "type": "Profile",
        "verificationMethod": [
            {"id": SPEC_VM, "type": "Multikey", "controller": controller, "publicKeyMultibase": SPEC_MULTIKEY}
        ],
        "assertionMethod": [SPEC_VM],
    }
    resolved, requested = resolve(SPEC_VM, {controller: profile}, trust_fragment=False)
    assert requested == [controller] and resolved.source == "controller-document"
    with pytest.raises(DidResolutionError, match="HTTP 404"):
        resolve(SPEC_VM, {}, trust_fragment=False)


@pytest.mark.parametrize(
    "vm_id",
    [f"urn:uuid:0b8c3b0a-3c1f-4b8e-9a3e-7d1f0f0f0f0f#{SPEC_MULTIKEY}", f"#{SPEC_MULTIKEY}", "ftp://x.example/k"],
)
def test_fragment_keys_only_for_http_controllers(vm_id: str) -> None:
    error = resolve_fails(vm_id)
    assert "are not supported" in str(error)


def test_a_non_key_fragment_is_dereferenced() -> None:
    vm_id = f"{ISSUER}#key-1"
    profile = {
        "id": ISSUER,
        "verificationMethod": [
            {"id": "#key-1", "type": "Multikey", "controller": ISSUER, "publicKeyMultibase": DCC_KEY}
        ],
        "assertionMethod": ["#key-1"],
    }
    resolved, requested = resolve(vm_id, {ISSUER: profile})
    assert requested == [ISSUER]
    assert resolved == ResolvedKey(resolved.public_key, ISSUER, vm_id, "controller-document")
    assert resolved.public_key.multibase == DCC_KEY


def test_a_profile_without_assertion_method_like_the_impl_guide() -> None:
    vm_id = f"{ISSUER}#key-0"
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    numbers = public.public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }
    profile = {
        "id": ISSUER,
        "type": ["Profile"],
        "verificationMethod": {
            "id": vm_id,
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdf-2022",
            "controller": ISSUER,
            "publicKeyJwk": jwk,
        },
    }
    resolved, _ = resolve(vm_id, {ISSUER: profile})
    assert resolved.public_key.kind == "P-256" and _spki(resolved.public_key.key) == _spki(public)


def test_a_profile_must_be_the_document_it_claims() -> None:
    profile = {
        "id": "https://victim.example/issuer",
        "verificationMethod": [{"id": f"{ISSUER}#k", "publicKeyMultibase": DCC_KEY}],
    }
    assert "has the id https://victim.example/issuer" in str(resolve_fails(f"{ISSUER}#k", {ISSUER: profile}))


def test_a_profile_lacking_the_method() -> None:
    profile = {"id": ISSUER, "verificationMethod": [{"id": f"{ISSUER}#other", "publicKeyMultibase": DCC_KEY}]}
    with pytest.raises(VerificationMethodNotFound):
        resolve(f"{ISSUER}#k", {ISSUER: profile})


def _key_document(vm_id: str, controller: str, multikey: str = DCC_KEY) -> dict[str, Any]:
    return {"id": vm_id, "type": "Multikey", "controller": controller, "publicKeyMultibase": multikey}


def test_an_https_key_document_confirmed_by_its_controller() -> None:
    vm_id = "https://issuer.example/keys/1"
    routes = {
        vm_id: _key_document(vm_id, ISSUER),
        ISSUER: {"id": ISSUER, "type": "Profile", "assertionMethod": [vm_id]},
    }
    resolved, requested = resolve(vm_id, routes)
    assert requested == [vm_id, ISSUER]
    assert resolved == ResolvedKey(resolved.public_key, ISSUER, vm_id, "key-document")
    assert resolved.public_key.multibase == DCC_KEY


def test_an_https_key_document_confirmed_by_a_did_controller() -> None:
    vm_id = "https://issuer.example/keys/1"
    did_document = {"id": LEGACY_DID, "assertionMethod": [vm_id]}
    routes = {vm_id: _key_document(vm_id, LEGACY_DID), **_did_routes()}
    routes["https://digitalcredentials.github.io/vc-test-fixtures/dids/legacy/did.json"] = json.dumps(
        did_document
    ).encode()
    resolved, _ = resolve(vm_id, routes)
    assert resolved.controller == LEGACY_DID and resolved.source == "key-document"


def test_a_key_document_naming_someone_elses_controller_is_refused() -> None:
    vm_id = "https://evil.example/key"
    routes = {vm_id: _key_document(vm_id, ISSUER), ISSUER: {"id": ISSUER, "type": "Profile", "verificationMethod": []}}
    error = resolve_fails(vm_id, routes)
    assert isinstance(error, VerificationMethodNotFound)
    assert f"the controller {ISSUER} does not list the key {vm_id}" in str(error)


@pytest.mark.parametrize(
    ("document", "match"),
    [
        ({"id": "https://issuer.example/keys/2", "controller": ISSUER, "publicKeyMultibase": DCC_KEY}, "has the id"),
        ({"id": "https://issuer.example/keys/1", "publicKeyMultibase": DCC_KEY}, "names no controller"),
        ({"id": "https://issuer.example/keys/1", "controller": ISSUER, "publicKeyMultibase": "zBad0"}, "unusable"),
        (
            {"id": "https://issuer.example/keys/1", "controller": "urn:x:y", "publicKeyMultibase": DCC_KEY},
            "cannot be resolved",
        ),
    ],
)
def test_broken_key_documents(document: dict[str, Any], match: str) -> None:
    with pytest.raises(DidResolutionError, match=match):
        resolve("https://issuer.example/keys/1", {"https://issuer.example/keys/1": document})


def test_a_method_with_two_different_keys_is_refused() -> None:
    vm_id = f"{ISSUER}#k"
    same = {"id": vm_id, "publicKeyMultibase": SPEC_MULTIKEY, "publicKeyJwk": _ed25519_jwk()}
    resolved, _ = resolve(vm_id, {ISSUER: {"id": ISSUER, "verificationMethod": [same]}})
    assert resolved.public_key.multibase == SPEC_MULTIKEY
    different = {**same, "publicKeyMultibase": DCC_KEY}
    error = resolve_fails(vm_id, {ISSUER: {"id": ISSUER, "verificationMethod": [different]}})
    assert "two different keys" in str(error)


def test_a_method_without_key_material() -> None:
    vm_id = f"{ISSUER}#k"
    bare = {"id": vm_id, "type": "Multikey", "controller": ISSUER}
    error = resolve_fails(vm_id, {ISSUER: {"id": ISSUER, "verificationMethod": [bare]}})
    assert "has no publicKeyMultibase or publicKeyJwk" in str(error)


def test_a_2018_method_with_a_short_base58_key() -> None:
    vm_id = f"{ISSUER}#k"
    legacy = {"id": vm_id, "type": "Ed25519VerificationKey2018", "publicKeyBase58": "abc"}
    error = resolve_fails(vm_id, {ISSUER: {"id": ISSUER, "verificationMethod": [legacy]}})
    assert "an Ed25519 key has 32 bytes, this publicKeyBase58 3" in str(error)


def test_publickeybase58_is_only_read_for_ed25519_2018_methods() -> None:
    vm_id = f"{ISSUER}#k"
    method = {"id": vm_id, "type": "EcdsaSecp256k1VerificationKey2019", "publicKeyBase58": "1" * 44}
    error = resolve_fails(vm_id, {ISSUER: {"id": ISSUER, "verificationMethod": [method]}})
    assert "publicKeyBase58 is only read for Ed25519VerificationKey2018" in str(error)


@pytest.mark.parametrize("vm_id", ["", "x" * 10_000, "https://[::1/key", {"id": "did:key:z6Mk"}])
def test_absent_or_absurd_method_ids(vm_id: Any) -> None:
    resolve_fails(vm_id)

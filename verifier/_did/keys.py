"""Public keys as OB 3.0 credentials and DID documents write them: Multikey strings and JWKs.

Pure functions, no I/O. A verification method names its key either as ``publicKeyMultibase`` (multibase + multicodec,
OB-VERIFICATION 3.6 and 4) or as ``publicKeyJwk``; both end up as a ``PublicKey`` holding a ``cryptography`` key
object, so signature code never parses key formats itself. Only the key types OB 3.0 proofs use are accepted:
Ed25519 (eddsa suites, Ed25519Signature2018/2020, EdDSA JWTs), P-256 and P-384 (ES256/ES384, the ecdsa suites)
and, from JWKs, RSA (RS256 VC-JWTs). Anything else raises ``UnsupportedKey`` with the key type named, so a report
can say *why* a key is unusable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "InvalidKey",
    "KeyKind",
    "PublicKey",
    "UnsupportedKey",
    "base58btc_decode",
    "base58btc_encode",
    "b64url_decode",
    "b64url_encode",
    "decode_multikey",
    "encode_multikey",
    "jwk_thumbprint",
    "multibase_decode",
    "public_key_from_jwk",
]

KeyKind = Literal["Ed25519", "P-256", "P-384", "RSA"]
CryptoPublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class InvalidKey(ValueError):
    """Key material that cannot be read: bad encoding, wrong length, not a curve point, or private material."""


class UnsupportedKey(ValueError):
    """Well-formed key material of a type this verifier does not use for credential proofs."""


@dataclass(frozen=True)
class PublicKey:
    """A public key and the interchange forms it has.

    ``multibase`` is the Multikey string (Ed25519, P-256 and P-384 only) and ``jwk`` the public JWK, each filled
    whatever form the key was read from, so a VC-JWT check can hand ``jwk`` to a JOSE library and a report can show the
    Multikey of a key that came as a JWK.
    """

    kind: KeyKind
    key: CryptoPublicKey
    multibase: str | None
    jwk: dict[str, Any] | None


# --- base58btc (Bitcoin alphabet), multibase -------------------------------------------------------------------

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: value for value, char in enumerate(_B58_ALPHABET)}
_MAX_BASE58_CHARS = 16384
_MAX_MULTIBASE_CHARS = 4096
"""Far above any supported key (a Multikey is ~50 characters)."""


def base58btc_encode(data: bytes) -> str:
    """Base58btc: the number in base 58, with each leading zero byte written as '1'."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_B58_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    """Inverse of ``base58btc_encode``. Raises ``InvalidKey`` (a ``ValueError``) on characters outside the alphabet
    (0, O, I, l, ...) and on text longer than 16 K characters: the conversion is quadratic, and keys (~50 characters)
    and signatures (~88) are far shorter."""
    if len(text) > _MAX_BASE58_CHARS:
        raise InvalidKey(f"base58btc value too long ({len(text)} characters)")
    number = 0
    for position, char in enumerate(text):
        value = _B58_INDEX.get(char)
        if value is None:
            raise InvalidKey(f"invalid base58btc character {char!r} at position {position}")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_decode(text: str) -> bytes:
    """Base64url without padding (RFC 7515 section 2), strictly: no '=', no '+' or '/', no whitespace."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise InvalidKey("invalid base64url (expected unpadded URL-safe base64)")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:  # pragma: no cover - the pattern above already rules these out
        raise InvalidKey("invalid base64url") from exc


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def multibase_decode(mb: str) -> bytes:
    """Bytes of a multibase string. Only the two bases keys use: 'z' (base58btc) and 'u' (base64url, no padding)."""
    if not isinstance(mb, str) or not mb:
        raise InvalidKey("empty or non-string multibase value")
    if len(mb) > _MAX_MULTIBASE_CHARS:
        raise InvalidKey(f"multibase value too long ({len(mb)} characters)")
    prefix, payload = mb[0], mb[1:]
    if prefix == "z":
        return base58btc_decode(payload)
    if prefix == "u":
        return b64url_decode(payload)
    raise UnsupportedKey(f"multibase encoding {prefix!r} is not supported (supported: 'z' base58btc, 'u' base64url)")


# --- Multikey (multicodec-prefixed public keys) -----------------------------------------------------------------

_ED25519_PREFIX = b"\xed\x01"
_P256_PREFIX = b"\x80\x24"
_P384_PREFIX = b"\x81\x24"
_CURVES: dict[bytes, tuple[Literal["P-256", "P-384"], ec.EllipticCurve, int]] = {
    _P256_PREFIX: ("P-256", ec.SECP256R1(), 32),
    _P384_PREFIX: ("P-384", ec.SECP384R1(), 48),
}

_UNSUPPORTED_CODECS = {
    0xEC: "X25519",
    0xE7: "secp256k1",
    0x1202: "P-521",
    0x1203: "Ed448",
    0x1205: "RSA",
    0xEB: "BLS12-381 G2",
    0xEA: "BLS12-381 G1",
}


def _read_varint(data: bytes) -> tuple[int, int]:
    """The unsigned varint (multiformats) at the start of ``data``, and how many bytes it used."""
    value = 0
    for index, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value, index + 1
    raise InvalidKey("truncated or overlong multicodec prefix")


def decode_multikey(mb: str) -> PublicKey:
    """The public key in a Multikey / ``publicKeyMultibase`` value ('z6Mk...' Ed25519, 'zDn...' P-256, 'z82...'
    P-384)."""
    data = multibase_decode(mb)
    if data.startswith(_ED25519_PREFIX):
        raw = data[len(_ED25519_PREFIX) :]
        if len(raw) != 32:
            raise InvalidKey(f"an Ed25519 Multikey holds 32 key bytes, this one {len(raw)}")
        key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        return PublicKey("Ed25519", key, mb, _ed25519_jwk(raw))
    for prefix, (kind, curve, size) in _CURVES.items():
        if not data.startswith(prefix):
            continue
        point = data[len(prefix) :]
        if len(point) != size + 1 or point[0] not in (2, 3):
            raise InvalidKey(f"a {kind} Multikey holds a {size + 1}-byte compressed point, this one {len(point)} bytes")
        try:
            ec_key = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
        except ValueError as exc:
            raise InvalidKey(f"the {kind} Multikey is not a point on the curve") from exc
        return PublicKey(kind, ec_key, mb, _ec_jwk(kind, ec_key, size))
    if not data:
        raise InvalidKey("empty Multikey")
    codec, _used = _read_varint(data)
    name = _UNSUPPORTED_CODECS.get(codec)
    if name is not None:
        hint = " (X25519 is for key agreement and cannot sign)" if codec == 0xEC else ""
        supported = "supported: Ed25519, P-256, P-384"
        raise UnsupportedKey(f"{name} keys are not supported{hint}: Multikey {mb[:8]}...; {supported}")
    raise UnsupportedKey(f"unknown multicodec 0x{codec:x} in Multikey {mb[:8]}...; supported: Ed25519, P-256, P-384")


def encode_multikey(key: CryptoPublicKey) -> str:
    """The Multikey ('z' + base58btc(multicodec prefix + key)) of an Ed25519, P-256 or P-384 public key."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "z" + base58btc_encode(_ED25519_PREFIX + key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    if isinstance(key, ec.EllipticCurvePublicKey):
        for prefix, (_kind, curve, _size) in _CURVES.items():
            if key.curve.name == curve.name:
                point = key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
                return "z" + base58btc_encode(prefix + point)
    raise UnsupportedKey(f"no Multikey encoding for {type(key).__name__} keys here; supported: Ed25519, P-256, P-384")


# --- JWK ---------------------------------------------------------------------------------------------------------

_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
"""Private members of EC/OKP/RSA JWKs, and 'k', the secret of a symmetric key (which must never be published)."""
_MIN_RSA_BITS = 2048
_MAX_RSA_BITS = 16384
"""RS256 requires at least 2048 bits; the upper bound keeps a hostile key from making verification slow."""


def _ed25519_jwk(raw: bytes) -> dict[str, Any]:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}


def _ec_jwk(kind: str, key: ec.EllipticCurvePublicKey, size: int) -> dict[str, Any]:
    numbers = key.public_numbers()
    return {
        "kty": "EC",
        "crv": kind,
        "x": b64url_encode(numbers.x.to_bytes(size, "big")),
        "y": b64url_encode(numbers.y.to_bytes(size, "big")),
    }


def _member(jwk: Mapping[str, Any], name: str, *, size: int | None = None) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidKey(f"the JWK has no {name!r} member")
    try:
        data = b64url_decode(value)
    except InvalidKey as exc:
        raise InvalidKey(f"the JWK member {name!r} is not base64url") from exc
    if size is not None and len(data) != size:
        raise InvalidKey(f"the JWK member {name!r} must be {size} bytes, not {len(data)}")
    return data


def public_key_from_jwk(jwk: Mapping[str, Any]) -> PublicKey:
    """The public key of a JWK (OKP/Ed25519, EC/P-256, RSA). A JWK carrying private material is refused outright:
    a published key with ``d`` in it means the issuer leaked its signing key, and anyone can forge its badges."""
    if not isinstance(jwk, Mapping):
        raise InvalidKey("a JWK must be a JSON object")
    leaked = [name for name in _PRIVATE_MEMBERS if name in jwk]
    if leaked:
        raise InvalidKey(
            f"the JWK contains private key material ({', '.join(repr(n) for n in leaked)}); "
            "a published key must be public only"
        )
    kty, crv = jwk.get("kty"), jwk.get("crv")
    public = dict(jwk)
    if kty == "OKP":
        if crv != "Ed25519":
            raise UnsupportedKey(f"OKP keys on curve {crv!r} are not supported; supported: Ed25519")
        raw = _member(jwk, "x", size=32)
        ed_key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        return PublicKey("Ed25519", ed_key, encode_multikey(ed_key), public)
    if kty == "EC":
        found = next(((kind, curve, size) for kind, curve, size in _CURVES.values() if kind == crv), None)
        if found is None:
            raise UnsupportedKey(f"EC keys on curve {crv!r} are not supported; supported: P-256, P-384")
        kind, curve, size = found
        x = int.from_bytes(_member(jwk, "x", size=size), "big")
        y = int.from_bytes(_member(jwk, "y", size=size), "big")
        try:
            ec_key = ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
        except ValueError as exc:
            raise InvalidKey(f"the EC JWK is not a point on {kind}") from exc
        return PublicKey(kind, ec_key, encode_multikey(ec_key), public)
    if kty == "RSA":
        n = int.from_bytes(_member(jwk, "n"), "big")
        e = int.from_bytes(_member(jwk, "e"), "big")
        if not _MIN_RSA_BITS <= n.bit_length() <= _MAX_RSA_BITS:
            raise InvalidKey(
                f"RSA keys must have {_MIN_RSA_BITS} to {_MAX_RSA_BITS} bits (RFC 7518 3.3), this one {n.bit_length()}"
            )
        try:
            rsa_key = rsa.RSAPublicNumbers(e, n).public_key()
        except ValueError as exc:
            raise InvalidKey(f"the RSA JWK is not a valid public key: {exc}") from exc
        return PublicKey("RSA", rsa_key, None, public)
    raise UnsupportedKey(f"JWK key type {kty!r} is not supported; supported: OKP (Ed25519), EC (P-256, P-384), RSA")


_THUMBPRINT_MEMBERS = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str | None:
    """The RFC 7638 SHA-256 thumbprint of a public JWK (base64url): what a bare JWS ``kid`` often is. None when the
    JWK lacks the required members."""
    members = _THUMBPRINT_MEMBERS.get(str(jwk.get("kty")))
    if members is None or not all(isinstance(jwk.get(name), str) for name in members):
        return None
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())

"""VC-JWT proofs (OB 3.0 "JSON Web Token Proof"): compact JWS over the credential, keys by ``kid`` or ``jwk``.

The signature is checked over the compact serialisation exactly as received; claims are cross-checked against the
credential afterwards, and expiry is left to the validity checks so an expired credential is a status, not an error.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from typing import Any

from .._did.keys import PublicKey, b64url_decode
from .._json import parse_json

__all__ = [
    "ALLOWED_ALGORITHMS",
    "CREDENTIAL_TYPS",
    "PRESENTATION_TYPS",
    "JwtProblem",
    "claim_checks",
    "credential_of",
    "enveloping_problem",
    "is_sd_jwt",
    "parse_jwt",
    "verify_jwt_signature",
]

# RS256 and ES256 are what OB 3.0 certifies; ES384, PS256 and EdDSA/Ed25519 (RFC 9864's name) are what VC-JOSE-COSE
# issuers use. Never `none`, never HMAC: a shared secret proves nothing about an issuer.
ALLOWED_ALGORITHMS = {
    "ES256": "P-256",
    "ES384": "P-384",
    "EdDSA": "Ed25519",
    "Ed25519": "Ed25519",
    "RS256": "RSA",
    "PS256": "RSA",
}


class JwtProblem(ValueError):
    """The token cannot be a VC-JWT at all (encoding, algorithm, header)."""


CREDENTIAL_TYPS = ("jwt", "vc+jwt", "vc+ld+jwt", "application/vc+jwt")
PRESENTATION_TYPS = ("jwt", "vp+jwt", "vp+ld+jwt", "application/vp+jwt")


def parse_jwt(token: str, *, typs: tuple[str, ...] = CREDENTIAL_TYPS) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a compact JWS, unverified. Raises ``JwtProblem``."""
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtProblem("not a compact JWS (three base64url parts expected)")
    try:
        header = parse_json(b64url_decode(parts[0]))
        claims = parse_json(b64url_decode(parts[1]))
    except ValueError as exc:
        raise JwtProblem(f"the JWS does not decode: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JwtProblem("the JWS header and payload must be JSON objects")
    algorithm = header.get("alg")
    if algorithm is not None and not isinstance(algorithm, str):  # an object or array cannot even be looked up
        raise JwtProblem(f"the JWS algorithm must be a name, not {_json_kind(algorithm)}")
    if algorithm not in ALLOWED_ALGORITHMS:
        raise JwtProblem(f"JWS algorithm {algorithm!r} is not allowed (allowed: {', '.join(ALLOWED_ALGORITHMS)})")
    if "jwk" in header and isinstance(header["jwk"], dict) and ("d" in header["jwk"] or "k" in header["jwk"]):
        raise JwtProblem("the JWS header carries private key material")
    if not header.get("kid") and not isinstance(header.get("jwk"), dict):
        raise JwtProblem("the JOSE header must carry a kid or a jwk")
    typ = header.get("typ")
    if typ is not None and str(typ).lower() not in typs:
        raise JwtProblem(f"unexpected JWS typ {typ!r}")
    return header, claims


def _json_kind(value: Any) -> str:
    kinds: dict[type, str] = {dict: "an object", list: "an array", bool: "true or false"}
    return kinds.get(type(value), "a number")


def credential_of(claims: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The credential in a VC-JWT payload and its data model: VC 1.1 keeps it in ``vc``, VC 2.0 is the payload."""
    if isinstance(claims.get("vc"), dict):
        return claims["vc"], "1.1"
    return claims, "2.0"


def is_sd_jwt(token: str, header: dict[str, Any] | None) -> bool:
    """An SD-JWT (``vc+sd-jwt``, ``dc+sd-jwt``): a JWS followed by ``~``-separated disclosures. Its signature covers
    digests, not the claims as shown, so it must not be read as a plain VC-JWT."""
    typ = str((header or {}).get("typ") or "").lower()
    return typ.endswith("sd-jwt") or "~" in token


_VC_JOSE_TYPS = {"credential": ("vc+jwt", "vc+ld+jwt"), "presentation": ("vp+jwt", "vp+ld+jwt")}


def enveloping_problem(header: dict[str, Any], claims: dict[str, Any], what: str = "credential") -> str | None:
    """Why a JWT breaks VC-JOSE-COSE 3.1.1/3.1.2, if it does: a ``vc+jwt`` (``vp+jwt``) is the credential (the
    presentation) itself, so its claims set must not also carry a ``vc`` or ``vp`` claim, which would let two readers
    take two different credentials from one signature. The VC 1.1 form (``typ`` JWT, the credential in ``vc``, no
    ``@context`` of its own) is another format and stays allowed."""
    typ = str(header.get("typ") or "").lower().removeprefix("application/")
    media = typ if typ in _VC_JOSE_TYPS[what] else None
    own = "@context" in claims  # the claims set is itself the credential or presentation (VC 2.0)
    carried = [name for name in ("vc", "vp") if name in claims]
    if not carried or (media is None and not own):
        return None
    names = " and ".join(repr(n) for n in carried)
    where = f"a {media}" if media else f"a JWT whose payload is the {what} itself"
    return f"{where} must not carry the {names} claim{'s' if len(carried) > 1 else ''} (VC-JOSE-COSE)"


def verify_jwt_signature(token: str, key: PublicKey, *, typs: tuple[str, ...] = CREDENTIAL_TYPS) -> bool:
    # joserfc (and the cryptography backends it imports, ~60 ms) is loaded only when a JWT is checked: verifying a
    # Data Integrity credential, the common case, never needs it.
    from joserfc import jws
    from joserfc.errors import JoseError
    from joserfc.jwk import import_key

    from .._jose import jws_registry

    header, _claims = parse_jwt(token, typs=typs)
    algorithm = header["alg"]
    if ALLOWED_ALGORITHMS[algorithm] != key.kind:
        raise JwtProblem(f"algorithm {algorithm} does not fit a {key.kind} key")
    if key.jwk is None:
        raise JwtProblem("the key has no JWK form")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc flags the "EdDSA" name as deprecated by RFC 9864; it is still used
        try:
            jws.deserialize_compact(
                token, import_key(dict(key.jwk)), algorithms=[algorithm], registry=jws_registry([algorithm])
            )
        except (JoseError, ValueError):
            return False
    return True


def numeric_date(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def claim_checks(
    claims: dict[str, Any], credential: dict[str, Any], *, issuer_id: str | None, valid_from: datetime | None
) -> list[tuple[str, str]]:
    """Problems between the registered claims and the credential: ``(outcome, message)`` with outcome failed/warning.

    ``sub`` absent is a warning only: 1EdTech's own JWT fixtures omit it (and put the subject in ``aud``).
    """
    problems: list[tuple[str, str]] = []
    if "iss" in claims and claims["iss"] != issuer_id:
        problems.append(("failed", f"the iss claim ({claims['iss']}) is not the issuer ({issuer_id})"))
    elif "iss" not in claims:
        problems.append(("warning", "the JWT has no iss claim"))
    if "jti" in claims and claims["jti"] != credential.get("id"):
        problems.append(
            ("failed", f"the jti claim ({claims['jti']}) is not the credential id ({credential.get('id')})")
        )
    nbf = numeric_date(claims.get("nbf"))
    if "nbf" in claims and nbf is None:
        problems.append(("failed", "the nbf claim is not a NumericDate"))
    elif nbf is not None and valid_from is not None and abs((nbf - valid_from).total_seconds()) > 1:
        problems.append(("failed", f"the nbf claim ({nbf.isoformat()}) is not validFrom ({valid_from.isoformat()})"))
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if "sub" in claims and subject_id is not None and claims["sub"] != subject_id:
        problems.append(("failed", f"the sub claim ({claims['sub']}) is not the subject ({subject_id})"))
    elif "sub" not in claims and subject_id is not None:
        problems.append(("warning", "the JWT has no sub claim"))
    if "exp" in claims and numeric_date(claims["exp"]) is None:
        problems.append(("failed", "the exp claim is not a NumericDate"))
    return problems
